"""The lobby explains itself: before the class opens (a countdown), when the class is locked or
full, when the camera is refused or the browser cannot do video, and when a join link has
expired. Real Chromium against the running server; each check reads the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import Browser, BrowserContext, Page

from server.config import Settings
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.lms.models import StaffRole
from tests.browser.a11y import assert_accessible, screenshot
from tests.browser.classroom import in_lobby, join
from tests.browser.conftest import join_link
from tests.conftest import AppClient, NodeFactory, Person, add_person, api_token
from tests.factories import ClassFixture, make_class
from tests.rooms.classroom import Participant


@pytest.fixture
def settings(nodes: NodeFactory) -> Settings:
    return nodes.settings(class_max_participants=2, lobby_opens_before_min=30)


async def trainees_and_class(
    client: AppClient, clock: ManualClock, starts_in: timedelta
) -> tuple[dict[str, Person], ClassFixture]:
    who = {
        login: await add_person(client.app, login, [role], clock, name=name)
        for login, role, name in (
            ("kim", Role.TRAINEE, "김민지"), ("lee", Role.TRAINEE, "이서준"),
            ("choi", Role.TRAINEE, "최유나"), ("park", Role.INSTRUCTOR, "박강사"),
        )
    }  # fmt: skip
    klass = await make_class(
        client.app, clock, trainees=[who[x].id for x in ("kim", "lee", "choi")],
        staff={StaffRole.INSTRUCTOR: who["park"].id}, starts_in=starts_in,
    )  # fmt: skip
    return who, klass


async def phone(browser: Browser) -> BrowserContext:
    return await browser.new_context(
        viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True
    )


async def lobby_says(page: Page) -> str:
    return str(await page.text_content("#lobby-status"))


async def test_before_the_class_opens_the_lobby_counts_down(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    who, klass = await trainees_and_class(client, clock, starts_in=timedelta(hours=2))
    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(await join_link(client, klass.class_session_id, who["kim"].id))
        await in_lobby(page)
        # 1 h 30 min to the lobby's opening by the server's clock, not this device's
        assert "1:29:" in await lobby_says(page) or "1:30:00" in await lobby_says(page)
        assert "입장은" in await lobby_says(page)
        assert await page.is_disabled("#join")
        await screenshot(page, "lobby-countdown-phone")
        await assert_accessible(page, context="lobby before opening")
    finally:
        await context.close()


async def test_a_locked_or_full_class_says_so(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    who, klass = await trainees_and_class(client, clock, starts_in=timedelta(minutes=-5))
    instructor = Participant()
    await instructor.connect(client, {"api_token": await api_token(client, "park"),
                                      "class_session_id": klass.class_session_id})  # fmt: skip
    await instructor.ok("join")
    context = await phone(browser)
    try:
        page = await context.new_page()
        await instructor.ok("lock_class", {"locked": True})
        await page.goto(await join_link(client, klass.class_session_id, who["kim"].id))
        await in_lobby(page)
        assert "잠갔습니다" in await lobby_says(page)
        assert await page.is_disabled("#join")
        await instructor.ok("lock_class", {"locked": False})
        await page.reload()
        await in_lobby(page)
        await join(page)  # kim is the class's second person: it is now full
        other = await context.new_page()
        await other.goto(await join_link(client, klass.class_session_id, who["lee"].id))
        await in_lobby(other)
        assert "가득 찼습니다" in await lobby_says(other)
        assert await other.is_disabled("#join")
    finally:
        await context.close()
        await instructor.close()


async def test_a_refused_camera_and_a_browser_without_video_are_explained(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    who, klass = await trainees_and_class(client, clock, starts_in=timedelta(minutes=-5))
    context = await phone(browser)
    try:
        denied = await context.new_page()
        await denied.add_init_script(  # the person taps "Block" on the permission prompt
            "navigator.mediaDevices.getUserMedia = () =>"
            " Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));"
        )
        await denied.goto(await join_link(client, klass.class_session_id, who["kim"].id))
        await in_lobby(denied)
        await denied.wait_for_selector("#device-problem", state="visible")
        assert "허용" in str(await denied.text_content("#device-problem"))
        assert await denied.is_enabled("#join")  # one can still come in to watch and listen
        await assert_accessible(denied, context="lobby, camera refused")

        old = await context.new_page()
        await old.add_init_script("delete window.RTCPeerConnection;")
        await old.goto(str(client.make_url(f"/class/{klass.class_session_id}")))
        await old.wait_for_function("window.baeum && window.baeum.error === 'unsupported'")
        assert "Chrome" in await lobby_says(old)
        assert await old.is_disabled("#join")
    finally:
        await context.close()


async def test_an_expired_join_link_says_what_to_do(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    who, klass = await trainees_and_class(client, clock, starts_in=timedelta(minutes=-5))
    link = await join_link(client, klass.class_session_id, who["kim"].id)
    clock.advance(timedelta(days=2).total_seconds())
    context = await phone(browser)
    try:
        page = await context.new_page()
        response = await page.goto(link)
        assert response is not None
        assert response.status == 401
        assert "기한이 지났습니다" in str(await page.text_content("main"))
        assert "This join link has expired" in str(await page.text_content("main"))
        await screenshot(page, "join-link-expired-phone")
        await assert_accessible(page, context="expired join link")
    finally:
        await context.close()
