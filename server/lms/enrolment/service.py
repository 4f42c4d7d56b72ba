"""The enrolment workflow: plain async functions over a session, one transaction per call.

- A trainee **applies** to an open cohort (applied); a second enrolment in the same cohort
  is refused (409), whatever became of the first.
- Staff **approve**: approved while the places taken (approved, completed, not completed)
  are fewer than the cohort's capacity, else waitlisted at the end of the queue. A waitlisted
  enrolment may be approved by hand once there is room (say the capacity was raised).
- **Cancelling** needs a reason; an approved enrolment's place goes to the first of the
  waitlist in the same transaction. Completed / not completed (set by completion
  finalising) and cancelled enrolments cannot be cancelled.
- **Bulk enrolment** by log-in names approves in the order given up to capacity and
  waitlists the rest; one unknown name refuses the whole list.

Every change to a cohort's places first locks the cohort's row (``FOR UPDATE`` on
PostgreSQL; SQLite writes one at a time anyway), so two operators approving at once cannot
overfill it. A refused action raises ``Problem`` before anything is written, and the route's
transaction is rolled back, so it changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.auth import service as auth
from server.core.db import get_or_404
from server.core.errors import PROBLEM_TYPES, Problem, ProblemType
from server.lms.enrolment.models import Accommodation, AccommodationStatus
from server.lms.enrolment.schemas import (
    AccommodationIn,
    AccommodationOut,
    AccommodationUpdate,
    BulkEnrolOut,
    CancelIn,
    ChangeOut,
    CohortEnrolmentsOut,
    EnrolmentRowOut,
)
from server.lms.models import JOINABLE, Cohort, CohortStatus, Enrolment, EnrolmentStatus

PROBLEM_TYPES.update(
    (p.slug, p)
    for p in (
        ProblemType("already-enrolled", 409, "Already enrolled",
                    "The person already has an enrolment in this cohort."),
        ProblemType("cohort-not-open", 409, "Cohort not open",
                    "The cohort is not taking applications or enrolments."),
        ProblemType("cohort-full", 409, "Cohort full",
                    "Every place is taken; the enrolment stays on the waitlist."),
        ProblemType("enrolment-state", 409, "Enrolment cannot change so",
                    "Its status does not allow this change; `enrolment_status` says it."),
        ProblemType("unknown-logins", 422, "Unknown log-in names",
                    "`logins` lists the names not found; nobody was enrolled."),
    )
)  # fmt: skip

TAKING_PLACES = tuple(s.value for s in JOINABLE)
#: cohorts whose enrolment staff may still change
ACTIVE_COHORT = (CohortStatus.PLANNED, CohortStatus.OPEN, CohortStatus.RUNNING)
CANCELLABLE = (EnrolmentStatus.APPLIED, EnrolmentStatus.APPROVED, EnrolmentStatus.WAITLISTED)


# ---- reading ----------------------------------------------------------------------------------


async def _rows(session: AsyncSession, enrolments: list[Enrolment]) -> list[EnrolmentRowOut]:
    """Enrolments with the person's log-in and name and their accommodations (two queries)."""
    users = {u.id: u for u in await auth.users_by_id(session, [e.user_id for e in enrolments])}
    aids: dict[int, list[AccommodationOut]] = {e.id: [] for e in enrolments}
    if aids:
        found = await session.scalars(
            select(Accommodation)
            .where(Accommodation.enrolment_id.in_(list(aids)))
            .order_by(Accommodation.id)
        )
        for aid in found:
            aids[aid.enrolment_id].append(AccommodationOut.model_validate(aid))
    out = []
    for e in enrolments:
        user = users.get(e.user_id)
        out.append(
            EnrolmentRowOut.model_validate(
                {**{c: getattr(e, c) for c in _ENROLMENT_FIELDS},
                 "login": user.login if user else "", "name": user.name if user else "",
                 "accommodations": aids[e.id]}
            )
        )  # fmt: skip
    return out


_ENROLMENT_FIELDS = (
    "id", "cohort_id", "user_id", "status", "created_at", "approved_at", "waitlist_position",
    "cancel_reason", "cancel_note", "cancelled_at", "cancelled_by",
)  # fmt: skip


async def row_of(session: AsyncSession, enrolment: Enrolment) -> EnrolmentRowOut:
    return (await _rows(session, [enrolment]))[0]


async def cohort_enrolments(
    session: AsyncSession,
    cohort_id: int,
    *,
    status: EnrolmentStatus | None = None,
    only_user: int | None = None,
) -> CohortEnrolmentsOut:
    """A cohort's enrolments: the waitlist in queue order first among equals, then by
    application; ``only_user`` limits the rows to one person's (a trainee's own)."""
    cohort = await get_or_404(session, Cohort, cohort_id, "cohort")
    stmt = select(Enrolment).where(Enrolment.cohort_id == cohort_id)
    if status is not None:
        stmt = stmt.where(Enrolment.status == status.value)
    if only_user is not None:
        stmt = stmt.where(Enrolment.user_id == only_user)
    stmt = stmt.order_by(
        Enrolment.waitlist_position.is_(None), Enrolment.waitlist_position, Enrolment.id
    )
    enrolments = list((await session.scalars(stmt)).all())
    return CohortEnrolmentsOut(
        cohort_id=cohort.id,
        cohort_name=cohort.name,
        cohort_status=cohort.status,
        capacity=cohort.capacity,
        approved=await _taken(session, cohort_id),
        waitlisted=len(await _waitlist(session, cohort_id)),
        items=await _rows(session, enrolments),
    )


async def get_enrolment(session: AsyncSession, enrolment_id: int) -> Enrolment:
    return await get_or_404(session, Enrolment, enrolment_id, "enrolment")


# ---- places -----------------------------------------------------------------------------------


async def _lock_cohort(session: AsyncSession, cohort_id: int) -> Cohort:
    """The cohort, its row locked until the transaction ends (PostgreSQL)."""
    cohort = await session.scalar(
        select(Cohort)
        .where(Cohort.id == cohort_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if cohort is None:
        raise Problem("not-found", "No such cohort.")
    return cohort


async def _taken(session: AsyncSession, cohort_id: int) -> int:
    stmt = select(func.count(Enrolment.id)).where(
        Enrolment.cohort_id == cohort_id, Enrolment.status.in_(TAKING_PLACES)
    )
    return int(await session.scalar(stmt) or 0)


async def _waitlist(session: AsyncSession, cohort_id: int) -> list[Enrolment]:
    stmt = (
        select(Enrolment)
        .where(Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.WAITLISTED)
        .order_by(Enrolment.waitlist_position, Enrolment.id)
    )
    return list((await session.scalars(stmt)).all())


def _renumber(waitlist: Iterable[Enrolment]) -> None:
    """Positions 1, 2, 3… in queue order (audited ORM writes; waitlists are short)."""
    for position, enrolment in enumerate(waitlist, start=1):
        if enrolment.waitlist_position != position:
            enrolment.waitlist_position = position


def _approve(enrolment: Enrolment, now: datetime) -> None:
    enrolment.status = EnrolmentStatus.APPROVED
    enrolment.approved_at = now
    enrolment.waitlist_position = None


def _check_active(cohort: Cohort) -> None:
    if cohort.status not in ACTIVE_COHORT:
        raise Problem(
            "cohort-not-open", f"The cohort is {cohort.status}.", cohort_status=cohort.status
        )


def _refuse(enrolment: Enrolment, doing: str) -> Problem:
    return Problem(
        "enrolment-state",
        f"A {enrolment.status} enrolment cannot be {doing}.",
        enrolment_status=enrolment.status,
    )


# ---- the workflow -----------------------------------------------------------------------------


async def apply(session: AsyncSession, cohort_id: int, user_id: int, now: datetime) -> Enrolment:
    """A trainee's own application to an open cohort."""
    cohort = await _lock_cohort(session, cohort_id)
    if cohort.status != CohortStatus.OPEN:
        raise Problem("cohort-not-open", cohort_status=cohort.status)
    existing = await session.scalar(
        select(Enrolment).where(Enrolment.cohort_id == cohort_id, Enrolment.user_id == user_id)
    )
    if existing is not None:
        raise Problem(
            "already-enrolled", enrolment_status=existing.status, enrolment_id=existing.id
        )
    enrolment = Enrolment(
        cohort_id=cohort_id, user_id=user_id, status=EnrolmentStatus.APPLIED, created_at=now
    )
    session.add(enrolment)
    await session.flush()
    return enrolment


async def approve(session: AsyncSession, enrolment_id: int, now: datetime) -> Enrolment:
    """Approve an application (to the waitlist when the cohort is full), or a waitlisted
    enrolment once there is room."""
    enrolment = await get_enrolment(session, enrolment_id)
    cohort = await _lock_cohort(session, enrolment.cohort_id)
    await session.refresh(enrolment)
    _check_active(cohort)
    room = await _taken(session, cohort.id) < cohort.capacity
    if enrolment.status == EnrolmentStatus.APPLIED:
        if room:
            _approve(enrolment, now)
        else:
            waitlist = await _waitlist(session, cohort.id)
            enrolment.status = EnrolmentStatus.WAITLISTED
            enrolment.waitlist_position = len(waitlist) + 1
    elif enrolment.status == EnrolmentStatus.WAITLISTED:
        if not room:
            raise Problem("cohort-full", capacity=cohort.capacity)
        _approve(enrolment, now)
        _renumber(e for e in await _waitlist(session, cohort.id) if e.id != enrolment.id)
    else:
        raise _refuse(enrolment, "approved")
    await session.flush()
    return enrolment


async def cancel(
    session: AsyncSession, enrolment_id: int, body: CancelIn, *, actor_id: int, now: datetime
) -> tuple[Enrolment, Enrolment | None]:
    """Cancel with a reason; an approved place goes to the first waitlisted enrolment.
    Returns the cancelled enrolment and the promoted one, if any."""
    enrolment = await get_enrolment(session, enrolment_id)
    cohort = await _lock_cohort(session, enrolment.cohort_id)
    await session.refresh(enrolment)
    if enrolment.status not in CANCELLABLE:
        raise _refuse(enrolment, "cancelled")
    freed = enrolment.status == EnrolmentStatus.APPROVED
    enrolment.status = EnrolmentStatus.CANCELLED
    enrolment.waitlist_position = None
    enrolment.cancel_reason = body.reason.value
    enrolment.cancel_note = body.note
    enrolment.cancelled_at = now
    enrolment.cancelled_by = actor_id
    await session.flush()
    waitlist = await _waitlist(session, cohort.id)
    promoted = None
    room = freed and cohort.status in ACTIVE_COHORT
    if room and waitlist and await _taken(session, cohort.id) < cohort.capacity:
        promoted = waitlist.pop(0)
        _approve(promoted, now)
    _renumber(waitlist)
    await session.flush()
    return enrolment, promoted


async def bulk_enrol(
    session: AsyncSession, cohort_id: int, logins: list[str], now: datetime
) -> BulkEnrolOut:
    """Enrol these people directly, in the order given: approved up to capacity, then
    waitlisted. Applications among them are decided the same way; anyone else already in the
    cohort (approved, waitlisted, cancelled, done) is left as they are."""
    cohort = await _lock_cohort(session, cohort_id)
    _check_active(cohort)
    ids = await auth.ids_by_login(session, logins)
    unknown = [login for login in logins if login not in ids]
    if unknown:
        raise Problem("unknown-logins", logins=unknown)
    existing = {
        e.user_id: e
        for e in await session.scalars(
            select(Enrolment).where(
                Enrolment.cohort_id == cohort_id, Enrolment.user_id.in_(list(ids.values()))
            )
        )
    }
    free = cohort.capacity - await _taken(session, cohort_id)
    queue = len(await _waitlist(session, cohort_id))
    result = BulkEnrolOut(approved=[], waitlisted=[], unchanged=[], items=[])
    touched: list[Enrolment] = []
    for login in logins:
        enrolment = existing.get(ids[login])
        if enrolment is None:
            enrolment = Enrolment(cohort_id=cohort_id, user_id=ids[login], created_at=now)
            session.add(enrolment)
        elif enrolment.status != EnrolmentStatus.APPLIED:
            result.unchanged.append(login)
            continue
        if free > 0:
            _approve(enrolment, now)
            free -= 1
            result.approved.append(login)
        else:
            queue += 1
            enrolment.status = EnrolmentStatus.WAITLISTED
            enrolment.waitlist_position = queue
            result.waitlisted.append(login)
        touched.append(enrolment)
    await session.flush()
    result.items = await _rows(session, touched)
    return result


# ---- accommodations ---------------------------------------------------------------------------


async def add_accommodation(
    session: AsyncSession, enrolment_id: int, body: AccommodationIn, *, actor_id: int,
    now: datetime,
) -> Accommodation:  # fmt: skip
    """Request an aid for an enrolment (one of each kind per enrolment)."""
    await get_enrolment(session, enrolment_id)
    taken = await session.scalar(
        select(Accommodation.id).where(
            Accommodation.enrolment_id == enrolment_id, Accommodation.kind == body.kind.value
        )
    )
    if taken is not None:
        raise Problem("conflict", "This aid is already recorded for the enrolment; update it.",
                      accommodation_id=taken)  # fmt: skip
    aid = Accommodation(
        enrolment_id=enrolment_id, kind=body.kind.value, note=body.note,
        status=AccommodationStatus.REQUESTED, requested_at=now, requested_by=actor_id,
    )  # fmt: skip
    session.add(aid)
    await session.flush()
    return aid


async def update_accommodation(
    session: AsyncSession, accommodation_id: int, body: AccommodationUpdate, now: datetime
) -> Accommodation:
    """Mark an aid arranged or declined, or change its note."""
    aid = await get_or_404(session, Accommodation, accommodation_id, "accommodation")
    if body.status is not None:
        aid.status = body.status.value
    if "note" in body.model_fields_set:
        aid.note = body.note
    aid.updated_at = now
    await session.flush()
    return aid


async def get_accommodation(session: AsyncSession, accommodation_id: int) -> Accommodation:
    return await get_or_404(session, Accommodation, accommodation_id, "accommodation")


async def change_out(
    session: AsyncSession, enrolment: Enrolment, promoted: Enrolment | None = None
) -> ChangeOut:
    rows = await _rows(session, [enrolment] + ([promoted] if promoted else []))
    return ChangeOut(enrolment=rows[0], promoted=rows[1] if promoted else None)
