"""Benchmark "cohort_completion": computing every trainee's completion for one cohort.

The shape of the new-recruit course: ``--trainees`` (300) in one cohort, ``--days`` (10, two
weeks of weekdays) live sessions of 7 hours, each trainee with a join, a leave, and for some
a drop resumed within the reconnect grace or one that is not; a rule asking for 80% of the
time, the first and last sessions, and the satisfaction survey (answered by 85%). The records
are written straight into the server's database (as many rows as the live classes would have
written), then an operator GETs ``/api/v1/cohorts/{id}/completion`` ``--repeat`` times in a
row; ``cohort_completion_ms`` is the median, with p99 and the server's CPU per request.
"""

from __future__ import annotations

import argparse
import platform
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import insert, select

from bench.http import database_kind, percentile
from bench.server import process_cpu_seconds, running_server
from server.core.auth.models import User, UserRole
from server.core.db import Database
from server.lms.completion.models import CompletionRule
from server.lms.models import ClassSession, Cohort, Course, Enrolment, SubArea
from server.lms.surveys.models import Survey, SurveySubmission
from server.rooms.models import AttendanceEvent

describe = "one cohort's completion results (300 trainees, 2 weeks of live sessions; real server)"

GOAL: dict[str, float] = {"cohort_completion_ms": 1000}  # a first goal: one page load
SEED = 20201005


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trainees", type=int, default=300, help="trainees in the cohort")
    parser.add_argument("--days", type=int, default=10, help="live sessions (one a day)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests (default 20)")
    parser.add_argument("--database-url", default=None,
                        help="a fresh, empty PostgreSQL database; default SQLite")  # fmt: skip


async def seed(database_url: str, trainees: int, days: int) -> tuple[int, int]:
    """The cohort and its records; returns (cohort id, attendance events written)."""
    rng = random.Random(SEED)
    now = datetime.now(UTC)
    first = (now - timedelta(days=days * 2 + 7)).replace(hour=0, minute=0, second=0,
                                                         microsecond=0)  # fmt: skip
    db = Database(database_url)
    try:
        async with db.unit_of_work() as session:
            sub_area = await session.scalar(select(SubArea.id).order_by(SubArea.id).limit(1))
            author = await session.scalar(select(User.id).order_by(User.id).limit(1))
            assert sub_area is not None, "load the demo first"
            assert author is not None, "load the demo first"
            course = Course(code="BENCH-COMPLETION", title="신규임용자 과정", year=first.year,
                            sub_area_id=sub_area, track="classroom", delivery_mode="live_remote",
                            always_open=False, hours_per_day=7)  # fmt: skip
            session.add(course)
            await session.flush()
            cohort = Cohort(course_id=course.id, number=1, name="1기", starts_on=first.date(),
                            ends_on=(first + timedelta(days=days * 2)).date(), capacity=trainees,
                            status="finished")  # fmt: skip
            session.add(cohort)
            await session.flush()
            windows = [(first + timedelta(days=d * 7 // 5), first + timedelta(days=d * 7 // 5,
                        hours=7)) for d in range(days)]  # fmt: skip
            sessions = list(await session.scalars(insert(ClassSession).returning(ClassSession.id), [
                {"cohort_id": cohort.id, "title": f"{d + 1}일차", "starts_at": s, "ends_at": e,
                 "live": True, "state": "ended"} for d, (s, e) in enumerate(windows)]))  # fmt: skip
            users = [{"login": f"cohort{n:06d}", "name": f"교육생{n}", "accessibility_needs": [],
                      "is_active": True, "created_at": now} for n in range(trainees)]  # fmt: skip
            ids = list(await session.scalars(insert(User).returning(User.id), users))
            await session.execute(insert(UserRole), [{"user_id": i, "role": "trainee"}
                                                     for i in ids])  # fmt: skip
            await session.execute(insert(Enrolment), [
                {"cohort_id": cohort.id, "user_id": i, "status": "approved", "created_at": now}
                for i in ids])  # fmt: skip
            events: list[dict[str, Any]] = []
            for cs, (start, end) in zip(sessions, windows, strict=True):
                for user_id in ids:
                    events += _day(rng, cs, user_id, start, end)
            for chunk in range(0, len(events), 5000):
                await session.execute(insert(AttendanceEvent), events[chunk : chunk + 5000])
            session.add(CompletionRule(course_id=course.id, version=1, min_presence_pct=80,
                                       required_sessions=[1, days], survey_required=True,
                                       reason="bench", author_id=author,
                                       created_at=now))  # fmt: skip
            survey = Survey(course_id=course.id, cohort_id=cohort.id, kind="satisfaction",
                            title="만족도", status="closed", created_by=author,
                            created_at=now)  # fmt: skip
            session.add(survey)
            await session.flush()
            await session.execute(insert(SurveySubmission), [
                {"survey_id": survey.id, "user_id": i, "submitted_on": first}
                for i in ids if rng.random() < 0.85])  # fmt: skip
            return cohort.id, len(events)
    finally:
        await db.close()


def _day(
    rng: random.Random, cs: int, user_id: int, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """One trainee's attendance events in one session: mostly there, some drops."""
    if rng.random() < 0.03:
        return []  # absent
    device = f"d{user_id}"
    came = start + timedelta(seconds=rng.randint(0, 900))
    marks = [("join", came)]
    luck = rng.random()
    if luck < 0.3:  # a phone call: back within the grace
        drop = came + timedelta(minutes=rng.randint(30, 300))
        marks += [("drop", drop), ("resume", drop + timedelta(seconds=rng.randint(5, 110)))]
    elif luck < 0.4:  # gone for a while
        drop = came + timedelta(minutes=rng.randint(30, 300))
        marks += [("drop", drop), ("join", drop + timedelta(minutes=rng.randint(3, 120)))]
    marks.append(("leave", end - timedelta(seconds=rng.randint(0, 600))))
    return [{"class_session_id": cs, "user_id": user_id, "kind": kind, "at": at,
             "client_id": device} for kind, at in marks]  # fmt: skip


async def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.trainees < 1 or args.days < 1 or args.repeat < 1:
        raise SystemExit("bench cohort_completion: --trainees, --days and --repeat must be >= 1")
    database = database_kind(args.database_url)
    print(f"bench cohort_completion: Python {platform.python_version()}, {database}, "
          f"{args.trainees} trainees, {args.days} sessions, {args.repeat} requests",
          flush=True)  # fmt: skip
    async with running_server(args.database_url) as server:
        cohort_id, events = await seed(server.database_url, args.trainees, args.days)
        print(f"  seeded cohort {cohort_id}: {events} attendance events", flush=True)
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(base_url=server.base_url, cookie_jar=jar) as http:
            login = {"login": "operator", "password": server.password}
            async with http.post("/api/v1/auth/login", json=login) as resp:
                assert resp.status == 200, await resp.text()
            path = f"/api/v1/cohorts/{cohort_id}/completion"
            async with http.get(path) as resp:  # warm-up (not timed)
                assert resp.status == 200, await resp.text()
                counts = (await resp.json())["counts"]
            latencies: list[float] = []
            cpu0 = process_cpu_seconds(server.pid)
            for _ in range(args.repeat):
                started = time.perf_counter()
                async with http.get(path) as resp:
                    await resp.read()
                    assert resp.status == 200
                latencies.append(time.perf_counter() - started)
            cpu_ms = (process_cpu_seconds(server.pid) - cpu0) * 1000 / args.repeat
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    print(f"  results {counts}; p50 {p50:.0f} ms, p99 {p99:.0f} ms, "
          f"server CPU {cpu_ms:.0f} ms a request", flush=True)  # fmt: skip
    return {
        "database": database, "trainees": args.trainees, "sessions": args.days,
        "attendance_events": events, "cohort_completion_ms": round(p50, 1),
        "p99_ms": round(p99, 1), "server_cpu_ms_per_request": round(cpu_ms, 1),
        "outcomes": counts, "goal": GOAL, "goal_met": p50 <= GOAL["cohort_completion_ms"],
    }  # fmt: skip
