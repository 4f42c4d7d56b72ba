"""The classroom end to end in real browsers: a trainee on a phone (join link) and an
instructor on a desktop (log-in page) in one class, with a captioner typing in the captioner
view. Debian's Chromium with a fake camera and microphone; every check reads the pages
themselves (their DOM and their own WebRTC statistics) or the server's records."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.lms.models import StaffRole
from server.rooms.media.limits import GALLERY_TIERS, STAGE
from tests.browser.a11y import assert_accessible, screenshot
from tests.browser.classroom import (
    in_lobby,
    join,
    media_arrives,
    open_panel,
    page_errors,
    sign_in,
)  # fmt: skip
from tests.browser.conftest import join_link
from tests.browser.test_check import PHONE_UA
from tests.conftest import AppClient, Person, add_person, api_token, bearer
from tests.factories import ClassFixture, make_class

OFFLINE_S = 30  # the scenario: a phone loses its network for half a minute


async def people_and_class(
    client: AppClient, clock: ManualClock, starts_in: timedelta
) -> tuple[dict[str, Person], ClassFixture]:
    who = {
        login: await add_person(client.app, login, [role], clock, name=name)
        for login, role, name in (
            ("kim", Role.TRAINEE, "김민지"),
            ("park", Role.INSTRUCTOR, "박강사"),
            ("ohs", Role.CAPTIONER, "오속기"),
        )
    }
    klass = await make_class(
        client.app, clock, trainees=[who["kim"].id], starts_in=starts_in,
        staff={StaffRole.INSTRUCTOR: who["park"].id, StaffRole.CAPTIONER: who["ohs"].id},
    )  # fmt: skip
    return who, klass


async def phone_context(browser: Browser) -> BrowserContext:
    return await browser.new_context(
        viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True,
        user_agent=PHONE_UA,
    )  # fmt: skip


async def text_in(page: Page, selector: str, text: str) -> None:
    await page.wait_for_function(
        "([s, t]) => document.querySelector(s).textContent.includes(t)", arg=[selector, text]
    )


async def attendance_of(client: AppClient, class_id: int, user_id: int) -> dict[str, Any]:
    token = await api_token(client, "park")
    response = await client.get(
        f"/api/v1/class-sessions/{class_id}/attendance", headers=bearer(token)
    )
    assert response.status == 200, await response.text()
    (mine,) = [row for row in await response.json() if row["user_id"] == user_id]
    return dict(mine)


async def test_a_phone_trainee_and_a_desktop_instructor_hold_a_class(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    who, klass = await people_and_class(client, clock, starts_in=timedelta(minutes=-5))
    class_id = klass.class_session_id
    phone = await phone_context(browser)
    desktop = await browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        trainee = await phone.new_page()
        trainee_errors = page_errors(trainee)
        await trainee.goto(await join_link(client, class_id, who["kim"].id))
        await in_lobby(trainee)
        assert await trainee.text_content("#lobby-instructors") == "박강사"
        await screenshot(trainee, "lobby-phone")
        await assert_accessible(trainee, context="lobby (phone)")
        await join(trainee)

        instructor = await desktop.new_page()
        instructor_errors = page_errors(instructor)
        await sign_in(instructor, client, "park", f"/class/{class_id}")
        await in_lobby(instructor)
        state = await join(instructor)
        assert "moderate" in state["grants"]
        assert await instructor.get_attribute("#console", "hidden") is None  # the console
        assert await trainee.get_attribute("#console", "hidden") is not None

        # video and sound both ways, each camera sending what the server asked of it
        for page in (trainee, instructor):
            totals = await media_arrives(page)
            assert totals["framesDecoded"] > 5, totals
            assert totals["audioPackets"] > 5, totals
        assert await trainee.evaluate("window.baeum.sending()") == {
            "maxBitrate": GALLERY_TIERS[0][1].max_kbps * 1000,
            "maxFramerate": GALLERY_TIERS[0][1].max_fps,
        }
        assert await instructor.evaluate("window.baeum.sending()") == {
            "maxBitrate": STAGE.max_kbps * 1000, "maxFramerate": STAGE.max_fps,
        }  # fmt: skip

        await screenshot(trainee, "classroom-phone")
        await screenshot(instructor, "classroom-desktop")

        # chat both ways through the pages' own forms
        await open_panel(trainee, "chat")
        await trainee.fill("#chat-text", "질문 있습니다")
        await trainee.press("#chat-text", "Enter")
        await open_panel(instructor, "chat")
        await text_in(instructor, "#chat-log", "질문 있습니다")
        await instructor.fill("#chat-text", "네, 말씀하세요")
        await instructor.click("#chat-form button[type=submit]")
        await text_in(trainee, "#chat-log", "네, 말씀하세요")
        assert await trainee.input_value("#chat-text") == ""

        # a hand goes up on the phone, the instructor sees it and lowers it from the console
        await trainee.click("#hand")
        await open_panel(instructor, "people")
        await text_in(instructor, "#hand-queue", "김민지")
        await trainee.wait_for_selector("#hand[aria-pressed=true]")
        await instructor.get_by_role("button", name="김민지님의 손 내리기").click()
        await trainee.wait_for_selector("#hand[aria-pressed=false]")
        await instructor.wait_for_selector("#no-hands", state="visible")
        assert await instructor.locator("#hand-queue li").count() == 0

        # captions typed in the captioner's view reach the trainee's captions panel
        captioner = await desktop.new_page()
        await sign_in(captioner, client, "ohs", f"/class/{class_id}/caption")
        await captioner.wait_for_function("window.baeumCaption && window.baeumCaption.ready")
        await open_panel(trainee, "captions")
        await captioner.fill("#line", "오늘은 핵심가치를 배웁니다")
        await captioner.press("#line", "Enter")
        await text_in(trainee, "#caption-log", "오늘은 핵심가치를 배웁니다")
        await text_in(instructor, "#caption-log", "오늘은 핵심가치를 배웁니다")

        await screenshot(trainee, "captions-phone")
        await screenshot(instructor, "instructor-desktop")
        await assert_accessible(trainee, context="classroom (phone)")
        await assert_accessible(instructor, context="instructor console (desktop)")

        # the phone loses its network for 30 s with a message half typed, then comes back
        await open_panel(trainee, "chat")
        await trainee.fill("#chat-text", "아직 보내지 않은 메시지")
        await phone.set_offline(True)
        await trainee.wait_for_selector("#reconnecting", state="visible")
        await text_in(instructor, "#people-list", "재접속 중")  # the class sees the drop
        await trainee.wait_for_timeout(OFFLINE_S * 1000)
        clock.advance(OFFLINE_S)  # the server's (manual) clock lives through the same 30 s
        await phone.set_offline(False)
        await trainee.wait_for_function("window.baeum.reconnects === 1", timeout=30_000)
        await trainee.wait_for_selector("#reconnecting", state="hidden")
        assert await trainee.input_value("#chat-text") == "아직 보내지 않은 메시지"
        assert await trainee.evaluate("window.baeum.phase") == "class"
        assert (await media_arrives(trainee))["framesDecoded"] > 5  # video again, new connection
        kim = await attendance_of(client, class_id, who["kim"].id)
        assert len(kim["intervals"]) == 1, kim
        assert kim["intervals"][0]["bridged_drops"] == 1
        assert kim["dropouts"] == 0
        assert trainee_errors == []
        assert instructor_errors == []
    finally:
        await phone.close()
        await desktop.close()
