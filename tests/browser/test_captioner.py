"""The captioner's page (속기사) in a real browser: a captioner signs in, opens
/class/{id}/caption on a phone-sized screen, types a line (the trainee's socket.io client sees
the drafts), sends it with Enter, then corrects it from the list with the keyboard alone; the
trainee gets the line and the correction, and the transcript has the corrected text."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import Browser, expect

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.lms.models import StaffRole
from tests.browser.a11y import assert_accessible, interactive_controls, screenshot, tab_through
from tests.conftest import PASSWORD, AppClient, add_person, api_token, bearer
from tests.factories import make_class
from tests.rooms.classroom import Participant

LINE = "안녕하세요, 핵심가치 과정임니다"
FIXED = "안녕하세요, 핵심가치 과정입니다"
IN_PROGRESS = "오늘은 소통을"


async def test_the_captioner_sends_and_corrects_a_line(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    oh = await add_person(client.app, "ohs", [Role.CAPTIONER], clock, name="오속기")
    kim = await add_person(client.app, "kim", [Role.TRAINEE], clock, name="김민지")
    klass = await make_class(
        client.app, clock, trainees=[kim.id], staff={StaffRole.CAPTIONER: oh.id},
        starts_in=timedelta(minutes=-5),
    )  # fmt: skip
    class_id = klass.class_session_id
    minted = await client.post(
        f"/api/v1/class-sessions/{class_id}/class-token",
        headers=bearer(await api_token(client, "kim")),
    )
    trainee = Participant()
    await trainee.connect(client, {"token": (await minted.json())["token"]})
    await trainee.ok("join")

    phone = await browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    try:
        page = await phone.new_page()
        signed_in = await page.request.post(
            str(client.make_url("/api/v1/auth/login")),
            data={"login": "ohs", "password": PASSWORD},
        )
        assert signed_in.ok, await signed_in.text()
        await page.goto(str(client.make_url(f"/class/{class_id}/caption")))
        await page.wait_for_function("window.baeumCaption && window.baeumCaption.ready")
        box = page.get_by_role("textbox", name="자막 (Enter: 보내기)")  # labelled
        await expect(box).to_be_enabled()
        await expect(page.get_by_role("status").first).to_contain_text("연결됨")
        txt = page.get_by_role("link", name="텍스트 파일 (.txt)")
        transcript_url = f"/api/v1/class-sessions/{class_id}/transcript?format=txt"
        assert await txt.get_attribute("href") == transcript_url
        vtt_link = page.get_by_role("link", name="영상용 자막 파일 (WebVTT, .vtt)")
        assert await vtt_link.get_attribute("href") == transcript_url.replace("txt", "vtt")

        # type: the trainee sees drafts as the captioner types; Enter makes the line final
        await box.focus()
        await page.keyboard.type(LINE)
        draft = await trainee.next("caption_draft")
        assert draft["by"] == oh.id
        assert draft["text"]
        assert LINE.startswith(draft["text"])
        await page.keyboard.press("Enter")
        caption = await trainee.next("caption")
        assert caption["payload"] == {"text": LINE, "by": oh.id}
        await expect(box).to_have_value("")
        line = page.locator(f'#lines li[data-id="{caption["id"]}"]')
        await expect(line.locator(".text")).to_have_text(LINE)
        await expect(page.locator("#preview-past")).to_contain_text(LINE)
        await assert_accessible(page, context="captioner, a line sent, on a phone")
        await screenshot(page, "caption-line-sent-phone")
        await page.set_viewport_size({"width": 1280, "height": 800})
        await screenshot(page, "caption-line-sent-desktop")
        await page.set_viewport_size({"width": 360, "height": 740})
        reached = await tab_through(page)  # every control by keyboard, focus always visible
        assert all(control["focus_visible"] for control in reached), reached
        controls = await interactive_controls(page)
        assert [(c["id"], c["name"]) for c in reached] == [(c["id"], c["name"]) for c in controls]
        await box.focus()

        # start the next line, correct the sent one, cancel with Escape: the next line is kept
        await page.keyboard.type(IN_PROGRESS)
        correct = line.get_by_role("button", name="고치기")
        await correct.focus()
        await page.keyboard.press("Enter")
        corrector = page.get_by_role("textbox", name="고칠 내용 (Enter: 고친 줄 보내기, Esc: 취소)")
        await expect(corrector).to_be_focused()
        await expect(corrector).to_have_value(LINE)
        await expect(page.locator("#mode")).to_be_visible()
        await expect(page.locator("#mode-text")).to_contain_text(LINE)
        await assert_accessible(page, context="captioner correcting a line, on a phone")
        await screenshot(page, "caption-correcting-phone")
        await page.keyboard.press("Escape")
        await expect(box).to_have_value(IN_PROGRESS)
        await expect(page.locator("#mode")).to_be_hidden()

        # correct it for real, keyboard only
        await correct.focus()
        await page.keyboard.press("Enter")
        await expect(corrector).to_have_value(LINE)
        await page.keyboard.press("Backspace")
        await page.keyboard.press("Backspace")
        await page.keyboard.press("Backspace")
        await page.keyboard.type("입니다")
        await page.keyboard.press("Enter")
        corrected = await trainee.next("caption_corrected")
        assert (corrected["id"], corrected["text"]) == (caption["id"], FIXED)
        assert corrected["corrected_by"] == oh.id
        await expect(line.locator(".text")).to_have_text(FIXED)
        await expect(line.locator(".tag")).to_have_text("고침")
        await expect(box).to_have_value(IN_PROGRESS)  # back to the line being typed
        await expect(page.locator("#mode")).to_be_hidden()
        assert trainee.nothing_pending("caption")  # a correction is no new line

        transcript = await page.request.get(str(client.make_url(transcript_url)))
        assert transcript.ok
        text = await transcript.text()
        assert f"] {FIXED}\n" in text
        assert LINE not in text
        vtt = await page.request.get(str(client.make_url(transcript_url.replace("txt", "vtt"))))
        assert f"\n{FIXED}\n" in await vtt.text()

        # the text size control reaches the box
        before = await box.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
        await page.get_by_label("글자 크기").select_option("2")
        after = await box.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
        assert after == 2 * before
    finally:
        await phone.close()
        await trainee.close()


async def test_lines_typed_while_the_connection_is_lost_go_out_after_it_comes_back(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    oh = await add_person(client.app, "ohs", [Role.CAPTIONER], clock, name="오속기")
    kim = await add_person(client.app, "kim", [Role.TRAINEE], clock, name="김민지")
    klass = await make_class(
        client.app, clock, trainees=[kim.id], staff={StaffRole.CAPTIONER: oh.id},
        starts_in=timedelta(minutes=-5),
    )  # fmt: skip
    class_id = klass.class_session_id
    minted = await client.post(
        f"/api/v1/class-sessions/{class_id}/class-token",
        headers=bearer(await api_token(client, "kim")),
    )
    trainee = Participant()
    await trainee.connect(client, {"token": (await minted.json())["token"]})
    await trainee.ok("join")
    desktop = await browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = await desktop.new_page()
        signed_in = await page.request.post(
            str(client.make_url("/api/v1/auth/login")),
            data={"login": "ohs", "password": PASSWORD},
        )
        assert signed_in.ok
        await page.goto(str(client.make_url(f"/class/{class_id}/caption?lang=en")))
        await page.wait_for_function("window.baeumCaption && window.baeumCaption.ready")
        box = page.get_by_role("textbox", name="Caption (Enter sends)")
        await box.focus()
        await page.keyboard.type("First line")
        await page.evaluate("window.baeumCaption.socket.io.engine.close()")  # the network goes
        status = page.get_by_role("status").first
        await expect(status).to_contain_text("reconnecting")
        await page.keyboard.press("Enter")  # sent once connected again
        await page.keyboard.type("Second line, still being typed")
        caption = await trainee.next("caption", within_s=20)  # socket.io reconnects by itself
        assert caption["payload"]["text"] == "First line"
        await expect(status).to_contain_text("Connected")
        await expect(box).to_have_value("Second line, still being typed")  # never lost
        await expect(page.locator(f'#lines li[data-id="{caption["id"]}"]')).to_have_count(1)
        await expect(page.locator("#lines li")).to_have_count(1)  # once, not pending
    finally:
        await desktop.close()
        await trainee.close()
