"""HTTP routes for instructors: registry, fee standards, teaching hours, fees, approvals.

Operators and admins see and do everything; an instructor reads their own registry entry, the
hours of the sessions they teach and their own fees (and the fee standards that set them);
trainees get nothing here.
"""

from __future__ import annotations

from datetime import date

from server.core.auth.roles import STAFF, Role
from server.core.clock import SEOUL
from server.core.errors import Problem
from server.core.http import Allow, ApiRouter, Ctx
from server.core.schemas import Page, page_of
from server.lms.instructors import service
from server.lms.instructors.schemas import (
    ClassSessionPath,
    ComparisonOut,
    ComparisonQuery,
    CorrectionCreate,
    CorrectionOut,
    FeesOut,
    FeesQuery,
    FeeStandardCreate,
    FeeStandardOut,
    FeeStandardQuery,
    InstructorCreate,
    InstructorOut,
    InstructorPath,
    InstructorQuery,
    InstructorUpdate,
    MeetingCreate,
    MeetingOut,
    MeetingQuery,
    TeachingOut,
)

router = ApiRouter("instructors")

STAFF_ONLY = Allow.only(*STAFF)
STAFF_OR_INSTRUCTOR = Allow.only(*STAFF, Role.INSTRUCTOR)


def _viewer(ctx: Ctx) -> int | None:
    """None for staff (they see everything), else the caller's user id to limit to."""
    return None if ctx.user.has(*STAFF) else ctx.user.user_id


def _today(ctx: Ctx) -> date:
    return ctx.clock.now().astimezone(SEOUL).date()


@router.get(
    "/instructors", query=InstructorQuery, response=Page[InstructorOut], allow=STAFF_OR_INSTRUCTOR
)
async def list_instructors(ctx: Ctx, query: InstructorQuery) -> Page[InstructorOut]:
    """The instructor registry (search by name, affiliation, specialty; grade; internal).

    An instructor gets only their own entry."""
    rows = await service.list_instructors(ctx.session, query, only_user=_viewer(ctx))
    items, cursor = page_of(rows, query.limit)
    return Page[InstructorOut](items=items, next_cursor=cursor)


@router.post(
    "/instructors", body=InstructorCreate, response=InstructorOut, status=201, allow=STAFF_ONLY
)
async def create_instructor(ctx: Ctx, body: InstructorCreate) -> InstructorOut:
    """Add an instructor to the registry, with contact data (kept to operators)."""
    return await service.create_instructor(ctx.session, body)


@router.get(
    "/instructors/{instructor_id}",
    path_model=InstructorPath,
    response=InstructorOut,
    allow=STAFF_OR_INSTRUCTOR,
)
async def get_instructor(ctx: Ctx, path: InstructorPath) -> InstructorOut:
    """One registry entry; an instructor may read only their own."""
    return await service.get_instructor(ctx.session, path.instructor_id, viewer=_viewer(ctx))


@router.patch(
    "/instructors/{instructor_id}",
    path_model=InstructorPath,
    body=InstructorUpdate,
    response=InstructorOut,
    allow=STAFF_ONLY,
)
async def update_instructor(
    ctx: Ctx, path: InstructorPath, body: InstructorUpdate
) -> InstructorOut:
    """Change a registry entry (grade, affiliation, contact…); audited."""
    return await service.update_instructor(ctx.session, path.instructor_id, body)


@router.get(
    "/fee-standards",
    query=FeeStandardQuery,
    response=list[FeeStandardOut],
    allow=STAFF_OR_INSTRUCTOR,
)
async def list_fee_standards(ctx: Ctx, query: FeeStandardQuery) -> list[FeeStandardOut]:
    """Every version of the fee standard (강사료 지급기준); ``?on=`` the one in force that day."""
    return await service.list_fee_standards(ctx.session, query.on)


@router.post(
    "/fee-standards", body=FeeStandardCreate, response=FeeStandardOut, status=201, allow=STAFF_ONLY
)
async def create_fee_standard(ctx: Ctx, body: FeeStandardCreate) -> FeeStandardOut:
    """A new fee standard from a date; for a date that has one, its next version."""
    return await service.create_fee_standard(
        ctx.session, body, actor_id=ctx.user.user_id, now=ctx.clock.now()
    )


@router.get(
    "/class-sessions/{class_session_id}/teaching",
    path_model=ClassSessionPath,
    response=list[TeachingOut],
    allow=STAFF_OR_INSTRUCTOR,
)
async def teaching_of_session(ctx: Ctx, path: ClassSessionPath) -> list[TeachingOut]:
    """Who taught the class session and for how many hours (scheduled, or as corrected)."""
    return await service.teaching_of_session(
        ctx.session, path.class_session_id, viewer=_viewer(ctx)
    )


@router.post(
    "/class-sessions/{class_session_id}/teaching-corrections",
    path_model=ClassSessionPath,
    body=CorrectionCreate,
    response=CorrectionOut,
    status=201,
    allow=STAFF_ONLY,
)
async def record_correction(
    ctx: Ctx, path: ClassSessionPath, body: CorrectionCreate
) -> CorrectionOut:
    """Record the minutes an instructor actually taught, with the reason (a new entry)."""
    return await service.record_correction(
        ctx.session, path.class_session_id, body, actor_id=ctx.user.user_id, now=ctx.clock.now()
    )


@router.get("/instructor-fees", query=FeesQuery, response=FeesOut, allow=STAFF_OR_INSTRUCTOR)
async def fees_owed(ctx: Ctx, query: FeesQuery) -> FeesOut:
    """Fees owed per instructor and class session over Asia/Seoul days, with the total of the
    known amounts; an instructor gets only their own."""
    instructor_id = query.instructor_id
    viewer = _viewer(ctx)
    if viewer is not None:
        own = await service.instructor_of_user(ctx.session, viewer)
        if own is None or (instructor_id is not None and instructor_id != own.id):
            raise Problem("forbidden", "Instructors see only their own fees.")
        instructor_id = own.id
    rows = await service.fees_owed(
        ctx.session, query.date_from, query.date_to,
        instructor_id=instructor_id, course_id=query.course_id,
    )  # fmt: skip
    return FeesOut(
        items=rows,
        total_won=service.total_won(rows),
        rows_without_amount=sum(1 for r in rows if r.amount_won is None),
    )


@router.post(
    "/selection-meetings", body=MeetingCreate, response=MeetingOut, status=201, allow=STAFF_ONLY
)
async def create_meeting(ctx: Ctx, body: MeetingCreate) -> MeetingOut:
    """Record a selection-committee meeting (강사선정심의회) and the instructors it approved."""
    return await service.create_meeting(ctx.session, body, ctx.clock.now())


@router.get("/selection-meetings", query=MeetingQuery, response=list[MeetingOut], allow=STAFF_ONLY)
async def list_meetings(ctx: Ctx, query: MeetingQuery) -> list[MeetingOut]:
    """Committee meetings with their approvals, oldest first."""
    return await service.list_meetings(ctx.session, query.year)


@router.get(
    "/reports/instructors/approved-vs-taught",
    query=ComparisonQuery,
    response=ComparisonOut,
    allow=STAFF_ONLY,
)
async def approved_vs_taught(ctx: Ctx, query: ComparisonQuery) -> ComparisonOut:
    """The council's comparison of approved instructors with those who actually taught."""
    as_of = query.as_of or _today(ctx)
    rows = await service.approved_vs_taught(ctx.session, query.year, as_of)
    return ComparisonOut(
        year=query.year, as_of=as_of, rows=rows, totals=service.comparison_totals(rows)
    )
