"""The classroom by keyboard alone, at 200 % text, and the instructor's console driving a
trainee's page: spotlight, ask to mute, lock, remove; reactions, enlarging a face and the data
saver. Real Chromium pages; the other side is a real page or a real socket.io client."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from playwright.async_api import Browser, Dialog, Page

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.lms.models import StaffRole
from tests.browser.a11y import assert_accessible, interactive_controls, screenshot, tab_through
from tests.browser.classroom import in_lobby, join, open_panel, page_errors, sign_in
from tests.browser.conftest import join_link
from tests.conftest import AppClient, Person, add_person, api_token
from tests.factories import ClassFixture, make_class
from tests.rooms.classroom import Participant

EVERY_CONTROL = {
    "mic", "cam", "hand", "react", "share", "saver", "toggle-chat", "toggle-captions",
    "toggle-people", "leave", "view-gallery", "view-speaker", "chat-text", "chat-to",
    "caption-smaller", "caption-larger", "caption-overlay-toggle", "transcript-txt",
    "transcript-vtt", "lang-room",
}  # fmt: skip


async def class_of_two(
    client: AppClient, clock: ManualClock
) -> tuple[dict[str, Person], ClassFixture]:
    who = {
        login: await add_person(client.app, login, [role], clock, name=name)
        for login, role, name in (
            ("kim", Role.TRAINEE, "김민지"),
            ("park", Role.INSTRUCTOR, "박강사"),
        )
    }
    klass = await make_class(client.app, clock, trainees=[who["kim"].id],
                             staff={StaffRole.INSTRUCTOR: who["park"].id},
                             starts_in=timedelta(minutes=-5))  # fmt: skip
    return who, klass


async def press_on(page: Page, element_id: str, key: str = "Enter", limit: int = 150) -> None:
    """Tab (only the keyboard) until the element has focus, then press ``key`` on it."""
    for _ in range(limit):
        if await page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            await page.keyboard.press(key)
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def key_of(control: dict[str, object]) -> str:
    return str(control.get("id") or f"{control.get('tag')}:{control.get('name')}")


async def test_the_classroom_works_by_keyboard_alone_and_at_200_percent_text(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    who, klass = await class_of_two(client, clock)
    instructor = Participant()
    await instructor.connect(client, {"api_token": await api_token(client, "park"),
                                      "class_session_id": klass.class_session_id})  # fmt: skip
    await instructor.ok("join")
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = await context.new_page()
        errors = page_errors(page)
        await page.goto(await join_link(client, klass.class_session_id, who["kim"].id))
        await in_lobby(page)
        await screenshot(page, "lobby-desktop")
        lobby_reached = {key_of(c) for c in await tab_through(page)}
        assert {key_of(c) for c in await interactive_controls(page)} <= lobby_reached
        await press_on(page, "join")
        await page.wait_for_function("window.baeum.phase === 'class'")

        for name in ("chat", "captions", "people"):
            await press_on(page, f"toggle-{name}")
            await page.wait_for_selector(f"#panel-{name}", state="visible")
        reached = await tab_through(page)
        controls = await interactive_controls(page)
        missing = {key_of(c) for c in controls} - {key_of(c) for c in reached}
        assert not missing, f"not reachable by Tab: {missing}"
        assert {key_of(c) for c in controls} >= EVERY_CONTROL  # and none of them is missed
        assert all(c["focus_visible"] for c in reached), [
            c for c in reached if not c["focus_visible"]
        ]

        await press_on(page, "hand", " ")
        await page.wait_for_selector("#hand[aria-pressed=true]")
        assert (await instructor.next("hand_raised"))["user_id"] == who["kim"].id

        await press_on(page, "react")
        await page.wait_for_function("document.activeElement.closest('#reactions') !== null")
        await page.keyboard.press("Enter")  # the first reaction, 👍
        assert (await instructor.next("reaction"))["emoji"] == "👍"
        assert await page.evaluate("document.activeElement.id") == "react"  # focus came back

        await press_on(page, "chat-text", "k")
        await page.keyboard.type("키보드로 보냅니다")
        await page.keyboard.press("Enter")
        message = await instructor.next("chat_message")
        assert message["payload"]["text"] == "k키보드로 보냅니다"

        tile = f"li[data-user='{who['park'].id}'] button"
        await page.focus(tile)
        await page.keyboard.press("Enter")
        await page.wait_for_selector(f"{tile}[aria-pressed=true]")
        assert await page.locator("#tiles > li").count() == 1

        # a phone at 200 % text: nothing is lost off the side of the page
        await page.set_viewport_size({"width": 360, "height": 640})
        await page.evaluate("document.documentElement.style.fontSize = '200%'")
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        assert errors == []
    finally:
        await context.close()
        await instructor.close()


async def test_the_instructors_console_drives_the_trainees_page(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    who, klass = await class_of_two(client, clock)
    phone = await browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True,
                                      has_touch=True)  # fmt: skip
    desktop = await browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        trainee = await phone.new_page()
        await trainee.goto(await join_link(client, klass.class_session_id, who["kim"].id))
        await in_lobby(trainee)
        await join(trainee)
        teacher = await desktop.new_page()
        await sign_in(teacher, client, "park", f"/class/{klass.class_session_id}")
        await in_lobby(teacher)
        await join(teacher)
        await open_panel(teacher, "people")
        kim = who["kim"].id

        await teacher.get_by_role("button", name="김민지님을 모두에게 크게 보이기").click()
        await trainee.wait_for_function(
            f"document.querySelector('#tiles > li').dataset.user == {kim}"
        )

        await teacher.get_by_role("button", name="김민지님에게 음소거 요청").click()
        await trainee.wait_for_selector("#mic[aria-pressed=false]")
        await teacher.wait_for_function(
            "document.getElementById('people-list').textContent.includes('마이크 끔')"
        )

        await teacher.click("#share")  # the instructor shares a screen; the phone shows it large
        await trainee.wait_for_selector("#screen", state="visible")
        await trainee.wait_for_function("document.getElementById('screen-video').videoWidth > 0")
        assert "박강사" in str(await trainee.text_content("#screen-label"))
        await screenshot(trainee, "screen-share-phone")
        await teacher.click("#share")
        await trainee.wait_for_selector("#screen", state="hidden")

        await trainee.click("#react")
        await trainee.get_by_role("button", name="👏 반응 보내기").click()
        await teacher.wait_for_function(
            "document.getElementById('notices').textContent.includes('👏')"
        )

        await trainee.click("#saver")
        await trainee.wait_for_selector("#audio-only-note", state="visible")
        teacher_tile = f"#tiles li[data-user='{who['park'].id}'] video"
        assert await trainee.locator(teacher_tile).count() == 0  # sound only

        await teacher.click("#lock")
        await teacher.wait_for_selector("#lock[aria-pressed=true]")

        await teacher.click("#lang-room")  # the console in English, in place
        await teacher.wait_for_function("document.documentElement.lang === 'en'")
        assert await teacher.text_content("#lock") == "Unlock entry"
        await teacher.get_by_role("button", name="Lower hand: 김민지").wait_for()
        await assert_accessible(teacher, context="instructor console in English")

        dialogs: asyncio.Queue[str] = asyncio.Queue()

        async def accept(dialog: Dialog) -> None:
            dialogs.put_nowait(dialog.message)
            await dialog.accept()

        teacher.on("dialog", accept)
        await teacher.get_by_role("button", name="Remove: 김민지").click()
        assert "김민지" in await asyncio.wait_for(dialogs.get(), 10)
        await trainee.wait_for_function("window.baeum.phase === 'ended'")
        assert "내보냈습니다" in str(await trainee.text_content("#lobby-status"))
        await teacher.wait_for_function(
            "!document.getElementById('people-list').textContent.includes('김민지')"
        )
    finally:
        await phone.close()
        await desktop.close()


async def test_a_phone_away_past_its_token_and_the_grace_still_comes_back(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    who, klass = await class_of_two(client, clock)
    phone = await browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True,
                                      has_touch=True)  # fmt: skip
    try:
        page = await phone.new_page()
        errors = page_errors(page)
        await page.goto(await join_link(client, klass.class_session_id, who["kim"].id))
        await in_lobby(page)
        await join(page)
        await phone.set_offline(True)
        await page.wait_for_selector("#reconnecting", state="visible")
        clock.advance(15 * 60)  # past the class token's 10 minutes and the 2-minute grace
        await phone.set_offline(False)
        await page.wait_for_function("window.baeum.reconnects === 1", timeout=30_000)
        await page.wait_for_selector("#reconnecting", state="hidden")
        token = await api_token(client, "park")
        response = await client.get(
            f"/api/v1/class-sessions/{klass.class_session_id}/attendance",
            headers={"Authorization": f"Bearer {token}"},
        )
        (kim,) = [r for r in await response.json() if r["user_id"] == who["kim"].id]
        assert len(kim["intervals"]) == 2  # away too long: a new interval ...
        assert kim["dropouts"] == 1  # ... and the dropout on record
        assert errors == []
    finally:
        await phone.close()
