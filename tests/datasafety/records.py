"""A populated database for the data-safety tests, and what "unchanged" means for one.

``populate`` loads the demo (the seed's 2020 catalog and actuals, instructors, budget, exams,
boards, today's classes) and adds live records: a class that has ended, with attendance and a
connection failure, named and anonymous questions, a board with posts, a completion rule and
finalised results, and two frozen reports. Every change goes through the app's audited units
of work, so the audit log fills too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from server.boards import posts
from server.boards import service as boards
from server.boards.schemas import BoardIn, PostIn
from server.config import Settings
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.db import Database
from server.core.keys import DATABASE
from server.demo import load_demo
from server.lms.completion import service as completion
from server.lms.completion.schemas import RuleIn
from server.lms.models import StaffRole
from server.polls import service as qa
from server.reports import render
from server.reports import service as reports
from server.reports.base import Parameters
from server.reports.registry import REPORTS
from server.rooms.models import AttendanceEvent, ConnectionReport
from tests.conftest import Person, add_person
from tests.factories import make_class

#: the parameters every report is run with when two databases are compared
REPORT_PARAMETERS = ((2020, date(2020, 12, 31)),)


@dataclass(frozen=True)
class Populated:
    class_session_id: int
    cohort_id: int
    frozen_ids: list[int]


async def populate(
    app: web.Application, settings: Settings, clock: ManualClock, people: dict[Role, Person]
) -> Populated:
    await load_demo(settings, clock)
    trainees = [people[Role.TRAINEE].id]
    for n in (2, 3):
        trainees.append((await add_person(app, f"learner{n}", [Role.TRAINEE], clock)).id)
    teacher, operator = people[Role.INSTRUCTOR].id, people[Role.OPERATOR].id
    made = await make_class(
        app, clock, trainees=trainees, staff={StaffRole.INSTRUCTOR: teacher},
        starts_in=timedelta(hours=-4), length=timedelta(hours=3),
    )  # fmt: skip
    start, now = clock.now() - timedelta(hours=4), clock.now()
    cs = made.class_session_id

    def ev(user: int, kind: str, minutes: int, device: str) -> AttendanceEvent:
        return AttendanceEvent(class_session_id=cs, user_id=user, kind=kind,
                               client_id=f"c{user}", at=start + timedelta(minutes=minutes),
                               device_class=device)  # fmt: skip

    async with app[DATABASE].unit_of_work(actor_id=operator, request_id="t:populate") as session:
        session.add_all([
            ev(teacher, "join", 0, "pc"), ev(teacher, "leave", 180, "pc"),
            ev(trainees[0], "join", 0, "phone"), ev(trainees[0], "leave", 180, "phone"),
            ev(trainees[1], "join", 5, "pc"), ev(trainees[1], "drop", 40, "pc"),
            ev(trainees[2], "join", 0, "tablet"), ev(trainees[2], "leave", 170, "tablet"),
            ConnectionReport(at=start + timedelta(minutes=40), kind="ice_failed", source="client",
                             user_id=trainees[1], class_session_id=cs, device_class="pc",
                             browser="Chrome", os="Windows", network_type="wifi"),
        ])  # fmt: skip
        await _questions_and_board(session, cs, trainees, teacher, now)
        await completion.add_rule(
            session, made.course_id, RuleIn(min_presence_pct=60, reason="60% present"),
            author_id=operator, now=now,
        )  # fmt: skip
        await completion.finalise(
            session, made.cohort_id, grace=timedelta(minutes=2), now=now, author_id=operator
        )
        frozen = [
            await reports.freeze(session, name, reports.parameters(2020, as_of, now), operator, now)
            for name, as_of in (("plan-vs-actual", date(2020, 9, 30)), ("dropouts", now.date()))
        ]
    return Populated(cs, made.cohort_id, [f.id for f in frozen])


async def _questions_and_board(
    session: AsyncSession, cs: int, trainees: list[int], teacher: int, now: Any
) -> None:
    for n, (user, anonymous) in enumerate(((trainees[0], True), (trainees[2], False))):
        asker = qa.Asker(tag=f"tag{user}", user_id=user, name=f"학습자{n}", group_id=None)
        await qa.ask(session, cs, asker, f"질문 {n}: 자료는 어디에?", anonymous=anonymous,
                     premoderate=False, request_key=f"q{n}", now=now)  # fmt: skip
    board = await boards.create(session, BoardIn(title="오늘의 회고"), by=teacher, now=now,
                                class_session_id=cs)  # fmt: skip
    for n, user in enumerate(trainees):
        author = posts.Author(tag=f"tag{user}", user_id=user, name=f"학습자{n}", staff=False)
        spec = PostIn(board_id=board.id, title=f"배운 점 {n}", body="<b>토론</b>이 좋았다",
                      anonymous=n == 0)  # fmt: skip
        await posts.create(session, board, author, spec, now)


# ---- comparing databases --------------------------------------------------------------------


def _digest_sql(dialect: str, table: str, cols: list[str]) -> str:
    """One statement giving the row count and every row as text, sorted, in one string: the
    database does the per-row work, so hashing 300,000 rows takes a moment, not minutes."""
    if dialect == "sqlite":
        row = " || char(31) || ".join(f'quote("{c}")' for c in cols)
        return (f"SELECT count(*), group_concat(r, char(30)) FROM "  # noqa: S608
                f'(SELECT {row} AS r FROM "{table}" ORDER BY r)')  # fmt: skip
    row = ", ".join(f'quote_nullable("{c}")' for c in cols)
    return (f'SELECT count(*), string_agg(r, chr(30) ORDER BY r COLLATE "C") FROM '  # noqa: S608
            f'(SELECT concat_ws(chr(31), {row}) AS r FROM "{table}") AS s')  # fmt: skip


def table_hashes(sync: Connection, only: dict[str, set[str]] | None = None) -> dict[str, str]:
    """Per table: its row count and the SHA-256 of its rows (sorted, so order never matters),
    over all its columns, or only the tables and columns in ``only``."""
    found: dict[str, str] = {}
    tables = inspect(sync)
    for name in sorted(n for n in tables.get_table_names() if n != "alembic_version"):
        if only is not None and name not in only:
            continue
        cols = sorted(only[name] if only is not None else
                      (c["name"] for c in tables.get_columns(name)))  # fmt: skip
        count, rows = sync.execute(text(_digest_sql(sync.dialect.name, name, cols))).one()
        found[name] = f"{count}:{hashlib.sha256((rows or '').encode()).hexdigest()}"
    return found


def column_digests(sync: Connection) -> dict[str, dict[str, str]]:
    """Per table, per column: the SHA-256 of that column's values in primary-key order. Two
    revisions of a table agree on every row over the columns both have exactly when these
    agree on those columns (the key column itself included)."""
    found: dict[str, dict[str, str]] = {}
    tables = inspect(sync)
    postgres = sync.dialect.name == "postgresql"
    for name in sorted(n for n in tables.get_table_names() if n != "alembic_version"):
        cols = sorted(c["name"] for c in tables.get_columns(name))
        key = ", ".join(f'"{c}"' for c in tables.get_pk_constraint(name)["constrained_columns"]
                        or cols)  # fmt: skip
        if postgres:
            parts = [f'string_agg(quote_nullable("{c}"), chr(30) ORDER BY {key})' for c in cols]
            sql = f'SELECT {", ".join(parts)} FROM "{name}"'  # noqa: S608
        else:
            parts = [f'group_concat(quote("{c}"), char(30))' for c in cols]
            sql = f'SELECT {", ".join(parts)} FROM (SELECT * FROM "{name}" ORDER BY {key})'  # noqa: S608
        values = sync.execute(text(sql)).one()
        found[name] = {c: hashlib.sha256((v or "").encode()).hexdigest()
                       for c, v in zip(cols, values, strict=True)}  # fmt: skip
    return found


async def hashes_of(url: str) -> dict[str, str]:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return await conn.run_sync(table_hashes)
    finally:
        await db.close()


async def report_hashes(url: str) -> dict[str, str]:
    """Every registered report, for each of the parameters, by its frozen-content hash."""
    db = Database(url)
    found: dict[str, str] = {}
    try:
        async with db.sessions() as session:
            for name, spec in REPORTS.items():
                for year, as_of in REPORT_PARAMETERS:
                    report = await spec.run(
                        session, Parameters(year=year, as_of=as_of, viewer=None)
                    )
                    content = render.canonical(render.to_json(report))
                    found[f"{name} {year} {as_of}"] = reports.sha256(content)
    finally:
        await db.close()
    return found
