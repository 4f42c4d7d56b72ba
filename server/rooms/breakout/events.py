"""Breakout rounds on the class socket (/class): the instructor opens, moves, extends, closes,
broadcasts and visits; a participant calls for help; everyone sees the groups and the clock.
A group's messages go to the people in it (their person rooms), so it works on every node."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from server.boards import service as boards
from server.boards.export import plain_text
from server.core.clock import wire_time
from server.core.errors import Problem
from server.core.events import EventCtx
from server.core.keys import CLOCK, DATABASE, LIVE, SETTINGS, SIO
from server.rooms import presence
from server.rooms import service as rooms_service
from server.rooms.breakout import rounds
from server.rooms.breakout.media import sync_media_rooms
from server.rooms.breakout.schemas import (
    BroadcastIn,
    CloseIn,
    ExtendIn,
    MoveIn,
    OpenIn,
    VisitIn,
    VoiceIn,
)
from server.rooms.events import (
    NAMESPACE,
    announce_change,
    class_id_of,
    classroom,
    participant_out,
    person_room,
    require_grant,
    require_joined,
    room,
    staff_room,
)
from server.rooms.media.hosting import MEDIA_ROUTER
from server.rooms.schemas import Grant, TargetIn


def _timer(rnd: rounds.Round) -> dict[str, Any]:
    return {"round_id": rnd.round_id, "ends_at": wire_time(rnd.ends_at),
            "closing_at": wire_time(rnd.closing_at) if rnd.closing_at else None}  # fmt: skip


async def _round_out(ctx: EventCtx, rnd: rounds.Round) -> dict[str, Any]:
    entries = await presence.everyone(ctx.app[LIVE], class_id_of(ctx))
    mine = rnd.plan.get(ctx.user_id)
    return rnd.out(entries, mine, ctx.clock.now()).model_dump(mode="json")


async def _announce_people(ctx: EventCtx, user_ids: list[int]) -> None:
    """Their new place to the class, and the groups to the media host, once committed."""
    app, cs_id = ctx.app, class_id_of(ctx)

    async def media() -> None:
        await sync_media_rooms(app, cs_id)

    ctx.after_commit(media)
    for user_id in user_ids:
        entry = await presence.get(ctx.app[LIVE], class_id_of(ctx), user_id)
        if entry is not None:
            announce_change(ctx, "updated", participant_out(entry).model_dump(mode="json"))


@classroom.event("breakout_open", payload=OpenIn, rate=(10, 60.0))
async def breakout_open(ctx: EventCtx, payload: OpenIn) -> dict[str, Any]:
    """Open the set's groups for some minutes: everyone placed moves at once."""
    require_grant(ctx, Grant.MODERATE)
    rnd = await rounds.open_round(
        ctx.session, ctx.app[LIVE], class_id_of(ctx), set_id=payload.set_id,
        minutes=payload.minutes, warnings_s=payload.warnings_s, opened_by=ctx.user_id,
        now=ctx.clock.now(),
    )  # fmt: skip
    await boards.open_group_boards(
        ctx.session, class_id_of(ctx), rnd.groups, by=ctx.user_id, now=ctx.clock.now(),
        template=payload.board_template,
    )  # fmt: skip
    body = await _round_out(ctx, rnd)
    ctx.emit("breakout_opened", body, to=room(class_id_of(ctx)))
    ctx.emit("boards_changed", {"groups": True}, to=room(class_id_of(ctx)))
    await _announce_people(ctx, [])  # the round lists everyone's group: no per-person news
    return body


@classroom.event("breakout_move", payload=MoveIn, rate=(120, 10.0))
async def breakout_move(ctx: EventCtx, payload: MoveIn) -> dict[str, Any]:
    """Move someone to another group (or out of every group) while the groups are open."""
    require_grant(ctx, Grant.MODERATE)
    await rounds.move(ctx.session, ctx.app[LIVE], class_id_of(ctx), payload.user_id,
                      payload.group_id, ctx.clock.now())  # fmt: skip
    body = {"user_id": payload.user_id, "group_id": payload.group_id}
    ctx.emit("breakout_moved", body, to=room(class_id_of(ctx)))
    await _announce_people(ctx, [payload.user_id])
    return body


@classroom.event("breakout_extend", payload=ExtendIn, rate=(20, 60.0))
async def breakout_extend(ctx: EventCtx, payload: ExtendIn) -> dict[str, Any]:
    require_grant(ctx, Grant.MODERATE)
    rnd = await rounds.extend(ctx.session, ctx.app[LIVE], class_id_of(ctx), payload.minutes)
    ctx.emit("breakout_timer", _timer(rnd), to=room(class_id_of(ctx)))
    return _timer(rnd)


@classroom.event("breakout_close", payload=CloseIn, rate=(20, 60.0))
async def breakout_close(ctx: EventCtx, payload: CloseIn) -> dict[str, Any]:
    """Close now, or after a last countdown everyone sees."""
    require_grant(ctx, Grant.MODERATE)
    cs_id, live, now = class_id_of(ctx), ctx.app[LIVE], ctx.clock.now()
    if payload.grace_s:
        rnd = await rounds.start_closing(
            ctx.session, live, cs_id, now + timedelta(seconds=payload.grace_s)
        )
        ctx.emit("breakout_timer", _timer(rnd), to=room(cs_id))
        return _timer(rnd)
    rnd = await rounds.close_round(ctx.session, live, cs_id, now)
    await boards.archive_group_boards(ctx.session, cs_id, now)
    ctx.emit("breakout_closed", {"round_id": rnd.round_id}, to=room(cs_id))
    ctx.emit("boards_changed", {"groups": True}, to=room(cs_id))
    await _announce_people(ctx, [])  # "closed" says everyone is back in the main room
    return {"round_id": rnd.round_id}


@classroom.event("breakout_broadcast", payload=BroadcastIn, rate=(20, 60.0))
async def breakout_broadcast(ctx: EventCtx, payload: BroadcastIn) -> dict[str, Any]:
    """A message from the main room into every group."""
    require_grant(ctx, Grant.MODERATE)
    cs_id = class_id_of(ctx)
    event = await rooms_service.append_class_event(
        ctx.session, cs_id, "breakout_message",
        {"text": payload.text, "from_id": ctx.user_id, "from_name": ctx.socket["name"]},
        ctx.clock.now(), actor_id=ctx.user_id,
    )  # fmt: skip
    out = {"id": event.id, "text": payload.text, "from_id": ctx.user_id,
           "from_name": ctx.socket["name"], "at": wire_time(event.at)}  # fmt: skip
    ctx.emit("breakout_message", out, to=room(cs_id))
    return {"id": event.id}


@classroom.event("breakout_voice", payload=VoiceIn, rate=(20, 10.0))
async def breakout_voice(ctx: EventCtx, payload: VoiceIn) -> dict[str, Any]:
    """Speak into every group at once (and stop): the media host forwards this voice to all."""
    require_grant(ctx, Grant.MODERATE)
    await rounds.speak_everywhere(ctx.app[LIVE], class_id_of(ctx), ctx.user_id, payload.on)
    body = {"user_id": ctx.user_id, "on": payload.on}
    ctx.emit("breakout_voice", body, to=room(class_id_of(ctx)))
    await _announce_people(ctx, [])
    return body


async def _help_calls(ctx: EventCtx) -> list[dict[str, Any]]:
    entries = await presence.everyone(ctx.app[LIVE], class_id_of(ctx))
    return [{**call, "at": wire_time(call["at"])}  # type: ignore[arg-type]
            for call in presence.help_queue(entries)]  # fmt: skip


@classroom.event("breakout_help", rate=(10, 60.0))
async def breakout_help(ctx: EventCtx) -> dict[str, Any]:
    """Call the instructor to my group (keeps my place in the queue if already calling)."""
    require_joined(ctx)
    cs_id, live = class_id_of(ctx), ctx.app[LIVE]
    me = await presence.get(live, cs_id, ctx.user_id)
    if me is None or me.group_id is None or me.visiting:
        raise Problem("conflict", "Call for help from inside a group.")
    if me.help_at is None:
        await presence.update(live, cs_id, ctx.user_id, {"help": ctx.clock.now().isoformat()})
    calls = await _help_calls(ctx)
    ctx.emit("help_calls", {"queue": calls}, to=staff_room(cs_id))
    return {"queue_position": [c["user_id"] for c in calls].index(ctx.user_id) + 1}


@classroom.event("breakout_help_done", payload=TargetIn, rate=(60, 10.0))
async def breakout_help_done(ctx: EventCtx, payload: TargetIn) -> dict[str, Any]:
    """The instructor has answered a help call."""
    require_grant(ctx, Grant.MODERATE)
    cs_id = class_id_of(ctx)
    await presence.update(ctx.app[LIVE], cs_id, payload.user_id, {"help": ""})
    calls = await _help_calls(ctx)
    ctx.emit("help_calls", {"queue": calls}, to=staff_room(cs_id))
    ctx.emit("help_answered", {"by": ctx.user_id}, to=person_room(cs_id, payload.user_id))
    return {"queue": calls}


@classroom.event("breakout_visit", payload=VisitIn, rate=(60, 10.0))
async def breakout_visit(ctx: EventCtx, payload: VisitIn) -> dict[str, Any]:
    """Look into a group (its chat and media) without becoming a member; null: come back."""
    require_grant(ctx, Grant.MODERATE)
    rnd = await rounds.visit(ctx.session, ctx.app[LIVE], class_id_of(ctx), ctx.user_id,
                             payload.group_id, ctx.clock.now())  # fmt: skip
    await _announce_people(ctx, [ctx.user_id])
    members = [u for u, g in rnd.plan.items() if g == payload.group_id]
    return {"group_id": payload.group_id, "members": sorted(members)}


@classroom.event("breakout_overview", rate=(60, 10.0))
async def breakout_overview(ctx: EventCtx) -> dict[str, Any]:
    """Every group at a glance, without joining any: who is in it, who looks in, help calls,
    who is talking and how long the group has been silent (an alert past the setting)."""
    require_grant(ctx, Grant.MODERATE)
    cs_id, now = class_id_of(ctx), ctx.clock.now()
    rnd = await rounds.current(ctx.app[LIVE], cs_id)
    if rnd is None:
        return {"open": False, "groups": []}
    entries = await presence.everyone(ctx.app[LIVE], cs_id)
    try:
        heard = {int(u): s for u, s in (await ctx.app[MEDIA_ROUTER].call("silence", cs_id)).items()}
    except Problem:
        heard = None  # the media host is unreachable: silence unknown, not zero
    since_open = (now - rnd.opened_at).total_seconds() if rnd.opened_at else None
    limit = ctx.app[SETTINGS].breakout_silence_alert_s
    posts = await boards.newest_by_group(ctx.session, cs_id)
    groups = []
    for gid, name in rnd.groups.items():
        inside = [e for e in entries if e.group_id == gid]
        present = sorted(e.user_id for e in inside if not e.visiting)
        quiet = _quiet_s(heard, present, since_open)
        groups.append({
            "id": gid, "name": name, "present": present,
            "away": sorted(u for u, g in rnd.plan.items() if g == gid and u not in present),
            "visitors": sorted(e.user_id for e in inside if e.visiting),
            "help": sorted(e.user_id for e in inside if e.help_at is not None),
            "talking": sorted(u for u in present if heard is not None and heard.get(u, 1e9) <= 3),
            "quiet_s": quiet, "silence_alert": quiet is not None and quiet >= limit,
            "board": [{"id": p.id, "title": p.title, "text": plain_text(p.body)[:140]}
                      for p in posts.get(gid, [])],
        })  # fmt: skip
    return {"open": True, **_timer(rnd), "groups": groups}


def _quiet_s(
    heard: dict[int, float] | None, present: list[int], since_open: float | None
) -> float | None:
    """How long nobody in the group has been heard (since the groups opened at most)."""
    if heard is None or since_open is None:
        return None
    last = min((heard[u] for u in present if u in heard), default=since_open)
    return round(min(last, since_open), 1)


async def tick(app: web.Application, class_session_id: int) -> None:
    """The groups' clock, from the node's sweeper: warnings before the end, closing at it."""
    live, now = app[LIVE], app[CLOCK].now()
    warnings, close = await rounds.due(live, class_session_id, now)
    sio = app[SIO]
    for seconds in warnings:
        await sio.emit("breakout_warning", {"seconds_left": seconds}, to=room(class_session_id),
                       namespace=NAMESPACE)  # fmt: skip
    if warnings:  # on record once given: a restore after a Redis loss does not repeat it
        async with app[DATABASE].unit_of_work(request_id="breakout:warned") as session:
            await rounds.record_warned(session, live, class_session_id, now)
    if not close:
        return
    async with app[DATABASE].unit_of_work(request_id="breakout:close") as session:
        try:
            rnd = await rounds.close_round(session, live, class_session_id, now)
        except Problem:
            return  # another node closed it first
        await boards.archive_group_boards(session, class_session_id, now)
    await sio.emit("breakout_closed", {"round_id": rnd.round_id}, to=room(class_session_id),
                   namespace=NAMESPACE)  # fmt: skip
    await sio.emit("boards_changed", {"groups": True}, to=room(class_session_id),
                   namespace=NAMESPACE)  # fmt: skip
    await sync_media_rooms(app, class_session_id)
