"""Live Q&A in real browsers: a trainee on a phone asks anonymously; another trainee sees the
question with no name and upvotes it, and every page counts the vote; the instructor turns on
pre-moderation; a question with a phone number in it waits (and its asker is told why, after a
reload that kept what they typed) until the instructor approves it from the queue; the
instructor replies, marks a question answered live and pins it."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import Browser, ConsoleMessage, Page

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.lms.models import StaffRole
from tests.browser.a11y import assert_accessible, interactive_controls, screenshot, tab_through
from tests.browser.classroom import in_lobby, join, open_panel, page_errors, sign_in
from tests.browser.conftest import join_link
from tests.conftest import AppClient, add_person
from tests.factories import make_class

FIRST = "평가 기준이 궁금합니다"
WITH_PHONE = "제 번호 010-1234-5678로 자료를 보내 주실 수 있나요?"
REPLY = "중간 과제 40%, 기말 시험 60%입니다"


def missing_messages(page: Page) -> list[str]:
    """Catalog keys the page asked for and did not find (i18n.js warns of each)."""
    missing: list[str] = []

    def seen(message: ConsoleMessage) -> None:
        if "missing message" in message.text:
            missing.append(message.text)

    page.on("console", seen)
    return missing


def row(page: Page, where: str, question_id: str, inner: str = "") -> str:
    return f"#{where} li[data-id='{question_id}'] {inner}".strip()


async def wait_text(page: Page, selector: str, text: str) -> None:
    await page.wait_for_function(
        "([s, t]) => (document.querySelector(s)?.textContent ?? '').includes(t)",
        arg=[selector, text],
    )


async def test_questions_votes_moderation_replies_and_pins(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    kim = await add_person(client.app, "kim", [Role.TRAINEE], clock, name="김민지")
    lee = await add_person(client.app, "lee", [Role.TRAINEE], clock, name="이서준")
    park = await add_person(client.app, "park", [Role.INSTRUCTOR], clock, name="박강사")
    klass = await make_class(client.app, clock, trainees=[kim.id, lee.id],
                             staff={StaffRole.INSTRUCTOR: park.id},
                             starts_in=timedelta(minutes=-5))  # fmt: skip
    class_id = klass.class_session_id
    phone = await browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True,
                                      has_touch=True)  # fmt: skip
    desktop = await browser.new_context(viewport={"width": 1280, "height": 800})
    teachers = await browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        asker = await phone.new_page()
        other = await desktop.new_page()
        teacher = await teachers.new_page()
        pages = (asker, other, teacher)
        errors = [page_errors(page) for page in pages]
        missing = [missing_messages(page) for page in pages]
        for page, person in ((asker, kim), (other, lee)):
            await page.goto(await join_link(client, class_id, person.id))
            await in_lobby(page)
            await join(page)
        await sign_in(teacher, client, "park", f"/class/{class_id}")
        await in_lobby(teacher)
        await join(teacher)
        assert await asker.is_hidden("#qa-console")  # the moderation tools are the instructor's
        assert await teacher.is_visible("#toggle-qa")

        # an anonymous question from the phone (anonymous is the default, and says what it means)
        await open_panel(asker, "qa")
        assert await asker.is_checked("#qa-anonymous")
        assert "강사에게도 보이지 않습니다" in str(await asker.text_content("#qa-anon-note"))
        await asker.fill("#qa-text", FIRST)
        await asker.click("#qa-form button[type=submit]")
        mine = asker.locator("#qa-list li", has_text=FIRST)
        await mine.locator(".qa-badge-mine").wait_for()
        first = str(await mine.get_attribute("data-id"))
        assert await asker.input_value("#qa-text") == ""
        assert "새 질문" not in str(await asker.text_content("#notices"))  # not news to its asker

        # the other trainee is told (the panel is closed: a count on its button), sees it with
        # no name and upvotes it; every page counts 1
        await wait_text(other, "#notices", f"새 질문: {FIRST}")
        assert await other.text_content("#qa-count") == "1"
        await open_panel(other, "qa")
        assert await other.is_hidden("#qa-count")
        await other.wait_for_selector(row(other, "qa-list", first))
        assert await other.text_content(row(other, "qa-list", first, ".qa-text")) == FIRST
        who = str(await other.text_content(row(other, "qa-list", first, ".qa-who")))
        assert who.startswith("익명"), who
        assert "김민지" not in str(await other.text_content("#panel-qa"))
        assert await other.locator(row(other, "qa-list", first, ".qa-badge-mine")).count() == 0
        await other.click(row(other, "qa-list", first, ".qa-vote"))
        await other.wait_for_selector(row(other, "qa-list", first, ".qa-vote[aria-pressed=true]"))
        await open_panel(teacher, "qa")
        for page in pages:
            await page.wait_for_function(
                "s => document.querySelector(s)?.textContent === '1'",
                arg=row(page, "qa-list", first, ".qa-vote-count"),
            )
        vote = row(asker, "qa-list", first, ".qa-vote")
        assert await asker.get_attribute(vote, "aria-pressed") == "false"  # kim did not vote
        who = str(await teacher.text_content(row(teacher, "qa-list", first, ".qa-who")))
        assert who.startswith("익명")
        assert "김민지" not in who  # nor does the instructor learn who asked

        # pre-moderation: the trainees are told
        await teacher.check("#qa-premod")
        for page in (asker, other):
            await page.wait_for_selector("#qa-mode-note", state="visible")

        # what is being typed survives a reload of the page (and the list comes back as mine)
        await asker.fill("#qa-text", WITH_PHONE)
        await asker.reload()
        await in_lobby(asker)
        await join(asker)
        await open_panel(asker, "qa")
        assert await asker.input_value("#qa-text") == WITH_PHONE
        await asker.wait_for_selector(row(asker, "qa-list", first, ".qa-badge-mine"))
        await asker.wait_for_selector("#qa-mode-note", state="visible")

        # a question with a phone number waits, and its asker is told why
        await asker.click("#qa-form button[type=submit]")
        await wait_text(asker, "#qa-status", "전화번호")
        assert "강사가 확인한 뒤 공개됩니다" in str(await asker.text_content("#qa-status"))
        waiting = asker.locator("#qa-list li", has_text="010-1234-5678")
        await waiting.locator(".qa-badge-pending").wait_for()
        second = str(await waiting.get_attribute("data-id"))
        await teacher.wait_for_selector(row(teacher, "qa-queue", second))
        flags = await teacher.text_content(row(teacher, "qa-queue", second, ".qa-flags"))
        assert "전화번호" in str(flags)
        assert await teacher.text_content("#qa-count") == "1"  # the queue on the panel's button
        assert await other.locator(row(other, "qa-list", second)).count() == 0
        await assert_accessible(teacher, context="Q&A panel with the moderation queue")

        # approved from the queue: the others now see it
        await teacher.click(row(teacher, "qa-queue", second, ".qa-approve"))
        await other.wait_for_selector(row(other, "qa-list", second))
        assert "010-1234-5678" in str(await other.text_content(row(other, "qa-list", second)))
        await wait_text(asker, "#qa-status", "공개되었습니다")
        pending = row(asker, "qa-list", second, ".qa-badge-pending")
        await asker.wait_for_selector(pending, state="detached")
        await teacher.wait_for_selector("#qa-queue-empty", state="visible")
        assert await teacher.is_hidden("#qa-count")

        # a reply to the first; the second answered live and pinned above the more popular first
        await teacher.click(row(teacher, "qa-list", first, "summary"))
        await teacher.fill(f"#qa-reply-{first}", REPLY)
        await teacher.click(row(teacher, "qa-list", first, ".qa-reply-form button[type=submit]"))
        await teacher.click(row(teacher, "qa-list", second, ".qa-live"))
        assert await other.get_attribute("#qa-list > li:first-child", "data-id") == first
        await teacher.click(row(teacher, "qa-list", second, ".qa-pin"))
        pinned = row(teacher, "qa-list", second, ".qa-pin[aria-pressed=true]")
        await teacher.wait_for_selector(pinned)
        for page in (asker, other):
            await wait_text(page, row(page, "qa-list", first, ".qa-reply"), REPLY)
            await wait_text(page, row(page, "qa-list", second, ".qa-badges"), "수업 중 답변함")
            await page.wait_for_function(
                "id => document.querySelector('#qa-list > li:first-child')?.dataset.id === id",
                arg=second,
            )
            assert await page.is_visible(row(page, "qa-list", second, ".qa-badge-pinned"))

        await asker.locator("#qa-list-title").scroll_into_view_if_needed()
        await screenshot(asker, "qa-phone")
        await teacher.locator("#qa-list-title").scroll_into_view_if_needed()
        await screenshot(teacher, "qa-instructor-desktop")
        await assert_accessible(asker, context="a trainee's Q&A panel (phone)")
        await assert_accessible(teacher, context="the instructor's Q&A panel, answering")
        reached = {c["id"] or c["name"] for c in await tab_through(teacher)}
        controls = {c["id"] or c["name"] for c in await interactive_controls(teacher)}
        assert not controls - reached, f"not reachable by Tab: {controls - reached}"
        assert errors == [[], [], []]
        assert missing == [[], [], []]
    finally:
        await phone.close()
        await desktop.close()
        await teachers.close()
