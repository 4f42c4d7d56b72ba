"""HTTP routes for enrolment: applications, the cohort's list, approval, cancellation,
bulk enrolment and accommodations.

Who may do what: operators and admins everything; a cohort's instructors and assistants
read its list (``lms.service.teaches_cohort``); a trainee applies for themself, sees only
their own enrolment in a cohort's list, cancels only their own and asks for aids on it.
"""

from __future__ import annotations

from server.core.auth.roles import STAFF, Role
from server.core.errors import Problem
from server.core.http import Allow, ApiRouter, Ctx
from server.lms import service as lms
from server.lms.enrolment import service
from server.lms.enrolment.models import Accommodation
from server.lms.enrolment.schemas import (
    AccommodationIn,
    AccommodationOut,
    AccommodationPath,
    AccommodationUpdate,
    BulkEnrolIn,
    BulkEnrolOut,
    CancelIn,
    ChangeOut,
    CohortEnrolmentsOut,
    CohortPath,
    EnrolmentPath,
    EnrolmentQuery,
    EnrolmentRowOut,
)
from server.lms.models import Enrolment

router = ApiRouter("enrolment")
STAFF_ONLY = Allow.only(*STAFF)


async def _own_or_staff(ctx: Ctx, enrolment: Enrolment, doing: str) -> None:
    if ctx.user.has(*STAFF) or enrolment.user_id == ctx.user.user_id:
        return
    raise Problem("forbidden", f"Only training staff and the trainee themself may {doing}.")


@router.post("/cohorts/{cohort_id}/applications", path_model=CohortPath,
             response=EnrolmentRowOut, status=201, allow=Allow.only(Role.TRAINEE))  # fmt: skip
async def apply(ctx: Ctx, path: CohortPath) -> EnrolmentRowOut:
    """Apply to an open cohort for yourself (applied; a second application is a 409)."""
    enrolment = await service.apply(ctx.session, path.cohort_id, ctx.user.user_id, ctx.clock.now())
    return await service.row_of(ctx.session, enrolment)


@router.get("/cohorts/{cohort_id}/enrolments", path_model=CohortPath, query=EnrolmentQuery,
            response=CohortEnrolmentsOut, allow=Allow.signed_in())  # fmt: skip
async def list_enrolments(ctx: Ctx, path: CohortPath, query: EnrolmentQuery) -> CohortEnrolmentsOut:
    """The cohort's enrolments with names, status, reason, waitlist place and aids (staff and
    the cohort's instructors; anyone else sees only their own)."""
    await lms.get_cohort(ctx.session, path.cohort_id)
    sees_all = ctx.user.has(*STAFF) or await lms.teaches_cohort(
        ctx.session, path.cohort_id, ctx.user.user_id
    )
    return await service.cohort_enrolments(
        ctx.session, path.cohort_id, status=query.status,
        only_user=None if sees_all else ctx.user.user_id,
    )  # fmt: skip


@router.post("/cohorts/{cohort_id}/enrolments", path_model=CohortPath, body=BulkEnrolIn,
             response=BulkEnrolOut, allow=STAFF_ONLY)  # fmt: skip
async def bulk_enrol(ctx: Ctx, path: CohortPath, body: BulkEnrolIn) -> BulkEnrolOut:
    """Enrol people by log-in name: approved up to capacity, the rest waitlisted in order."""
    return await service.bulk_enrol(ctx.session, path.cohort_id, body.logins, ctx.clock.now())


@router.post("/enrolments/{enrolment_id}/approve", path_model=EnrolmentPath,
             response=EnrolmentRowOut, allow=STAFF_ONLY)  # fmt: skip
async def approve(ctx: Ctx, path: EnrolmentPath) -> EnrolmentRowOut:
    """Approve an application (waitlisted when the cohort is full) or a waitlisted one."""
    enrolment = await service.approve(ctx.session, path.enrolment_id, ctx.clock.now())
    return await service.row_of(ctx.session, enrolment)


@router.post("/enrolments/{enrolment_id}/cancel", path_model=EnrolmentPath, body=CancelIn,
             response=ChangeOut, allow=Allow.signed_in())  # fmt: skip
async def cancel(ctx: Ctx, path: EnrolmentPath, body: CancelIn) -> ChangeOut:
    """Cancel with a reason (staff, or the trainee their own); the first waitlisted
    enrolment takes a freed place and is named in ``promoted``."""
    await _own_or_staff(ctx, await service.get_enrolment(ctx.session, path.enrolment_id),
                        "cancel an enrolment")  # fmt: skip
    cancelled, promoted = await service.cancel(
        ctx.session, path.enrolment_id, body, actor_id=ctx.user.user_id, now=ctx.clock.now()
    )
    return await service.change_out(ctx.session, cancelled, promoted)


@router.post("/enrolments/{enrolment_id}/accommodations", path_model=EnrolmentPath,
             body=AccommodationIn, response=AccommodationOut, status=201,
             allow=Allow.signed_in())  # fmt: skip
async def add_accommodation(
    ctx: Ctx, path: EnrolmentPath, body: AccommodationIn
) -> AccommodationOut:
    """Ask for an aid (stenographer, interpreter, screen magnifier, dormitory) on an
    enrolment: staff, or the trainee on their own."""
    await _own_or_staff(ctx, await service.get_enrolment(ctx.session, path.enrolment_id),
                        "ask for an aid")  # fmt: skip
    aid = await service.add_accommodation(
        ctx.session, path.enrolment_id, body, actor_id=ctx.user.user_id, now=ctx.clock.now()
    )
    return AccommodationOut.model_validate(aid)


@router.patch("/accommodations/{accommodation_id}", path_model=AccommodationPath,
              body=AccommodationUpdate, response=AccommodationOut, allow=STAFF_ONLY)  # fmt: skip
async def update_accommodation(
    ctx: Ctx, path: AccommodationPath, body: AccommodationUpdate
) -> AccommodationOut:
    """Mark an aid arranged or declined, or change its note (audited)."""
    aid: Accommodation = await service.update_accommodation(
        ctx.session, path.accommodation_id, body, ctx.clock.now()
    )
    return AccommodationOut.model_validate(aid)
