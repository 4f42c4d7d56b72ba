"""Log-in and the signed-in home in a real browser, on a phone-sized screen: a wrong password
is refused in words that do not say whether the login exists, the right one lands on /home with
today's and the coming week's classes (the institute's day as the server's clock has it), the
links each person may use, the staff's administration section, English on request, and signing
out."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.health import STATIC_DIR
from server.core.keys import DATABASE
from server.lms.models import ClassSession
from tests.browser.a11y import assert_accessible, interactive_controls, screenshot, tab_through
from tests.conftest import PASSWORD, AppClient, add_person
from tests.factories import make_class


def catalog(lang: str, area: str) -> dict[str, str]:
    """The page's own words, so the test reads what a person reads in that language."""
    text = (STATIC_DIR / "i18n" / lang / f"{area}.json").read_text("utf-8")
    messages: dict[str, str] = json.loads(text)
    return messages


NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
KO = {**catalog("ko", "common"), **catalog("ko", "login"), **catalog("ko", "home")}
EN = {**catalog("en", "common"), **catalog("en", "login"), **catalog("en", "home")}


async def phone(browser: Browser) -> BrowserContext:
    return await browser.new_context(
        viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True
    )


def path_of(page: Page) -> tuple[str, dict[str, list[str]]]:
    url = urlsplit(page.url)
    return url.path, parse_qs(url.query)


async def sign_in(page: Page, login: str, password: str) -> None:
    await page.get_by_label(KO["login.login-label"], exact=True).fill(login)
    await page.get_by_label(KO["login.password-label"], exact=True).fill(password)
    await page.get_by_role("button", name=KO["login.submit"], exact=True).click()


async def assert_keyboard_reaches_everything(page: Page) -> None:
    """Tab reaches every control, in order, each with a visible focus ring."""
    reached = await tab_through(page)
    assert all(control["focus_visible"] for control in reached), reached
    controls = await interactive_controls(page)
    assert [(c["id"], c["name"]) for c in reached] == [(c["id"], c["name"]) for c in controls]


def link(within: Locator, name: str) -> Locator:
    return within.get_by_role("link", name=name, exact=True)


async def set_title(client: AppClient, class_session_id: int, title: str) -> None:
    async with client.app[DATABASE].unit_of_work() as session:
        row = await session.get(ClassSession, class_session_id)
        assert row is not None
        row.title = title


async def test_staff_sign_in_see_the_days_classes_switch_language_and_sign_out(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    # the manual clock is 2020-10-05 09:00 in Seoul: far from the browser's own today
    await add_person(client.app, "hong", [Role.OPERATOR], clock, name="홍길동")
    kim = await add_person(client.app, "kim", [Role.TRAINEE], clock, name="김민지")
    today = await make_class(client.app, clock, trainees=[kim.id], starts_in=timedelta(minutes=30))
    soon = await make_class(client.app, clock, trainees=[kim.id], starts_in=timedelta(days=2))
    later = await make_class(client.app, clock, trainees=[kim.id], starts_in=timedelta(days=9))
    await set_title(client, today.class_session_id, "오늘의 과정")
    await set_title(client, soon.class_session_id, "모레의 과정")
    await set_title(client, later.class_session_id, "다음 주의 과정")

    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/home")))
        assert path_of(page) == ("/login", {"next": ["/home"]})  # not signed in yet
        await expect(page.locator("html")).to_have_attribute("lang", "ko")

        await sign_in(page, "hong", "not the password")
        alert = page.get_by_role("alert")
        await expect(alert).to_have_text(KO["login.error.invalid-credentials"])
        assert path_of(page)[0] == "/login"
        await expect(page.get_by_label(KO["login.password-label"], exact=True)).to_be_focused()
        await assert_accessible(page, context="log-in refused, on a phone")
        await screenshot(page, "login-refused-phone")
        await page.set_viewport_size({"width": 1280, "height": 800})
        await screenshot(page, "login-refused-desktop")
        await page.set_viewport_size({"width": 360, "height": 640})
        await assert_keyboard_reaches_everything(page)

        await sign_in(page, "hong", PASSWORD)
        await page.wait_for_url(re.compile(r"/home$"))
        await expect(page.locator("main")).to_have_attribute("data-state", "ready")
        await expect(page.get_by_role("heading", level=1)).to_have_text(KO["home.heading"])
        await expect(page.locator("#who")).to_have_text("홍길동 님")

        item = page.locator(f'#today li[data-class-id="{today.class_session_id}"]')
        await expect(item.get_by_role("heading", level=3)).to_have_text("오늘의 과정")
        starts = item.locator("time").first
        await expect(starts).to_have_attribute("datetime", "2020-10-05T00:30:00Z")
        await expect(starts).to_contain_text("9:30")  # in Seoul
        await expect(item).to_contain_text(KO["home.state.scheduled"])
        cid = today.class_session_id
        links = {
            "home.link.enter": f"/class/{cid}",
            "home.link.check": f"/check?class={cid}",
            "home.link.captions": f"/class/{cid}/caption",
            "home.link.attendance": f"/api/v1/class-sessions/{cid}/attendance",
            "home.link.readiness": f"/api/v1/class-sessions/{cid}/readiness",
        }
        for key, href in links.items():
            await expect(link(item, KO[key])).to_have_attribute("href", href)
        await expect(page.locator("#today li[data-class-id]")).to_have_count(1)

        upcoming = page.locator("#upcoming li[data-class-id]")
        await expect(upcoming).to_have_count(1)  # in two days; not the one in nine
        await expect(upcoming).to_have_attribute("data-class-id", str(soon.class_session_id))
        await expect(upcoming.get_by_role("heading", level=3)).to_have_text("모레의 과정")
        await assert_accessible(page, context="home of an operator, on a phone")
        await screenshot(page, "home-operator-phone")
        await page.set_viewport_size({"width": 1280, "height": 800})
        await screenshot(page, "home-operator-desktop")
        await page.set_viewport_size({"width": 360, "height": 640})
        await assert_keyboard_reaches_everything(page)
        await page.set_viewport_size({"width": 320, "height": 640})  # WCAG 1.4.10 reflow
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await page.set_viewport_size({"width": 360, "height": 640})

        admin = page.get_by_role("navigation", name=KO["home.admin"])
        await expect(admin).to_be_visible()
        await expect(page.locator("#admin-sections a")).to_have_count(4)
        await expect(link(admin, KO["home.admin.records"])).to_have_attribute("href", "/admin")
        await expect(link(admin, KO["home.admin.api-docs"])).to_have_attribute("href", "/api/docs")
        await expect(link(admin, KO["home.admin.readiness"])).to_have_attribute("href", "/readyz")
        await expect(link(admin, KO["home.admin.reports"])).to_have_attribute("href", "/reports")

        await page.get_by_role("button", name="English", exact=True).click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(EN["home.heading"])
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await expect(page.locator("#today-heading")).to_have_text(EN["home.today"])
        await expect(link(item, EN["home.link.enter"])).to_be_visible()
        await expect(item).to_contain_text(EN["home.state.scheduled"])
        await expect(page.locator("#who")).to_have_text("Signed in as 홍길동")

        await page.get_by_role("button", name=EN["nav.logout"], exact=True).click()
        await page.wait_for_url(re.compile(r"/login$"))
        await expect(page.get_by_role("heading", level=1)).to_have_text(EN["login.heading"])
        await page.goto(str(client.make_url("/home")))
        assert path_of(page) == ("/login", {"next": ["/home"]})  # the session is gone
    finally:
        await context.close()


async def test_a_trainee_sees_only_their_class_links_and_no_administration(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    kim = await add_person(client.app, "kim", [Role.TRAINEE], clock, name="김민지")
    other = await add_person(client.app, "park", [Role.TRAINEE], clock, name="박서준")
    mine = await make_class(client.app, clock, trainees=[kim.id], starts_in=timedelta(minutes=30))
    await make_class(client.app, clock, trainees=[other.id], starts_in=timedelta(hours=2))

    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/")))  # the landing page
        await expect(page.get_by_role("heading", level=1)).to_have_text(KO["landing.heading"])
        await assert_accessible(page, context="landing page, on a phone")
        await link(page.locator("main"), KO["nav.login"]).click()
        await page.wait_for_url(re.compile(r"/login$"))
        # ?next= that leaves the site is ignored: home instead
        await page.goto(str(client.make_url("/login?next=//evil.example/x")))
        await sign_in(page, "kim", PASSWORD)
        await page.wait_for_url(re.compile(r"/home$"))
        await expect(page.locator("main")).to_have_attribute("data-state", "ready")

        item = page.locator("#today li[data-class-id]")
        await expect(item).to_have_count(1)  # not the class kim has no place in
        await expect(item).to_have_attribute("data-class-id", str(mine.class_session_id))
        names = await item.get_by_role("link").all_text_contents()
        assert names == [KO["home.link.enter"], KO["home.link.check"]]
        await expect(page.locator("#admin")).to_be_hidden()
        await expect(page.locator("#upcoming")).to_have_text(KO["home.no-classes-upcoming"])
        await assert_accessible(page, context="home of a trainee, on a phone")
        await screenshot(page, "home-trainee-phone")
    finally:
        await context.close()


async def test_refusals_are_explained_and_next_is_followed(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    await add_person(client.app, "lee", [Role.INSTRUCTOR], clock, name="이도윤")
    await add_person(client.app, "choi", [Role.INSTRUCTOR], clock, name="최하은")
    for _ in range(10):  # the failed attempts one login may have in 15 minutes
        response = await client.post(
            "/api/v1/auth/login", json={"login": "lee", "password": "wrong password"}
        )
        assert response.status == 401
    refused = await client.post("/api/v1/auth/login", json={"login": "lee", "password": PASSWORD})
    assert refused.status == 429
    wait_s = int(
        refused.headers["Retry-After"]
    )  # the app clock stands still: the same for the page

    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/login?next=/readyz")))
        alert = page.get_by_role("alert")

        # a login nobody has: the same words as a wrong password
        await sign_in(page, "nobody", PASSWORD)
        await expect(alert).to_have_text(KO["login.error.invalid-credentials"])

        await sign_in(page, "lee", PASSWORD)
        expected = KO["login.error.rate-limited"].replace("{seconds}", str(wait_s))
        await expect(alert).to_have_text(expected)

        await page.route("**/api/v1/auth/login", lambda route: route.abort())
        await sign_in(page, "choi", PASSWORD)
        await expect(alert).to_have_text(KO["error.network"])
        assert path_of(page)[0] == "/login"
        await page.unroute("**/api/v1/auth/login")

        await sign_in(page, "choi", PASSWORD)
        await page.wait_for_url(re.compile(r"/readyz$"))  # ?next=, a path on this site
    finally:
        await context.close()
