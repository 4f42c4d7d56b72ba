"""Media signalling on the class's socket (namespace /class).

- ``media_publish`` {type: "offer", sdp, screen?: [mid]}: the client's publishing connection
  (camera, microphone, and a screen share on the mids listed in ``screen``); answered with the
  server's answer. Offer again to add or stop a screen share, or after a network change.
- ``screen_share`` (server to class) {user_id, active}: someone's screen share started/ended.
- ``media_subscribe`` {video?, audio_only?} (as ``media_view``): the client's receiving
  connection; answered with the server's offer (``{"offer": null}`` while nobody publishes).
  A camera gets a track in the offer only once the client shows it. Whenever what it
  receives changes, the server sends ``media_offer`` again; the client answers each offer
  with ``media_answer``.
- ``media_limits`` (server to publisher) {video: {max_width, max_height, max_fps, max_kbps}}:
  the most its camera should send, by class size and whether it is shown large; sent after
  publishing and whenever that changes.
"""

from __future__ import annotations

from typing import Any

from server.core.errors import Problem
from server.core.events import EventCtx
from server.rooms.events import _grants, class_id_of, classroom, require_grant
from server.rooms.media.hosting import MEDIA_ROUTER
from server.rooms.schemas import Grant, MediaViewIn, PublishIn, SdpIn


@classroom.event("media_publish", payload=PublishIn, rate=(20, 60.0))
async def media_publish(ctx: EventCtx, payload: PublishIn) -> dict[str, Any]:
    """Publish camera, microphone or screen: the client offers, the server answers."""
    require_grant(ctx, Grant.PUBLISH)
    if payload.type != "offer":
        raise Problem("validation-error", "media_publish takes an offer.")
    answer = await ctx.app[MEDIA_ROUTER].call(
        "publish", class_id_of(ctx), sid=ctx.sid, user_id=ctx.user_id,
        offer=payload.model_dump(include={"type", "sdp"}), who=_who(ctx),
        on_stage=Grant.MODERATE in _grants(ctx), screen=payload.screen,
    )  # fmt: skip
    return {"answer": answer}


@classroom.event("media_subscribe", payload=MediaViewIn, rate=(20, 60.0))
async def media_subscribe(ctx: EventCtx, payload: MediaViewIn) -> dict[str, Any]:
    """Receive the class's media: the server offers (null while nobody publishes). The
    payload is the first ``media_view`` (default: everyone's video)."""
    require_grant(ctx, Grant.SUBSCRIBE)
    offer = await ctx.app[MEDIA_ROUTER].call(
        "subscribe", class_id_of(ctx), sid=ctx.sid, user_id=ctx.user_id, who=_who(ctx),
        shown=payload.video, audio_only=payload.audio_only,
    )  # fmt: skip
    return {"offer": offer}


@classroom.event("media_answer", payload=SdpIn, rate=(120, 60.0))
async def media_answer(ctx: EventCtx, payload: SdpIn) -> None:
    """The client's answer to the server's latest offer."""
    require_grant(ctx, Grant.SUBSCRIBE)
    if payload.type != "answer":
        raise Problem("validation-error", "media_answer takes an answer.")
    await ctx.app[MEDIA_ROUTER].call(
        "answer", class_id_of(ctx), sid=ctx.sid, answer=payload.model_dump()
    )


@classroom.event("media_view", payload=MediaViewIn, rate=(60, 10.0))
async def media_view(ctx: EventCtx, payload: MediaViewIn) -> dict[str, Any]:
    """Receive only the video shown: a gallery page, the speaker, or nothing (audio only)."""
    require_grant(ctx, Grant.SUBSCRIBE)
    receiving = await ctx.app[MEDIA_ROUTER].call(
        "view", class_id_of(ctx), sid=ctx.sid, shown=payload.video, audio_only=payload.audio_only
    )
    return {"video_of": receiving}


def _who(ctx: EventCtx) -> dict[str, Any]:
    """The device behind this socket, for the connection reports of its media."""
    keys = ("device_class", "browser", "os", "network_type")
    return {k: ctx.socket.get(k) for k in keys}
