"""HTTP routes for cohorts, their class sessions and staff.

Operators and admins do everything. Anyone signed in lists cohorts (their basic facts and seat
counts: what a trainee choosing a course needs); one cohort's page (sessions, staff, counts by
status) is for the training staff, the people on its sessions' staff and its trainees.
"""

from __future__ import annotations

from server.core.auth.roles import STAFF
from server.core.errors import Problem
from server.core.http import Allow, ApiRouter, Ctx
from server.core.schemas import Page, page_of
from server.lms import service as lms
from server.lms.cohorts import service
from server.lms.cohorts.schemas import (
    Assigned,
    CohortCreate,
    CohortDetail,
    CohortPath,
    CohortQuery,
    CohortSummary,
    CohortUpdate,
    Generated,
    GenerateSessions,
    SessionCreate,
    SessionOut,
    SessionPath,
    SessionUpdate,
    StaffAssign,
    StaffOut,
    StaffPath,
    StatusChange,
)

router = ApiRouter("cohorts")
STAFF_ONLY = Allow.only(*STAFF)


@router.get("/cohorts", query=CohortQuery, response=Page[CohortSummary], allow=Allow.signed_in())
async def list_cohorts(ctx: Ctx, query: CohortQuery) -> Page[CohortSummary]:
    """Cohorts by year, course and status; ``mine=true``: the ones the caller is staff of."""
    staffed_by = ctx.user.user_id if query.mine else None
    items, cursor = page_of(
        await service.list_cohorts(ctx.session, query, staffed_by=staffed_by), query.limit
    )
    return Page[CohortSummary](items=items, next_cursor=cursor)


@router.post("/cohorts", body=CohortCreate, response=CohortDetail, status=201, allow=STAFF_ONLY)
async def create_cohort(ctx: Ctx, body: CohortCreate) -> CohortDetail:
    """A new cohort (회차/기수) of a course, planned; its number is unique in the course."""
    return await service.create_cohort(ctx.session, body)


@router.get(
    "/cohorts/{cohort_id}", path_model=CohortPath, response=CohortDetail, allow=Allow.signed_in()
)
async def get_cohort(ctx: Ctx, path: CohortPath) -> CohortDetail:
    """One cohort: its course, seat counts, and sessions with their staff."""
    if not ctx.user.has(*STAFF):
        await lms.get_cohort(ctx.session, path.cohort_id)  # a 404 before a 403
        if not await service.may_read(ctx.session, path.cohort_id, ctx.user.user_id):
            raise Problem("forbidden", "Only its staff, trainees and the training staff see it.")
    return await service.get_detail(ctx.session, path.cohort_id)


@router.patch(
    "/cohorts/{cohort_id}",
    path_model=CohortPath,
    body=CohortUpdate,
    response=CohortDetail,
    allow=STAFF_ONLY,
)
async def update_cohort(ctx: Ctx, path: CohortPath, body: CohortUpdate) -> CohortDetail:
    """Change a cohort's number, name, days or capacity (not once it is closed)."""
    return await service.update_cohort(ctx.session, path.cohort_id, body)


@router.post(
    "/cohorts/{cohort_id}/status",
    path_model=CohortPath,
    body=StatusChange,
    response=CohortDetail,
    allow=STAFF_ONLY,
)
async def change_status(ctx: Ctx, path: CohortPath, body: StatusChange) -> CohortDetail:
    """Open, start, finish or cancel the cohort; other changes are a 409 ``cohort-status``."""
    return await service.change_status(ctx.session, path.cohort_id, body.status)


@router.post(
    "/cohorts/{cohort_id}/sessions/generate",
    path_model=CohortPath,
    body=GenerateSessions,
    response=Generated,
    status=201,
    allow=STAFF_ONLY,
)
async def generate_sessions(ctx: Ctx, path: CohortPath, body: GenerateSessions) -> Generated:
    """One session per weekday of the cohort's days (09:00–17:00 Seoul unless told)."""
    return await service.generate_sessions(ctx.session, path.cohort_id, body)


@router.post(
    "/cohorts/{cohort_id}/sessions",
    path_model=CohortPath,
    body=SessionCreate,
    response=SessionOut,
    status=201,
    allow=STAFF_ONLY,
)
async def add_session(ctx: Ctx, path: CohortPath, body: SessionCreate) -> SessionOut:
    """Add one class session on one of the cohort's days (Seoul times)."""
    return await service.add_session(ctx.session, path.cohort_id, body)


@router.post(
    "/cohorts/{cohort_id}/staff",
    path_model=CohortPath,
    body=StaffAssign,
    response=Assigned,
    status=201,
    allow=STAFF_ONLY,
)
async def assign_cohort_staff(ctx: Ctx, path: CohortPath, body: StaffAssign) -> Assigned:
    """Put a person on the staff of every session of the cohort that has not ended."""
    return await service.assign_cohort_staff(ctx.session, path.cohort_id, body)


@router.patch(
    "/class-sessions/{class_session_id}",
    path_model=SessionPath,
    body=SessionUpdate,
    response=SessionOut,
    allow=STAFF_ONLY,
)
async def update_session(ctx: Ctx, path: SessionPath, body: SessionUpdate) -> SessionOut:
    """Change a session's day, times, title or live/in person; not once live or ended."""
    return await service.update_session(ctx.session, path.class_session_id, body)


@router.delete(
    "/class-sessions/{class_session_id}", path_model=SessionPath, status=204, allow=STAFF_ONLY
)
async def delete_session(ctx: Ctx, path: SessionPath) -> None:
    """Delete a session that has not taken place (not one that is live or ended)."""
    await service.delete_session(ctx.session, path.class_session_id)


@router.post(
    "/class-sessions/{class_session_id}/staff",
    path_model=SessionPath,
    body=StaffAssign,
    response=StaffOut,
    status=201,
    allow=STAFF_ONLY,
)
async def assign_staff(ctx: Ctx, path: SessionPath, body: StaffAssign) -> StaffOut:
    """Put an instructor, assistant or captioner (a log-in with that role) on a session."""
    return await service.assign_staff(ctx.session, path.class_session_id, body)


@router.delete(
    "/class-sessions/{class_session_id}/staff/{staff_id}",
    path_model=StaffPath,
    status=204,
    allow=STAFF_ONLY,
)
async def remove_staff(ctx: Ctx, path: StaffPath) -> None:
    """Take a person off a session's staff (not once the session has ended)."""
    await service.remove_staff(ctx.session, path.class_session_id, path.staff_id)
