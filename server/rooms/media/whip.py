"""WHIP (RFC 9725): an instructor sends a stream into a class from a tool such as OBS.

``POST /api/v1/class-sessions/{id}/whip`` with an SDP offer (``application/sdp``) and
``Authorization: Bearer <token>``, where the token is a class token or the API token of a
person with the publish grant in that class, answers ``201 Created`` with the SDP answer and a
``Location`` for the session; ``DELETE`` on that location ends it. The stream is published into
the class like any participant's camera. ICE candidates are gathered before answering, so the
optional trickle-ICE ``PATCH`` is not needed and is refused.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from aiohttp import web

from server.core.auth import service as auth
from server.core.auth import tokens
from server.core.errors import Problem
from server.core.keys import CLOCK, DATABASE, SECRET_KEY
from server.lms import service as lms
from server.lms.models import SessionState
from server.rooms import service
from server.rooms.media.hosting import MEDIA_ROUTER
from server.rooms.schemas import Grant

SDP = "application/sdp"
MAX_SDP = 100_000
routes = web.RouteTableDef()


@dataclass(frozen=True)
class WhipSession:
    class_session_id: int
    user_id: int
    sid: str


WHIP_SESSIONS: web.AppKey[dict[str, WhipSession]] = web.AppKey("whip_sessions", dict)


async def _who(request: web.Request, class_session_id: int) -> int:
    """The publishing person: a class token for this class, or an API token with the grant."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise Problem("not-authenticated", "Send Authorization: Bearer <token>.")
    raw, app = raw.strip(), request.app
    async with app[DATABASE].unit_of_work() as session:
        try:
            claims = tokens.verify(app[SECRET_KEY], tokens.Purpose.CLASS, raw, app[CLOCK].now())
            if int(claims["cs"]) != class_session_id:
                raise Problem("forbidden", "The class token is for another class.")
            principal = await auth.principal_for_user(session, int(claims["sub"]))
        except (tokens.TokenInvalid, tokens.TokenExpired):
            principal = await auth.principal_for_api_token(session, raw, app[CLOCK].now())
        class_session = await lms.get_class_session(session, class_session_id)
        if class_session.state == SessionState.ENDED:
            raise Problem("class-ended")
        grants = await service.grants_for(session, principal, class_session_id)
    if Grant.PUBLISH not in grants:
        raise Problem("forbidden", "Publishing into this class needs the publish grant.")
    return principal.user_id


@routes.post(r"/api/v1/class-sessions/{class_session_id:\d+}/whip")
async def publish(request: web.Request) -> web.Response:
    class_session_id = int(request.match_info["class_session_id"])
    if request.content_type != SDP:
        raise Problem("unsupported-media-type", "Send the offer as application/sdp.")
    user_id = await _who(request, class_session_id)
    offer = (await request.read()).decode("utf-8", errors="replace")
    if not offer.startswith("v=0") or "\nm=" not in offer or len(offer) > MAX_SDP:
        raise Problem("validation-error", "The body is not an SDP offer with media.")
    resource = secrets.token_urlsafe(16)
    sid = f"whip:{resource}"
    router = request.app[MEDIA_ROUTER]
    try:
        answer = await router.call(
            "publish", class_session_id, sid=sid, user_id=user_id,
            offer={"type": "offer", "sdp": offer},
        )  # fmt: skip
    except (ValueError, KeyError, IndexError) as exc:
        await router.call("leave", class_session_id, sid=sid)
        raise Problem("validation-error", f"The SDP offer cannot be used: {exc}.") from None
    request.app[WHIP_SESSIONS][resource] = WhipSession(class_session_id, user_id, sid)
    return web.Response(
        status=201,
        text=answer["sdp"],
        content_type=SDP,
        headers={"Location": f"/api/v1/whip/{resource}"},
    )


@routes.delete("/api/v1/whip/{resource}")
async def stop(request: web.Request) -> web.Response:
    whip = request.app[WHIP_SESSIONS].get(request.match_info["resource"])
    if whip is None:
        raise Problem("not-found", "No such WHIP session.")
    if await _who(request, whip.class_session_id) != whip.user_id:
        raise Problem("forbidden", "Only who started the stream may end it.")
    del request.app[WHIP_SESSIONS][request.match_info["resource"]]
    await request.app[MEDIA_ROUTER].call("leave", whip.class_session_id, sid=whip.sid)
    return web.Response(status=200)


@routes.patch("/api/v1/whip/{resource}")
async def trickle(request: web.Request) -> web.Response:
    """Candidates are all in the answer; trickle ICE is not offered (RFC 9725 section 4.3)."""
    raise web.HTTPMethodNotAllowed("PATCH", ["DELETE"])
