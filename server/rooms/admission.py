"""Who may come into a live class now, and if not, why: the one rule the socket's admission
and the join page's lobby both use, so the page never promises what the socket refuses."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from server.config import Settings
from server.core.auth import service as auth
from server.core.auth.service import Principal
from server.core.live import LiveState
from server.lms import service as lms
from server.lms.models import ClassSession, SessionState, StaffRole
from server.lms.schemas import ClassSessionOut
from server.rooms import presence, service
from server.rooms.schemas import Grant, LobbyOut


def lobby_opens_at(settings: Settings, class_session: ClassSession) -> datetime:
    """Trainees may come in this long before the scheduled start (or once the instructor
    opens or starts the class)."""
    return class_session.starts_at - timedelta(minutes=settings.lobby_opens_before_min)


async def refusal(
    live: LiveState,
    settings: Settings,
    class_session: ClassSession,
    user_id: int,
    grants: list[Grant] | set[Grant],
    now: datetime,
) -> str | None:
    """The problem slug that keeps this person out now, or None. Instructors, assistants,
    staff and captioners are never kept out by the lock, the lobby time or the class size."""
    if class_session.state == SessionState.ENDED:
        return "class-ended"
    if await presence.removal_reason(live, class_session.id, user_id) is not None:
        return "removed-from-class"
    if Grant.MODERATE in grants or Grant.CAPTION in grants:
        return None
    if (await presence.flags(live, class_session.id)).get("locked") == "1":
        return "class-locked"
    if class_session.state == SessionState.SCHEDULED and now < lobby_opens_at(
        settings, class_session
    ):
        return "class-not-open"
    already_in = await presence.get(live, class_session.id, user_id) is not None
    if not already_in and await presence.count(live, class_session.id) >= (
        settings.class_max_participants
    ):
        return "class-full"
    return None


async def lobby(
    session: AsyncSession,
    live: LiveState,
    settings: Settings,
    principal: Principal,
    class_session_id: int,
    now: datetime,
) -> LobbyOut:
    """The join page's view of the class before coming in (refuses people with no place)."""
    role, grants = await service.place_in_class(session, principal, class_session_id)
    class_session = await lms.get_class_session(session, class_session_id)
    staff = await lms.staff_of(session, class_session_id)
    teaching = [uid for uid, r in staff if r in (StaffRole.INSTRUCTOR, StaffRole.ASSISTANT)]
    names = await auth.names_of(session, teaching)
    return LobbyOut(
        class_session=ClassSessionOut.model_validate(class_session),
        instructors=[names[uid] for uid in teaching if uid in names],
        my_role=role,
        grants=grants,
        opens_at=lobby_opens_at(settings, class_session),
        server_time=now,
        present=await presence.count(live, class_session_id),
        max_participants=settings.class_max_participants,
        locked=(await presence.flags(live, class_session_id)).get("locked") == "1",
        refusal=await refusal(live, settings, class_session, principal.user_id, grants, now),
    )
