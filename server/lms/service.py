"""The rules of course records: plain async functions over a session."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.clock import SEOUL
from server.core.db import get_or_404, keyset_page
from server.core.errors import Problem
from server.lms.catalog import service as catalog
from server.lms.models import (
    JOINABLE,
    ClassSession,
    Cohort,
    CompetencyArea,
    Course,
    CoursePlan,
    Enrolment,
    EnrolmentStatus,
    Instructor,
    SessionStaff,
    SessionState,
    StaffRole,
    SubArea,
)
from server.lms.schemas import AreaOut, ClassSessionQuery, CourseOut, CourseQuery, SubAreaOut


async def list_areas(session: AsyncSession) -> list[AreaOut]:
    areas = (await session.scalars(select(CompetencyArea).order_by(CompetencyArea.sort))).all()
    subs = (await session.scalars(select(SubArea).order_by(SubArea.sort))).all()
    return [
        AreaOut(
            id=a.id,
            code=a.code,
            name_ko=a.name_ko,
            name_en=a.name_en,
            sub_areas=[SubAreaOut.model_validate(s) for s in subs if s.area_id == a.id],
        )
        for a in areas
    ]


COURSE_COLUMNS = [c for c in Course.__table__.c]
PLAN_COLUMNS = [CoursePlan.course_id, CoursePlan.version, CoursePlan.offered,
                CoursePlan.runs, CoursePlan.people]  # fmt: skip


async def list_courses(session: AsyncSession, query: CourseQuery) -> list[CourseOut]:
    """A page of the catalog. The most-read list, so two plain queries and no ORM objects."""
    stmt = keyset_page(select(*COURSE_COLUMNS), Course.id, query)
    if query.year is not None:
        stmt = stmt.where(Course.year == query.year)
    if query.track is not None:
        stmt = stmt.where(Course.track == query.track.value)
    if query.delivery_mode is not None:
        stmt = stmt.where(Course.delivery_mode == query.delivery_mode.value)
    if query.sub_area is not None:
        stmt = stmt.join(SubArea, SubArea.id == Course.sub_area_id).where(
            SubArea.code == query.sub_area
        )
    if query.q:
        stmt = stmt.where(Course.title.ilike(f"%{query.q}%"))
    courses = (await session.execute(stmt)).mappings().all()
    plans: dict[int, list[dict[str, object]]] = {c["id"]: [] for c in courses}
    if plans:
        plan_rows = await session.execute(
            select(*PLAN_COLUMNS)
            .where(CoursePlan.course_id.in_(list(plans)))
            .order_by(CoursePlan.course_id, CoursePlan.version)
        )
        for plan in plan_rows.mappings():
            plans[plan["course_id"]].append(dict(plan))
    return [CourseOut.model_validate({**c, "plans": plans[c["id"]]}) for c in courses]


async def get_course(session: AsyncSession, course_id: int) -> Course:
    return await get_or_404(session, Course, course_id, "course")


async def get_class_session(session: AsyncSession, class_session_id: int) -> ClassSession:
    return await get_or_404(session, ClassSession, class_session_id, "class session")


def seoul_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=SEOUL)
    return start, start + timedelta(days=1)


async def list_class_sessions(
    session: AsyncSession, query: ClassSessionQuery, *, visible_to: int | None
) -> list[ClassSession]:
    """Sessions by start; ``visible_to`` limits them to one person's (enrolled or teaching)."""
    stmt = keyset_page(select(ClassSession), ClassSession.id, query)
    if query.on is not None:
        start, end = seoul_day_bounds(query.on)
        stmt = stmt.where(ClassSession.starts_at >= start, ClassSession.starts_at < end)
    if visible_to is not None:
        enrolled = select(Enrolment.cohort_id).where(
            Enrolment.user_id == visible_to, Enrolment.status.in_([s.value for s in JOINABLE])
        )
        teaching = select(SessionStaff.class_session_id).where(SessionStaff.user_id == visible_to)
        stmt = stmt.where(ClassSession.cohort_id.in_(enrolled) | ClassSession.id.in_(teaching))
    return list((await session.scalars(stmt)).all())


async def can_join_as_trainee(session: AsyncSession, class_session_id: int, user_id: int) -> bool:
    stmt = (
        select(Enrolment.id)
        .join(ClassSession, ClassSession.cohort_id == Enrolment.cohort_id)
        .where(
            ClassSession.id == class_session_id,
            Enrolment.user_id == user_id,
            Enrolment.status.in_([s.value for s in JOINABLE]),
        )
    )
    return (await session.scalar(stmt)) is not None


async def staff_roles(
    session: AsyncSession, class_session_id: int, user_id: int
) -> frozenset[StaffRole]:
    stmt = select(SessionStaff.role).where(
        SessionStaff.class_session_id == class_session_id, SessionStaff.user_id == user_id
    )
    return frozenset(StaffRole(r) for r in (await session.scalars(stmt)).all())


async def staff_of(session: AsyncSession, class_session_id: int) -> list[tuple[int, StaffRole]]:
    """Who teaches, assists and captions the class: (user id, role), in the order assigned."""
    stmt = (
        select(SessionStaff.user_id, SessionStaff.role)
        .where(SessionStaff.class_session_id == class_session_id)
        .order_by(SessionStaff.id)
    )
    return [(user_id, StaffRole(role)) for user_id, role in (await session.execute(stmt)).all()]


async def cohort_trainees(session: AsyncSession, cohort_id: int) -> list[int]:
    """The cohort's trainees who may take part (approved, or already completed or not)."""
    stmt = (
        select(Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort_id, Enrolment.status.in_([s.value for s in JOINABLE]))
        .order_by(Enrolment.user_id)
    )
    return list((await session.scalars(stmt)).all())


async def teaches_cohort(session: AsyncSession, cohort_id: int, user_id: int) -> bool:
    """An instructor or assistant of any of the cohort's sessions."""
    stmt = (
        select(SessionStaff.id)
        .join(ClassSession, ClassSession.id == SessionStaff.class_session_id)
        .where(
            ClassSession.cohort_id == cohort_id,
            SessionStaff.user_id == user_id,
            SessionStaff.role.in_([StaffRole.INSTRUCTOR.value, StaffRole.ASSISTANT.value]),
        )
        .limit(1)
    )
    return (await session.scalar(stmt)) is not None


async def teaches_course(session: AsyncSession, course_id: int, user_id: int) -> bool:
    """An instructor or assistant of any session of any of the course's cohorts."""
    stmt = (
        select(SessionStaff.id)
        .join(ClassSession, ClassSession.id == SessionStaff.class_session_id)
        .join(Cohort, Cohort.id == ClassSession.cohort_id)
        .where(
            Cohort.course_id == course_id,
            SessionStaff.user_id == user_id,
            SessionStaff.role.in_([StaffRole.INSTRUCTOR.value, StaffRole.ASSISTANT.value]),
        )
        .limit(1)
    )
    return (await session.scalar(stmt)) is not None


async def get_cohort(session: AsyncSession, cohort_id: int) -> Cohort:
    return await get_or_404(session, Cohort, cohort_id, "cohort")


async def joinable_trainees(session: AsyncSession, class_session_id: int) -> list[int]:
    stmt = (
        select(Enrolment.user_id)
        .join(ClassSession, ClassSession.cohort_id == Enrolment.cohort_id)
        .where(
            ClassSession.id == class_session_id,
            Enrolment.status.in_([s.value for s in JOINABLE]),
        )
        .order_by(Enrolment.user_id)
    )
    return list((await session.scalars(stmt)).all())


async def enrolments_of(session: AsyncSession, user_id: int) -> list[Enrolment]:
    stmt = select(Enrolment).where(Enrolment.user_id == user_id).order_by(Enrolment.id)
    return list((await session.scalars(stmt)).all())


async def set_session_state(
    session: AsyncSession, class_session_id: int, state: SessionState
) -> ClassSession:
    """Open, start or end a class session; an ended class stays ended."""
    class_session = await get_class_session(session, class_session_id)
    if class_session.state == SessionState.ENDED and state != SessionState.ENDED:
        raise Problem("class-ended", "This class has ended.")
    class_session.state = state
    await session.flush()
    return class_session


async def instructor_sessions(
    session: AsyncSession,
    *,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
    year: int | None = None,
    course_id: int | None = None,
    class_session_ids: list[int] | None = None,
) -> list[tuple[ClassSession, Cohort, Course, list[int]]]:
    """Class sessions with their cohort, course and instructors' user ids (in the order
    assigned), by start; for the instructor fees and the approved-versus-taught report."""
    stmt = (
        select(ClassSession, Cohort, Course)
        .join(Cohort, Cohort.id == ClassSession.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .order_by(ClassSession.starts_at, ClassSession.id)
    )
    if starts_from is not None:
        stmt = stmt.where(ClassSession.starts_at >= starts_from)
    if starts_before is not None:
        stmt = stmt.where(ClassSession.starts_at < starts_before)
    if year is not None:
        stmt = stmt.where(Course.year == year)
    if course_id is not None:
        stmt = stmt.where(Course.id == course_id)
    if class_session_ids is not None:
        stmt = stmt.where(ClassSession.id.in_(class_session_ids))
    rows = (await session.execute(stmt)).all()
    teachers: dict[int, list[int]] = {row[0].id: [] for row in rows}
    if teachers:
        staff = await session.execute(
            select(SessionStaff.class_session_id, SessionStaff.user_id)
            .where(
                SessionStaff.class_session_id.in_(list(teachers)),
                SessionStaff.role == StaffRole.INSTRUCTOR.value,
            )
            .order_by(SessionStaff.id)
        )
        for class_session_id, user_id in staff:
            teachers[class_session_id].append(user_id)
    return [(cs, cohort, course, teachers[cs.id]) for cs, cohort, course in rows]


async def courses_by_id(session: AsyncSession, course_ids: list[int]) -> dict[int, Course]:
    """The named courses (missing ids are simply absent)."""
    if not course_ids:
        return {}
    found = await session.scalars(select(Course).where(Course.id.in_(course_ids)))
    return {c.id: c for c in found}


# ---- for completion and surveys (server/lms/completion, server/lms/surveys) -----------------


async def cohort_sessions(session: AsyncSession, cohort_id: int) -> list[ClassSession]:
    """The cohort's class sessions in time order: the scheduled time completion counts."""
    stmt = (
        select(ClassSession)
        .where(ClassSession.cohort_id == cohort_id)
        .order_by(ClassSession.starts_at, ClassSession.id)
    )
    return list((await session.scalars(stmt)).all())


async def is_joinable_trainee(session: AsyncSession, cohort_id: int, user_id: int) -> bool:
    """Enrolled in the cohort and entitled to take part (approved, completed or not)."""
    stmt = select(Enrolment.id).where(
        Enrolment.cohort_id == cohort_id,
        Enrolment.user_id == user_id,
        Enrolment.status.in_([s.value for s in JOINABLE]),
    )
    return (await session.scalar(stmt)) is not None


async def get_instructor(session: AsyncSession, instructor_id: int) -> Instructor:
    return await get_or_404(session, Instructor, instructor_id, "instructor")


#: the outcomes a finalised completion may set on an enrolment
OUTCOMES = (EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)


async def set_enrolment_outcomes(
    session: AsyncSession, cohort_id: int, outcomes: dict[int, EnrolmentStatus], at: datetime
) -> list[int]:
    """Record completed / not completed on the cohort's enrolments (one read, audited ORM
    writes), completed ones as of ``at`` (the plan-versus-actual report counts them from
    then on); only enrolments entitled to take part change. Returns whose changed."""
    if any(outcome not in OUTCOMES for outcome in outcomes.values()):
        raise ValueError("an enrolment outcome is completed or not_completed")
    rows = await session.scalars(
        select(Enrolment).where(
            Enrolment.cohort_id == cohort_id,
            Enrolment.user_id.in_(list(outcomes)),
            Enrolment.status.in_([s.value for s in JOINABLE]),
        )
    )
    changed = []
    for enrolment in rows:
        outcome = outcomes[enrolment.user_id].value
        if enrolment.status != outcome:
            enrolment.status = outcome
            enrolment.completed_at = at if outcome == EnrolmentStatus.COMPLETED else None
            changed.append(enrolment.user_id)
    await session.flush()
    return changed


async def set_enrolment_outcome(
    session: AsyncSession, cohort_id: int, user_id: int, outcome: EnrolmentStatus, at: datetime
) -> bool:
    """One trainee's completion outcome on their enrolment; True when it changed."""
    return bool(await set_enrolment_outcomes(session, cohort_id, {user_id: outcome}, at))


# ---- plans and completions (what the plan-versus-actual report reads) -------------------------


# ``revise_plan`` lives in the catalog (server/lms/catalog/service.py): every plan change there
# takes a reason and an author and is recorded in the plan history; re-exported for callers here.
revise_plan = catalog.revise_plan


async def record_completion(session: AsyncSession, enrolment_id: int, at: datetime) -> Enrolment:
    """Mark an enrolment completed (이수) at a time; reports count it from that time on."""
    enrolment = await get_or_404(session, Enrolment, enrolment_id, "enrolment")
    enrolment.status = EnrolmentStatus.COMPLETED
    enrolment.completed_at = at
    await session.flush()
    return enrolment


async def course_ids_by_code(session: AsyncSession, codes: list[str]) -> dict[str, int]:
    """Course code → course id, for the codes that exist (xAPI activities name courses so)."""
    if not codes:
        return {}
    rows = await session.execute(select(Course.code, Course.id).where(Course.code.in_(codes)))
    return {code: course_id for code, course_id in rows.all()}


# ---- for a person's own record (server/lms/record) ------------------------------------------


async def cohorts_by_id(session: AsyncSession, cohort_ids: list[int]) -> dict[int, Cohort]:
    """The named cohorts in one query (missing ids are simply absent)."""
    if not cohort_ids:
        return {}
    found = await session.scalars(select(Cohort).where(Cohort.id.in_(cohort_ids)))
    return {c.id: c for c in found}


async def sessions_of_cohorts(
    session: AsyncSession, cohort_ids: list[int]
) -> dict[int, list[ClassSession]]:
    """Each cohort's class sessions in time order, in one query."""
    found: dict[int, list[ClassSession]] = {cid: [] for cid in cohort_ids}
    if cohort_ids:
        rows = await session.scalars(
            select(ClassSession)
            .where(ClassSession.cohort_id.in_(cohort_ids))
            .order_by(ClassSession.starts_at, ClassSession.id)
        )
        for cs in rows:
            found[cs.cohort_id].append(cs)
    return found


# ---- for cohorts (server/lms/cohorts): seats taken, counted here with the enrolment rules ----


async def enrolment_counts(
    session: AsyncSession, cohort_ids: list[int]
) -> dict[int, dict[str, int]]:
    """Per cohort, how many enrolments are in each status (statuses with none are absent).
    Whether an enrolment takes a seat is ``JOINABLE``'s business, not the caller's."""
    if not cohort_ids:
        return {}
    rows = await session.execute(
        select(Enrolment.cohort_id, Enrolment.status, func.count())
        .where(Enrolment.cohort_id.in_(cohort_ids))
        .group_by(Enrolment.cohort_id, Enrolment.status)
    )
    counts: dict[int, dict[str, int]] = {cohort_id: {} for cohort_id in cohort_ids}
    for cohort_id, status, count in rows.all():
        counts[cohort_id][status] = count
    return counts


def seats_taken(counts: dict[str, int]) -> int:
    """Enrolments that hold a seat: approved, or completed or not (the cohort's trainees)."""
    return sum(counts.get(s.value, 0) for s in JOINABLE)


# ---- for the budget (server/budget) -----------------------------------------------------------


async def completions_by_course(
    session: AsyncSession, course_ids: list[int], before: datetime
) -> dict[int, int]:
    """Course id → enrolments completed (이수) before the instant; courses with none are
    absent (the budget's cost per completed trainee is "no data" for them, not a division)."""
    if not course_ids:
        return {}
    rows = await session.execute(
        select(Cohort.course_id, func.count(Enrolment.id))
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(
            Cohort.course_id.in_(course_ids),
            Enrolment.status == EnrolmentStatus.COMPLETED,
            Enrolment.completed_at < before,
        )
        .group_by(Cohort.course_id)
    )
    return {course_id: count for course_id, count in rows.all()}


async def courses_of_year(session: AsyncSession, year: int) -> list[Course]:
    """The year's courses by code (the budget's demo maps them to lines)."""
    return list((await session.scalars(select(Course).where(Course.year == year)
                                        .order_by(Course.code))).all())  # fmt: skip
