"""The pre-class connection check in a real browser: a trainee opens their join link, then the
check page, which tests the fake camera and microphone, loops video through the server and
back, times a download, and stores the verdict where operators see it."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.async_api import Browser, expect
from sqlalchemy import select

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.rooms.models import ConnectionTest
from tests.browser.a11y import assert_accessible, interactive_controls, screenshot, tab_through
from tests.browser.conftest import join_link
from tests.conftest import AppClient, add_person
from tests.factories import make_class

PHONE_UA = ("Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/156.0.0.0 Mobile Safari/537.36")  # fmt: skip


async def test_a_trainee_checks_their_connection_before_class(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    kim = await add_person(client.app, "kim", [Role.TRAINEE], clock, name="김민지")
    klass = await make_class(client.app, clock, trainees=[kim.id], starts_in=timedelta(hours=1))
    phone = await browser.new_context(
        viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True,
        user_agent=PHONE_UA,
    )  # fmt: skip
    try:
        page = await phone.new_page()
        await page.goto(await join_link(client, klass.class_session_id, kim.id))  # signs in
        await page.goto(str(client.make_url(f"/check?class={klass.class_session_id}")))
        await page.wait_for_function("window.baeumCheck && window.baeumCheck.done", timeout=60_000)
        check = await page.evaluate("window.baeumCheck")
        assert "error" not in check, check
        assert check["mediaOk"] is True  # our own video came back through the server
        assert check["result"]["verdict"] in ("ready", "at_risk")
        assert await page.get_attribute("#join", "href") == f"/class/{klass.class_session_id}"
        verdict = await page.text_content("#verdict")
        assert verdict is not None
        assert ("준비 완료" in verdict) or ("주의" in verdict)
        await assert_accessible(page, context="check done, on a phone")
        await screenshot(page, "check-phone")
        await page.set_viewport_size({"width": 1280, "height": 800})
        await screenshot(page, "check-desktop")
        await page.set_viewport_size({"width": 360, "height": 640})
        reached = await tab_through(page)
        assert all(control["focus_visible"] for control in reached), reached
        controls = await interactive_controls(page)
        assert [c["id"] for c in reached] == [c["id"] for c in controls]
        assert [c["id"] for c in reached] == ["lang", "again", "join"]
    finally:
        await phone.close()
    async with client.app[DATABASE].unit_of_work() as session:
        (stored,) = list(await session.scalars(select(ConnectionTest)))
    assert (stored.user_id, stored.class_session_id) == (kim.id, klass.class_session_id)
    assert (stored.camera_ok, stored.microphone_ok, stored.media_ok) == (True, True, True)
    assert stored.bitrate_kbps is not None
    assert stored.bitrate_kbps > 0
    assert stored.device_class == "phone"


async def test_the_check_page_switches_to_english(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    lee = await add_person(client.app, "lee", [Role.TRAINEE], clock, name="이서준")
    klass = await make_class(client.app, clock, trainees=[lee.id], starts_in=timedelta(hours=1))
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(await join_link(client, klass.class_session_id, lee.id))
        await page.goto(str(client.make_url(f"/check?class={klass.class_session_id}")))
        await page.wait_for_function("window.baeumCheck && window.baeumCheck.done", timeout=60_000)
        await expect(page.locator("h1")).to_have_text("수업 전 접속 점검")
        assert await page.evaluate("document.documentElement.lang") == "ko"
        await page.get_by_role("button", name="English").click()
        await expect(page.locator("h1")).to_have_text("Connection check before class")
        assert await page.evaluate("document.documentElement.lang") == "en"
        await expect(page).to_have_title("Connection check · Baeum")
        await expect(page.locator("#verdict")).to_have_text(re.compile(r"^(Ready|At risk)"))
        await expect(page.locator("#again")).to_have_text("Check again")
        await expect(page.locator("#lang")).to_have_text("한국어")
        await assert_accessible(page, context="check done, in English")
    finally:
        await context.close()
