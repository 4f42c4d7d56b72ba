"""The rules of the instructor records: plain async functions over a session, no HTTP.

- **Registry**: instructors with a grade (등급), internal or external, optionally a log-in;
  contact data only for operators, admins and the instructor themself.
- **Fee standards** (강사료 지급기준) are versioned: the fee for a class session is the newest
  version of the standard in force on the session's start day in Asia/Seoul (a session that
  crosses midnight is paid under the standard of the day it started). A rate has a first-hour
  fee, a further-hour fee (pro rata by the minute, rounded down to the won) and an optional cap.
- **Teaching hours**: the instructor role of a session's staff is scheduled for the session's
  length, at most the course's hours per day (a teaching day is 7 hours, lunch is not taught);
  a correction (newest wins, with its reason) replaces that, and may add an instructor who was
  not on the staff.
- **The grade paid** is the one the selection committee approved for that course (the newest
  approval), else the registry grade.
- **Unknown is not zero**: a fee that cannot be computed has ``amount_won = None`` and says why.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.auth import service as auth
from server.core.clock import SEOUL
from server.core.db import get_or_404, keyset_page
from server.core.errors import Problem
from server.lms import service as lms
from server.lms.instructors.models import (
    FeeRate,
    FeeStandard,
    InstructorApproval,
    InstructorContact,
    SelectionMeeting,
    TeachingCorrection,
)
from server.lms.instructors.schemas import (
    ApprovalOut,
    Comparison,
    ComparisonRow,
    ComparisonTotals,
    ContactOut,
    CorrectionCreate,
    CorrectionOut,
    FeeOwed,
    FeeRateOut,
    FeeStandardCreate,
    FeeStandardOut,
    InstructorCreate,
    InstructorOut,
    InstructorQuery,
    InstructorUpdate,
    MeetingCreate,
    MeetingOut,
    NoFee,
    TeachingOut,
)
from server.lms.models import ClassSession, Cohort, CohortStatus, Course, Instructor


async def _flush_or_conflict(session: AsyncSession, detail: str) -> None:
    """Flush; a unique key taken meanwhile by a concurrent request is a conflict, not a 500."""
    try:
        await session.flush()
    except IntegrityError:
        raise Problem("conflict", detail) from None


# ---- registry --------------------------------------------------------------------------------


async def instructor_of_user(session: AsyncSession, user_id: int) -> Instructor | None:
    """The registry entry of a log-in, if it has one."""
    return await session.scalar(select(Instructor).where(Instructor.user_id == user_id))


async def _out(session: AsyncSession, instructor: Instructor, with_contact: bool) -> InstructorOut:
    out = InstructorOut.model_validate(instructor)
    if with_contact:
        contact = await session.get(InstructorContact, instructor.id)
        out.contact = ContactOut(
            email=contact.email if contact else None, phone=contact.phone if contact else None
        )
    return out


async def list_instructors(
    session: AsyncSession, query: InstructorQuery, *, only_user: int | None
) -> list[InstructorOut]:
    """A page of the registry; ``only_user`` limits it to that log-in's own entry."""
    stmt = keyset_page(select(Instructor), Instructor.id, query)
    if only_user is not None:
        stmt = stmt.where(Instructor.user_id == only_user)
    if query.q:
        like = f"%{query.q}%"
        stmt = stmt.where(
            or_(
                Instructor.name.ilike(like),
                Instructor.affiliation.ilike(like),
                Instructor.specialty.ilike(like),
            )
        )
    if query.grade is not None:
        stmt = stmt.where(Instructor.grade == query.grade)
    if query.internal is not None:
        stmt = stmt.where(Instructor.internal == query.internal)
    rows = (await session.scalars(stmt)).all()
    return [await _out(session, i, with_contact=True) for i in rows]


async def get_instructor(
    session: AsyncSession, instructor_id: int, *, viewer: int | None
) -> InstructorOut:
    """One entry; a ``viewer`` (an instructor, not staff) sees only their own: others are
    answered as not found, so that the registry's contents are not probed one id at a time."""
    instructor = await get_or_404(session, Instructor, instructor_id, "instructor")
    if viewer is not None and instructor.user_id != viewer:
        raise Problem("not-found", f"No instructor {instructor_id}.")
    return await _out(session, instructor, with_contact=True)


async def _check_login(session: AsyncSession, user_id: int, instructor_id: int | None) -> None:
    await auth.get_user(session, user_id)
    holder = await instructor_of_user(session, user_id)
    if holder is not None and holder.id != instructor_id:
        raise Problem("conflict", f"User {user_id} is already instructor {holder.id}.")


async def create_instructor(session: AsyncSession, data: InstructorCreate) -> InstructorOut:
    if data.user_id is not None:
        await _check_login(session, data.user_id, None)
    fields = data.model_dump(exclude={"email", "phone"})
    instructor = Instructor(**fields)
    session.add(instructor)
    await _flush_or_conflict(session, "That log-in was just linked to another instructor.")
    if data.email is not None or data.phone is not None:
        session.add(
            InstructorContact(instructor_id=instructor.id, email=data.email, phone=data.phone)
        )
        await session.flush()
    return await _out(session, instructor, with_contact=True)


async def update_instructor(
    session: AsyncSession, instructor_id: int, data: InstructorUpdate
) -> InstructorOut:
    """Change the fields sent; every change is in the audit log (grade changes included)."""
    instructor = await get_or_404(session, Instructor, instructor_id, "instructor")
    sent = data.model_fields_set
    if "user_id" in sent and data.user_id is not None:
        await _check_login(session, data.user_id, instructor.id)
    for name in sent - {"email", "phone"}:
        setattr(instructor, name, getattr(data, name))
    if sent & {"email", "phone"}:
        contact = await session.get(InstructorContact, instructor.id)
        if contact is None:
            contact = InstructorContact(instructor_id=instructor.id)
            session.add(contact)
        for name in sent & {"email", "phone"}:
            setattr(contact, name, getattr(data, name))
    await session.flush()
    return await _out(session, instructor, with_contact=True)


# ---- fee standards ---------------------------------------------------------------------------


def _standard_out(standard: FeeStandard, superseded: bool) -> FeeStandardOut:
    return FeeStandardOut(
        id=standard.id, effective_from=standard.effective_from, version=standard.version,
        title=standard.title, basis=standard.basis, created_at=standard.created_at,
        superseded=superseded, rates=[FeeRateOut.model_validate(r) for r in standard.rates],
    )  # fmt: skip


async def _all_standards(session: AsyncSession) -> list[FeeStandard]:
    stmt = select(FeeStandard).order_by(FeeStandard.effective_from, FeeStandard.version)
    return list((await session.scalars(stmt)).all())


def _current_versions(standards: list[FeeStandard]) -> dict[date, FeeStandard]:
    """The newest version for each effective date (the list is ordered by date, version)."""
    return {s.effective_from: s for s in standards}


def standard_in_force(standards: list[FeeStandard], day: date) -> FeeStandard | None:
    """The newest version of the standard with the latest effective date on or before ``day``."""
    current = _current_versions(standards)
    dates = [d for d in current if d <= day]
    return current[max(dates)] if dates else None


async def create_fee_standard(
    session: AsyncSession, data: FeeStandardCreate, *, actor_id: int | None, now: datetime
) -> FeeStandardOut:
    """A new standard; for a date that already has one, its next version (never an edit)."""
    latest = await session.scalar(
        select(func.max(FeeStandard.version)).where(
            FeeStandard.effective_from == data.effective_from
        )
    )
    standard = FeeStandard(
        effective_from=data.effective_from, version=(latest or 0) + 1, title=data.title,
        basis=data.basis, created_at=now, created_by=actor_id,
        rates=[FeeRate(**r.model_dump()) for r in data.rates],
    )  # fmt: skip
    session.add(standard)
    await _flush_or_conflict(session, "Another version from that date was just recorded.")
    return _standard_out(standard, superseded=False)


async def list_fee_standards(session: AsyncSession, on: date | None = None) -> list[FeeStandardOut]:
    """Every version, oldest first; with ``on``, just the one in force that day (or none)."""
    standards = await _all_standards(session)
    current = {s.id for s in _current_versions(standards).values()}
    if on is not None:
        found = standard_in_force(standards, on)
        standards = [found] if found else []
    return [_standard_out(s, superseded=s.id not in current) for s in standards]


def fee_for(rate: FeeRate, minutes: int) -> int:
    """The fee in won for ``minutes`` of teaching: the first hour at the first-hour fee, the
    rest at the further-hour fee, both pro rata by the minute, rounded down, then capped."""
    first = min(minutes, 60)
    further = max(minutes - 60, 0)
    amount = (rate.first_hour_won * first + rate.further_hour_won * further) // 60
    return amount if rate.cap_won is None else min(amount, rate.cap_won)


# ---- teaching hours --------------------------------------------------------------------------


def hours_of(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def taught_on(class_session: ClassSession) -> date:
    """The teaching day: the session's start, in Asia/Seoul."""
    return class_session.starts_at.astimezone(SEOUL).date()


def scheduled_minutes(class_session: ClassSession, course: Course) -> int:
    length = int((class_session.ends_at - class_session.starts_at).total_seconds() // 60)
    return max(0, min(length, course.hours_per_day * 60))


@dataclass(frozen=True)
class Teaching:
    """One instructor in one class session, as scheduled and as corrected."""

    class_session: ClassSession
    cohort: Cohort
    course: Course
    instructor: Instructor | None
    user_id: int | None
    scheduled: int | None
    correction: TeachingCorrection | None

    @property
    def minutes(self) -> int:
        if self.correction is not None:
            return self.correction.minutes
        return self.scheduled or 0


async def _teachings(
    session: AsyncSession, sessions: list[tuple[ClassSession, Cohort, Course, list[int]]]
) -> list[Teaching]:
    """Each session's instructors (staff, then anyone added by a correction); sessions of
    cancelled cohorts are left out."""
    ids = [cs.id for cs, *_ in sessions]
    if not ids:
        return []
    corrections: dict[tuple[int, int], TeachingCorrection] = {}
    stmt = (
        select(TeachingCorrection)
        .where(TeachingCorrection.class_session_id.in_(ids))
        .order_by(TeachingCorrection.id)
    )
    for c in await session.scalars(stmt):
        corrections[(c.class_session_id, c.instructor_id)] = c  # the newest wins
    user_ids = sorted({u for *_, users in sessions for u in users})
    by_user = {
        i.user_id: i
        for i in await session.scalars(select(Instructor).where(Instructor.user_id.in_(user_ids)))
    }
    extra_ids = {iid for _, iid in corrections} - {i.id for i in by_user.values()}
    by_id = {i.id: i for i in by_user.values()}
    if extra_ids:
        extra = await session.scalars(select(Instructor).where(Instructor.id.in_(extra_ids)))
        by_id.update({i.id: i for i in extra})
    out: list[Teaching] = []
    for cs, cohort, course, users in sessions:
        if cohort.status == CohortStatus.CANCELLED:
            continue  # a cancelled run was not taught, whatever its timetable said
        scheduled = scheduled_minutes(cs, course)
        seen: set[int] = set()
        for user_id in users:
            found = by_user.get(user_id)
            fix = corrections.get((cs.id, found.id)) if found else None
            out.append(Teaching(cs, cohort, course, found, user_id, scheduled, fix))
            if found is not None:
                seen.add(found.id)
        for (session_id, instructor_id), fix in sorted(corrections.items()):
            if session_id == cs.id and instructor_id not in seen:
                teacher = by_id[instructor_id]
                out.append(Teaching(cs, cohort, course, teacher, teacher.user_id, None, fix))
    return out


def _teaching_out(t: Teaching, names: dict[int, str]) -> TeachingOut:
    name = t.instructor.name if t.instructor else names.get(t.user_id or 0)
    return TeachingOut(
        class_session_id=t.class_session.id,
        instructor_id=t.instructor.id if t.instructor else None, user_id=t.user_id,
        instructor_name=name, scheduled_minutes=t.scheduled, minutes=t.minutes,
        hours=hours_of(t.minutes),
        correction=CorrectionOut.model_validate(t.correction) if t.correction else None,
    )  # fmt: skip


async def teaching_of_session(
    session: AsyncSession, class_session_id: int, *, viewer: int | None
) -> list[TeachingOut]:
    """Who taught the session and for how long; a ``viewer`` (an instructor, not staff) sees
    only sessions they teach, others answered as not found."""
    await lms.get_class_session(session, class_session_id)
    rows = await _teachings(
        session, await lms.instructor_sessions(session, class_session_ids=[class_session_id])
    )
    if viewer is not None and all(t.user_id != viewer for t in rows):
        raise Problem("not-found", f"No class session {class_session_id} that you teach.")
    names = await auth.names_of(session, [t.user_id for t in rows if t.user_id is not None])
    return [_teaching_out(t, names) for t in rows]


async def record_correction(
    session: AsyncSession,
    class_session_id: int,
    data: CorrectionCreate,
    *,
    actor_id: int | None,
    now: datetime,
) -> CorrectionOut:
    """Record the minutes an instructor actually taught, as a new entry with its reason."""
    await lms.get_class_session(session, class_session_id)
    await get_or_404(session, Instructor, data.instructor_id, "instructor")
    correction = TeachingCorrection(
        class_session_id=class_session_id, instructor_id=data.instructor_id,
        minutes=data.minutes, reason=data.reason, recorded_at=now, recorded_by=actor_id,
    )  # fmt: skip
    session.add(correction)
    await session.flush()
    return CorrectionOut.model_validate(correction)


# ---- fees owed -------------------------------------------------------------------------------


def seoul_days(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """UTC bounds of the Asia/Seoul days ``date_from`` to ``date_to``, both included."""
    start = datetime.combine(date_from, time.min, tzinfo=SEOUL)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=SEOUL)
    return start.astimezone(UTC), end.astimezone(UTC)


async def _approved_grades(
    session: AsyncSession, course_ids: list[int]
) -> dict[tuple[int, int], InstructorApproval]:
    """(instructor, course) → the newest approval (by meeting date, then entry)."""
    if not course_ids:
        return {}
    stmt = (
        select(InstructorApproval)
        .join(SelectionMeeting, SelectionMeeting.id == InstructorApproval.meeting_id)
        .where(InstructorApproval.course_id.in_(course_ids))
        .order_by(SelectionMeeting.held_on, InstructorApproval.id)
    )
    return {(a.instructor_id, a.course_id): a for a in await session.scalars(stmt)}


def _fee_row(
    t: Teaching,
    standards: list[FeeStandard],
    approvals: dict[tuple[int, int], InstructorApproval],
    names: dict[int, str],
) -> FeeOwed:
    day = taught_on(t.class_session)
    grade = standard = rate = None
    no_fee: NoFee | None = None
    if t.instructor is None:
        no_fee = NoFee.NOT_REGISTERED
    else:
        approval = approvals.get((t.instructor.id, t.course.id))
        grade = approval.grade if approval else t.instructor.grade
        standard = standard_in_force(standards, day)
        if standard is None:
            no_fee = NoFee.NO_STANDARD
        else:
            rate = next((r for r in standard.rates if r.grade == grade), None)
            no_fee = None if rate else NoFee.NO_RATE
    return FeeOwed(
        instructor_id=t.instructor.id if t.instructor else None, user_id=t.user_id,
        instructor_name=t.instructor.name if t.instructor else names.get(t.user_id or 0),
        class_session_id=t.class_session.id, class_session_title=t.class_session.title,
        session_state=t.class_session.state, course_id=t.course.id,
        course_title=t.course.title, cohort_id=t.cohort.id,
        cohort_name=t.cohort.name, taught_on=day, minutes=t.minutes, hours=hours_of(t.minutes),
        corrected=t.correction is not None, grade=grade,
        fee_standard_id=standard.id if standard else None,
        first_hour_won=rate.first_hour_won if rate else None,
        further_hour_won=rate.further_hour_won if rate else None,
        cap_won=rate.cap_won if rate else None,
        amount_won=fee_for(rate, t.minutes) if rate else None, no_fee=no_fee,
    )  # fmt: skip


async def fees_owed(
    session: AsyncSession,
    date_from: date,
    date_to: date,
    *,
    instructor_id: int | None = None,
    course_id: int | None = None,
) -> list[FeeOwed]:
    """Instructors' fees for the class sessions that started on ``date_from`` … ``date_to``
    (Asia/Seoul, both included), one row per instructor and session, by start.

    Public: the budget module posts these as commitments and expenditures. A row whose fee is
    unknown (instructor not registered, no standard or no rate for the grade) has
    ``amount_won = None`` and ``no_fee`` saying why; it is never left out or counted as 0.
    """
    start, end = seoul_days(date_from, date_to)
    sessions = await lms.instructor_sessions(
        session, starts_from=start, starts_before=end, course_id=course_id
    )
    rows = await _teachings(session, sessions)
    if instructor_id is not None:
        rows = [t for t in rows if t.instructor is not None and t.instructor.id == instructor_id]
    standards = await _all_standards(session)
    approvals = await _approved_grades(session, sorted({t.course.id for t in rows}))
    unnamed = [t.user_id for t in rows if t.instructor is None and t.user_id is not None]
    names = await auth.names_of(session, unnamed) if unnamed else {}
    return [_fee_row(t, standards, approvals, names) for t in rows]


def total_won(rows: list[FeeOwed]) -> int | None:
    """The sum of the known amounts; None when no amount is known (unknown is not zero)."""
    known = [r.amount_won for r in rows if r.amount_won is not None]
    return sum(known) if known else None


# ---- selection committee ---------------------------------------------------------------------


def _meeting_out(meeting: SelectionMeeting) -> MeetingOut:
    return MeetingOut(
        id=meeting.id, held_on=meeting.held_on, title=meeting.title,
        created_at=meeting.created_at,
        approvals=[ApprovalOut.model_validate(a) for a in meeting.approvals],
    )  # fmt: skip


async def create_meeting(session: AsyncSession, data: MeetingCreate, now: datetime) -> MeetingOut:
    """A committee meeting and the instructors it approved, each for a course at a grade."""
    for approval in data.approvals:
        await get_or_404(session, Instructor, approval.instructor_id, "instructor")
    courses = await lms.courses_by_id(session, sorted({a.course_id for a in data.approvals}))
    for approval in data.approvals:
        if approval.course_id not in courses:
            raise Problem("not-found", f"No course {approval.course_id}.")
    meeting = SelectionMeeting(
        held_on=data.held_on, title=data.title, created_at=now,
        approvals=[InstructorApproval(**a.model_dump()) for a in data.approvals],
    )  # fmt: skip
    session.add(meeting)
    await session.flush()
    return _meeting_out(meeting)


async def list_meetings(session: AsyncSession, year: int | None = None) -> list[MeetingOut]:
    stmt = select(SelectionMeeting).order_by(SelectionMeeting.held_on, SelectionMeeting.id)
    if year is not None:
        stmt = stmt.where(
            SelectionMeeting.held_on >= date(year, 1, 1),
            SelectionMeeting.held_on < date(year + 1, 1, 1),
        )
    return [_meeting_out(m) for m in await session.scalars(stmt)]


@dataclass
class _Taught:
    sessions: int = 0
    minutes: int = 0


async def approved_vs_taught(session: AsyncSession, year: int, as_of: date) -> list[ComparisonRow]:
    """The council's comparison: per course of ``year``, each instructor approved by the
    committee and/or who taught up to ``as_of`` (Asia/Seoul, included): approved and taught,
    approved but never taught, taught without approval. A session counts as taught when the
    instructor's minutes (scheduled or corrected) are above zero.

    Plain rows, ordered by course code, status, name: a report for the report registry.
    """
    _, end = seoul_days(as_of, as_of)
    taught: dict[tuple[int, int | None, int | None], _Taught] = {}
    people: dict[tuple[int | None, int | None], Instructor | None] = {}
    courses: dict[int, Course] = {}
    sessions = await lms.instructor_sessions(session, starts_before=end, year=year)
    for t in await _teachings(session, sessions):
        if t.minutes <= 0:
            continue
        key = (t.instructor.id if t.instructor else None, None if t.instructor else t.user_id)
        people[key] = t.instructor
        courses[t.course.id] = t.course
        entry = taught.setdefault((t.course.id, *key), _Taught())
        entry.sessions += 1
        entry.minutes += t.minutes
    approvals = await _approvals_of_year(session, year)
    courses.update(await lms.courses_by_id(session, sorted({c for _, c in approvals})))
    approved_people = await session.scalars(
        select(Instructor).where(Instructor.id.in_(sorted({i for i, _ in approvals})))
    )
    for instructor in approved_people:
        people[(instructor.id, None)] = instructor
    unnamed = [u for (i, u) in people if i is None and u is not None]
    names = await auth.names_of(session, unnamed) if unnamed else {}
    keys = set(taught) | {(c, i, None) for i, c in approvals}
    rows = []
    for course_id, instructor_id, user_id in keys:
        course = courses[course_id]
        approval = approvals.get((instructor_id, course_id)) if instructor_id else None
        done = taught.get((course_id, instructor_id, user_id))
        who = people[(instructor_id, user_id)]
        if approval and done:
            status = Comparison.APPROVED_AND_TAUGHT
        elif approval:
            status = Comparison.APPROVED_NOT_TAUGHT
        else:
            status = Comparison.TAUGHT_WITHOUT_APPROVAL
        rows.append(
            ComparisonRow(
                course_id=course.id, course_code=course.code, course_title=course.title,
                year=course.year, instructor_id=instructor_id,
                user_id=who.user_id if who else user_id,
                instructor_name=who.name if who else names.get(user_id or 0),
                status=status, approved_grade=approval[0].grade if approval else None,
                approved_on=approval[1] if approval else None,
                sessions_taught=done.sessions if done else 0,
                hours_taught=hours_of(done.minutes if done else 0),
            )
        )  # fmt: skip
    order = list(Comparison)
    rows.sort(key=lambda r: (r.course_code, order.index(r.status), r.instructor_name or ""))
    return rows


async def _approvals_of_year(
    session: AsyncSession, year: int
) -> dict[tuple[int, int], tuple[InstructorApproval, date]]:
    """(instructor, course) → the newest approval and its meeting date, for courses of ``year``."""
    stmt = (
        select(InstructorApproval, SelectionMeeting.held_on)
        .join(SelectionMeeting, SelectionMeeting.id == InstructorApproval.meeting_id)
        .order_by(SelectionMeeting.held_on, InstructorApproval.id)
    )
    rows = (await session.execute(stmt)).all()
    courses = await lms.courses_by_id(session, sorted({a.course_id for a, _ in rows}))
    return {
        (a.instructor_id, a.course_id): (a, held_on)
        for a, held_on in rows
        if courses[a.course_id].year == year
    }


def comparison_totals(rows: list[ComparisonRow]) -> ComparisonTotals:
    counts = Counter(r.status for r in rows)
    return ComparisonTotals(**{status.value: counts[status] for status in Comparison})
