"""The enrolment part of the dropout story (중도 포기·취소·미참석·미수료): report
``enrolment-dropouts``, per course of the year and in total. The live-class part (drops that
did not resume) is the ``dropouts`` report of server/rooms/reports.py.

What each figure counts, as the report's notes tell its readers (as-of = end of the as-of
day, Asia/Seoul):

- **applied** (신청): enrolments made by the as-of day, however made (a trainee's
  application or staff's direct enrolment). Every other figure counts among these.
- **approved** (승인): approved by the as-of day (``approved_at``), including those cancelled
  since; an enrolment holding a place with no approval time (records made before the
  workflow) counts as approved.
- **cancelled** (취소) by reason: cancelled by the as-of day, per reason code; a cancellation
  with no recorded time or reason (older records) is "not recorded", never dropped.
- **no-shows** (미참석): enrolments holding a place in a cohort that has ended by the as-of
  day and had live classes, whose trainee never joined any of them
  (``rooms.service.joined_by_cohort``). Cohorts without live classes cannot show a no-show
  and are not in the base.
- **not completed** (미수료): enrolments finalised as not completed; **completed** those
  finalised as completed by the as-of day.
- Rates: cancelled ÷ applied; no-shows ÷ the no-show base; not completed ÷ (completed + not
  completed). A rate with an empty base is no data, never 0%.

Admins and operators read it. Figures are grouped in SQL per cohort, so the work grows with
cohorts, not enrolments; only the no-show base reads people, for ended cohorts only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.lms.enrolment.models import CANCEL_REASON_LABELS, CancelReason
from server.lms.models import (
    JOINABLE,
    ClassSession,
    Cohort,
    CohortStatus,
    Course,
    Enrolment,
    EnrolmentStatus,
)
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
    period,
)
from server.rooms import service as rooms

NAME = "enrolment-dropouts"
TITLE = ("중도 포기 (신청·취소 사유·미참석·미수료)",
         "Dropouts from enrolment: cancellations by reason, no-shows, non-completion")  # fmt: skip
UNRECORDED = "unrecorded"
REASONS = (*[r.value for r in CancelReason], UNRECORDED)
PLACES = tuple(s.value for s in JOINABLE)

COLUMNS: tuple[Column, ...] = (
    Column("course", "과정", "Course", Kind.TEXT),
    Column("applied", "신청", "Applied", Kind.INT),
    Column("approved", "승인", "Approved", Kind.INT),
    Column("cancelled", "취소", "Cancelled", Kind.INT),
    *(Column(f"cancelled_{r.value}", f"취소: {ko}", f"Cancelled: {en.lower()}", Kind.INT)
      for r, (ko, en) in CANCEL_REASON_LABELS.items()),
    Column(f"cancelled_{UNRECORDED}", "취소: 사유 미기록", "Cancelled: not recorded", Kind.INT),
    Column("cancel_rate", "취소율(%)", "Cancellation rate (%)", Kind.PERCENT),
    Column("no_show_base", "종료 기수 등록", "Enrolled in ended cohorts", Kind.INT),
    Column("no_shows", "미참석", "No-shows", Kind.INT),
    Column("no_show_rate", "미참석률(%)", "No-show rate (%)", Kind.PERCENT),
    Column("completed", "수료", "Completed", Kind.INT),
    Column("not_completed", "미수료", "Not completed", Kind.INT),
    Column("non_completion_rate", "미수료율(%)", "Non-completion rate (%)", Kind.PERCENT),
)  # fmt: skip

NOTES = (
    Note("신청: 기준일까지의 모든 등록(본인 신청·직접 등록); 승인·취소는 기준일까지 기록된 것",
         "Applied: every enrolment made by the as-of day; approvals and cancellations as "
         "recorded by then"),
    Note("미참석: 기준일까지 끝난, 실시간 수업이 있는 기수에 등록되어 한 번도 접속하지 않은 인원",
         "No-shows: enrolled in a cohort with live classes that ended by the as-of day, and "
         "never joined one"),
    Note("취소율 = 취소 ÷ 신청; 미참석률 = 미참석 ÷ 종료 기수 등록; "
         "미수료율 = 미수료 ÷ (수료 + 미수료); 기준이 0이면 '자료 없음'",
         "Rates: cancelled ÷ applied; no-shows ÷ enrolled in ended cohorts; not completed ÷ "
         "(completed + not completed); no data when the base is 0"),
    Note("실시간 수업 중 접속이 끊긴 중도 이탈은 '중도 이탈(실시간 수업)' 보고서에 있습니다",
         "Drops during live classes are in the live-class dropouts report"),
)  # fmt: skip


def rate(part: int, whole: int) -> Decimal | None:
    """Percent with one decimal, half up; no data (not 0%) when there is nothing to divide."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class Tally:
    applied: int = 0
    approved: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    no_show_base: int = 0
    no_shows: int = 0
    completed: int = 0
    not_completed: int = 0

    def add(self, other: Tally) -> None:
        self.applied += other.applied
        self.approved += other.approved
        self.reasons.update(other.reasons)
        self.no_show_base += other.no_show_base
        self.no_shows += other.no_shows
        self.completed += other.completed
        self.not_completed += other.not_completed

    def cells(self) -> dict[str, Cell]:
        cancelled = sum(self.reasons.values())
        decided = self.completed + self.not_completed
        return {
            "applied": self.applied,
            "approved": self.approved,
            "cancelled": cancelled,
            **{f"cancelled_{r}": self.reasons[r] for r in REASONS},
            "cancel_rate": rate(cancelled, self.applied),
            "no_show_base": self.no_show_base,
            "no_shows": self.no_shows,
            "no_show_rate": rate(self.no_shows, self.no_show_base),
            "completed": self.completed,
            "not_completed": self.not_completed,
            "non_completion_rate": rate(self.not_completed, decided),
        }


@dataclass(frozen=True)
class CohortFacts:
    course_id: int
    ended: bool  # ended by the as-of day, not cancelled, with live classes


async def _cohorts(session: AsyncSession, parameters: Parameters) -> dict[int, CohortFacts]:
    live = select(ClassSession.id).where(ClassSession.cohort_id == Cohort.id, ClassSession.live)
    stmt = (
        select(Cohort.id, Cohort.course_id, Cohort.ends_on, Cohort.status, live.exists())
        .join(Course, Course.id == Cohort.course_id)
        .where(Course.year == parameters.year)
    )
    return {
        cohort_id: CohortFacts(
            course_id,
            ends_on <= parameters.as_of and status != CohortStatus.CANCELLED and bool(has_live),
        )
        for cohort_id, course_id, ends_on, status, has_live in (await session.execute(stmt)).all()
    }


async def enrolment_dropouts(session: AsyncSession, parameters: Parameters) -> Report:
    _, end = period(parameters)
    cohorts = await _cohorts(session, parameters)
    cancelled = Enrolment.status == EnrolmentStatus.CANCELLED
    approved = case(
        (Enrolment.approved_at < end, 1),
        (and_(Enrolment.approved_at.is_(None), Enrolment.status.in_(PLACES)), 1),
        else_=0,
    ).label("approved")
    reason = case(
        (and_(cancelled, Enrolment.cancelled_at.is_(None)), literal(UNRECORDED)),
        (and_(cancelled, Enrolment.cancelled_at < end),
         func.coalesce(Enrolment.cancel_reason, literal(UNRECORDED))),
        else_=literal(""),
    ).label("reason")  # fmt: skip
    done = case(
        (and_(Enrolment.status == EnrolmentStatus.COMPLETED, Enrolment.completed_at < end),
         literal("completed")),
        (Enrolment.status == EnrolmentStatus.NOT_COMPLETED, literal("not_completed")),
        else_=literal(""),
    ).label("done")  # fmt: skip
    year_cohorts = (
        select(Cohort.id)
        .join(Course, Course.id == Cohort.course_id)
        .where(Course.year == parameters.year)
    )
    grouped = await session.execute(
        select(Enrolment.cohort_id, approved, reason, done, func.count())
        .where(Enrolment.cohort_id.in_(year_cohorts), Enrolment.created_at < end)
        .group_by(Enrolment.cohort_id, approved, reason, done)
    )
    per_cohort: dict[int, Tally] = {}
    for cohort_id, was_approved, why, outcome, n in grouped.all():
        tally = per_cohort.setdefault(cohort_id, Tally())
        tally.applied += n
        tally.approved += n if was_approved else 0
        if why:
            tally.reasons[why if why in REASONS else UNRECORDED] += n
        if outcome == "completed":
            tally.completed += n
        elif outcome == "not_completed":
            tally.not_completed += n
    await _no_shows(session, cohorts, end, per_cohort)

    courses = await _course_labels(session, parameters.year)
    per_course: dict[int, Tally] = {course_id: Tally() for course_id in courses}
    for cohort_id, tally in per_cohort.items():
        per_course[cohorts[cohort_id].course_id].add(tally)
    total = Tally()
    for tally in per_course.values():
        total.add(tally)
    rows = [Row("total", Level.TOTAL, {"course": "합계", **total.cells()})]
    rows += [
        Row(f"course:{code}", Level.ROW, {"course": label, **per_course[course_id].cells()})
        for course_id, (code, label) in courses.items()
    ]
    return Report(NAME, TITLE[0], TITLE[1], parameters, COLUMNS, tuple(rows), NOTES)


async def _no_shows(
    session: AsyncSession,
    cohorts: dict[int, CohortFacts],
    end: datetime,
    per_cohort: dict[int, Tally],
) -> None:
    """Count each ended cohort's place-holders and those who never joined its live classes."""
    ended = [cohort_id for cohort_id, facts in cohorts.items() if facts.ended]
    if not ended:
        return
    joined = await rooms.joined_by_cohort(session, ended)
    for chunk in (ended[i : i + 500] for i in range(0, len(ended), 500)):
        rows = await session.execute(
            select(Enrolment.cohort_id, Enrolment.user_id).where(
                Enrolment.cohort_id.in_(chunk),
                Enrolment.status.in_(PLACES),
                Enrolment.created_at < end,
            )
        )
        for cohort_id, user_id in rows.all():
            tally = per_cohort.setdefault(cohort_id, Tally())
            tally.no_show_base += 1
            if user_id not in joined[cohort_id]:
                tally.no_shows += 1


async def _course_labels(session: AsyncSession, year: int) -> dict[int, tuple[str, str]]:
    """The year's courses that have a cohort, in code order: id -> (code, "code title")."""
    stmt = (
        select(Course.id, Course.code, Course.title)
        .where(Course.year == year, Course.id.in_(select(Cohort.course_id)))
        .order_by(Course.code)
    )
    return {cid: (code, f"{code} {title}") for cid, code, title in await session.execute(stmt)}


SPEC = ReportSpec(
    name=NAME, title_ko=TITLE[0], title_en=TITLE[1], run=enrolment_dropouts,
    sources=("enrolments", "cohorts", "courses", "class_sessions", "attendance_events"),
)  # fmt: skip
"""Admins and operators only: it names no one, but counts every cohort of the year."""
