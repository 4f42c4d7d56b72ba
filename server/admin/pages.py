"""GET /admin, /admin/instructors and /my/fees: the pages, gated by role on the server.

The pages are static files (static/admin*.html, static/my-fees.html) whose scripts do the rest
through the API, which checks every call again (the server fills in the institute's day, as
on /home, so "today" is the server clock's); the gate here only spares a person a page
that could show them nothing. Someone not signed in, or signed in without the role, gets a
small refusal page in Korean and English (words from static/i18n/{ko,en}/admin.json) with a
log-in link, as the class pages do.
"""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path

from aiohttp import web

from server.core.auth import service as auth
from server.core.auth.roles import EXAM_STAFF, STAFF, Role
from server.core.clock import SEOUL
from server.core.health import STATIC_DIR
from server.core.keys import CLOCK, DATABASE
from server.home.pages import TODAY_PLACEHOLDER

pages = web.RouteTableDef()
LANGUAGES = ("ko", "en")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@cache
def _catalog(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for area in ("common", "admin"):
        merged.update(json.loads((STATIC_DIR / "i18n" / lang / f"{area}.json").read_text("utf-8")))
    return merged


def refusal_page(reason: str, status: int, sign_in_to: str) -> web.Response:
    """Why this page will not open (``admin.refused.<reason>``), in both languages, with a
    log-in link: signing in as someone else is the way on in either case."""
    parts = []
    for lang in LANGUAGES:
        words = _catalog(lang)
        heading = "h1" if lang == LANGUAGES[0] else "h2"
        href = html.escape(f"/login?next={sign_in_to}", quote=True)
        # signed in already (403): their own home is the other way on
        home = (
            ""
            if status == 401
            else f"<a class='button' href='/home'>{html.escape(words['nav.home'])}</a>"
        )
        parts.append(
            f"<section lang='{lang}'><{heading}>{html.escape(words['admin.refused.heading'])}"
            f"</{heading}><p>{html.escape(words[f'admin.refused.{reason}'])}</p>"
            f"<p class='row'><a class='button primary' href='{href}'>"
            f"{html.escape(words['nav.login'])}</a>{home}</p></section>"
        )
    body = (
        "<!doctype html><html lang='ko'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<link rel='stylesheet' href='/static/base.css'>"
        f"<title>{html.escape(_catalog('ko')['admin.refused.heading'])} · 배움</title></head>"
        f"<body><main>{''.join(parts)}</main></body></html>"
    )
    return web.Response(
        text=body, status=status, content_type="text/html", headers={"Cache-Control": "no-store"}
    )


def _gated(file: Path, roles: frozenset[Role], reason: str) -> Handler:
    """A handler serving ``file`` to people signed in with one of ``roles``."""

    async def page(request: web.Request) -> web.StreamResponse:
        async with request.app[DATABASE].unit_of_work() as session:
            principal = await auth.identify(session, request)
        if principal is None:
            return refusal_page("not-authenticated", 401, request.path)
        if not principal.has(*roles):
            return refusal_page(reason, 403, request.path)
        template = await asyncio.to_thread(file.read_text, "utf-8")
        today = request.app[CLOCK].now().astimezone(SEOUL).date().isoformat()
        body = template.replace(
            TODAY_PLACEHOLDER, f'<meta name="baeum-today" content="{html.escape(today)}">', 1
        )
        return web.Response(
            text=body, content_type="text/html", headers={"Cache-Control": "no-store"}
        )

    return page


# the shell lists each person the sections of their roles (static/js/admin/shell.js)
pages.get("/admin")(_gated(STATIC_DIR / "admin.html", STAFF | EXAM_STAFF, "staff-only"))
pages.get("/admin/instructors")(_gated(STATIC_DIR / "admin-instructors.html", STAFF, "staff-only"))
pages.get("/my/fees")(
    _gated(STATIC_DIR / "my-fees.html", frozenset({Role.INSTRUCTOR}), "instructors-only")
)
# the person's own record: anyone signed in (every account holds at least one role)
pages.get("/my")(_gated(STATIC_DIR / "my.html", frozenset(Role), "not-authenticated"))
# the completion records of one cohort: staff, and the cohort's instructors and assistants (the
# API checks the cohort on every call; the gate only spares trainees a page that shows nothing)
pages.get(r"/admin/cohorts/{cohort_id:\d+}/completion")(
    _gated(
        STATIC_DIR / "admin-completion.html",
        STAFF | {Role.INSTRUCTOR, Role.ASSISTANT},
        "completion-staff",
    )
)

# recruitment exams: exam officers and admins only (confidential; candidate reads are logged)
pages.get("/admin/exams")(_gated(STATIC_DIR / "admin-exams.html", EXAM_STAFF, "exam-staff-only"))


@pages.get("/certificates/{code}")
async def certificate_page(request: web.Request) -> web.StreamResponse:
    """Anyone may check a certificate's code (printed on the PDF): the page asks the public
    GET /api/v1/certificates/{code} and shows who completed what, or that the code is unknown."""
    return web.FileResponse(STATIC_DIR / "certificate.html")


# surveys: the cohort's survey administration (staff; the cohort's instructors read results,
# which the API checks per cohort) and the trainee's form (anyone signed in: the API answers
# only the cohort's trainees)
SURVEY_READERS = STAFF | {Role.INSTRUCTOR, Role.ASSISTANT}
pages.get("/admin/cohorts/{cohort_id:\\d+}/surveys")(
    _gated(STATIC_DIR / "admin-surveys.html", SURVEY_READERS, "survey-staff")
)
pages.get("/surveys/{survey_id:\\d+}")(
    _gated(STATIC_DIR / "survey.html", frozenset(Role), "survey-form")
)
# cohorts (/admin/cohorts): the training staff keep them; instructors, assistants and
# captioners read the cohorts they are on the staff of (the API decides which)
COHORT_READERS = STAFF | {Role.INSTRUCTOR, Role.ASSISTANT, Role.CAPTIONER}
pages.get("/admin/cohorts")(
    _gated(STATIC_DIR / "admin-cohorts.html", COHORT_READERS, "cohort-staff-only")
)
pages.get(r"/admin/cohorts/{cohort_id:\d+}")(
    _gated(STATIC_DIR / "admin-cohort.html", COHORT_READERS, "cohort-staff-only")
)
pages.get("/admin/budget")(_gated(STATIC_DIR / "admin-budget.html", STAFF, "staff-only"))
# the enrolment of one cohort: staff change it, the cohort's instructors read it (the API
# narrows what each sees; see server/lms/enrolment/api.py)
pages.get("/admin/cohorts/{cohort_id:\\d+}/enrolment")(
    _gated(STATIC_DIR / "admin-enrolment.html", STAFF | {Role.INSTRUCTOR, Role.ASSISTANT},
           "completion-staff")
)  # fmt: skip
pages.get("/admin/catalog")(_gated(STATIC_DIR / "admin-catalog.html", STAFF, "staff-only"))
# interview panel assignment (issue 10): exam officers and admins only, as the API
pages.get("/admin/exams/panels")(
    _gated(STATIC_DIR / "admin-panels.html", EXAM_STAFF, "panels-exam-staff")
)
# competency assessment for grade 4/5 promotion (issue 10): exam officers and admins, as the API
pages.get("/admin/exams/competency")(
    _gated(STATIC_DIR / "admin-competency.html", EXAM_STAFF, "exam-staff-only")
)
