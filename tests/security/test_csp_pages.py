"""Every page works under the Content-Security-Policy: each static page is opened in Chromium,
signed in as someone who may see it, and the browser must report no violation (an inline
script, an onclick= attribute, a style="" attribute, a javascript: URL or a stray origin would
each be one). The list of pages is checked against the static folder, so a new page must be
added here; and the check itself is shown to catch an inline script."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.health import STATIC_DIR
from server.lms.models import StaffRole
from tests.conftest import AppClient, add_person, log_in
from tests.factories import make_class

#: each page file and the path that serves it ({cohort} and {cs} filled in below)
PAGES = {
    "index.html": "/",
    "login.html": "/login",
    "home.html": "/home",
    "my.html": "/my",
    "my-fees.html": "/my/fees",
    "reports.html": "/reports",
    "certificate.html": "/certificates/UNKNOWN-CODE",
    "survey.html": "/surveys/1",
    "check.html": "/check",
    "class.html": "/class/{cs}",
    "caption.html": "/class/{cs}/caption",
    "admin.html": "/admin",
    "admin-instructors.html": "/admin/instructors",
    "admin-budget.html": "/admin/budget",
    "admin-catalog.html": "/admin/catalog",
    "admin-cohorts.html": "/admin/cohorts",
    "admin-cohort.html": "/admin/cohorts/{cohort}",
    "admin-completion.html": "/admin/cohorts/{cohort}/completion",
    "admin-enrolment.html": "/admin/cohorts/{cohort}/enrolment",
    "admin-surveys.html": "/admin/cohorts/{cohort}/surveys",
    "admin-exams.html": "/admin/exams",
    "admin-panels.html": "/admin/exams/panels",
    "admin-competency.html": "/admin/exams/competency",
    "api/docs.html": "/api/docs",
}

#: recorded in the page before any of its own scripts run
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push({directive: e.effectiveDirective, blocked: e.blockedURI,
                            source: e.sourceFile, line: e.lineNumber, sample: e.sample});
});
"""


def test_every_page_file_is_listed() -> None:
    files = {p.relative_to(STATIC_DIR).as_posix() for p in STATIC_DIR.glob("*.html")}
    files |= {p.relative_to(STATIC_DIR).as_posix() for p in (STATIC_DIR / "api").glob("*.html")}
    assert files == set(PAGES)


async def settle(page: Page) -> None:
    """Loaded, and its first requests answered (the pages fetch their data, then draw)."""
    await page.wait_for_load_state("load")
    await page.wait_for_load_state("networkidle")


async def violations_of(page: Page) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await page.evaluate("window.__violations")
    return found


async def reported(client: AppClient) -> float:
    text = await (await client.get("/metrics")).text()
    return sum(
        float(row.rsplit(" ", 1)[1])
        for row in text.splitlines()
        if row.startswith("baeum_csp_violations_total{")
    )


async def test_every_page_runs_without_a_csp_violation(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    staff = await add_person(client.app, "boss", [Role.ADMIN, Role.INSTRUCTOR], clock)
    trainee = await add_person(client.app, "kim", [Role.TRAINEE], clock, name="김민지")
    fixture = await make_class(
        client.app, clock, trainees=[trainee.id], staff={StaffRole.INSTRUCTOR: staff.id},
        starts_in=timedelta(minutes=10),
    )  # fmt: skip
    await log_in(client, "boss")
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["baeum_session"]
    tabs = asyncio.Semaphore(4)  # a few pages at once: most of a page's time is waiting

    async def signed_in_context() -> BrowserContext:
        """A window of its own (so its page is the visible one, drawing as it would), signed
        in, listening for violations."""
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        url = str(client.make_url("/"))
        await context.add_cookies([{"name": "baeum_session", "value": cookie.value, "url": url}])
        await context.add_init_script(LISTEN)
        return context

    async def visit(file: str, template: str) -> list[dict[str, Any]]:
        path = template.format(cs=fixture.class_session_id, cohort=fixture.cohort_id)
        async with tabs:
            context = await signed_in_context()
            try:
                tab = await context.new_page()
                answer = await tab.goto(str(client.make_url(path)))
                assert answer is not None
                assert answer.status == 200, (file, answer.status)
                await settle(tab)
                if file == "api/docs.html":  # Swagger UI draws more when an operation opens
                    await tab.locator(".opblock-summary-control").first.click()
                    await tab.locator(".opblock-body").first.wait_for()
                return await violations_of(tab)
            finally:
                await context.close()

    context = await signed_in_context()
    try:
        found = await asyncio.gather(*(visit(f, t) for f, t in PAGES.items()))
        assert {f: v for f, v in zip(PAGES, found, strict=True) if v} == {}
        assert await reported(client) == 0

        # the check catches what it is for: an inline script is blocked, seen and reported
        page = await context.new_page()
        await page.goto(str(client.make_url("/login")))
        await settle(page)
        ran = await page.evaluate(
            """() => { window.__ran = false;
                       const s = document.createElement("script");
                       s.textContent = "window.__ran = true"; document.body.append(s);
                       return window.__ran; }"""
        )
        assert ran is False
        await page.wait_for_function("() => window.__violations.length > 0")
        caught = await violations_of(page)
        assert caught[0]["directive"] == "script-src-elem"
        await page.wait_for_function(
            """async () => (await (await fetch("/metrics")).text())
                 .includes('baeum_csp_violations_total{directive="script-src-elem"} 1.0')"""
        )
    finally:
        await context.close()
