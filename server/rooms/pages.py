"""The class's HTML pages: the join link a trainee taps, the class page, the captioner's page
and the connection check. A refusal is a small page in Korean and English whose words come
from the same message catalogs as the client's (static/i18n), with what to do next."""

from __future__ import annotations

import html
import json
from functools import cache
from typing import Any

from aiohttp import web

from server.core.auth import service as auth
from server.core.auth.api import set_session_cookie
from server.core.auth.service import Principal
from server.core.errors import Problem
from server.core.health import STATIC_DIR
from server.core.keys import CLOCK, DATABASE, SECRET_KEY, SETTINGS
from server.lms import service as lms
from server.rooms import service
from server.rooms.schemas import Grant

pages = web.RouteTableDef()
LANGUAGES = ("ko", "en")


@cache
def _catalog(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for area in ("common", "class"):
        merged.update(json.loads((STATIC_DIR / "i18n" / lang / f"{area}.json").read_text("utf-8")))
    return merged


def refusal_page(slug: str, status: int, *, sign_in_to: str | None = None) -> web.Response:
    """Why this person cannot come in (``lobby.<slug>`` in the catalogs), in both languages;
    with a log-in link when signing in would help."""
    parts = []
    for lang in LANGUAGES:
        words = _catalog(lang)
        detail = words.get(f"lobby.{slug}", words["lobby.cannot_open"])
        link = ""
        if sign_in_to is not None:
            href = html.escape(f"/login?next={sign_in_to}", quote=True)
            label = html.escape(words["nav.login"])
            link = f"<p><a class='button primary' href='{href}'>{label}</a></p>"
        heading = "h1" if lang == LANGUAGES[0] else "h2"
        parts.append(
            f"<section lang='{lang}'><{heading}>{html.escape(words['lobby.cannot_open'])}"
            f"</{heading}><p>{html.escape(detail)}</p>{link}</section>"
        )
    body = (
        "<!doctype html><html lang='ko'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<link rel='stylesheet' href='/static/base.css'>"
        f"<title>{html.escape(_catalog('ko')['lobby.cannot_open'])} · 배움</title></head>"
        f"<body><main>{''.join(parts)}</main></body></html>"
    )
    return web.Response(text=body, status=status, content_type="text/html")


def _problem_page(problem: Problem, **kw: Any) -> web.Response:
    return refusal_page(problem.type.slug, problem.type.status, **kw)


async def _signed_in(request: web.Request) -> Principal | None:
    async with request.app[DATABASE].unit_of_work() as session:
        return await auth.identify(session, request)


async def _grants(request: web.Request, principal: Principal) -> list[Grant]:
    async with request.app[DATABASE].unit_of_work() as session:
        class_session = await lms.get_class_session(
            session, int(request.match_info["class_session_id"])
        )
        return await service.grants_for(session, principal, class_session.id)


@pages.get("/join/{token}")
async def join_page(request: web.Request) -> web.StreamResponse:
    """The link a trainee taps on a phone: signs them in on this device and opens the class."""
    app = request.app
    try:
        async with app[DATABASE].unit_of_work() as session:
            done = await service.redeem_join_link(
                session, app[SECRET_KEY], app[SETTINGS], request.match_info["token"],
                now=app[CLOCK].now(), user_agent=request.headers.get("User-Agent"),
            )  # fmt: skip
    except Problem as problem:
        return _problem_page(problem)
    redirect = web.HTTPSeeOther(f"/class/{done.class_session.id}")
    set_session_cookie(redirect, done.session_cookie, app[SETTINGS])
    raise redirect


@pages.get("/class/{class_session_id:\\d+}")
async def class_page(request: web.Request) -> web.StreamResponse:
    """The class (static/class.html: lobby, classroom, instructor's console) for who may be
    in it."""
    principal = await _signed_in(request)
    if principal is None:
        return refusal_page("not-authenticated", 401, sign_in_to=request.path)
    try:
        await _grants(request, principal)
    except Problem as problem:
        return _problem_page(problem)
    return web.FileResponse(STATIC_DIR / "class.html")


@pages.get("/class/{class_session_id:\\d+}/caption")
async def caption_page(request: web.Request) -> web.StreamResponse:
    """The captioner's (속기사) page (static/caption.html): for this class's captioner, and
    for those who run it (the moderate grant), to take over or check the captions."""
    principal = await _signed_in(request)
    if principal is None:
        return refusal_page("not-authenticated", 401, sign_in_to=request.path)
    try:
        grants = await _grants(request, principal)
    except Problem as problem:
        return _problem_page(problem, sign_in_to=request.path)
    if not {Grant.CAPTION, Grant.MODERATE} & set(grants):
        return refusal_page("no-caption-access", 403, sign_in_to=request.path)
    return web.FileResponse(STATIC_DIR / "caption.html")


@pages.get("/check")
async def check_page(request: web.Request) -> web.StreamResponse:
    """The pre-class connection check (static/check.html), for anyone signed in on this
    device (a join link signs a trainee in); ``?class=ID`` files the result under a class."""
    if await _signed_in(request) is None:
        return refusal_page("not-authenticated", 401, sign_in_to=request.path_qs)
    return web.FileResponse(STATIC_DIR / "check.html")
