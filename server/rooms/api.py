"""HTTP routes for joining a class: join links, class tokens, and the join-link page."""

from __future__ import annotations

import math
import os
from datetime import timedelta

from aiohttp import web

from server.core import limits
from server.core.auth import service as auth
from server.core.auth.api import set_session_cookie
from server.core.auth.roles import STAFF, Role
from server.core.errors import Problem
from server.core.http import Allow, ApiRouter, Ctx, client_address
from server.core.keys import LIVE, SECRET_KEY, SIO
from server.core.limits import Action
from server.lms import service as lms
from server.lms.models import SessionState
from server.lms.schemas import ClassSessionOut, ClassSessionPath
from server.rooms import admission, service
from server.rooms.devices import device_from_user_agent
from server.rooms.events import NAMESPACE, room
from server.rooms.media.loopback import LOOPBACKS, BadOffer, NodeFull
from server.rooms.models import ConnectionReport, ConnectionTest
from server.rooms.schemas import (
    AttendanceOut,
    ClassStateIn,
    ClassTokenOut,
    ConnectionReportIn,
    ConnectionReportOut,
    ConnectionTestIn,
    ConnectionTestOut,
    JoinLinkOut,
    JoinLinksIn,
    JoinOut,
    LobbyOut,
    LoopbackOut,
    LoopbackPath,
    PayloadQuery,
    ReadinessOut,
    RedeemIn,
    SdpIn,
    SdpOut,
    TranscriptQuery,
)
from server.rooms.transcript import Line, plain_text, webvtt

router = ApiRouter("rooms")


@router.post(
    "/class-sessions/{class_session_id}/join-links",
    path_model=ClassSessionPath,
    body=JoinLinksIn,
    response=list[JoinLinkOut],
    allow=Allow.only(*STAFF, Role.INSTRUCTOR, Role.ASSISTANT),
)
async def issue_join_links(
    ctx: Ctx, path: ClassSessionPath, body: JoinLinksIn
) -> list[JoinLinkOut]:
    """One-tap join links for enrolled trainees (to send by text message or e-mail)."""
    class_session = await lms.get_class_session(ctx.session, path.class_session_id)
    await service.check_runs_class(ctx.session, ctx.user, class_session.id)
    enrolled = await lms.joinable_trainees(ctx.session, class_session.id)
    wanted = enrolled if body.user_ids is None else sorted(set(body.user_ids))
    missing = set(wanted) - set(enrolled)
    if missing:
        raise Problem("not-enrolled", f"Not enrolled in this class: {sorted(missing)}.")
    names = await auth.names_of(ctx.session, wanted)
    links = []
    for user_id in wanted:
        token, expires = service.sign_invitation(
            ctx.app[SECRET_KEY], ctx.settings, class_session, user_id
        )
        url = service.join_link_url(ctx.settings, token)
        links.append(JoinLinkOut(user_id=user_id, name=names[user_id], url=url, expires_at=expires))
    return links


@router.post("/join", body=RedeemIn, response=JoinOut, allow=Allow.anyone())
async def redeem(ctx: Ctx, body: RedeemIn) -> web.Response:
    """Open a join link: logs in on this device and returns a class token."""
    await limits.check(ctx.app, Action.JOIN, user_id=None, address=client_address(ctx.request))
    done = await service.redeem_join_link(
        ctx.session,
        ctx.app[SECRET_KEY],
        ctx.settings,
        body.token,
        now=ctx.clock.now(),
        user_agent=ctx.request.headers.get("User-Agent"),
    )
    await limits.check(ctx.app, Action.JOIN, user_id=done.principal.user_id, address=None)
    user = await auth.get_user(ctx.session, done.principal.user_id)
    answer = JoinOut(
        user=auth.user_out(user),
        csrf_token=done.principal.csrf_token or "",
        class_session=ClassSessionOut.model_validate(done.class_session),
        class_token=done.class_token,
    )
    response = web.Response(text=answer.model_dump_json(), content_type="application/json")
    set_session_cookie(response, done.session_cookie, ctx.settings)
    return response


@router.post(
    "/class-sessions/{class_session_id}/class-token",
    path_model=ClassSessionPath,
    response=ClassTokenOut,
    allow=Allow.signed_in(),
)
async def class_token(ctx: Ctx, path: ClassSessionPath) -> ClassTokenOut:
    """A short-lived token for the live class socket, with this person's grants."""
    await limits.check_request(ctx.request, Action.JOIN, ctx.user.user_id)
    return await service.mint_class_token(
        ctx.session,
        ctx.app[SECRET_KEY],
        ctx.settings,
        ctx.user,
        path.class_session_id,
        ctx.clock.now(),
    )


@router.get(
    "/class-sessions/{class_session_id}/lobby",
    path_model=ClassSessionPath,
    response=LobbyOut,
    allow=Allow.signed_in(),
)
async def lobby(ctx: Ctx, path: ClassSessionPath) -> LobbyOut:
    """The join page before the class: who teaches, when it opens, whether you can come in."""
    return await admission.lobby(
        ctx.session, ctx.app[LIVE], ctx.settings, ctx.user, path.class_session_id, ctx.clock.now()
    )


@router.get(
    "/class-sessions/{class_session_id}/attendance",
    path_model=ClassSessionPath,
    response=list[AttendanceOut],
    allow=Allow.only(*STAFF, Role.INSTRUCTOR, Role.ASSISTANT),
)
async def attendance(ctx: Ctx, path: ClassSessionPath) -> list[AttendanceOut]:
    """Who was in the class when: intervals, time present, dropouts (derived from events)."""
    class_session = await lms.get_class_session(ctx.session, path.class_session_id)
    await service.check_runs_class(ctx.session, ctx.user, class_session.id)
    grace = timedelta(seconds=ctx.settings.reconnect_grace_s)
    return await service.attendance_summary(ctx.session, class_session.id, grace, ctx.clock.now())


@router.get(
    "/class-sessions/{class_session_id}/transcript",
    path_model=ClassSessionPath,
    query=TranscriptQuery,
    allow=Allow.signed_in(),
)
async def transcript(ctx: Ctx, path: ClassSessionPath, query: TranscriptQuery) -> web.Response:
    """The captions as a transcript: WebVTT or text (for everyone who had a place in class)."""
    class_session = await lms.get_class_session(ctx.session, path.class_session_id)
    await service.grants_for(ctx.session, ctx.user, class_session.id)
    lines = [Line(e.at, str(e.payload.get("text", ""))) for e in
             await service.captions(ctx.session, class_session.id)]  # fmt: skip
    if query.format == "vtt":
        body = webvtt(lines, class_session.starts_at, class_session.title)
        content_type, ext = "text/vtt", "vtt"
    else:
        body, content_type, ext = plain_text(lines, class_session.title), "text/plain", "txt"
    return web.Response(
        text=body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="class-{class_session.id}.{ext}"'},
    )


@router.post(
    "/connection-reports",
    body=ConnectionReportIn,
    response=ConnectionReportOut,
    status=201,
    allow=Allow.signed_in(),
)
async def report_connection(ctx: Ctx, body: ConnectionReportIn) -> ConnectionReportOut:
    """A failure the browser saw before or outside the live socket (e.g. camera refused)."""
    if body.class_session_id is not None:  # a class that is not there is a 404, not a 500
        await lms.get_class_session(ctx.session, body.class_session_id)
    device = device_from_user_agent(ctx.request.headers.get("User-Agent"))
    report = ConnectionReport(
        at=ctx.clock.now(), source="client", user_id=ctx.user.user_id,
        device_class=device.device_class, browser=device.browser, os=device.os,
        **body.model_dump(),
    )  # fmt: skip
    await service.store_connection_report(ctx.session, report)
    return ConnectionReportOut(id=report.id)


@router.post(
    "/connection-tests",
    body=ConnectionTestIn,
    response=ConnectionTestOut,
    status=201,
    allow=Allow.signed_in(),
)
async def connection_test(ctx: Ctx, body: ConnectionTestIn) -> ConnectionTestOut:
    """Store a pre-class connection test and say whether this device is ready."""
    if body.class_session_id is not None:  # a class that is not there is a 404, not a 500
        await lms.get_class_session(ctx.session, body.class_session_id)
    device = device_from_user_agent(ctx.request.headers.get("User-Agent"))
    test = ConnectionTest(
        at=ctx.clock.now(), user_id=ctx.user.user_id, device_class=device.device_class,
        browser=device.browser, os=device.os, **body.model_dump(),
    )  # fmt: skip
    await service.store_connection_test(ctx.session, test)
    verdict, reasons = service.judge(test)
    return ConnectionTestOut(
        id=test.id, at=test.at, user_id=test.user_id, class_session_id=test.class_session_id,
        verdict=verdict, reasons=reasons, device_class=test.device_class, browser=test.browser,
        os=test.os,
    )  # fmt: skip


@router.get(
    "/connection-tests/payload",
    query=PayloadQuery,
    allow=Allow.signed_in(),
)
async def test_payload(ctx: Ctx, query: PayloadQuery) -> web.Response:
    """Random bytes for the connection test to time a download (bandwidth)."""
    return web.Response(
        body=os.urandom(query.kb * 1024),
        content_type="application/octet-stream",
        headers={"Cache-Control": "no-store"},
    )


@router.post(
    "/connection-tests/loopback",
    body=SdpIn,
    response=LoopbackOut,
    status=201,
    allow=Allow.signed_in(),
)
async def start_loopback(ctx: Ctx, body: SdpIn) -> LoopbackOut:
    """The connection test's media check: the server sends the offered tracks straight back.

    One per person (a new one replaces the old), a limited number per server, each ending by
    itself after BAEUM_LOOPBACK_TIMEOUT_S.
    """
    if body.type != "offer":
        raise _bad_sdp("type", "The loopback takes an offer.")
    loopbacks = ctx.app[LOOPBACKS]
    try:
        loopback, answer = await loopbacks.start(ctx.user.user_id, body.sdp)
    except BadOffer as exc:
        raise _bad_sdp("sdp", str(exc)) from None
    except NodeFull as exc:
        problem = Problem("unavailable", str(exc))
        problem.headers["Retry-After"] = str(math.ceil(loopbacks.timeout_s))
        raise problem from None
    return LoopbackOut(
        id=loopback.id,
        answer=SdpOut(type="answer", sdp=answer["sdp"]),
        ice_servers=service.ice_servers_for(ctx.settings, ctx.user.user_id, ctx.clock.now()),
        timeout_s=loopbacks.timeout_s,
    )


def _bad_sdp(field: str, detail: str) -> Problem:
    """A validation error naming the body field, like pydantic's own."""
    error = {"in": "body", "loc": [field], "msg": detail, "type": "sdp"}
    return Problem("validation-error", detail, errors=[error])


@router.delete(
    "/connection-tests/loopback/{loopback_id}",
    path_model=LoopbackPath,
    allow=Allow.signed_in(),
)
async def stop_loopback(ctx: Ctx, path: LoopbackPath) -> None:
    """End one's own connection-test loopback before its time."""
    if not await ctx.app[LOOPBACKS].stop(ctx.user.user_id, path.loopback_id):
        raise Problem("not-found", "No such loopback: it has ended, or it is someone else's.")


@router.get(
    "/class-sessions/{class_session_id}/readiness",
    path_model=ClassSessionPath,
    response=list[ReadinessOut],
    allow=Allow.only(*STAFF, Role.INSTRUCTOR, Role.ASSISTANT),
)
async def readiness(ctx: Ctx, path: ClassSessionPath) -> list[ReadinessOut]:
    """Before class: each enrolled trainee's latest connection test, and who never tested."""
    class_session = await lms.get_class_session(ctx.session, path.class_session_id)
    await service.check_runs_class(ctx.session, ctx.user, class_session.id)
    return await service.readiness(ctx.session, class_session.id)


@router.put(
    "/class-sessions/{class_session_id}/state",
    path_model=ClassSessionPath,
    body=ClassStateIn,
    response=ClassSessionOut,
    allow=Allow.only(*STAFF, Role.INSTRUCTOR, Role.ASSISTANT),
)
async def set_state(ctx: Ctx, path: ClassSessionPath, body: ClassStateIn) -> ClassSessionOut:
    """Open the lobby, start or end the class (also from the instructor's live controls)."""
    class_session = await lms.get_class_session(ctx.session, path.class_session_id)
    await service.check_runs_class(ctx.session, ctx.user, class_session.id)
    changed = await service.change_class_state(
        ctx.session,
        class_session.id,
        SessionState(body.state),
        author_id=ctx.user.user_id,
        now=ctx.clock.now(),
    )
    sio, state = ctx.app[SIO], {"state": changed.state}

    async def announce() -> None:
        await sio.emit("class_state_changed", state, to=room(changed.id), namespace=NAMESPACE)

    ctx.after_commit(announce)
    return ClassSessionOut.model_validate(changed)
