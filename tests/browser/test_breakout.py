"""A whole breakout round in real browsers: the instructor (desktop, log-in) prepares a set in
the console's panel, fills it at random and opens it; the trainees (a phone and a desktop, join
links) see their group, its members and the countdown; a broadcast reaches them; a help call
reaches the instructor; a language switch redraws what the pushes drew; closing brings
everyone back."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from playwright.async_api import Browser, expect

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.health import STATIC_DIR
from server.lms.models import StaffRole
from tests.browser.a11y import assert_accessible, screenshot
from tests.browser.classroom import in_lobby, join, open_panel, page_errors, sign_in
from tests.browser.conftest import join_link
from tests.conftest import AppClient, add_person
from tests.factories import make_class

EN: dict[str, str] = json.loads((STATIC_DIR / "i18n" / "en" / "class.json").read_text("utf-8"))


async def test_a_breakout_round_from_setup_to_return(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    kim = await add_person(client.app, "kim", [Role.TRAINEE], clock, name="김민지")
    lee = await add_person(client.app, "lee", [Role.TRAINEE], clock, name="이서준")
    park = await add_person(client.app, "park", [Role.INSTRUCTOR], clock, name="박강사")
    klass = await make_class(client.app, clock, trainees=[kim.id, lee.id],
                             staff={StaffRole.INSTRUCTOR: park.id},
                             starts_in=timedelta(minutes=-5))  # fmt: skip
    phone = await browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True,
                                      has_touch=True)  # fmt: skip
    desktop = await browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        trainees = []
        for context, person in ((phone, kim), (desktop, lee)):
            page = await context.new_page()
            await page.goto(await join_link(client, klass.class_session_id, person.id))
            await in_lobby(page)
            await join(page)
            trainees.append(page)
        phone_page, lee_page = trainees
        errors = page_errors(phone_page)
        teacher = await desktop.new_page()
        teacher_errors = page_errors(teacher)
        await sign_in(teacher, client, "park", f"/class/{klass.class_session_id}")
        await in_lobby(teacher)
        await join(teacher)
        assert await phone_page.is_hidden("#toggle-breakout")  # the panel is the instructor's

        await open_panel(teacher, "breakout")
        # a set the trainees choose from, one place per group: the phone picks the first
        await teacher.fill("#breakout-new-name", "골라요")
        await teacher.fill("#breakout-new-count", "2")
        await teacher.check("#breakout-new-choose")
        await teacher.fill("#breakout-new-cap", "1")
        await teacher.click("#breakout-new button[type=submit]")
        await phone_page.wait_for_selector("#group-choice", state="visible")
        await phone_page.click("#group-choice-list li:first-child button")
        await phone_page.wait_for_selector("#group-choice-list li:first-child [aria-pressed=true]")
        await lee_page.wait_for_selector("#group-choice-list li:first-child button:disabled")
        await teacher.wait_for_function(  # the console sees the choice
            "t => document.getElementById('breakout-groups').textContent.includes(t)", arg="김민지"
        )
        await teacher.uncheck("#breakout-new-choose")
        await teacher.fill("#breakout-new-cap", "")
        await teacher.fill("#breakout-new-name", "토의 분임")
        await teacher.fill("#breakout-new-count", "2")
        await teacher.click("#breakout-new button[type=submit]")
        await teacher.wait_for_function(
            "document.getElementById('breakout-set').selectedOptions[0]?.text === '토의 분임'"
        )
        await teacher.select_option("#breakout-fill", "random")
        await teacher.click("#breakout-fill-go")
        await teacher.wait_for_function(  # both trainees placed, nobody left over
            "document.querySelectorAll('#breakout-groups [data-group]:not([data-group=\"\"]) li')"
            ".length === 2"
        )
        await assert_accessible(teacher, context="breakout panel, prepared")
        await teacher.fill("#breakout-minutes", "10")
        await teacher.click("#breakout-open")

        await phone_page.wait_for_selector("#group-bar", state="visible")
        assert "분임" in str(await phone_page.text_content("#group-name"))
        assert "김민지" in str(await phone_page.text_content("#group-members"))
        timer = str(await phone_page.text_content("#group-timer"))
        assert timer.startswith(("10:", "9:")), timer
        assert await phone_page.input_value("#chat-to") == "group"
        await teacher.wait_for_selector("#breakout-running", state="visible")
        await teacher.wait_for_function(
            "/^(10|9):\\d\\d$/.test(document.getElementById('breakout-timer').textContent)"
        )
        await teacher.wait_for_function(  # the overview: both groups, one person each
            "document.querySelectorAll('#breakout-overview li').length === 3"
        )

        await teacher.fill("#breakout-broadcast-text", "5분 뒤에 발표합니다")
        await teacher.click("#breakout-broadcast button[type=submit]")
        for page in trainees:
            await page.wait_for_function(
                "t => document.getElementById('breakout-message').textContent.includes(t)",
                arg="5분 뒤에 발표합니다",
            )

        await phone_page.click("#group-help")
        await teacher.wait_for_function(
            "document.getElementById('breakout-help').textContent.includes('김민지')"
        )
        # a language switch draws again what the pushes drew: the group, the help queue, the set
        await trainees[1].click("#lang-room")
        await expect(trainees[1].locator("#group-name")).to_have_text(re.compile(r"^Group "))
        await teacher.click("#lang-room")
        await expect(teacher.locator("#breakout-help button")).to_have_text(EN["breakout.go_help"])
        await expect(teacher.locator("#breakout-groups")).to_contain_text(EN["breakout.unassigned"])
        await screenshot(phone_page, "breakout-group-phone")
        await screenshot(teacher, "breakout-console-desktop")
        await assert_accessible(phone_page, context="a trainee in a group (phone)")
        await assert_accessible(teacher, context="breakout panel, running")

        await teacher.click("#breakout-close")
        for page in trainees:
            await page.wait_for_selector("#group-bar", state="hidden")
        assert "전체 방으로 돌아왔습니다" in str(await phone_page.text_content("#alert"))
        assert await phone_page.input_value("#chat-to") == "all"
        await teacher.wait_for_selector("#breakout-running", state="hidden")
        assert errors == []
        assert teacher_errors == []
    finally:
        await phone.close()
        await desktop.close()
