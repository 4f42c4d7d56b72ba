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
trainees their own. Figures are grouped in SQL, so 300,000 enrolments are a few thousand rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVarTuple

from sqlalchemy import Select, and_, func, select
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
Ts = TypeVarTuple("Ts")
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


def _state_of(status: str, completed_at: datetime | None, end_utc: datetime) -> str:
    """An enrolment's standing on the as-of day (``end_utc`` is the end of that day)."""
    if status == EnrolmentStatus.COMPLETED:
        if completed_at is None:
            return "undated"
        return "completed" if completed_at < end_utc else "in_progress"
    if status == EnrolmentStatus.NOT_COMPLETED:
        return "not_completed"
    if status == EnrolmentStatus.CANCELLED:
        return "cancelled"
    return "in_progress"


def _person_counts(end_utc: datetime) -> list[Any]:
    """``_state_of`` counted in SQL, for a scan grouped by person: all enrolments, then each
    decided state side by side (in progress is what is left). One group a person keeps the
    scan in the order of the person index (no sort), where grouping by (person, state)
    would sort every enrolment."""
    completed = Enrolment.status == EnrolmentStatus.COMPLETED
    at = Enrolment.completed_at
    return [
        func.count(),
        func.count().filter(and_(completed, at < end_utc)),
        func.count().filter(Enrolment.status == EnrolmentStatus.NOT_COMPLETED),
        func.count().filter(Enrolment.status == EnrolmentStatus.CANCELLED),
        func.count().filter(and_(completed, at.is_(None))),
    ]


def _person_tally(enrolled: int, completed: int, not_completed: int, cancelled: int,
                  undated: int) -> Tally:  # fmt: skip
    left = enrolled - completed - not_completed - cancelled - undated
    return Tally({"completed": completed, "not_completed": not_completed, "in_progress": left,
                  "cancelled": cancelled, "undated": undated})  # fmt: skip


COUNTED = (EnrolmentStatus.APPROVED, EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED,
           EnrolmentStatus.CANCELLED)  # fmt: skip


def _scope(
    stmt: Select[*Ts], year: int, viewer: Viewer | None, *,
    cohort: Any = Enrolment.cohort_id,
) -> Select[*Ts]:  # fmt: skip
    """The year's counted enrolments, narrowed to what the viewer may see. ``cohort`` is what
    the year's cohorts are matched on: the column, or an expression of it where the scan
    should not look cohorts up by index (SQLite's planner then keeps to the index that
    orders the groups instead of sorting 300,000 rows)."""
    counted = [s.value for s in COUNTED]
    of_year = (
        select(Cohort.id).join(Course, Course.id == Cohort.course_id).where(Course.year == year)
    )
    stmt = stmt.where(cohort.in_(of_year), Enrolment.status.in_(counted))
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
    # two scans, each in the order of its own index and read from the index alone (migration
    # 0017); the names come after, for the few hundred cohorts and few thousand people found.
    # By cohort: grouped by the index's columns (a cohort's completions share the time it
    # was finalised, so a cohort is a handful of groups), the state decided here.
    n = func.count()
    by_cohort = _scope(select(Enrolment.cohort_id, Enrolment.status, Enrolment.completed_at, n),
                       year, viewer).group_by(Enrolment.cohort_id, Enrolment.status,
                                              Enrolment.completed_at)  # fmt: skip
    per_cohort: dict[int, Tally] = defaultdict(Tally)
    for cohort_id, status, completed_at, count in (await session.execute(by_cohort)).all():
        per_cohort[cohort_id].add(_state_of(status, completed_at, end), int(count))
    by_person = _scope(select(Enrolment.user_id, *_person_counts(end)), year, viewer,
                       cohort=Enrolment.cohort_id + 0).group_by(Enrolment.user_id)  # fmt: skip
    per_person = {user_id: _person_tally(*(int(c) for c in counts))
                  for user_id, *counts in (await session.execute(by_person)).all()}  # fmt: skip
    named = await _cohort_names(session, year)
    placed = await auth.placements_of(session, set(per_person))
    devices = await rooms.main_devices(session, start, end)

    total = Tally()
    for tally in per_cohort.values():
        for st, count in tally.counts.items():
            total.add(st, count)
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
    for user_id, tally in per_person.items():
        place = placed.get(user_id, nowhere)
        for st, count in tally.counts.items():
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
