"""The demo's 2020 actuals as real records: cohorts and 316,520 completed enrolments.

The seed prints only totals per row (실적: courses, runs, people). To make the plan-versus-actual
report *computable* from records, this module spreads each row over records deterministically:

- classroom rows: the first ``actual_courses`` courses kept in the revised plan ran; the row's
  ``actual_runs`` are split evenly over them as cohorts between June and September 2020 (the
  remote classes started after the first COVID-19 wave), two days each; the row's people are
  split evenly over those cohorts, every one a completed enrolment recorded on the cohort's last
  day;
- e-learning rows (always open, 상시): every course has nine monthly intakes (January to
  September) holding its share of the row's completions; intakes are cohorts, not runs;
- rows whose actuals the seed leaves blank (실무관, 투자출연기관) get no records: "no data".

People come from a synthetic pool of trainees (``POOL`` accounts ``t2020-00001`` … with no
password: they cannot log in) taken in rotation, so nobody is enrolled twice in one cohort.

Fast because bulk: Core ``INSERT``s for the few thousand users and cohorts, and for the
enrolments the driver's own bulk path (PostgreSQL ``COPY``, SQLite ``executemany``) on the
session's connection, inside its transaction; not ORM objects (which would also write 316,520
audit entries; demo records are not changes anyone made). Idempotent: pool
accounts and cohorts are added only where missing, and enrolments only into cohorts this run
created (in one transaction, so a cohort never exists without its people). Cohort numbers used
by the demo's classes of today (``demo.DEMO_COHORTS``) are left to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from sqlalchemy import Dialect, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.auth.models import User, UserRole
from server.core.auth.roles import Role
from server.core.clock import SEOUL
from server.core.db import Base
from server.lms.demo import DEMO_COHORTS
from server.lms.models import Cohort, CohortStatus, Course, Enrolment, EnrolmentStatus
from server.lms.seed_2020 import PLAN_2020, YEAR, CourseSeed, PlanRow, courses_2020

POOL: Final = 4_000
LOGIN_PREFIX: Final = "t2020-"
CHUNK: Final = 10_000
CLASSROOM_FIRST_DAY: Final = date(YEAR, 6, 1)
CLASSROOM_SPAN_DAYS: Final = 110  # the last classroom cohort starts by 19 September
ELEARNING_MONTHS: Final = tuple(range(1, 10))  # January to September

FAMILY = "김이박최정강조윤장임한오서신권황안송류홍전고문양손배백허남심노하"
GIVEN = ("민준", "서윤", "도현", "지아", "하준", "수빈", "예린", "시현", "주원", "유나", "건우")
ORG_UNITS = (
    "행정국",
    "재무국",
    "도시교통실",
    "복지정책실",
    "기후환경본부",
    "자치구",
    "투자출연기관",
)
GRADES = ("9급", "8급", "7급", "6급", "5급", "공무직")


@dataclass(frozen=True, slots=True)
class PlannedCohort:
    """One cohort to create, with how many completions it holds."""

    course_code: str
    number: int
    name: str
    starts_on: date
    ends_on: date
    people: int


def split_evenly(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` integers differing by at most one, larger ones first."""
    base, extra = divmod(total, parts)
    return [base + 1 if i < extra else base for i in range(parts)]


def _numbers(course_code: str) -> Iterator[int]:
    """Cohort numbers 1, 2, … skipping those the demo's classes of today use."""
    reserved = {d.number for d in DEMO_COHORTS if d.course_code == course_code}
    n = 0
    while True:
        n += 1
        if n not in reserved:
            yield n


def _month_end(month: int) -> date:
    first_next = date(YEAR + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def _classroom_cohorts(row: PlanRow, courses: list[CourseSeed]) -> list[PlannedCohort]:
    assert row.actual_courses is not None
    assert row.actual_runs is not None
    assert row.actual_people is not None
    ran = courses[: row.actual_courses]
    runs = split_evenly(row.actual_runs, len(ran))
    people = split_evenly(row.actual_people, row.actual_runs)
    out: list[PlannedCohort] = []
    for course, n_runs in zip(ran, runs, strict=True):
        numbers = _numbers(course.code)
        for _ in range(n_runs):
            index = len(out)
            start = CLASSROOM_FIRST_DAY + timedelta(
                days=index * CLASSROOM_SPAN_DAYS // row.actual_runs
            )
            number = next(numbers)
            out.append(PlannedCohort(course.code, number, f"{course.title_ko} {number}기", start,
                                     start + timedelta(days=1), people[index]))  # fmt: skip
    return out


def _elearning_cohorts(row: PlanRow, courses: list[CourseSeed]) -> list[PlannedCohort]:
    assert row.actual_courses is not None
    assert row.actual_people is not None
    ran = courses[: row.actual_courses]
    out: list[PlannedCohort] = []
    for course, course_people in zip(ran, split_evenly(row.actual_people, len(ran)), strict=True):
        numbers = _numbers(course.code)
        monthly = split_evenly(course_people, len(ELEARNING_MONTHS))
        for month, people in zip(ELEARNING_MONTHS, monthly, strict=True):
            out.append(PlannedCohort(course.code, next(numbers),
                                     f"{course.title_ko} {YEAR}년 {month}월",
                                     date(YEAR, month, 1), _month_end(month), people))  # fmt: skip
    return out


def planned_cohorts() -> list[PlannedCohort]:
    """Every 2020 cohort with actual completions, derived from the seed's actual columns."""
    seeds = courses_2020()
    out: list[PlannedCohort] = []
    for row in PLAN_2020:
        if row.actual_people is None:
            continue  # blank in the seed: no records, so the report says "no data"
        courses = [c for c in seeds if c.track == row.track and c.sub_area == row.sub_area]
        if row.track == "classroom":
            out.extend(_classroom_cohorts(row, courses))
        else:
            out.extend(_elearning_cohorts(row, courses))
    return out


def _table(model: type[Base]) -> Table:
    """The model's table, for Core bulk inserts (which skip the ORM and its audit hook)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SEOUL).astimezone(UTC)


async def _pool(session: AsyncSession, now: datetime) -> list[int]:
    """The synthetic trainees' ids, creating the missing ones (no password: no log-in)."""
    have = set(await session.scalars(select(User.login).where(User.login.startswith(LOGIN_PREFIX))))
    rows: list[dict[str, Any]] = []
    for n in range(POOL):
        login = f"{LOGIN_PREFIX}{n + 1:05d}"
        if login in have:
            continue
        rows.append({
            "login": login, "name": FAMILY[n % len(FAMILY)] + GIVEN[n % len(GIVEN)],
            "org_unit": ORG_UNITS[n % len(ORG_UNITS)], "grade": GRADES[n % len(GRADES)],
            "job_series": None, "email": None, "phone": None, "accessibility_needs": [],
            "password_hash": None, "is_active": True, "created_at": now,
        })  # fmt: skip
    if rows:
        await session.execute(insert(_table(User)), rows)
    ids = list(
        await session.scalars(
            select(User.id).where(User.login.startswith(LOGIN_PREFIX)).order_by(User.login)
        )
    )
    if rows:
        new = set(
            await session.scalars(select(User.id).where(User.login.in_([r["login"] for r in rows])))
        )
        await session.execute(
            insert(_table(UserRole)),
            [{"user_id": uid, "role": Role.TRAINEE.value} for uid in sorted(new)],
        )
    return ids


async def load_2020_actuals(session: AsyncSession, now: datetime) -> int:
    """Add the 2020 cohorts and completions that are missing; returns the enrolments added.

    Needs the catalog (``demo.load_catalog``) first.
    """
    course_ids = dict(
        (await session.execute(select(Course.code, Course.id).where(Course.year == YEAR))).all()
    )
    existing = set(
        (
            await session.execute(
                select(Cohort.course_id, Cohort.number).join(Course).where(Course.year == YEAR)
            )
        ).all()
    )
    todo = [c for c in planned_cohorts() if (course_ids[c.course_code], c.number) not in existing]
    if not todo:
        return 0
    pool = await _pool(session, now)
    await session.execute(
        insert(_table(Cohort)),
        [
            {"course_id": course_ids[c.course_code], "number": c.number, "name": c.name,
             "starts_on": c.starts_on, "ends_on": c.ends_on, "capacity": c.people,
             "status": CohortStatus.FINISHED.value}
            for c in todo
        ],
    )  # fmt: skip
    cohort_ids = {
        (course_id, number): cid
        for cid, course_id, number in (
            await session.execute(
                select(Cohort.id, Cohort.course_id, Cohort.number)
                .join(Course)
                .where(Course.year == YEAR)
            )
        ).all()
    }
    chunks = _enrolment_rows(todo, course_ids, cohort_ids, pool)
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    added = 0
    if connection.dialect.name == "postgresql":
        for chunk in chunks:  # COPY on the session's own connection: same transaction
            await driver.copy_records_to_table("enrolments", records=chunk, columns=COLUMNS)
            added += len(chunk)
        return added
    stored = _stored_times(connection.dialect)
    sql = f"INSERT INTO enrolments ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?)"  # noqa: S608
    for chunk in chunks:
        await driver.executemany(sql, [(*r[:3], stored(r[3]), stored(r[4])) for r in chunk])
        added += len(chunk)
    return added


COLUMNS: Final = ["cohort_id", "user_id", "status", "created_at", "completed_at"]
Record = tuple[int, int, str, datetime, datetime]


def _stored_times(dialect: Dialect) -> Callable[[datetime], Any]:
    """SQLite: a time as the column type stores it, worked out once per distinct value (there
    are a few thousand among 316,520 rows; per row it was most of the load time)."""
    process = _table(Enrolment).c.completed_at.type.bind_processor(dialect)
    cache: dict[datetime, Any] = {}

    def stored(value: datetime) -> Any:
        if value not in cache:
            cache[value] = process(value) if process is not None else value
        return cache[value]

    return stored


def _enrolment_rows(
    todo: list[PlannedCohort],
    course_ids: dict[str, int],
    cohort_ids: dict[tuple[int, int], int],
    pool: list[int],
) -> Iterator[list[Record]]:
    """Completed enrolments in chunks, trainees taken from the pool in rotation."""
    completed_status = EnrolmentStatus.COMPLETED.value
    chunk: list[Record] = []
    cursor = 0
    for planned in todo:
        if planned.people > len(pool):
            raise ValueError(f"{planned.name}: {planned.people} people, pool of {len(pool)}")
        cohort_id = cohort_ids[(course_ids[planned.course_code], planned.number)]
        applied = _at(planned.starts_on - timedelta(days=14), 9)
        completed = _at(planned.ends_on, 18)
        for k in range(planned.people):
            user_id = pool[(cursor + k) % len(pool)]
            chunk.append((cohort_id, user_id, completed_status, applied, completed))
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
        cursor = (cursor + planned.people) % len(pool)
    if chunk:
        yield chunk
