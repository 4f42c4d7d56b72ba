"""The completion report (수료 현황): how the year's enrolments ended, by course, cohort, org
unit, grade and the device trainees took their live classes on.

- **enrolled** = approved + completed + not completed (applications and the waitlist are not
  enrolments yet; cancellations are counted on their own).
- **completed** = completions recorded by the end of the as-of day (Asia/Seoul), as finalising
  records them (``enrolments.completed_at``); a completion recorded later is still **in
  progress** on the as-of day, like an approved enrolment not finalised yet. A completion
  with no recorded date cannot be placed: it is counted apart and named in a note.
- **rate** = completed ÷ (completed + not completed): decided outcomes only, so a course still
  running is not shown as failing; no data when nothing is decided (never 0%).
- **device**: the device class a trainee joined the year's live classes on most often
  (``rooms.service.main_devices``); trainees with no live attendance (e-learning, in person)
  are "unknown", not a device.

Admins and operators see every enrolment; instructors and assistants the cohorts they teach;
trainees their own. Figures are grouped in SQL, so 300,000 enrolments are a few hundred rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from sqlalchemy import Select, and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.auth import service as auth
from server.core.auth.roles import Role
from server.lms.models import ClassSession, Cohort, Course, Enrolment, EnrolmentStatus, SessionStaff
from server.reports.base import (
    Cell,
    Column,
    Kind,
    Level,
    Note,
    Parameters,
    Report,
    ReportSpec,
    Row,
    Viewer,
    period,
)
from server.rooms import service as rooms

NAME = "completion"
TITLE = ("수료 현황 (과정·기수·소속·직급·접속 기기별)",
         "Completion by course, cohort, org unit, grade and device")  # fmt: skip
UNKNOWN = "(알 수 없음)"
DEVICES = {"phone": "휴대전화", "tablet": "태블릿", "pc": "PC"}
STATES = ("completed", "not_completed", "in_progress", "cancelled", "undated")
COLUMNS = (
    Column("section", "구분", "Breakdown", Kind.TEXT),
    Column("value", "항목", "Item", Kind.TEXT),
    Column("enrolled", "등록", "Enrolled", Kind.INT),
    Column("completed", "수료", "Completed", Kind.INT),
    Column("not_completed", "미수료", "Not completed", Kind.INT),
    Column("in_progress", "진행 중", "In progress", Kind.INT),
    Column("cancelled", "취소", "Cancelled", Kind.INT),
    Column("rate", "수료율(%)", "Completion rate (%)", Kind.PERCENT),
)
NOTES = (
    Note("수료율 = 수료 ÷ (수료 + 미수료): 결과가 정해진 인원만 (진행 중 제외)",
         "Rate = completed ÷ (completed + not completed): decided outcomes only"),
    Note("수료: 기준일까지 기록된 수료; 그 뒤 기록된 수료와 미확정 등록은 진행 중",
         "Completed: recorded by the as-of day; later completions and open enrolments are in "
         "progress"),
    Note("접속 기기: 그해 실시간 수업에 가장 많이 접속한 기기 (실시간 수업이 없으면 알 수 없음)",
         "Device: the one most used to join the year's live classes (unknown without any)"),
)  # fmt: skip


@dataclass
class Tally:
    """Enrolments by how they ended, for one row."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))

    def add(self, state: str, n: int) -> None:
        self.counts[state] += n

    def cells(self) -> dict[str, Cell]:
        c = self.counts
        decided = c["completed"] + c["not_completed"]
        rate = None
        if decided:
            rate = (Decimal(c["completed"]) * 100 / decided).quantize(Decimal("0.1"), ROUND_HALF_UP)
        enrolled = c["completed"] + c["not_completed"] + c["in_progress"] + c["undated"]
        return {"enrolled": enrolled, "completed": c["completed"],
                "not_completed": c["not_completed"], "in_progress": c["in_progress"],
                "cancelled": c["cancelled"], "rate": rate}  # fmt: skip


def _state(end_utc: object) -> object:
    """The enrolment's standing on the as-of day, in SQL."""
    completed = Enrolment.status == EnrolmentStatus.COMPLETED
    return case(
        (and_(completed, Enrolment.completed_at.is_(None)), literal("undated")),
        (and_(completed, Enrolment.completed_at < end_utc), literal("completed")),
        (completed, literal("in_progress")),
        (Enrolment.status == EnrolmentStatus.NOT_COMPLETED, literal("not_completed")),
        (Enrolment.status == EnrolmentStatus.CANCELLED, literal("cancelled")),
        else_=literal("in_progress"),
    )


COUNTED = (EnrolmentStatus.APPROVED, EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED,
           EnrolmentStatus.CANCELLED)  # fmt: skip


def _scope(stmt: Select[Any], year: int, viewer: Viewer | None) -> Select[Any]:
    """The year's counted enrolments, narrowed to what the viewer may see."""
    counted = [s.value for s in COUNTED]
    stmt = (stmt.join(Cohort, Cohort.id == Enrolment.cohort_id)
            .join(Course, Course.id == Cohort.course_id)
            .where(Course.year == year, Enrolment.status.in_(counted)))  # fmt: skip
    if viewer is None:
        return stmt
    if viewer.teaches:
        taught = (select(ClassSession.cohort_id)
                  .join(SessionStaff, SessionStaff.class_session_id == ClassSession.id)
                  .where(SessionStaff.user_id == viewer.user_id))  # fmt: skip
        return stmt.where(Enrolment.cohort_id.in_(taught))
    return stmt.where(Enrolment.user_id == viewer.user_id)


async def completion_report(session: AsyncSession, parameters: Parameters) -> Report:
    year, viewer = parameters.year, parameters.viewer
    start, end = period(parameters)
    state = _state(end).label("state")  # type: ignore[attr-defined]
    n = func.count().label("n")
    # two scans grouped by ids only (grouping by names costs twice as much on SQLite); the
    # names come after, for the few hundred cohorts and few thousand people found
    by_cohort = cast(list[tuple[Any, ...]], (await session.execute(_scope(
        select(Enrolment.cohort_id, state, n), year, viewer)
        .group_by(Enrolment.cohort_id, state))).all())  # fmt: skip
    by_person = cast(list[tuple[Any, ...]], (await session.execute(_scope(
        select(Enrolment.user_id, state, n), year, viewer)
        .group_by(Enrolment.user_id, state))).all())  # fmt: skip
    named = await _cohort_names(session, year)
    placed = await auth.placements_of(session, {user_id for user_id, _, _ in by_person})
    devices = await rooms.main_devices(session, start, end)

    total = Tally()
    per_cohort: dict[int, Tally] = defaultdict(Tally)
    for cohort_id, st, count in by_cohort:
        total.add(st, count)
        per_cohort[cohort_id].add(st, count)
    courses: dict[tuple[int, str], Tally] = {}
    cohorts: dict[tuple[int, str], Tally] = {}
    for cohort_id, (course_id, course_label, cohort_label) in named.items():
        if cohort_id not in per_cohort:
            continue
        cohorts[(cohort_id, cohort_label)] = per_cohort[cohort_id]
        summed = courses.setdefault((course_id, course_label), Tally())
        for st, count in per_cohort[cohort_id].counts.items():
            summed.add(st, count)
    units: dict[str, Tally] = defaultdict(Tally)
    grades: dict[str, Tally] = defaultdict(Tally)
    by_device: dict[str, Tally] = defaultdict(Tally)
    nowhere = auth.Placement(None, None)
    for user_id, st, count in by_person:
        place = placed.get(user_id, nowhere)
        units[place.org_unit or UNKNOWN].add(st, count)
        grades[place.grade or UNKNOWN].add(st, count)
        by_device[DEVICES.get(devices.get(user_id, ""), UNKNOWN)].add(st, count)

    rows = [_row("total", Level.TOTAL, "합계", "", total)]
    rows += [_row(f"course:{k}", Level.ROW, "과정", label, t) for (k, label), t in courses.items()]
    rows += [_row(f"cohort:{k}", Level.ROW, "기수", label, t) for (k, label), t in cohorts.items()]
    rows += _named("org_unit", "소속", units)
    rows += _named("grade", "직급", grades)
    rows += _named("device", "접속 기기", by_device)
    notes = list(NOTES)
    if total.counts["undated"]:
        undated = total.counts["undated"]
        notes.append(Note(f"수료일이 기록되지 않은 수료 {undated}건은 등록에만 들어갔습니다.",
                          f"{undated} completions have no recorded date: counted as enrolled, "
                          "not as completed."))  # fmt: skip
    return Report(NAME, TITLE[0], TITLE[1], parameters, COLUMNS, tuple(rows), tuple(notes))


async def _cohort_names(session: AsyncSession, year: int) -> dict[int, tuple[int, str, str]]:
    """The year's cohorts in course order: id -> (course id, "code title", "code · name")."""
    stmt = (select(Cohort.id, Cohort.name, Course.id, Course.code, Course.title)
            .join(Course, Course.id == Cohort.course_id).where(Course.year == year)
            .order_by(Course.code, Cohort.id))  # fmt: skip
    return {
        cid: (course_id, f"{code} {title}", f"{code} · {name}")
        for cid, name, course_id, code, title in (await session.execute(stmt)).all()
    }


def _named(key: str, section: str, tallies: dict[str, Tally]) -> list[Row]:
    """Rows for named groups, the unknown group last."""
    names = sorted(tallies, key=lambda name: (name == UNKNOWN, name))
    return [_row(f"{key}:{name}", Level.ROW, section, name, tallies[name]) for name in names]


def _row(key: str, level: Level, section: str, value: str, tally: Tally) -> Row:
    return Row(key, level, {"section": section, "value": value, **tally.cells()})


SPEC = ReportSpec(
    name=NAME, title_ko=TITLE[0], title_en=TITLE[1], run=completion_report,
    scoped_readers=frozenset({Role.INSTRUCTOR, Role.ASSISTANT, Role.TRAINEE}),
    sources=("enrolments", "cohorts", "courses", "users", "attendance_events"),
)  # fmt: skip
"""Admins and operators: everyone; instructors and assistants: their cohorts; trainees: own."""
