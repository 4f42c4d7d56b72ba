"""The live class: socket.io namespace ``/class``.

Client events are imperative (``join``, ``raise_hand``, ``send_chat``); broadcasts are past
tense (``participants_changed``, ``hand_raised``, ``chat_message``); presence changes are
coalesced into one ``participants_changed`` per class per quarter second (``batching.py``).
Rooms: ``class:{id}`` for everyone, ``class:{id}:staff`` for instructors, assistants,
captioners and operators, and ``class:{id}:user:{uid}`` for one person's sockets. Every event
answers an ack (core/events.py).
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

import socketio
from aiohttp import web
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from server.boards import service as boards
from server.boards.schemas import BoardOut
from server.core.auth import service as auth
from server.core.auth import tokens
from server.core.auth.service import Principal
from server.core.errors import Problem
from server.core.events import EventCtx, SocketRouter
from server.core.keys import CLOCK, DATABASE, LIVE, SECRET_KEY, SETTINGS
from server.core.sio import socket_principal
from server.lms import service as lms
from server.lms.models import SessionState
from server.lms.schemas import ClassSessionOut
from server.rooms import admission, pending, presence, service
from server.rooms.breakout import rounds as breakout_rounds
from server.rooms.breakout.media import sync_media_rooms
from server.rooms.devices import device_from_user_agent
from server.rooms.media.hosting import MEDIA_ROUTER
from server.rooms.models import AttendanceKind, ClassEvent, ConnectionReport
from server.rooms.node import ROOMS
from server.rooms.schemas import (
    CaptionCorrectedOut,
    CaptionIn,
    ChatIn,
    ClassEventOut,
    ClassStateOut,
    ClientIn,
    ConnectionReportIn,
    Grant,
    JoinIn,
    LockIn,
    MediaStateIn,
    ParticipantOut,
    ReactionIn,
    RemoveIn,
    ReplayIn,
    SpotlightIn,
    TargetIn,
)
from server.xapi import outbox as xapi_outbox

NAMESPACE = "/class"
CHAT_TAIL = 50
CAPTION_TAIL = 50


def room(class_session_id: int) -> str:
    return f"class:{class_session_id}"


def staff_room(class_session_id: int) -> str:
    return f"class:{class_session_id}:staff"


def person_room(class_session_id: int, user_id: int) -> str:
    return f"class:{class_session_id}:user:{user_id}"


# ---- admission ---------------------------------------------------------------------------


async def admit_participant(
    app: web.Application, environ: dict[str, Any], auth_data: Any
) -> dict[str, Any]:
    """Who may connect to a class: a class token, a join link, or an API token / the session
    cookie with the class named; and not if the class has ended, locked them out or removed
    them."""
    try:
        client = ClientIn.model_validate(auth_data if isinstance(auth_data, dict) else {})
    except ValidationError as exc:
        detail = f"Bad connection payload: {exc.errors()[0]['msg']}."
        raise Problem("validation-error", detail) from None
    async with app[DATABASE].unit_of_work() as session:
        principal, class_session_id = await _credential(session, app, environ, client)
        role, grants = await service.place_in_class(session, principal, class_session_id)
        class_session = await lms.get_class_session(session, class_session_id)
    kept_out = await admission.refusal(
        app[LIVE], app[SETTINGS], class_session, principal.user_id, grants, app[CLOCK].now()
    )
    if kept_out is not None:
        raise Problem(kept_out)
    device = device_from_user_agent(environ.get("HTTP_USER_AGENT"))
    rooms = [room(class_session_id), person_room(class_session_id, principal.user_id)]
    if Grant.MODERATE in grants or Grant.CAPTION in grants:
        rooms.append(staff_room(class_session_id))
    return {
        "user_id": principal.user_id, "name": principal.name, "role": role,
        "grants": [g.value for g in grants], "class_session_id": class_session_id,
        "client_id": client.client_id, "device_class": device.device_class.value,
        "browser": device.browser, "os": device.os, "network_type": client.network_type,
        "rooms": rooms, "joined": False,
    }  # fmt: skip


async def _credential(
    session: AsyncSession, app: web.Application, environ: dict[str, Any], client: ClientIn
) -> tuple[Principal, int]:
    now = app[CLOCK].now()
    secret = app[SECRET_KEY]
    if client.token:
        try:
            claims = tokens.verify(secret, tokens.Purpose.CLASS, client.token, now)
            user_id, class_session_id = int(claims["sub"]), int(claims["cs"])
        except tokens.TokenExpired:
            raise Problem("not-authenticated", "The class token has expired.") from None
        except (tokens.TokenInvalid, KeyError, TypeError, ValueError):
            raise Problem("not-authenticated", "The class token is not valid.") from None
        return await auth.principal_for_user(session, user_id), class_session_id
    if client.join_link:
        invitation = service.read_invitation(secret, client.join_link, now)
        principal = await auth.principal_for_user(session, invitation.user_id)
        return principal, invitation.class_session_id
    if client.class_session_id is None:
        raise Problem("not-authenticated", "Send a class token, a join link, or class_session_id.")
    principal = await socket_principal(session, app, environ, client.api_token)
    return principal, client.class_session_id


# ---- what goes in and out -------------------------------------------------------------------


def participant_out(entry: presence.Entry) -> ParticipantOut:
    return ParticipantOut(
        user_id=entry.user_id, name=entry.name, role=entry.role, device_class=entry.device_class,
        status="reconnecting" if entry.status == presence.RECONNECTING else "present",
        since=entry.since, hand_raised_at=entry.hand_raised_at, mic=entry.mic, cam=entry.cam,
        connection=entry.connection if entry.connection in ("good", "fair", "poor") else None,
        group_id=entry.group_id, visiting=entry.visiting,
    )  # fmt: skip


def event_out(event: Any) -> dict[str, Any]:
    return ClassEventOut.model_validate(event).model_dump(mode="json")


def class_id_of(ctx: EventCtx) -> int:
    return int(ctx.socket["class_session_id"])


def _grants(ctx: EventCtx) -> set[str]:
    return set(ctx.socket["grants"])


def is_staff(ctx: EventCtx) -> bool:
    return bool(_grants(ctx) & {Grant.MODERATE, Grant.CAPTION})


def require_grant(ctx: EventCtx, grant: Grant) -> None:
    if grant not in _grants(ctx):
        raise Problem("forbidden", f"This needs the {grant.value!r} grant.")
    if not ctx.socket.get("joined"):
        raise Problem("not-in-class")


def require_joined(ctx: EventCtx) -> None:
    if not ctx.socket.get("joined"):
        raise Problem("not-in-class")


async def _save_socket(ctx: EventCtx) -> None:
    await ctx.sio.save_session(ctx.sid, ctx.socket, namespace=NAMESPACE)


def _grace(app: web.Application) -> timedelta:
    return timedelta(seconds=app[SETTINGS].reconnect_grace_s)


# ---- the namespace --------------------------------------------------------------------------


async def on_disconnect(
    app: web.Application, sio: socketio.AsyncServer, sid: str, socket: dict[str, Any], reason: str
) -> None:
    """A socket went: a leave if the client said so, else a drop that may yet be resumed."""
    class_session_id, user_id = int(socket["class_session_id"]), int(socket["user_id"])
    now = app[CLOCK].now()  # the drop is when the socket went, not when this got written
    with contextlib.suppress(Problem):  # the media host is gone: nothing left to close
        await app[MEDIA_ROUTER].call("leave", class_session_id, sid=sid)
    if not socket.get("joined") or socket.get("left"):
        return
    app[ROOMS].left(class_session_id)
    live = app[LIVE]
    if await presence.removal_reason(live, class_session_id, user_id) is not None:
        return  # the removal was recorded when the instructor removed them
    leaving = reason == socketio.AsyncServer.reason.CLIENT_DISCONNECT
    # the server saw this itself, so nobody can be told to try again: while the database is
    # away the mark (and the report) wait on this node and are written when it answers
    mark = pending.ObservedMark(
        class_session_id, AttendanceKind.LEAVE if leaving else AttendanceKind.DROP, now,
        user_id=user_id, client_id=socket["client_id"], device_class=socket["device_class"],
        reason=reason, node_id=app[SETTINGS].node_id,
        report=None if leaving else pending.report_fields(_server_report(socket, reason, now)),
    )  # fmt: skip
    await pending.record(app[DATABASE], app[ROOMS].pending, mark)
    changes = app[ROOMS].presence_changes
    if leaving:
        if await presence.leave(live, class_session_id, user_id, sid):
            changes.add(class_session_id, "left", {"user_id": user_id, "reason": "left"})
    elif await presence.mark_dropped(live, class_session_id, user_id, sid, now):
        changes.add(class_session_id, "dropped", {"user_id": user_id, "reason": reason})


def _server_report(socket: dict[str, Any], reason: str, now: datetime) -> ConnectionReport:
    return ConnectionReport(
        at=now, source="server", kind="socket_disconnect", detail=reason,
        user_id=socket["user_id"], class_session_id=socket["class_session_id"],
        device_class=socket["device_class"], browser=socket["browser"], os=socket["os"],
        network_type=socket["network_type"],
    )  # fmt: skip


classroom = SocketRouter(NAMESPACE, admit_participant, disconnected=on_disconnect)


@classroom.event("join", payload=JoinIn, rate=(20, 60.0))
async def join(ctx: EventCtx, payload: JoinIn) -> ClassStateOut:
    """Enter the class (or come back to it): the whole class state in the answer."""
    cs_id, now, live = class_id_of(ctx), ctx.clock.now(), ctx.app[LIVE]
    previous = await presence.enter(
        live, cs_id, ctx.user_id, name=ctx.socket["name"], role=ctx.socket["role"],
        device_class=ctx.socket["device_class"], client_id=ctx.socket["client_id"], sid=ctx.sid,
        node=ctx.app[SETTINGS].node_id, now=now,
    )  # fmt: skip
    resumed = previous is not None and previous.status == presence.RECONNECTING
    await service.record_attendance(
        ctx.session, cs_id, AttendanceKind.RESUME if resumed else AttendanceKind.JOIN, now,
        user_id=ctx.user_id, client_id=ctx.socket["client_id"],
        device_class=ctx.socket["device_class"], node_id=ctx.app[SETTINGS].node_id,
    )  # fmt: skip
    if not ctx.socket.get("joined"):
        ctx.socket["joined"] = True
        await _save_socket(ctx)
        ctx.app[ROOMS].joined(cs_id)
    if await breakout_rounds.on_join(ctx.session, live, cs_id, ctx.user_id, now):
        app = ctx.app

        async def media_rooms() -> None:  # back in their group: its media, not the main room's
            await sync_media_rooms(app, cs_id)

        ctx.after_commit(media_rooms)
    me = await presence.get(live, cs_id, ctx.user_id)
    assert me is not None
    kind = "resumed" if previous is not None else "joined"
    announce_change(ctx, kind, participant_out(me).model_dump(mode="json"))
    return await class_state(ctx, payload.last_event_id)


async def class_state(ctx: EventCtx, last_event_id: int | None) -> ClassStateOut:
    cs_id, live = class_id_of(ctx), ctx.app[LIVE]
    entries = await presence.everyone(live, cs_id)
    flags = await presence.flags(live, cs_id)
    chat = await _visible(ctx, kinds=("chat",), newest=CHAT_TAIL)
    captions = await service.captions(ctx.session, cs_id, newest=CAPTION_TAIL)
    missed = await _visible(ctx, after_id=last_event_id) if last_event_id is not None else []
    newest = await _visible(ctx, newest=1)
    me = next(e for e in entries if e.user_id == ctx.user_id)
    class_session = await lms.get_class_session(ctx.session, cs_id)
    rnd = await breakout_rounds.current(live, cs_id)
    breakout = None if rnd is None else rnd.out(entries, me.group_id, ctx.clock.now())
    return ClassStateOut(
        class_session=ClassSessionOut.model_validate(class_session),
        me=participant_out(me),
        grants=sorted(Grant(g) for g in _grants(ctx)),
        participants=[participant_out(e) for e in entries],
        hand_queue=presence.hand_queue(entries),
        locked=flags.get("locked") == "1",
        spotlight=int(flags["spotlight"]) if flags.get("spotlight") else None,
        chat=[ClassEventOut.model_validate(e) for e in chat],
        captions=[ClassEventOut.model_validate(e) for e in captions],
        missed=[ClassEventOut.model_validate(e) for e in missed],
        last_event_id=newest[-1].id if newest else 0,
        ice_servers=service.ice_servers_for(ctx.app[SETTINGS], ctx.user_id, ctx.clock.now()),
        reconnect_grace_s=ctx.app[SETTINGS].reconnect_grace_s,
        breakout=breakout,
        boards=await _boards(ctx, me),
    )


async def _boards(ctx: EventCtx, me: presence.Entry) -> list[BoardOut]:
    """The boards this person may open now (the class's, their group's, closed groups')."""
    viewer = boards.Viewer(staff=Grant.MODERATE in _grants(ctx), tag="",
                           group_id=None if me.visiting else me.group_id)  # fmt: skip
    return [boards.out(b) for b in await boards.visible(ctx.session, class_id_of(ctx), viewer)]


async def _visible(
    ctx: EventCtx,
    *,
    after_id: int = 0,
    kinds: tuple[str, ...] | None = None,
    newest: int | None = None,
) -> list[ClassEvent]:
    """The class's events this socket's person may see (their group's chat included)."""
    me = await presence.get(ctx.app[LIVE], class_id_of(ctx), ctx.user_id)
    group = ("all", f"group:{me.group_id}") if me and me.group_id else ("all",)
    return await service.class_events(
        ctx.session, class_id_of(ctx), staff=is_staff(ctx), user_id=ctx.user_id,
        after_id=after_id, kinds=kinds, newest=newest, audiences=group,
    )  # fmt: skip


def announce_change(ctx: EventCtx, kind: str, change: dict[str, Any]) -> None:
    """A presence change for everyone in the class, batched, once the event has committed."""
    changes, cs_id = ctx.app[ROOMS].presence_changes, class_id_of(ctx)

    async def queue() -> None:
        changes.add(cs_id, kind, change)

    ctx.after_commit(queue)


@classroom.event("leave")
async def leave(ctx: EventCtx) -> None:
    """Leave the class on purpose (not a dropout)."""
    require_joined(ctx)
    cs_id = class_id_of(ctx)
    await service.record_attendance(
        ctx.session, cs_id, AttendanceKind.LEAVE, ctx.clock.now(), user_id=ctx.user_id,
        client_id=ctx.socket["client_id"], device_class=ctx.socket["device_class"],
        reason="left", node_id=ctx.app[SETTINGS].node_id,
    )  # fmt: skip
    ctx.socket["left"] = True
    await _save_socket(ctx)
    with contextlib.suppress(Problem):
        await ctx.app[MEDIA_ROUTER].call("leave", cs_id, sid=ctx.sid)
    ctx.app[ROOMS].left(cs_id)
    if await presence.leave(ctx.app[LIVE], cs_id, ctx.user_id, ctx.sid):
        announce_change(ctx, "left", {"user_id": ctx.user_id, "reason": "left"})


@classroom.event("replay", payload=ReplayIn, rate=(20, 60.0))
async def replay(ctx: EventCtx, payload: ReplayIn) -> dict[str, Any]:
    """Events after ``since`` that this person may see (for a client that missed some)."""
    require_joined(ctx)
    events = await service.class_events(
        ctx.session, class_id_of(ctx), after_id=payload.since, staff=is_staff(ctx),
        user_id=ctx.user_id,
    )  # fmt: skip
    return {"events": [event_out(e) for e in events]}


# ---- hands, media state, reactions ----------------------------------------------------------


async def _announce_hands(ctx: EventCtx, event: str, user_id: int) -> dict[str, Any]:
    queue = presence.hand_queue(await presence.everyone(ctx.app[LIVE], class_id_of(ctx)))
    body = {"user_id": user_id, "queue": queue}
    ctx.emit(event, body, to=room(class_id_of(ctx)))
    return body


@classroom.event("raise_hand", rate=(10, 10.0))
async def raise_hand(ctx: EventCtx) -> dict[str, Any]:
    """Raise my hand; keeps my place if it is already up."""
    require_joined(ctx)
    me = await presence.get(ctx.app[LIVE], class_id_of(ctx), ctx.user_id)
    if me is not None and me.hand_raised_at is None:
        await presence.update(ctx.app[LIVE], class_id_of(ctx), ctx.user_id,
                              {"hand": ctx.clock.now().isoformat()})  # fmt: skip
        await xapi_outbox.hand_raised(ctx.session, class_id_of(ctx), ctx.user_id, ctx.clock.now())
    return await _announce_hands(ctx, "hand_raised", ctx.user_id)


@classroom.event("lower_hand", rate=(10, 10.0))
async def lower_hand(ctx: EventCtx) -> dict[str, Any]:
    require_joined(ctx)
    await presence.update(ctx.app[LIVE], class_id_of(ctx), ctx.user_id, {"hand": ""})
    return await _announce_hands(ctx, "hand_lowered", ctx.user_id)


@classroom.event("set_media_state", payload=MediaStateIn, rate=(30, 10.0))
async def set_media_state(ctx: EventCtx, payload: MediaStateIn) -> dict[str, Any]:
    """Tell the class my microphone and camera are on or off, and how my connection is."""
    require_joined(ctx)
    fields = {k: "1" if v else "0" for k, v in payload.model_dump(exclude_none=True).items()}
    if payload.connection is not None:
        fields["connection"] = payload.connection
    entry = await presence.update(ctx.app[LIVE], class_id_of(ctx), ctx.user_id, fields)
    assert entry is not None
    body = participant_out(entry).model_dump(mode="json")
    announce_change(ctx, "updated", body)
    return body


@classroom.event("react", payload=ReactionIn, rate=(10, 10.0))
async def react(ctx: EventCtx, payload: ReactionIn) -> None:
    require_joined(ctx)
    ctx.emit("reaction", {"user_id": ctx.user_id, "emoji": payload.emoji},
                   to=room(class_id_of(ctx)))  # fmt: skip


# ---- chat and captions ----------------------------------------------------------------------


@classroom.event("send_chat", payload=ChatIn, rate=(10, 10.0))
async def send_chat(ctx: EventCtx, payload: ChatIn) -> dict[str, Any]:
    """A chat message to the class, or to the instructors only. With a ``request_id`` a retry
    (its first answer lost to a dropped network or a killed node) is the same message: the
    answer is the message as first kept, and nobody is told of it twice."""
    require_joined(ctx)
    cs_id = class_id_of(ctx)
    if payload.request_id is not None:  # before any other rule: the message may be kept already
        earlier = await service.by_request(ctx.session, cs_id, ctx.user_id, payload.request_id)
        if earlier is not None:
            return _chat_answer(earlier)
    body = {"from_id": ctx.user_id, "from_name": ctx.socket["name"],
            "from_role": ctx.socket["role"], "text": payload.text, "to": payload.to}  # fmt: skip
    if payload.to == "group":
        return await _group_chat(ctx, body, payload.request_id)
    audience = "all" if payload.to == "all" else "staff"
    event, new = await _keep_chat(ctx, body, audience, payload.request_id)
    if not new:
        return _chat_answer(event)
    out = event_out(event)
    if audience == "all":
        ctx.emit("chat_message", out, to=room(cs_id))
    else:
        ctx.emit("chat_message", out, to=staff_room(cs_id))
        if not is_staff(ctx):
            ctx.emit("chat_message", out, to=person_room(cs_id, ctx.user_id))
    return _chat_answer(event)


async def _keep_chat(
    ctx: EventCtx, body: dict[str, Any], audience: str, request_key: str | None
) -> tuple[ClassEvent, bool]:
    """The message on record, and whether it is new (False: a retry that lost the race)."""
    cs_id, now = class_id_of(ctx), ctx.clock.now()
    if request_key is None:
        event = await service.append_class_event(
            ctx.session, cs_id, "chat", body, now, actor_id=ctx.user_id, audience=audience
        )
        return event, True
    return await service.append_once(
        ctx.session, cs_id, "chat", body, now, actor_id=ctx.user_id, audience=audience,
        request_key=request_key,
    )  # fmt: skip


def _chat_answer(event: ClassEvent) -> dict[str, Any]:
    """The sender's acknowledgement: the id (as before) and the message as kept."""
    return {"id": event.id, "message": event_out(event)}


async def _group_chat(
    ctx: EventCtx, body: dict[str, Any], request_key: str | None
) -> dict[str, Any]:
    """A message to my breakout group: to the people in it now (members and visitors)."""
    cs_id, live = class_id_of(ctx), ctx.app[LIVE]
    me = await presence.get(live, cs_id, ctx.user_id)
    if me is None or me.group_id is None:
        raise Problem("conflict", "You are not in a breakout group.")
    body["group_id"] = me.group_id
    event, new = await _keep_chat(ctx, body, f"group:{me.group_id}", request_key)
    if new:
        for entry in await presence.everyone(live, cs_id):
            if entry.group_id == me.group_id:
                ctx.emit("chat_message", event_out(event), to=person_room(cs_id, entry.user_id))
    return _chat_answer(event)


@classroom.event("send_caption", payload=CaptionIn, rate=(60, 10.0))
async def send_caption(ctx: EventCtx, payload: CaptionIn) -> dict[str, Any]:
    """A live caption line from the captioner (속기사): drafts are only shown, final lines
    become the transcript, and a final line with ``corrects`` replaces an earlier line's text."""
    require_grant(ctx, Grant.CAPTION)
    cs_id = class_id_of(ctx)
    if not payload.final:
        ctx.emit("caption_draft", {"text": payload.text, "by": ctx.user_id}, to=room(cs_id))
        return {}
    if payload.corrects is not None:
        return await _correct_caption(ctx, payload.corrects, payload.text)
    event = await service.append_class_event(
        ctx.session, cs_id, service.CAPTION, {"text": payload.text, "by": ctx.user_id},
        ctx.clock.now(), actor_id=ctx.user_id,
    )  # fmt: skip
    ctx.emit("caption", event_out(event), to=room(cs_id))
    return {"id": event.id}


async def _correct_caption(ctx: EventCtx, line_id: int, text: str) -> dict[str, Any]:
    """Replace the text of an earlier final line of this class: a new event (the line stays
    as it was typed); the transcript and the class state show the latest correction."""
    cs_id = class_id_of(ctx)
    await service.caption_line(ctx.session, cs_id, line_id)  # not-found: nothing changes
    event = await service.append_class_event(
        ctx.session, cs_id, service.CAPTION_CORRECTION,
        {"corrects": line_id, "text": text, "by": ctx.user_id}, ctx.clock.now(),
        actor_id=ctx.user_id,
    )  # fmt: skip
    corrected = CaptionCorrectedOut(
        id=line_id, text=text, corrected_by=ctx.user_id, corrected_at=event.at,
        correction_id=event.id,
    )  # fmt: skip
    ctx.emit("caption_corrected", corrected.model_dump(mode="json"), to=room(cs_id))
    return {"id": event.id, "corrects": line_id}


# ---- instructor controls --------------------------------------------------------------------


@classroom.event("lower_hand_of", payload=TargetIn, rate=(60, 10.0))
async def lower_hand_of(ctx: EventCtx, payload: TargetIn) -> dict[str, Any]:
    require_grant(ctx, Grant.MODERATE)
    await presence.update(ctx.app[LIVE], class_id_of(ctx), payload.user_id, {"hand": ""})
    return await _announce_hands(ctx, "hand_lowered", payload.user_id)


@classroom.event("lower_all_hands", rate=(10, 10.0))
async def lower_all_hands(ctx: EventCtx) -> dict[str, Any]:
    require_grant(ctx, Grant.MODERATE)
    cs_id = class_id_of(ctx)
    for entry in await presence.everyone(ctx.app[LIVE], cs_id):
        if entry.hand_raised_at is not None:
            await presence.update(ctx.app[LIVE], cs_id, entry.user_id, {"hand": ""})
    ctx.emit("hands_cleared", {"queue": []}, to=room(cs_id))
    return {"queue": []}


@classroom.event("request_mute", payload=TargetIn, rate=(30, 10.0))
async def request_mute(ctx: EventCtx, payload: TargetIn) -> None:
    """Ask a participant to mute (their client mutes and says so with set_media_state)."""
    require_grant(ctx, Grant.MODERATE)
    ctx.emit("mute_requested", {"by": ctx.user_id},
                   to=person_room(class_id_of(ctx), payload.user_id))  # fmt: skip


@classroom.event("remove_participant", payload=RemoveIn, rate=(30, 10.0))
async def remove_participant(ctx: EventCtx, payload: RemoveIn) -> None:
    """Remove someone from this class; they cannot come back into it."""
    require_grant(ctx, Grant.MODERATE)
    cs_id, live = class_id_of(ctx), ctx.app[LIVE]
    if payload.user_id == ctx.user_id:
        raise Problem("conflict", "You cannot remove yourself; use leave.")
    entry = await presence.get(live, cs_id, payload.user_id)
    await presence.mark_removed(live, cs_id, payload.user_id, payload.reason)
    await service.record_attendance(
        ctx.session, cs_id, AttendanceKind.REMOVED, ctx.clock.now(), user_id=payload.user_id,
        client_id=entry.client_id if entry else None, reason=payload.reason,
        author_id=ctx.user_id, node_id=ctx.app[SETTINGS].node_id,
    )  # fmt: skip
    await presence.leave(live, cs_id, payload.user_id, None)
    ctx.emit("removed", {"reason": payload.reason}, to=person_room(cs_id, payload.user_id))
    announce_change(ctx, "left", {"user_id": payload.user_id, "reason": "removed"})
    if entry is not None:
        sid = entry.sid
        ctx.after_commit(lambda: ctx.sio.disconnect(sid, namespace=NAMESPACE))


@classroom.event("lock_class", payload=LockIn, rate=(10, 10.0))
async def lock_class(ctx: EventCtx, payload: LockIn) -> dict[str, Any]:
    """A locked class admits no one new but staff; who is in stays in."""
    require_grant(ctx, Grant.MODERATE)
    await presence.set_flags(
        ctx.app[LIVE], class_id_of(ctx), {"locked": "1" if payload.locked else "0"}
    )
    ctx.emit("class_locked", {"locked": payload.locked}, to=room(class_id_of(ctx)))
    return {"locked": payload.locked}


@classroom.event("spotlight", payload=SpotlightIn, rate=(20, 10.0))
async def spotlight(ctx: EventCtx, payload: SpotlightIn) -> dict[str, Any]:
    """Show one participant large to everyone (or nobody)."""
    require_grant(ctx, Grant.MODERATE)
    value = str(payload.user_id) if payload.user_id else ""
    await presence.set_flags(ctx.app[LIVE], class_id_of(ctx), {"spotlight": value})
    with contextlib.suppress(Problem):  # the spotlight stands even if media is unreachable
        await ctx.app[MEDIA_ROUTER].call("spotlight", class_id_of(ctx), user_id=payload.user_id)
    ctx.emit("spotlight_changed", {"user_id": payload.user_id}, to=room(class_id_of(ctx)))
    return {"user_id": payload.user_id}


async def _set_state(ctx: EventCtx, state: SessionState) -> dict[str, Any]:
    require_grant(ctx, Grant.MODERATE)
    cs_id = class_id_of(ctx)
    class_session = await service.change_class_state(
        ctx.session, cs_id, state, author_id=ctx.user_id, now=ctx.clock.now()
    )
    body = {"state": class_session.state}
    ctx.emit("class_state_changed", body, to=room(cs_id))
    return body


@classroom.event("start_class", rate=(10, 60.0))
async def start_class(ctx: EventCtx) -> dict[str, Any]:
    """The class is live: attendance counts from here."""
    return await _set_state(ctx, SessionState.LIVE)


@classroom.event("end_class", rate=(10, 60.0))
async def end_class(ctx: EventCtx) -> dict[str, Any]:
    """The class is over: every interval ends now, and no one can join again."""
    return await _set_state(ctx, SessionState.ENDED)


# ---- connection reports ---------------------------------------------------------------------


@classroom.event("report_connection", payload=ConnectionReportIn, rate=(30, 60.0))
async def report_connection(ctx: EventCtx, payload: ConnectionReportIn) -> dict[str, Any]:
    """The browser's view: a failure (camera denied, ICE failed) or a quality sample."""
    report = ConnectionReport(
        at=ctx.clock.now(), source="client", user_id=ctx.user_id,
        class_session_id=class_id_of(ctx), device_class=ctx.socket["device_class"],
        browser=ctx.socket["browser"], os=ctx.socket["os"],
        **payload.model_dump(exclude={"class_session_id", "network_type"}),
        network_type=payload.network_type or ctx.socket["network_type"],
    )  # fmt: skip
    await service.store_connection_report(ctx.session, report)
    return {"id": report.id}
