"""The rules of cohorts (회차/기수), their class sessions and staff: plain async functions.

- **Status** moves one way: planned → open (taking applications) → running → finished;
  cancelled from any of them but finished. A finished or cancelled cohort is *closed*: its
  facts, sessions and staff are the record and no longer change.
- **Dates**: a cohort's sessions lie within its days; changing the days so that a session
  falls outside is refused rather than moving or deleting sessions behind the operator's back.
- **Sessions** are written as the institute's timetable has them (Asia/Seoul); an end at or
  before the start is the next day. A session that is live or has ended is history (attendance,
  fees and completion read it): it is neither edited nor deleted.
- **Teaching hours** are the instructors' rule (``instructors.service.scheduled_minutes``):
  the length, at most the course's hours per day, so a 09:00–17:00 day counts 7 hours.
- **Seats** are counted by ``lms.service``; the enrolment rules live with enrolment.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.auth import service as auth
from server.core.clock import SEOUL
from server.core.db import get_or_404
from server.core.errors import Problem
from server.lms import service as lms
from server.lms.cohorts import calendar
from server.lms.cohorts.schemas import (
    Assigned,
    ClosedDay,
    CohortCreate,
    CohortDetail,
    CohortQuery,
    CohortSummary,
    CohortUpdate,
    Counts,
    CourseBrief,
    Generated,
    GenerateSessions,
    SessionCreate,
    SessionOut,
    SessionUpdate,
    StaffAssign,
    StaffOut,
)
from server.lms.instructors import service as instructors
from server.lms.models import (
    ClassSession,
    Cohort,
    CohortStatus,
    Course,
    EnrolmentStatus,
    SessionStaff,
    SessionState,
    StaffRole,
)

#: the status changes allowed from each status
TRANSITIONS: dict[CohortStatus, tuple[CohortStatus, ...]] = {
    CohortStatus.PLANNED: (CohortStatus.OPEN, CohortStatus.CANCELLED),
    CohortStatus.OPEN: (CohortStatus.RUNNING, CohortStatus.CANCELLED),
    CohortStatus.RUNNING: (CohortStatus.FINISHED, CohortStatus.CANCELLED),
    CohortStatus.FINISHED: (),
    CohortStatus.CANCELLED: (),
}
CLOSED = (CohortStatus.FINISHED, CohortStatus.CANCELLED)
LOCKED = (SessionState.LIVE, SessionState.ENDED)
#: the log-in role a person needs to be put on a session's staff in each staff role
NEEDS_ROLE = {
    StaffRole.INSTRUCTOR: "instructor",
    StaffRole.ASSISTANT: "assistant",
    StaffRole.CAPTIONER: "captioner",
}


# ---- reading ---------------------------------------------------------------------------------


async def list_cohorts(
    session: AsyncSession, query: CohortQuery, *, staffed_by: int | None
) -> list[CohortSummary]:
    """A page of cohorts (up to limit+1) with course and seat counts; ``staffed_by`` keeps the
    ones that person is on the staff of."""
    stmt = (
        select(Cohort, Course.code, Course.title, Course.year)
        .join(Course, Course.id == Cohort.course_id)
        .where(Cohort.id > query.after_id)  # keyset_page's page, for a row of four columns
        .order_by(Cohort.id)
        .limit(query.limit + 1)
    )
    if query.year is not None:
        stmt = stmt.where(Course.year == query.year)
    if query.course_id is not None:
        stmt = stmt.where(Cohort.course_id == query.course_id)
    if query.status is not None:
        stmt = stmt.where(Cohort.status == query.status.value)
    if staffed_by is not None:
        stmt = stmt.where(Cohort.id.in_(_staffed_cohorts(staffed_by)))
    rows = (await session.execute(stmt)).all()
    ids = [cohort.id for cohort, *_ in rows]
    counts = await lms.enrolment_counts(session, ids)
    sessions = await _session_counts(session, ids)
    return [
        CohortSummary(
            id=c.id,
            course_id=c.course_id,
            course_code=code,
            course_title=title,
            year=year,
            number=c.number,
            name=c.name,
            starts_on=c.starts_on,
            ends_on=c.ends_on,
            capacity=c.capacity,
            status=CohortStatus(c.status),
            enrolled=lms.seats_taken(counts[c.id]),
            sessions=sessions.get(c.id, 0),
        )
        for c, code, title, year in rows
    ]


def _staffed_cohorts(user_id: int) -> Select[int]:
    return (
        select(ClassSession.cohort_id)
        .join(SessionStaff, SessionStaff.class_session_id == ClassSession.id)
        .where(SessionStaff.user_id == user_id)
    )


async def _session_counts(session: AsyncSession, cohort_ids: list[int]) -> dict[int, int]:
    if not cohort_ids:
        return {}
    rows = await session.execute(
        select(ClassSession.cohort_id, func.count())
        .where(ClassSession.cohort_id.in_(cohort_ids))
        .group_by(ClassSession.cohort_id)
    )
    return {cohort_id: count for cohort_id, count in rows.all()}


async def may_read(session: AsyncSession, cohort_id: int, user_id: int) -> bool:
    """Someone not on the training staff reads a cohort they are on the staff of (any role) or
    a trainee of."""
    staffed = await session.scalar(
        select(ClassSession.id)
        .join(SessionStaff, SessionStaff.class_session_id == ClassSession.id)
        .where(ClassSession.cohort_id == cohort_id, SessionStaff.user_id == user_id)
        .limit(1)
    )
    return staffed is not None or await lms.is_joinable_trainee(session, cohort_id, user_id)


async def get_detail(session: AsyncSession, cohort_id: int) -> CohortDetail:
    """The cohort's facts, course, seat counts, and sessions with their staff."""
    cohort = await lms.get_cohort(session, cohort_id)
    course = await lms.get_course(session, cohort.course_id)
    counts = (await lms.enrolment_counts(session, [cohort.id]))[cohort.id]
    status = CohortStatus(cohort.status)
    taken = lms.seats_taken(counts)
    by_status = {s.value: counts.get(s.value, 0) for s in EnrolmentStatus}
    return CohortDetail(
        id=cohort.id,
        number=cohort.number,
        name=cohort.name,
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
        capacity=cohort.capacity,
        status=status,
        next_statuses=list(TRANSITIONS[status]),
        closed=status in CLOSED,
        course=CourseBrief.model_validate(course),
        counts=Counts(
            **by_status,
            enrolled=taken,
            capacity=cohort.capacity,
            seats_left=max(cohort.capacity - taken, 0),
        ),
        sessions=await _sessions_out(session, cohort, course),
    )


async def _sessions_out(session: AsyncSession, cohort: Cohort, course: Course) -> list[SessionOut]:
    sessions = await lms.cohort_sessions(session, cohort.id)
    staff = await _staff_of(session, [s.id for s in sessions])
    return [_session_out(s, cohort, course, staff.get(s.id, [])) for s in sessions]


async def _staff_of(session: AsyncSession, session_ids: list[int]) -> dict[int, list[StaffOut]]:
    if not session_ids:
        return {}
    rows = (
        await session.scalars(
            select(SessionStaff)
            .where(SessionStaff.class_session_id.in_(session_ids))
            .order_by(SessionStaff.id)
        )
    ).all()
    names = await auth.names_of(session, list({r.user_id for r in rows}))
    staff: dict[int, list[StaffOut]] = {}
    for r in rows:
        staff.setdefault(r.class_session_id, []).append(_staff_out(r, names))
    return staff


def _staff_out(row: SessionStaff, names: dict[int, str]) -> StaffOut:
    return StaffOut(
        id=row.id,
        class_session_id=row.class_session_id,
        user_id=row.user_id,
        name=names.get(row.user_id, ""),
        role=StaffRole(row.role),
    )


def _session_out(
    cs: ClassSession, cohort: Cohort, course: Course, staff: list[StaffOut]
) -> SessionOut:
    start = cs.starts_at.astimezone(SEOUL)
    end = cs.ends_at.astimezone(SEOUL)
    state = SessionState(cs.state)
    return SessionOut(
        id=cs.id,
        cohort_id=cs.cohort_id,
        title=cs.title,
        starts_at=cs.starts_at,
        ends_at=cs.ends_at,
        day=start.date(),
        start=f"{start:%H:%M}",
        end=f"{end:%H:%M}",
        overnight=end.date() > start.date(),
        minutes=int((cs.ends_at - cs.starts_at).total_seconds() // 60),
        teaching_hours=instructors.hours_of(instructors.scheduled_minutes(cs, course)),
        live=cs.live,
        state=state,
        editable=state not in LOCKED and CohortStatus(cohort.status) not in CLOSED,
        staff=staff,
    )


# ---- cohorts ---------------------------------------------------------------------------------


def _open(cohort: Cohort) -> None:
    if CohortStatus(cohort.status) in CLOSED:
        raise Problem("cohort-closed", f"Cohort {cohort.id} is {cohort.status}.")


async def _number_free(session: AsyncSession, course_id: int, number: int) -> None:
    taken = await session.scalar(
        select(Cohort.id).where(Cohort.course_id == course_id, Cohort.number == number)
    )
    if taken is not None:
        raise Problem(
            "cohort-number-taken", f"The course already has cohort {number}.", cohort_id=taken
        )


async def _flush(session: AsyncSession) -> None:
    """Flush; a number taken meanwhile by a concurrent request is the same 409, not a 500."""
    try:
        await session.flush()
    except IntegrityError:
        raise Problem("cohort-number-taken") from None


async def create_cohort(session: AsyncSession, data: CohortCreate) -> CohortDetail:
    course = await lms.get_course(session, data.course_id)
    number = data.number
    if number is None:
        last = await session.scalar(
            select(func.max(Cohort.number)).where(Cohort.course_id == course.id)
        )
        number = (last or 0) + 1
    await _number_free(session, course.id, number)
    cohort = Cohort(
        course_id=course.id,
        number=number,
        name=data.name or f"{number}기",
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        capacity=data.capacity,
        status=CohortStatus.PLANNED,
    )
    session.add(cohort)
    await _flush(session)
    return await get_detail(session, cohort.id)


async def update_cohort(session: AsyncSession, cohort_id: int, data: CohortUpdate) -> CohortDetail:
    cohort = await lms.get_cohort(session, cohort_id)
    _open(cohort)
    changes = data.model_dump(exclude_unset=True)
    starts_on = changes.get("starts_on", cohort.starts_on)
    ends_on = changes.get("ends_on", cohort.ends_on)
    if starts_on > ends_on:
        raise Problem(
            "validation-error",
            "The cohort would end before it starts.",
            errors=[
                {
                    "in": "body",
                    "loc": [next(iter({"starts_on", "ends_on"} & changes.keys()))],
                    "msg": "starts_on is after ends_on",
                    "type": "value_error",
                }
            ],
        )
    outside = [
        s.starts_at.astimezone(SEOUL).date()
        for s in await lms.cohort_sessions(session, cohort.id)
        if not starts_on <= s.starts_at.astimezone(SEOUL).date() <= ends_on
    ]
    if outside:
        raise Problem(
            "sessions-outside-dates",
            f"Sessions on {', '.join(map(str, outside))} would fall outside the cohort's days; "
            "move or delete them first.",
            days=[d.isoformat() for d in outside],
        )
    if "capacity" in changes:
        taken = lms.seats_taken((await lms.enrolment_counts(session, [cohort.id]))[cohort.id])
        if changes["capacity"] < taken:
            raise Problem(
                "capacity-below-enrolled",
                f"{taken} trainees already hold seats; the capacity cannot be below that.",
                enrolled=taken,
            )
    if "number" in changes and changes["number"] != cohort.number:
        await _number_free(session, cohort.course_id, changes["number"])
    for name, value in changes.items():
        setattr(cohort, name, value)
    await _flush(session)
    return await get_detail(session, cohort.id)


async def change_status(
    session: AsyncSession, cohort_id: int, status: CohortStatus
) -> CohortDetail:
    """Move the cohort along planned → open → running → finished, or cancel it."""
    cohort = await lms.get_cohort(session, cohort_id)
    current = CohortStatus(cohort.status)
    allowed = TRANSITIONS[current]
    if status not in allowed:
        raise Problem(
            "cohort-status",
            f"A {current} cohort cannot become {status}.",
            current=current.value,
            allowed=[s.value for s in allowed],
        )
    cohort.status = status
    await session.flush()
    return await get_detail(session, cohort.id)


# ---- class sessions --------------------------------------------------------------------------


def seoul_span(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """UTC instants of a Seoul day's start and end time; an end at or before the start is on
    the next day."""
    begins = datetime.combine(day, start, tzinfo=SEOUL)
    ends = datetime.combine(day, end, tzinfo=SEOUL)
    if ends <= begins:
        ends += timedelta(days=1)
    return begins.astimezone(UTC), ends.astimezone(UTC)


def _within(cohort: Cohort, day: date) -> None:
    if not cohort.starts_on <= day <= cohort.ends_on:
        raise Problem(
            "validation-error",
            f"{day} is not one of the cohort's days ({cohort.starts_on} to {cohort.ends_on}).",
            errors=[
                {
                    "in": "body",
                    "loc": ["day"],
                    "msg": "outside the cohort's days",
                    "type": "value_error",
                }
            ],
        )


async def _detail_of_session(session: AsyncSession, cs: ClassSession) -> SessionOut:
    cohort = await lms.get_cohort(session, cs.cohort_id)
    course = await lms.get_course(session, cohort.course_id)
    staff = await _staff_of(session, [cs.id])
    return _session_out(cs, cohort, course, staff.get(cs.id, []))


def _default_title(cohort: Cohort, day: date) -> str:
    return f"{cohort.name} {day:%m/%d}"


async def generate_sessions(
    session: AsyncSession, cohort_id: int, data: GenerateSessions
) -> Generated:
    """One session per teaching day of the cohort (weekdays less holidays and closures); days
    that already have one are left as they are, so generating again after a change of dates
    only fills the gaps."""
    cohort = await lms.get_cohort(session, cohort_id)
    _open(cohort)
    course = await lms.get_course(session, cohort.course_id)
    existing = {
        s.starts_at.astimezone(SEOUL).date() for s in await lms.cohort_sessions(session, cohort.id)
    }
    closed = calendar.closed_weekdays(cohort.starts_on, cohort.ends_on,
                                      public_holidays=data.skip_public_holidays,
                                      closures=data.closed_days)  # fmt: skip
    made: list[ClassSession] = []
    skipped: list[date] = []
    for day in calendar.weekdays(cohort.starts_on, cohort.ends_on):
        if day in existing:
            skipped.append(day)
        elif day not in closed:
            starts_at, ends_at = seoul_span(day, data.start, data.end)
            made.append(
                ClassSession(
                    cohort_id=cohort.id,
                    title=_default_title(cohort, day),
                    starts_at=starts_at,
                    ends_at=ends_at,
                    live=data.live,
                    state=SessionState.SCHEDULED,
                )
            )
    session.add_all(made)
    await session.flush()
    return Generated(
        created=[_session_out(s, cohort, course, []) for s in made],
        skipped_days=skipped,
        closed=[ClosedDay(day=day, holiday=name) for day, name in closed.items()],
    )


async def add_session(session: AsyncSession, cohort_id: int, data: SessionCreate) -> SessionOut:
    cohort = await lms.get_cohort(session, cohort_id)
    _open(cohort)
    _within(cohort, data.day)
    starts_at, ends_at = seoul_span(data.day, data.start, data.end)
    cs = ClassSession(
        cohort_id=cohort.id,
        title=data.title or _default_title(cohort, data.day),
        starts_at=starts_at,
        ends_at=ends_at,
        live=data.live,
        state=SessionState.SCHEDULED,
    )
    session.add(cs)
    await session.flush()
    return await _detail_of_session(session, cs)


async def _changeable(session: AsyncSession, class_session_id: int) -> tuple[ClassSession, Cohort]:
    cs = await lms.get_class_session(session, class_session_id)
    cohort = await lms.get_cohort(session, cs.cohort_id)
    _open(cohort)
    if SessionState(cs.state) in LOCKED:
        raise Problem("session-locked", f"Class session {cs.id} is {cs.state}.", state=cs.state)
    return cs, cohort


async def update_session(
    session: AsyncSession, class_session_id: int, data: SessionUpdate
) -> SessionOut:
    cs, cohort = await _changeable(session, class_session_id)
    start = cs.starts_at.astimezone(SEOUL)
    end = cs.ends_at.astimezone(SEOUL)
    day = data.day or start.date()
    begins, ends = data.start or start.time(), data.end or end.time()
    if begins == ends:
        raise Problem(
            "validation-error",
            "A session cannot start and end at the same time.",
            errors=[
                {
                    "in": "body",
                    "loc": ["end" if data.end else "start"],
                    "msg": "same as the other end",
                    "type": "value_error",
                }
            ],
        )
    _within(cohort, day)
    cs.starts_at, cs.ends_at = seoul_span(day, begins, ends)
    if data.live is not None:
        cs.live = data.live
    if data.title is not None:
        cs.title = data.title
    await session.flush()
    return await _detail_of_session(session, cs)


async def delete_session(session: AsyncSession, class_session_id: int) -> None:
    """Delete a session that has not taken place; one that other records already point at
    (a lobby that was opened, say) is refused, not half-deleted."""
    cs, _ = await _changeable(session, class_session_id)
    await session.delete(cs)
    try:
        await session.flush()
    except IntegrityError:
        raise Problem(
            "conflict", f"Class session {class_session_id} already has records; keep it."
        ) from None


# ---- staff -----------------------------------------------------------------------------------


async def _person(session: AsyncSession, data: StaffAssign) -> int:
    """The log-in to put on the staff, checked to hold the role's log-in role."""
    if data.instructor_id is not None:
        entry = await lms.get_instructor(session, data.instructor_id)
        if entry.user_id is None:
            raise Problem(
                "validation-error",
                f"Instructor {entry.name} has no log-in; link one in the registry first.",
                errors=[
                    {
                        "in": "body",
                        "loc": ["instructor_id"],
                        "msg": "no log-in",
                        "type": "value_error",
                    }
                ],
            )
        user_id = entry.user_id
    else:
        assert data.user_id is not None
        user_id = data.user_id
    user = await auth.get_user(session, user_id)
    if NEEDS_ROLE[data.role] not in user.role_names():
        field = "instructor_id" if data.instructor_id is not None else "user_id"
        raise Problem(
            "validation-error",
            f"{user.name} is not a {data.role.value}.",
            errors=[
                {
                    "in": "body",
                    "loc": [field],
                    "msg": f"not a {data.role.value}",
                    "type": "value_error",
                }
            ],
        )
    return user_id


async def _add_staff(
    session: AsyncSession, sessions: Sequence[ClassSession], user_id: int, role: StaffRole
) -> list[SessionStaff]:
    have = set(
        (
            await session.scalars(
                select(SessionStaff.class_session_id).where(
                    SessionStaff.class_session_id.in_([s.id for s in sessions]),
                    SessionStaff.user_id == user_id,
                    SessionStaff.role == role.value,
                )
            )
        ).all()
    )
    rows = [
        SessionStaff(class_session_id=s.id, user_id=user_id, role=role)
        for s in sessions
        if s.id not in have
    ]
    session.add_all(rows)
    try:
        await session.flush()
    except IntegrityError:
        raise Problem("conflict", "They were put on the staff meanwhile.") from None
    return rows


async def assign_staff(session: AsyncSession, class_session_id: int, data: StaffAssign) -> StaffOut:
    """Put a person on one session's staff; staff of a class that has ended is the record
    (the instructors' corrections are the way to change who taught)."""
    cs = await lms.get_class_session(session, class_session_id)
    _open(await lms.get_cohort(session, cs.cohort_id))
    if cs.state == SessionState.ENDED:
        raise Problem("session-locked", f"Class session {cs.id} has ended.", state=cs.state)
    user_id = await _person(session, data)
    rows = await _add_staff(session, [cs], user_id, data.role)
    if not rows:
        raise Problem("conflict", f"They are already {data.role.value} of this session.")
    return _staff_out(rows[0], await auth.names_of(session, [user_id]))


async def assign_cohort_staff(session: AsyncSession, cohort_id: int, data: StaffAssign) -> Assigned:
    """Put a person on the staff of every session of the cohort that has not ended."""
    cohort = await lms.get_cohort(session, cohort_id)
    _open(cohort)
    user_id = await _person(session, data)
    sessions = await lms.cohort_sessions(session, cohort.id)
    open_sessions = [s for s in sessions if s.state != SessionState.ENDED]
    rows = await _add_staff(session, open_sessions, user_id, data.role)
    names = await auth.names_of(session, [user_id])
    return Assigned(
        assigned=[_staff_out(r, names) for r in rows], skipped=len(sessions) - len(rows)
    )


async def remove_staff(session: AsyncSession, class_session_id: int, staff_id: int) -> None:
    row = await get_or_404(session, SessionStaff, staff_id, "staff assignment")
    if row.class_session_id != class_session_id:
        raise Problem("not-found", f"No staff assignment {staff_id} in this session.")
    cs = await lms.get_class_session(session, class_session_id)
    _open(await lms.get_cohort(session, cs.cohort_id))
    if cs.state == SessionState.ENDED:
        raise Problem("session-locked", f"Class session {cs.id} has ended.", state=cs.state)
    await session.delete(row)
    await session.flush()
