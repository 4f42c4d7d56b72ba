"""GET /login and GET /home: the log-in form, and the home page later issues hang theirs from.

Both are static files (static/login.html, static/home.html); the page scripts do the rest
through the API. /home is for people signed in on this device: anyone else is sent to the
log-in page, which brings them back afterwards (``?next=/home``).
"""

from __future__ import annotations

import asyncio
import html
from urllib.parse import urlencode

from aiohttp import web

from server.core.auth import service as auth
from server.core.clock import SEOUL
from server.core.health import STATIC_DIR
from server.core.keys import CLOCK, DATABASE

pages = web.RouteTableDef()

#: home.html carries the institute's day as the server's clock has it: the page lists that
#: day's classes, not the day of the browser's clock (which may be wrong, or a test's)
TODAY_PLACEHOLDER = '<meta name="baeum-today" content="">'


@pages.get("/login")
async def login_page(request: web.Request) -> web.StreamResponse:
    """The log-in form (static/login.html); ``?next=/path`` is where it goes afterwards."""
    return web.FileResponse(STATIC_DIR / "login.html")


@pages.get("/home")
async def home_page(request: web.Request) -> web.StreamResponse:
    """The signed-in home: today's and the coming week's classes, and for staff the
    administration links. Not signed in: to the log-in page, and back here after it."""
    app = request.app
    async with app[DATABASE].unit_of_work() as session:
        principal = await auth.identify(session, request)
    if principal is None:
        raise web.HTTPSeeOther("/login?next=/home")
    template = await asyncio.to_thread((STATIC_DIR / "home.html").read_text, "utf-8")
    today = app[CLOCK].now().astimezone(SEOUL).date().isoformat()
    body = template.replace(
        TODAY_PLACEHOLDER, f'<meta name="baeum-today" content="{html.escape(today)}">', 1
    )
    return web.Response(text=body, content_type="text/html", headers={"Cache-Control": "no-store"})


# The reports pages: the list, one report, one frozen report. One file (static/reports.html):
# the page script tells them apart by path and does the rest through /api/v1/reports.
@pages.get("/reports")
@pages.get("/reports/{name}")
@pages.get("/frozen-reports/{frozen_id}")
async def reports_page(request: web.Request) -> web.StreamResponse:
    """The reports a person may read, one report with its downloads and (staff) freezing, and
    a frozen report with its diff. Not signed in: to the log-in page, and back here after it.
    Carries the institute's day like /home, so the year asked by default is the server's."""
    app = request.app
    async with app[DATABASE].unit_of_work() as session:
        principal = await auth.identify(session, request)
    if principal is None:
        raise web.HTTPSeeOther(f"/login?{urlencode({'next': request.path_qs})}")
    template = await asyncio.to_thread((STATIC_DIR / "reports.html").read_text, "utf-8")
    today = app[CLOCK].now().astimezone(SEOUL).date().isoformat()
    body = template.replace(
        TODAY_PLACEHOLDER, f'<meta name="baeum-today" content="{html.escape(today)}">', 1
    )
    return web.Response(text=body, content_type="text/html", headers={"Cache-Control": "no-store"})
