"""Benchmark "reports": the institute's reports over a year of records, and xAPI ingest.

A real server (bench/server.py) with the demo loaded: the 2020 catalog and its 316,520
completed enrolments. Added straight into its database, as the live classes would have written
them:

- ``--cohorts`` (100) live cohorts of ``--size`` (300) in a 2020 course, 10 sessions each, the
  demo's synthetic trainees enrolled (90% completed when the cohort ended, the rest not), and
  attendance events for every person in every session (join, drops and resumes, leave; phone,
  PC or tablet) until there are ``--events`` (2,000,000) in all;
- the new-recruit cohort of ``bench cohort_completion`` (300 trainees, 2 weeks, a rule asking
  for 80% of the time, two required sessions and the survey).

Then an operator asks, ``--repeat`` (5) times each after one warm-up, for
``plan_vs_actual_ms`` (``GET /api/v1/reports/plan-vs-actual?year=2020``),
``completion_by_cohort_ms`` (``GET /api/v1/reports/completion?year=2020``: every 2020 enrolment
by course, cohort, org unit, grade and device; the device from the 2 million events) and
``cohort_completion_ms`` (``GET /api/v1/cohorts/{id}/completion`` for the new-recruit cohort);
each figure is the median. Last, ``xapi_per_s``: ``--statements`` (20,000) xAPI statements
posted in arrays of 100 by 4 posters (``bench xapi``'s ingest), over this database.
"""

from __future__ import annotations

import argparse
import platform
import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import aiohttp
from sqlalchemy import Table, func, insert, select, text

from bench import xapi
from bench.cohort_completion import seed as seed_new_recruits
from bench.http import database_kind, percentile
from bench.server import process_cpu_seconds, running_server
from server.core.auth.models import User
from server.core.db import Database
from server.lms import demo_2020
from server.lms.models import ClassSession, Cohort, Course, Enrolment, SubArea
from server.rooms.models import AttendanceEvent

EVENTS = cast(Table, AttendanceEvent.__table__)

describe = "reports over 300,000+ enrolments and 2 million attendance events; xAPI ingest"

GOAL: dict[str, float] = {"plan_vs_actual_ms": 1000, "completion_by_cohort_ms": 1000,
                          "cohort_completion_ms": 1000, "xapi_per_s": 5000}  # fmt: skip
SEED = 2020
DEVICES = ("phone",) * 42 + ("pc",) * 50 + ("tablet",) * 8  # 42% phones, as in 2020
EVENT_COLUMNS = ["class_session_id", "user_id", "kind", "at", "client_id", "device_class"]
EventRow = tuple[int, int, str, datetime, str, str]
CHUNK = 50_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=2_000_000,
                        help="attendance events in all (default 2,000,000)")  # fmt: skip
    parser.add_argument("--cohorts", type=int, default=100, help="live cohorts added (100)")
    parser.add_argument("--size", type=int, default=300, help="trainees per cohort (300)")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per report (5)")
    parser.add_argument("--statements", type=int, default=20_000,
                        help="xAPI statements posted (default 20,000)")  # fmt: skip
    parser.add_argument("--database-url", default=None,
                        help="a fresh, empty PostgreSQL database; default SQLite")  # fmt: skip


def _events_of(
    rng: random.Random, cs: int, user_id: int, start: datetime, k: int
) -> list[EventRow]:
    """One person's day: a join, ``k`` drops each resumed, a leave."""
    device = rng.choice(DEVICES)
    client = f"u{user_id}-{device}"
    at = start + timedelta(seconds=rng.randrange(0, 600))
    rows: list[EventRow] = [(cs, user_id, "join", at, client, device)]
    for _ in range(k):
        at += timedelta(seconds=rng.randrange(600, 3000))
        rows.append((cs, user_id, "drop", at, client, device))
        at += timedelta(seconds=rng.randrange(5, 200))
        rows.append((cs, user_id, "resume", at, client, device))
    rows.append((cs, user_id, "leave", start + timedelta(hours=7), client, device))
    return rows


async def _bulk(session: Any, table: Table, columns: list[str], rows: list[EventRow]) -> None:
    """COPY on PostgreSQL, the driver's executemany on SQLite (times stored as the column
    type stores them): a few hundred thousand rows a second, past the ORM."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    if connection.dialect.name == "postgresql":
        await driver.copy_records_to_table(table.name, records=rows, columns=columns)
        return
    processors = [table.c[c].type.bind_processor(connection.dialect) for c in columns]
    converted = [tuple(p(v) if p else v for p, v in zip(processors, r, strict=True)) for r in rows]
    marks = ", ".join("?" for _ in columns)
    await driver.executemany(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
        converted,
    )


async def seed_live_year(
    database_url: str, events: int, cohorts: int, size: int
) -> tuple[int, int]:
    """A 2020 course of ``cohorts`` live cohorts with ``events`` attendance events in all;
    returns (enrolments, events) written."""
    rng = random.Random(SEED)
    sessions_each = 10
    per_day = events / (cohorts * size * sessions_each)  # events per person and day
    drops = max(0.0, (per_day - 2) / 2)
    db = Database(database_url)
    try:
        async with db.unit_of_work() as session:
            sub_area = await session.scalar(select(SubArea.id).order_by(SubArea.id).limit(1))
            pool = list(await session.scalars(select(User.id).where(
                User.login.startswith(demo_2020.LOGIN_PREFIX)).order_by(User.id)))  # fmt: skip
            if sub_area is None or len(pool) < size:
                raise SystemExit("bench reports: load the demo (with its 2020 records) first")
            course = Course(code="BENCH-LIVE-2020", title="실시간 원격 대규모 과정", year=2020,
                            sub_area_id=sub_area, track="classroom", delivery_mode="live_remote",
                            always_open=False, hours_per_day=7)  # fmt: skip
            session.add(course)
            await session.flush()
            enrolled = written = 0
            for n in range(cohorts):
                first = date(2020, 1, 6) + timedelta(days=(n * 350) // cohorts)
                cohort = Cohort(course_id=course.id, number=n + 1, name=f"{n + 1}기",
                                starts_on=first, ends_on=first + timedelta(days=13),
                                capacity=size, status="finished")  # fmt: skip
                session.add(cohort)
                await session.flush()
                starts = [datetime(first.year, first.month, first.day, tzinfo=UTC)
                          + timedelta(days=d * 7 // 5) for d in range(sessions_each)]  # fmt: skip
                ids = list(await session.scalars(insert(ClassSession).returning(ClassSession.id), [
                    {"cohort_id": cohort.id, "title": f"{d + 1}일차", "starts_at": s,
                     "ends_at": s + timedelta(hours=7), "live": True, "state": "ended"}
                    for d, s in enumerate(starts)]))  # fmt: skip
                people = [pool[(n * size + i) % len(pool)] for i in range(size)]
                done = datetime.combine(first + timedelta(days=14), datetime.min.time(), UTC)
                await session.execute(insert(Enrolment), [
                    {"cohort_id": cohort.id, "user_id": u, "created_at": done,
                     **_outcome(rng.random() < 0.9, done)} for u in people])  # fmt: skip
                enrolled += len(people)
                rows: list[EventRow] = []
                for cs, start in zip(ids, starts, strict=True):
                    for u in people:
                        k = int(drops) + (1 if rng.random() < drops - int(drops) else 0)
                        rows += _events_of(rng, cs, u, start, k)
                for at in range(0, len(rows), CHUNK):
                    await _bulk(session, EVENTS, EVENT_COLUMNS, rows[at : at + CHUNK])
                written += len(rows)
            return enrolled, written
    finally:
        await db.close()


def _outcome(completed: bool, at: datetime) -> dict[str, Any]:
    """Finalised: completed when the cohort ended, or not completed (no completion time)."""
    if completed:
        return {"status": "completed", "completed_at": at}
    return {"status": "not_completed", "completed_at": None}


async def _count(database_url: str) -> tuple[int, int]:
    """Rows written; on PostgreSQL the tables are analysed first, as autovacuum would have
    done after a day of classes (the planner's figures for bulk-copied tables are empty)."""
    db = Database(database_url)
    try:
        if db.engine.dialect.name == "postgresql":
            async with db.engine.connect() as connection:
                await connection.execute(text("ANALYZE"))
                await connection.commit()
        async with db.unit_of_work() as session:
            enrolments = await session.scalar(select(func.count()).select_from(Enrolment))
            events = await session.scalar(select(func.count()).select_from(AttendanceEvent))
            return int(enrolments or 0), int(events or 0)
    finally:
        await db.close()


async def _timed(http: aiohttp.ClientSession, path: str, repeat: int, pid: int) -> dict[str, Any]:
    """One warm-up, then ``repeat`` timed requests: median, max and server CPU a request."""
    async with http.get(path) as resp:
        assert resp.status == 200, await resp.text()
        body = await resp.json()
    times: list[float] = []
    cpu0 = process_cpu_seconds(pid)
    for _ in range(repeat):
        started = time.perf_counter()
        async with http.get(path) as resp:
            await resp.read()
            assert resp.status == 200
        times.append((time.perf_counter() - started) * 1000)
    cpu = (process_cpu_seconds(pid) - cpu0) * 1000 / repeat
    return {"ms": round(percentile(times, 0.5), 1), "max_ms": round(max(times), 1),
            "cpu_ms": round(cpu, 1), "body": body}  # fmt: skip


async def run(args: argparse.Namespace) -> dict[str, Any]:
    database = database_kind(args.database_url)
    print(f"bench reports: Python {platform.python_version()}, {database}, {args.events:,} "
          f"events, {args.cohorts} cohorts of {args.size}", flush=True)  # fmt: skip
    env = {"BAEUM_XAPI_ACTIVITY_BASE": xapi.ACTIVITY_BASE}
    async with running_server(args.database_url, extra_env=env) as server:
        began = time.perf_counter()
        cohort_id, recruit_events = await seed_new_recruits(server.database_url, 300, 10)
        added, events = await seed_live_year(server.database_url, args.events - recruit_events,
                                             args.cohorts, args.size)  # fmt: skip
        enrolments, all_events = await _count(server.database_url)
        print(f"  seeded in {time.perf_counter() - began:.0f} s: {enrolments:,} enrolments, "
              f"{all_events:,} attendance events", flush=True)  # fmt: skip
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(base_url=server.base_url, cookie_jar=jar) as http:
            login = {"login": "operator", "password": server.password}
            async with http.post("/api/v1/auth/login", json=login) as resp:
                assert resp.status == 200, await resp.text()
            year = "year=2020&as_of=2020-12-31"
            plan = await _timed(http, f"/api/v1/reports/plan-vs-actual?{year}", args.repeat,
                                server.pid)  # fmt: skip
            completion = await _timed(http, f"/api/v1/reports/completion?{year}", args.repeat,
                                      server.pid)  # fmt: skip
            cohort = await _timed(http, f"/api/v1/cohorts/{cohort_id}/completion", args.repeat,
                                  server.pid)  # fmt: skip
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            done = await xapi.ingest(http, server, args.statements, 100, 4, random.Random(SEED))
    total = next(r for r in completion["body"]["rows"] if r["key"] == "total")["cells"]
    per_s = args.statements / done["elapsed"] if done["elapsed"] > 0 else None
    figures: dict[str, Any] = {
        "database": database, "enrolments": enrolments, "attendance_events": all_events,
        "plan_vs_actual_ms": plan["ms"], "plan_vs_actual_max_ms": plan["max_ms"],
        "plan_vs_actual_cpu_ms": plan["cpu_ms"],
        "completion_by_cohort_ms": completion["ms"],
        "completion_by_cohort_max_ms": completion["max_ms"],
        "completion_by_cohort_cpu_ms": completion["cpu_ms"],
        "completion_rows": len(completion["body"]["rows"]),
        "completion_enrolled": total["enrolled"],
        "cohort_completion_ms": cohort["ms"], "cohort_completion_max_ms": cohort["max_ms"],
        "cohort_completion_cpu_ms": cohort["cpu_ms"],
        "cohort_outcomes": cohort["body"]["counts"],
        "xapi_per_s": None if per_s is None else round(per_s),
        "xapi_errors": done["errors"], "xapi_stored": int(done["summary"]["statements"]),
        "live_enrolments_added": added, "live_events_added": events,
        "python": platform.python_version(), "goal": GOAL,
    }  # fmt: skip
    figures["goal_met"] = all(
        figures[k] is not None and (figures[k] >= v if k == "xapi_per_s" else figures[k] <= v)
        for k, v in GOAL.items()
    )
    print(f"  plan-vs-actual {plan['ms']} ms, completion by cohort {completion['ms']} ms "
          f"({figures['completion_rows']} rows), cohort completion {cohort['ms']} ms, xAPI "
          f"{figures['xapi_per_s']}/s; goal {'met' if figures['goal_met'] else 'NOT met'}",
          flush=True)  # fmt: skip
    return figures
