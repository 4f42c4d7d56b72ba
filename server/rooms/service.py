"""Joining a class: join links for phones, and the class-scoped tokens the live socket takes.

A join link carries a signed invitation (who, which class session, until when). Opening it
checks the enrolment again (it may have been cancelled since), logs the trainee in on that
device and mints a short-lived class token. Tokens are never stored: their signature is the
proof, and the enrolment check at redeem time is the revocation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.config import IceServer, Settings
from server.core.auth import service as auth
from server.core.auth import tokens
from server.core.auth.roles import STAFF, Role
from server.core.auth.service import Principal
from server.core.db import insert_unless_taken
from server.core.errors import Problem
from server.lms import service as lms
from server.lms.models import ClassSession, SessionState, StaffRole
from server.rooms.attendance import Mark, dropouts, intervals, present_seconds
from server.rooms.models import (
    AttendanceEvent,
    AttendanceKind,
    ClassEvent,
    ConnectionReport,
    ConnectionTest,
)
from server.rooms.schemas import (
    AttendanceOut,
    ClassTokenOut,
    Grant,
    IntervalOut,
    ReadinessOut,
)
from server.xapi import outbox as xapi_outbox

TURN_CREDENTIAL_TTL = timedelta(hours=12)
#: events replayed to a reconnecting client at most; older gaps come from the class state
REPLAY_LIMIT = 500
#: how far before the last event a client saw a replay looks again (see class_events)
REPLAY_LOOKBACK = timedelta(seconds=30)


@dataclass(frozen=True)
class Invitation:
    user_id: int
    class_session_id: int


def join_link_expiry(settings: Settings, class_session: ClassSession) -> datetime:
    return class_session.ends_at + timedelta(hours=settings.join_link_ttl_after_end_h)


def join_link_url(settings: Settings, token: str) -> str:
    return f"{settings.effective_public_url}/join/{token}"


async def check_runs_class(
    session: AsyncSession, principal: Principal, class_session_id: int
) -> None:
    """Operators and admins, or this class's instructors and assistants."""
    if principal.has(*STAFF):
        return
    roles = await lms.staff_roles(session, class_session_id, principal.user_id)
    if not roles & {StaffRole.INSTRUCTOR, StaffRole.ASSISTANT}:
        raise Problem("forbidden", "Only this class's instructors or operators may do this.")


def sign_invitation(
    secret: bytes, settings: Settings, class_session: ClassSession, user_id: int
) -> tuple[str, datetime]:
    expires = join_link_expiry(settings, class_session)
    claims = {"sub": str(user_id), "cs": class_session.id}
    return tokens.sign(secret, tokens.Purpose.JOIN, claims, expires), expires


def read_invitation(secret: bytes, token: str, now: datetime) -> Invitation:
    try:
        claims = tokens.verify(secret, tokens.Purpose.JOIN, token, now)
        return Invitation(user_id=int(claims["sub"]), class_session_id=int(claims["cs"]))
    except tokens.TokenExpired:
        raise Problem("join-link-expired") from None
    except (tokens.TokenInvalid, KeyError, TypeError, ValueError):
        raise Problem("join-link-invalid") from None


async def grants_for(
    session: AsyncSession, principal: Principal, class_session_id: int
) -> list[Grant]:
    """What this person may do in this class; refuses anyone with no place in it."""
    roles = await lms.staff_roles(session, class_session_id, principal.user_id)
    grants: set[Grant] = set()
    if roles & {StaffRole.INSTRUCTOR, StaffRole.ASSISTANT}:
        grants |= {Grant.PUBLISH, Grant.SUBSCRIBE, Grant.MODERATE}
    if StaffRole.CAPTIONER in roles:
        grants |= {Grant.SUBSCRIBE, Grant.CAPTION}
    if principal.has(*STAFF):
        grants |= {Grant.SUBSCRIBE, Grant.MODERATE}
    if not grants and await lms.can_join_as_trainee(session, class_session_id, principal.user_id):
        grants |= {Grant.PUBLISH, Grant.SUBSCRIBE}
    if not grants:
        raise Problem("not-enrolled")
    return sorted(grants)


def ice_servers_for(settings: Settings, user_id: int, now: datetime) -> list[IceServer]:
    """The configured ICE servers; TURN ones get time-limited credentials (coturn REST API)."""
    if settings.turn_secret is None:
        return list(settings.ice_servers)
    username = f"{int((now + TURN_CREDENTIAL_TTL).timestamp())}:{user_id}"
    digest = hmac.new(
        settings.turn_secret.get_secret_value().encode(), username.encode(), hashlib.sha1
    ).digest()
    credential = base64.b64encode(digest).decode()
    return [
        server.model_copy(update={"username": username, "credential": credential})
        if server.username is None and any(u.startswith(("turn:", "turns:")) for u in server.urls)
        else server
        for server in settings.ice_servers
    ]


async def mint_class_token(
    session: AsyncSession,
    secret: bytes,
    settings: Settings,
    principal: Principal,
    class_session_id: int,
    now: datetime,
) -> ClassTokenOut:
    class_session = await lms.get_class_session(session, class_session_id)
    grants = await grants_for(session, principal, class_session.id)
    expires = now + timedelta(seconds=settings.class_token_ttl_s)
    claims = {"sub": str(principal.user_id), "cs": class_session.id, "grants": list(grants)}
    return ClassTokenOut(
        token=tokens.sign(secret, tokens.Purpose.CLASS, claims, expires),
        class_session_id=class_session.id,
        grants=grants,
        issued_at=now,
        expires_at=expires,
        ice_servers=ice_servers_for(settings, principal.user_id, now),
    )


@dataclass(frozen=True)
class Redeemed:
    principal: Principal
    session_cookie: str
    class_session: ClassSession
    class_token: ClassTokenOut


async def redeem_join_link(
    session: AsyncSession,
    secret: bytes,
    settings: Settings,
    token: str,
    *,
    now: datetime,
    user_agent: str | None,
) -> Redeemed:
    """Open a join link: check it and the enrolment, log in on this device, mint a class token."""
    invitation = read_invitation(secret, token, now)
    user = await auth.get_user(session, invitation.user_id)
    if not user.is_active:
        raise Problem("join-link-invalid", "This person's account is deactivated.")
    cookie = await auth.start_web_session(
        session,
        user.id,
        "join-link",
        now=now,
        ttl=timedelta(hours=settings.session_ttl_hours),
        ua=user_agent,
        details={"class_session_id": invitation.class_session_id},
    )
    principal = Principal(
        user.id,
        user.name,
        frozenset(Role(r) for r in user.role_names()),
        "cookie",
        auth.csrf_token_for(secret, cookie),
    )
    class_token = await mint_class_token(
        session, secret, settings, principal, invitation.class_session_id, now
    )
    class_session = await lms.get_class_session(session, invitation.class_session_id)
    return Redeemed(principal, cookie, class_session, class_token)


# ---- the live class's records -------------------------------------------------------------


async def place_in_class(
    session: AsyncSession, principal: Principal, class_session_id: int
) -> tuple[str, list[Grant]]:
    """The person's role label in this class and their grants (refuses outsiders)."""
    grants = await grants_for(session, principal, class_session_id)
    roles = await lms.staff_roles(session, class_session_id, principal.user_id)
    for role in (StaffRole.INSTRUCTOR, StaffRole.ASSISTANT, StaffRole.CAPTIONER):
        if role in roles:
            return role.value, grants
    return ("staff" if principal.has(*STAFF) else "trainee"), grants


async def record_attendance(
    session: AsyncSession,
    class_session_id: int,
    kind: AttendanceKind,
    at: datetime,
    *,
    user_id: int | None = None,
    client_id: str | None = None,
    device_class: str | None = None,
    reason: str | None = None,
    author_id: int | None = None,
    node_id: str | None = None,
) -> AttendanceEvent:
    event = AttendanceEvent(
        class_session_id=class_session_id, user_id=user_id, kind=kind, at=at,
        client_id=client_id, device_class=device_class, reason=reason, author_id=author_id,
        node_id=node_id,
    )  # fmt: skip
    session.add(event)
    await session.flush()
    await xapi_outbox.attendance(session, class_session_id, user_id, kind, at)  # LRS, if any
    return event


async def attendance_marks(session: AsyncSession, class_session_id: int) -> list[Mark]:
    rows = await session.execute(
        select(
            AttendanceEvent.user_id,
            AttendanceEvent.kind,
            AttendanceEvent.at,
            AttendanceEvent.client_id,
        )
        .where(AttendanceEvent.class_session_id == class_session_id)
        .order_by(AttendanceEvent.at, AttendanceEvent.id)
    )
    return [Mark(u, AttendanceKind(k), at, c) for u, k, at, c in rows]


async def append_class_event(
    session: AsyncSession,
    class_session_id: int,
    kind: str,
    payload: dict[str, Any],
    at: datetime,
    *,
    actor_id: int | None,
    audience: str = "all",
) -> ClassEvent:
    event = ClassEvent(
        class_session_id=class_session_id, kind=kind, audience=audience, actor_id=actor_id,
        payload=payload, at=at,
    )  # fmt: skip
    session.add(event)
    await session.flush()
    return event


async def append_once(
    session: AsyncSession,
    class_session_id: int,
    kind: str,
    payload: dict[str, Any],
    at: datetime,
    *,
    actor_id: int,
    audience: str,
    request_key: str,
) -> tuple[ClassEvent, bool]:
    """A new event under the sender's request key, or the one that key already made (a retry
    whose first acknowledgement was lost). True if new. Two copies at once, on two nodes,
    make one row: the insert that loses to the unique key reads the winner's row instead."""
    values = dict(
        class_session_id=class_session_id, kind=kind, audience=audience, actor_id=actor_id,
        payload=payload, at=at, request_key=request_key,
    )  # fmt: skip
    new_id = await insert_unless_taken(session, ClassEvent, values)
    if new_id is None:
        earlier = await by_request(session, class_session_id, actor_id, request_key)
        if earlier is None:  # the other copy's transaction rolled back after all
            raise Problem("conflict", "The message could not be stored; send it again.")
        return earlier, False
    event = await session.get(ClassEvent, new_id)
    assert event is not None
    return event, True


async def by_request(
    session: AsyncSession, class_session_id: int, actor_id: int, request_key: str
) -> ClassEvent | None:
    """What this person already sent in this class under this request key, if anything."""
    return await session.scalar(select(ClassEvent).where(
        ClassEvent.class_session_id == class_session_id, ClassEvent.actor_id == actor_id,
        ClassEvent.request_key == request_key))  # fmt: skip


async def class_events(
    session: AsyncSession,
    class_session_id: int,
    *,
    staff: bool,
    user_id: int,
    after_id: int = 0,
    kinds: tuple[str, ...] | None = None,
    newest: int | None = None,
    audiences: tuple[str, ...] = ("all",),
) -> list[ClassEvent]:
    """Events this person may see, oldest first: after an id (replay) or the newest few.
    ``audiences``: what they may read besides their own (e.g. their breakout group's chat).

    A replay (``after_id``) also gives the events of the REPLAY_LOOKBACK before the one the
    client saw last: ids are handed out when an event is written, but events reach a client in
    the order their transactions commit and their nodes relay them, so a client can see 105
    before 104 and drop in between (bench soak caught it). Clients skip ids they already have.
    """
    newer = ClassEvent.id > after_id
    if after_id > 0 and newest is None:
        seen_at = await session.scalar(
            select(func.max(ClassEvent.at)).where(
                ClassEvent.class_session_id == class_session_id, ClassEvent.id <= after_id
            )
        )
        if seen_at is not None:
            newer = newer | (ClassEvent.at >= seen_at - REPLAY_LOOKBACK)
    stmt = select(ClassEvent).where(ClassEvent.class_session_id == class_session_id, newer)
    if not staff:
        stmt = stmt.where(ClassEvent.audience.in_(audiences) | (ClassEvent.actor_id == user_id))
    if kinds is not None:
        stmt = stmt.where(ClassEvent.kind.in_(kinds))
    if newest is not None:
        rows = (await session.scalars(stmt.order_by(ClassEvent.id.desc()).limit(newest))).all()
        return list(reversed(rows))
    return list((await session.scalars(stmt.order_by(ClassEvent.id).limit(REPLAY_LIMIT))).all())


async def store_connection_report(
    session: AsyncSession, report: ConnectionReport
) -> ConnectionReport:
    session.add(report)
    await session.flush()
    return report


async def attendance_summary(
    session: AsyncSession, class_session_id: int, grace: timedelta, now: datetime
) -> list[AttendanceOut]:
    """Everyone who came: intervals, seconds present in the scheduled time, dropouts."""
    class_session = await lms.get_class_session(session, class_session_id)
    per_person = intervals(await attendance_marks(session, class_session_id), grace, now)
    return [
        AttendanceOut(
            user_id=user_id,
            present_s=present_seconds(parts, class_session.starts_at, class_session.ends_at),
            dropouts=dropouts(parts),
            intervals=[IntervalOut.model_validate(p, from_attributes=True) for p in parts],
        )
        for user_id, parts in sorted(per_person.items())
    ]


#: the class events a caption line and a correction of one are stored as
CAPTION, CAPTION_CORRECTION = "caption", "caption_correction"


async def caption_line(session: AsyncSession, class_session_id: int, event_id: int) -> ClassEvent:
    """A final caption line of this class (what a correction may name); else not-found."""
    line = await session.get(ClassEvent, event_id)
    if line is None or line.class_session_id != class_session_id or line.kind != CAPTION:
        raise Problem("not-found", f"No caption line {event_id} in this class.")
    return line


async def captions(
    session: AsyncSession, class_session_id: int, *, newest: int | None = None
) -> list[ClassEvent]:
    """The class's final caption lines, oldest first (all, or the newest few), each as its
    latest correction has it: the corrected text at the line's own id and time, with
    ``corrected_by``, ``corrected_at`` and ``correction_id`` in the payload. A corrected line
    is a copy outside the session; the stored line is never edited (a correction is an event)."""
    stmt = select(ClassEvent).where(
        ClassEvent.class_session_id == class_session_id, ClassEvent.kind == CAPTION
    )
    if newest is not None:
        rows = await session.scalars(stmt.order_by(ClassEvent.id.desc()).limit(newest))
        lines = list(reversed(rows.all()))
    else:
        lines = list((await session.scalars(stmt.order_by(ClassEvent.id))).all())
    if not lines:
        return []
    fixes = await session.scalars(
        select(ClassEvent)
        .where(
            ClassEvent.class_session_id == class_session_id,
            ClassEvent.kind == CAPTION_CORRECTION,
            ClassEvent.id > lines[0].id,  # a correction always comes after its line
        )
        .order_by(ClassEvent.id)
    )
    latest = {fix.payload.get("corrects"): fix for fix in fixes}  # the latest one wins
    return [_corrected(line, latest[line.id]) if line.id in latest else line for line in lines]


def _corrected(line: ClassEvent, fix: ClassEvent) -> ClassEvent:
    payload = {
        **line.payload, "text": fix.payload["text"], "corrected_by": fix.payload.get("by"),
        "corrected_at": fix.at, "correction_id": fix.id,
    }  # fmt: skip
    return ClassEvent(
        id=line.id, class_session_id=line.class_session_id, kind=line.kind,
        audience=line.audience, actor_id=line.actor_id, payload=payload, at=line.at,
    )  # fmt: skip


def judge(test: ConnectionTest) -> tuple[str, list[str]]:
    """Ready, at risk or failed, and why: what operators see before the class starts."""
    failed, risky = [], []
    if test.camera_ok is False:
        failed.append("camera unavailable or refused")
    if test.microphone_ok is False:
        failed.append("microphone unavailable or refused")
    if test.media_ok is False and test.turn_ok is not True:
        failed.append("no media path to the server (not even through TURN)")
    if test.socket_rtt_ms is not None and test.socket_rtt_ms > 1000:
        failed.append(f"very slow connection ({test.socket_rtt_ms:.0f} ms round trip)")
    elif test.socket_rtt_ms is not None and test.socket_rtt_ms > 300:
        risky.append(f"slow connection ({test.socket_rtt_ms:.0f} ms round trip)")
    if test.bitrate_kbps is not None and test.bitrate_kbps < 500:
        risky.append(f"low bandwidth ({test.bitrate_kbps:.0f} kbit/s)")
    if test.media_ok is None:
        risky.append("media path not tested")
    if test.device_class == "phone" and test.network_type == "cellular":
        risky.append("phone on a mobile network: a call or a weak signal may drop the class")
    if failed:
        return "failed", failed + risky
    return ("at_risk" if risky else "ready"), risky


async def store_connection_test(session: AsyncSession, test: ConnectionTest) -> ConnectionTest:
    test.verdict = judge(test)[0]
    session.add(test)
    await session.flush()
    return test


async def readiness(session: AsyncSession, class_session_id: int) -> list[ReadinessOut]:
    """Every enrolled trainee with their latest pre-class test (or none)."""
    trainees = await lms.joinable_trainees(session, class_session_id)
    names = await auth.names_of(session, trainees)
    latest: dict[int, ConnectionTest] = {}
    rows = await session.scalars(
        select(ConnectionTest)
        .where(ConnectionTest.user_id.in_(trainees))
        .where(
            (ConnectionTest.class_session_id == class_session_id)
            | ConnectionTest.class_session_id.is_(None)
        )
        .order_by(ConnectionTest.at, ConnectionTest.id)
    )
    for test in rows:
        latest[test.user_id] = test
    return [
        ReadinessOut(
            user_id=user_id,
            name=names.get(user_id, ""),
            verdict=latest[user_id].verdict if user_id in latest else None,
            tested_at=latest[user_id].at if user_id in latest else None,
            device_class=latest[user_id].device_class if user_id in latest else None,
        )
        for user_id in trainees
    ]


STATE_MARKS = {
    SessionState.LIVE: AttendanceKind.CLASS_OPEN,
    SessionState.ENDED: AttendanceKind.CLASS_END,
}


async def change_class_state(
    session: AsyncSession, class_session_id: int, state: SessionState, *, author_id: int,
    now: datetime,
) -> ClassSession:  # fmt: skip
    """Open the lobby, go live (attendance counts from here) or end the class (every interval
    ends now and no one can join again)."""
    class_session = await lms.set_session_state(session, class_session_id, state)
    mark = STATE_MARKS.get(state)
    if mark is not None:
        await record_attendance(session, class_session_id, mark, now, author_id=author_id)
    return class_session


# ---- for completion rules (server/lms/completion) -------------------------------------------


async def attendance_marks_of(
    session: AsyncSession, class_session_ids: list[int]
) -> dict[int, list[Mark]]:
    """Several classes' attendance marks in one query, per class session, in time order."""
    marks: dict[int, list[Mark]] = {cs: [] for cs in class_session_ids}
    if not class_session_ids:
        return marks
    rows = await session.execute(
        select(
            AttendanceEvent.class_session_id,
            AttendanceEvent.user_id,
            AttendanceEvent.kind,
            AttendanceEvent.at,
            AttendanceEvent.client_id,
        )
        .where(AttendanceEvent.class_session_id.in_(class_session_ids))
        .order_by(AttendanceEvent.at, AttendanceEvent.id)
    )
    for cs, user_id, kind, at, client_id in rows:
        marks[cs].append(Mark(user_id, AttendanceKind(kind), at, client_id))
    return marks


async def breakout_rounds_joined(
    session: AsyncSession, class_session_ids: list[int]
) -> tuple[int, dict[int, int]]:
    """Breakout participation in these classes, in one query each: how many rounds were held,
    and per person how many rounds they were in a group for (staff visits do not count)."""
    from sqlalchemy import distinct, func  # kept here: this section is added at the end

    from server.rooms.breakout.models import BreakoutMove, BreakoutRound

    if not class_session_ids:
        return 0, {}
    held = await session.scalar(
        select(func.count(BreakoutRound.id)).where(
            BreakoutRound.class_session_id.in_(class_session_ids)
        )
    )
    rows = await session.execute(
        select(BreakoutMove.user_id, func.count(distinct(BreakoutMove.round_id)))
        .join(BreakoutRound, BreakoutRound.id == BreakoutMove.round_id)
        .where(
            BreakoutRound.class_session_id.in_(class_session_ids),
            BreakoutMove.group_id.is_not(None),
            BreakoutMove.visiting.is_(False),
        )
        .group_by(BreakoutMove.user_id)
    )
    return int(held or 0), {user_id: int(n) for user_id, n in rows}


# ---- records for the dropout and connection-failure reports (server/rooms/reports.py) ----------


@dataclass(frozen=True)
class FailureRecord:
    """One connection failure as the report reads it (never a quality sample)."""

    at: datetime
    kind: str
    source: str
    user_id: int | None
    class_session_id: int | None
    class_title: str | None
    class_starts_at: datetime | None
    device_class: str
    browser: str | None
    os: str | None
    network_type: str | None


#: connection reports that are samples, not failures
QUALITY_KINDS = ("quality",)


async def connection_failures(
    session: AsyncSession, start: datetime, end: datetime
) -> list[FailureRecord]:
    """Connection failures reported in ``[start, end)``, by the browser or the server."""
    rows = await session.execute(
        select(
            ConnectionReport.at, ConnectionReport.kind, ConnectionReport.source,
            ConnectionReport.user_id, ConnectionReport.class_session_id, ClassSession.title,
            ClassSession.starts_at, ConnectionReport.device_class, ConnectionReport.browser,
            ConnectionReport.os, ConnectionReport.network_type,
        )
        .outerjoin(ClassSession, ClassSession.id == ConnectionReport.class_session_id)
        .where(ConnectionReport.at >= start, ConnectionReport.at < end,
               ConnectionReport.kind.not_in(QUALITY_KINDS))
        .order_by(ConnectionReport.at, ConnectionReport.id)
    )  # fmt: skip
    return [FailureRecord(*row) for row in rows.all()]


@dataclass(frozen=True)
class ClassAttendance:
    """A class session's attendance events with the device each came from, and its staff."""

    class_session_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    staff: frozenset[int]
    events: list[tuple[Mark, str | None]]


async def attendance_between(
    session: AsyncSession, start: datetime, end: datetime
) -> list[ClassAttendance]:
    """Class sessions starting in ``[start, end)`` with their attendance events before ``end``."""
    classes = (
        await session.scalars(
            select(ClassSession)
            .where(ClassSession.starts_at >= start, ClassSession.starts_at < end)
            .order_by(ClassSession.starts_at, ClassSession.id)
        )
    ).all()
    out: list[ClassAttendance] = []
    for cs in classes:
        rows = await session.execute(
            select(AttendanceEvent.user_id, AttendanceEvent.kind, AttendanceEvent.at,
                   AttendanceEvent.client_id, AttendanceEvent.device_class)
            .where(AttendanceEvent.class_session_id == cs.id, AttendanceEvent.at < end)
            .order_by(AttendanceEvent.at, AttendanceEvent.id)
        )  # fmt: skip
        events = [(Mark(u, AttendanceKind(k), at, c), d) for u, k, at, c, d in rows.all()]
        staff = frozenset(user_id for user_id, _ in await lms.staff_of(session, cs.id))
        out.append(ClassAttendance(cs.id, cs.title, cs.starts_at, cs.ends_at, staff, events))
    return out


async def main_devices(session: AsyncSession, start: datetime, end: datetime) -> dict[int, str]:
    """Each person's most used device class for joining live classes held in ``[start, end)``
    (joins counted: one a tab a class; a tie goes to the phone, then the tablet: the devices
    that need the care). People who joined none are absent: unknown, not a device. Read from
    the index ``ix_attendance_kind_user_device`` alone, in its order (grouped without a sort);
    the classes are matched on an expression of the session id so that SQLite's planner does
    not take the class-by-class index and sort every join after."""
    held = select(ClassSession.id).where(ClassSession.starts_at >= start,
                                         ClassSession.starts_at < end)  # fmt: skip
    joins = (
        select(AttendanceEvent.user_id, AttendanceEvent.device_class, func.count())
        .where((AttendanceEvent.class_session_id + 0).in_(held),
               AttendanceEvent.user_id.is_not(None), AttendanceEvent.device_class.is_not(None),
               AttendanceEvent.kind == AttendanceKind.JOIN)
        .group_by(AttendanceEvent.user_id, AttendanceEvent.device_class)
    )  # fmt: skip
    best: dict[int, tuple[int, int, str]] = {}
    for user_id, device, count in (await session.execute(joins)).all():
        if user_id is None or device is None:
            continue
        rank = (int(count), -DEVICE_TIE_ORDER.index(device) if device in DEVICE_TIE_ORDER else -9)
        if user_id not in best or rank > best[user_id][:2]:
            best[user_id] = (*rank, device)
    return {user_id: found[2] for user_id, found in best.items()}


DEVICE_TIE_ORDER = ("phone", "tablet", "pc")


# ---- for a person's own record (server/lms/record) ------------------------------------------


async def attendance_of_person(
    session: AsyncSession, class_session_ids: list[int], user_id: int
) -> dict[int, list[tuple[Mark, str | None]]]:
    """One person's attendance events in these classes, with the device class each came
    from, plus the classes' own marks (class open and end close everyone's intervals): enough
    for ``attendance.intervals`` to give that person exactly what it gives them among all.
    One query, per class session, in time order."""
    found: dict[int, list[tuple[Mark, str | None]]] = {cs: [] for cs in class_session_ids}
    if not class_session_ids:
        return found
    rows = await session.execute(
        select(AttendanceEvent.class_session_id, AttendanceEvent.user_id, AttendanceEvent.kind,
               AttendanceEvent.at, AttendanceEvent.client_id, AttendanceEvent.device_class)
        .where(AttendanceEvent.class_session_id.in_(class_session_ids),
               (AttendanceEvent.user_id == user_id) | AttendanceEvent.user_id.is_(None))
        .order_by(AttendanceEvent.at, AttendanceEvent.id)
    )  # fmt: skip
    for cs, uid, kind, at, client_id, device in rows.all():
        found[cs].append((Mark(uid, AttendanceKind(kind), at, client_id), device))
    return found


# ---- for the enrolment dropout report (server/lms/enrolment/report.py) ------------------------


async def joined_by_cohort(session: AsyncSession, cohort_ids: list[int]) -> dict[int, set[int]]:
    """Per cohort, who joined at least one of its live classes (ever): those who did not are
    its no-shows. Read from the join index, distinct people only."""
    joined: dict[int, set[int]] = {cohort_id: set() for cohort_id in cohort_ids}
    for chunk in (cohort_ids[i : i + 500] for i in range(0, len(cohort_ids), 500)):
        rows = await session.execute(
            select(ClassSession.cohort_id, AttendanceEvent.user_id)
            .join(ClassSession, ClassSession.id == AttendanceEvent.class_session_id)
            .where(ClassSession.cohort_id.in_(chunk), AttendanceEvent.user_id.is_not(None),
                   AttendanceEvent.kind == AttendanceKind.JOIN)
            .distinct()
        )  # fmt: skip
        for cohort_id, user_id in rows.all():
            if user_id is not None:
                joined[cohort_id].add(user_id)
    return joined
