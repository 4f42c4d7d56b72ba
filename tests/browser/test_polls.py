"""Polls in real browsers: the instructor builds a survey with one item of every kind through
the poll panel and launches it with results shown; two trainees (a phone and a desktop) answer
every item on their cards (the ranking by keyboard); the instructor's live results and the
trainees' cards show the exact counts; a reload brings the card and my answers back; closing
marks the quiz's right answer and shows the pseudonymous leaderboard; a quiz kept with names
says so before anything is answered, and its countdown runs on the server's clock."""

from __future__ import annotations

import contextlib
import json
import re
from datetime import timedelta
from typing import Any

from playwright.async_api import Browser, ConsoleMessage, Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.health import STATIC_DIR
from server.core.keys import DATABASE
from server.lms.models import StaffRole
from server.polls import voting
from server.polls.schemas import PollIn
from tests.browser.a11y import assert_accessible, interactive_controls, screenshot, tab_through
from tests.browser.classroom import in_lobby, join, open_panel, page_errors, sign_in
from tests.browser.conftest import join_link
from tests.conftest import AppClient, add_person
from tests.factories import make_class

KO: dict[str, str] = json.loads((STATIC_DIR / "i18n" / "ko" / "class.json").read_text("utf-8"))
EN: dict[str, str] = json.loads((STATIC_DIR / "i18n" / "en" / "class.json").read_text("utf-8"))
BANKED = "과정 공통 사전 설문"
SURVEY = "오늘 수업"
NAMED = "이수 퀴즈"
ITEMS: list[dict[str, Any]] = [
    {"kind": "single", "prompt": "가장 도움이 된 것", "options": ["강의", "토의", "실습"]},
    {"kind": "multiple", "prompt": "써 본 도구", "options": ["엑셀", "한글", "파이썬"]},
    {"kind": "rating", "prompt": "만족도"},
    {"kind": "wordcloud", "prompt": "한 단어로"},
    {"kind": "open", "prompt": "하고 싶은 말"},
    {"kind": "ranking", "prompt": "중요한 순서", "options": ["청렴", "공정", "소통"]},
    {"kind": "quiz", "prompt": "공직자 행동강령의 목적은?", "options": ["청렴", "속도"],
     "correct": "청렴", "points": "10"},
]  # fmt: skip

# What the results tables, lists and figures say, read from the page (what a person reads).
READ_RESULTS = """(sel) => [...document.querySelectorAll(`${sel} .poll-item`)].map((item) => ({
  kind: item.dataset.kind,
  rows: [...item.querySelectorAll(".poll-result tbody tr")].map((tr) =>
    [tr.dataset.option, tr.querySelector(".poll-n").textContent,
     tr.querySelector(".poll-pct")?.textContent ?? null]),
  words: [...item.querySelectorAll(".poll-cloud li")].map((li) =>
    [li.dataset.word, li.querySelector(".poll-n").textContent]),
  texts: [...item.querySelectorAll(".poll-texts li")].map((li) => li.textContent).sort(),
  mean: item.querySelector(".poll-mean")?.textContent ?? null,
  correct: [...item.querySelectorAll(".poll-result tr.correct")].map((tr) => tr.dataset.option),
}))"""


def shown(kind: str, *, rows: Any = (), words: Any = (), texts: Any = (), mean: str | None = None,
          correct: Any = ()) -> dict[str, Any]:  # fmt: skip
    """One item's results as READ_RESULTS reads them (its keys in the same order)."""
    return {"kind": kind, "rows": [list(r) for r in rows], "words": [list(w) for w in words],
            "texts": list(texts), "mean": mean, "correct": list(correct)}  # fmt: skip


def expected(correct: list[str]) -> list[dict[str, Any]]:
    """kim: 토의; 엑셀+파이썬; 5; "AI가", "협업"; 좋았습니다; 공정>청렴>소통; 청렴 (right).
    lee: 토의; 파이썬; 3; "ai"; 실습이 더 있으면; 소통>공정>청렴; 속도 (wrong)."""
    return [
        shown("single", rows=[("0", "0", "0%"), ("1", "2", "100%"), ("2", "0", "0%")]),
        shown("multiple", rows=[("0", "1", "50%"), ("1", "0", "0%"), ("2", "2", "100%")]),
        shown("rating", mean="평균 4.0점 / 5점",
              rows=[("1", "0", "0%"), ("2", "0", "0%"), ("3", "1", "50%"), ("4", "0", "0%"),
                    ("5", "1", "50%")]),
        shown("wordcloud", words=[("ai", "2"), ("협업", "1")]),  # "AI가" and "ai" are one word
        shown("open", texts=["실습이 더 있으면", "좋았습니다"]),
        # Borda, highest first: 공정 3+2, 소통 1+3, 청렴 2+1
        shown("ranking", rows=[("1", "5", None), ("2", "4", None), ("0", "3", None)]),
        shown("quiz", rows=[("0", "1", "50%"), ("1", "1", "50%")], correct=correct),
    ]  # fmt: skip


def missing_messages(page: Page) -> list[str]:
    """Catalog keys the page asked for and did not find (i18n.js warns of each)."""
    missing: list[str] = []

    def seen(message: ConsoleMessage) -> None:
        if "missing message" in message.text:
            missing.append(message.text)

    page.on("console", seen)
    return missing


async def results_become(page: Page, selector: str, want: list[dict[str, Any]]) -> None:
    """Results are pushed coalesced: wait until the page shows these, else fail with a diff."""
    with contextlib.suppress(PlaywrightTimeout):
        await page.wait_for_function(
            f"([sel, want]) => JSON.stringify(({READ_RESULTS})(sel)) === JSON.stringify(want)",
            arg=[selector, want],
            timeout=15_000,
        )
    assert await page.evaluate(READ_RESULTS, selector) == want


async def wait_text(page: Page, selector: str, text: str) -> None:
    await page.wait_for_function(
        "([s, t]) => (document.querySelector(s)?.textContent ?? '').includes(t)",
        arg=[selector, text],
    )


async def tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab (the keyboard only) until the element matching ``selector`` has focus."""
    for _ in range(limit):
        if await page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


async def focused_label(page: Page) -> str | None:
    label: str | None = await page.evaluate("document.activeElement?.getAttribute('aria-label')")
    return label


async def add_item(teacher: Page, spec: dict[str, Any]) -> Locator:
    await teacher.select_option("#poll-add-kind", spec["kind"])
    await teacher.click("#poll-add-item")
    draft = teacher.locator("#poll-draft-items > li").last
    assert await draft.get_attribute("data-kind") == spec["kind"]
    prompt = draft.locator(".poll-d-prompt")
    assert await prompt.evaluate("el => el === document.activeElement")  # ready to type
    await prompt.fill(spec["prompt"])
    if "options" in spec:
        await draft.locator(".poll-d-options").fill("\n".join(spec["options"]))
    if "correct" in spec:
        await draft.locator(".poll-d-correct").get_by_label(spec["correct"], exact=True).check()
        await draft.locator(".poll-d-points").fill(spec["points"])
    return draft


async def launch(teacher: Page, title: str) -> str:
    """Launch the poll of this title from the bank; the new run's id (from the results list)."""
    await teacher.get_by_role("button", name=f"'{title}' 시작").click()
    row = teacher.locator("#poll-runs > li", has_text=title)
    await row.wait_for()
    return str(await row.get_attribute("data-run"))


async def card_of(page: Page, run: str) -> Locator:
    await open_panel(page, "polls")
    card = page.locator(f"#poll-cards > li[data-run='{run}']")
    await card.wait_for()
    return card


async def send(item: Locator, said: str) -> None:
    """Press the item's submit button; the server's acknowledgement is shown."""
    await item.locator(".poll-submit").click()
    await item.locator(".poll-ack.sent", has_text=said).wait_for()


async def test_a_survey_of_every_kind_answered_on_a_phone_and_a_desktop(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    kim = await add_person(client.app, "kim", [Role.TRAINEE], clock, name="김민지")
    lee = await add_person(client.app, "lee", [Role.TRAINEE], clock, name="이서준")
    park = await add_person(client.app, "park", [Role.INSTRUCTOR], clock, name="박강사")
    klass = await make_class(client.app, clock, trainees=[kim.id, lee.id],
                             staff={StaffRole.INSTRUCTOR: park.id},
                             starts_in=timedelta(minutes=-5))  # fmt: skip
    class_id = klass.class_session_id
    async with client.app[DATABASE].unit_of_work() as session:  # the course's bank
        banked = PollIn.model_validate({"title": BANKED, "items": [
            {"kind": "rating", "prompt": "사전 지식", "scale": 10}]})  # fmt: skip
        await voting.create_poll(session, banked, clock.now(), course_id=klass.course_id)
    phones = await browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True,
                                       has_touch=True)  # fmt: skip
    desktops = await browser.new_context(viewport={"width": 1280, "height": 800})
    teachers = await browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        phone, desktop, teacher = (await phones.new_page(), await desktops.new_page(),
                                   await teachers.new_page())  # fmt: skip
        pages = (phone, desktop, teacher)
        errors = [page_errors(page) for page in pages]
        missing = [missing_messages(page) for page in pages]
        for page, person in ((phone, kim), (desktop, lee)):
            await page.goto(await join_link(client, class_id, person.id))
            await in_lobby(page)
            await join(page)
        await sign_in(teacher, client, "park", f"/class/{class_id}")
        await in_lobby(teacher)
        await join(teacher)
        assert await phone.is_hidden("#poll-console")  # building polls is the instructor's
        assert await phone.is_visible("#toggle-polls")

        # the instructor builds a survey with an item of every kind (and takes one out again)
        await open_panel(teacher, "polls")
        assert await teacher.is_hidden("#poll-trainee")
        bank = teacher.locator("#poll-bank > li", has_text=BANKED)  # listed from the course
        await bank.wait_for()
        assert "1문항" in str(await bank.text_content())
        assert await teacher.is_hidden("#poll-bank-note")
        await teacher.fill("#poll-title", SURVEY)
        assert await teacher.is_checked("#poll-anonymous")  # anonymous unless said otherwise
        await teacher.check("#poll-leaderboard")
        for spec in ITEMS[:5]:
            await add_item(teacher, spec)
        spare = await add_item(teacher, {"kind": "open", "prompt": "지울 문항"})
        await spare.locator(".poll-d-remove").click()
        for spec in ITEMS[5:]:
            await add_item(teacher, spec)
        kinds = await teacher.eval_on_selector_all(
            "#poll-draft-items > li", "rows => rows.map((r) => r.dataset.kind)"
        )
        assert kinds == [spec["kind"] for spec in ITEMS]
        await teacher.click("#poll-new button[type=submit]")
        await wait_text(teacher, "#poll-new-status", f"'{SURVEY}' 투표를 저장했습니다")
        assert await teacher.locator("#poll-draft-items > li").count() == 0  # ready for the next
        await teacher.check("#poll-show-results")
        run = await launch(teacher, SURVEY)
        teacher_run = f"#poll-runs > li[data-run='{run}']"

        # both trainees are told, and see the card (anonymous: it says so, not "kept with name")
        for page in (phone, desktop):
            await wait_text(page, "#notices", f"새 투표: {SURVEY}")
            assert await page.text_content("#poll-count") == "1"
        cards = {}
        for page in (phone, desktop):
            cards[page] = card = await card_of(page, run)
            assert await card.locator(".poll-privacy").text_content() == KO["poll.anonymous_note"]
            assert await card.locator(".poll-named").count() == 0
            assert await card.locator(".poll-item").count() == len(ITEMS)
            quiz = card.locator(".poll-item[data-kind=quiz]")
            assert await quiz.locator(".poll-final").text_content() == KO["poll.quiz_final"]
        items = {page: [cards[page].locator(".poll-item").nth(n) for n in range(len(ITEMS))]
                 for page in (phone, desktop)}  # fmt: skip

        # kim, on the phone
        single, multiple, rating, cloud, text, ranking, quiz = items[phone]
        await single.get_by_label("토의", exact=True).check()
        await send(single, "보낸 답: 토의")
        await multiple.get_by_label("엑셀", exact=True).check()
        await multiple.get_by_label("파이썬", exact=True).check()
        await send(multiple, "보낸 답: 엑셀, 파이썬")
        await rating.get_by_label("5", exact=True).check()
        await send(rating, "보낸 답: 5점 / 5점")
        await cloud.locator(".poll-word-input").nth(0).fill("AI가")
        await cloud.locator(".poll-word-input").nth(1).fill("협업")
        await send(cloud, "보낸 답: ai, 협업")  # as the server counts them
        await text.locator("textarea").fill("좋았습니다")
        await send(text, "보낸 답: 좋았습니다")
        await text.locator(".poll-submit").focus()
        await tab_to(phone, f"{cards_sel(run)} .poll-rank li[data-option='1'] .poll-up")
        await phone.keyboard.press("Enter")  # 공정 to the top
        await send(ranking, "보낸 답: 1. 공정 › 2. 청렴 › 3. 소통")
        await quiz.get_by_label("청렴", exact=True).check()
        await send(quiz, "최종 답: 청렴")
        assert await quiz.get_by_label("속도", exact=True).is_disabled()  # a quiz answer is final
        assert await quiz.locator(".poll-submit").is_hidden()
        await phone.wait_for_selector("#poll-count", state="hidden")  # nothing left to answer

        # lee, on the desktop; the ranking by keyboard alone, each move said
        single, multiple, rating, cloud, text, ranking, quiz = items[desktop]
        await single.get_by_label("토의", exact=True).check()
        await send(single, "보낸 답: 토의")
        await multiple.get_by_label("파이썬", exact=True).check()
        await send(multiple, "보낸 답: 파이썬")
        await rating.get_by_label("3", exact=True).check()
        await send(rating, "보낸 답: 3점 / 5점")
        await cloud.locator(".poll-word-input").nth(0).fill("ai")
        await send(cloud, "보낸 답: ai")
        await text.locator("textarea").fill("실습이 더 있으면")
        await send(text, "보낸 답: 실습이 더 있으면")
        rank = f"{cards_sel(run)} .poll-item[data-kind=ranking]"
        await text.locator(".poll-submit").focus()
        await tab_to(desktop, f"{rank} li[data-option='2'] .poll-up")
        await desktop.keyboard.press("Enter")
        assert await focused_label(desktop) == "소통 위로"  # the focus moves with the option
        await wait_text(desktop, f"{rank} .poll-rank-said", "소통: 3개 중 2번째")
        await desktop.keyboard.press("Enter")
        await wait_text(desktop, f"{rank} .poll-rank-said", "소통: 3개 중 1번째")
        assert await focused_label(desktop) == "소통 아래로"  # at the top, "up" is off
        await tab_to(desktop, f"{rank} li[data-option='0'] .poll-down")
        await desktop.keyboard.press(" ")
        await wait_text(desktop, f"{rank} .poll-rank-said", "청렴: 3개 중 3번째")
        order = await ranking.locator(".poll-rank > li").evaluate_all(
            "rows => rows.map((r) => r.dataset.option)"
        )
        assert order == ["2", "1", "0"]
        await tab_to(desktop, f"{rank} .poll-submit")
        await desktop.keyboard.press("Enter")
        await ranking.locator(".poll-ack.sent", has_text="1. 소통 › 2. 공정 › 3. 청렴").wait_for()
        await quiz.get_by_label("속도", exact=True).check()
        await send(quiz, "최종 답: 속도")

        # exact results, live: on the instructor's panel and on both cards (shown at launch);
        # the quiz's answer is not told before the poll closes
        await wait_text(teacher, f"{teacher_run} .poll-respondents", "2명 응답")
        await results_become(teacher, teacher_run, expected(correct=[]))
        for page in (phone, desktop):
            await results_become(page, cards_sel(run), expected(correct=[]))
        fill = f"{teacher_run} .poll-item[data-kind=single] tr[data-option='1'] .poll-bar-fill"
        bar = await teacher.locator(fill).evaluate("el => el.style.width")
        assert bar == "100%"

        # a reload of the phone: the card and kim's answers come back
        await phone.reload()
        await in_lobby(phone)
        await join(phone)
        card = await card_of(phone, run)
        acks = await card.locator(".poll-ack").all_text_contents()
        assert acks == ["보낸 답: 토의", "보낸 답: 엑셀, 파이썬", "보낸 답: 5점 / 5점",
                        "보낸 답: ai, 협업", "보낸 답: 좋았습니다",
                        "보낸 답: 1. 공정 › 2. 청렴 › 3. 소통", "최종 답: 청렴"]  # fmt: skip
        assert await card.get_by_label("토의", exact=True).is_checked()
        assert await card.locator(".poll-item[data-kind=quiz] input").first.is_disabled()
        await results_become(phone, cards_sel(run), expected(correct=[]))

        await teacher.locator(teacher_run).scroll_into_view_if_needed()
        await screenshot(teacher, "polls-instructor-desktop")
        await assert_accessible(teacher, context="the instructor's poll panel with live results")

        # closing: the right answer is marked on the cards, with the leaderboard (pseudonyms)
        await teacher.get_by_role("button", name=f"'{SURVEY}' 마감하기").click()
        for page in (phone, desktop):
            await results_become(page, cards_sel(run), expected(correct=["0"]))
            await wait_text(page, f"{cards_sel(run)} .poll-state", "마감")
        await teacher.wait_for_selector(f"{teacher_run} .poll-close", state="hidden")
        await results_become(teacher, teacher_run, expected(correct=["0"]))
        card = phone.locator(cards_sel(run))
        verdict = card.locator(".poll-verdict")
        assert await verdict.text_content() == "내 답(청렴)은 정답입니다."
        assert "정답이 아닙니다" in str(await desktop.locator(f"{cards_sel(run)} .poll-verdict")
                                     .text_content())  # fmt: skip
        scores = await card.locator(".poll-leaderboard .poll-score").all_text_contents()
        assert scores == ["10점", "0점"]
        assert "김민지" not in str(await card.text_content())
        assert "이서준" not in str(await card.text_content())
        await card.locator(".poll-item[data-kind=quiz]").scroll_into_view_if_needed()
        await screenshot(phone, "polls-phone")
        await assert_accessible(phone, context="a trainee's poll card with results (phone)")

        # a quiz kept with names: said before answering; on a timer by the server's clock
        await teacher.fill("#poll-title", NAMED)
        await teacher.uncheck("#poll-anonymous")
        assert await teacher.text_content("#poll-anon-note") == KO["poll.anonymous_off_note"]
        await add_item(teacher, {"kind": "quiz", "prompt": "청렴의 뜻은?",
                                 "options": ["깨끗함", "빠름"], "correct": "깨끗함",
                                 "points": "5"})  # fmt: skip
        await teacher.click("#poll-new button[type=submit]")
        await wait_text(teacher, "#poll-new-status", f"'{NAMED}' 투표를 저장했습니다")
        await teacher.uncheck("#poll-show-results")
        await teacher.fill("#poll-timer", "600")  # long enough for a loaded CI machine
        named = await launch(teacher, NAMED)
        await wait_text(desktop, "#notices", f"새 투표: {NAMED}")
        assert await desktop.text_content("#poll-count") == "1"
        card = await card_of(desktop, named)
        note = card.locator(".poll-named")
        assert await note.is_visible()
        assert await note.text_content() == KO["poll.named_note"]
        before = await card.evaluate(
            """(card) => {
              const note = card.querySelector(".poll-named");
              const first = card.querySelector("input, textarea, button");
              const after = note.compareDocumentPosition(first);
              return Boolean(after & Node.DOCUMENT_POSITION_FOLLOWING);
            }"""
        )
        assert before  # the statement comes before the first thing one can answer with
        described = await card.locator("fieldset").first.get_attribute("aria-describedby")
        assert str(await note.get_attribute("id")) in str(described).split()
        left = str(await card.locator(".poll-countdown time").text_content())
        match = re.fullmatch(r"(\d+):(\d\d)", left)
        assert match, left
        assert 60 <= int(match[1]) * 60 + int(match[2]) <= 600, left  # the server's clock, not 2020
        await card.get_by_label("깨끗함", exact=True).check()
        await send(card.locator(".poll-item").first, "최종 답: 깨끗함")
        await desktop.wait_for_selector("#poll-count", state="hidden")
        assert await card.locator(".poll-result table").count() == 0  # results not shown

        # the card in English, in place (what is said and what was answered)
        await desktop.click("#lang-room")
        await desktop.wait_for_function("document.documentElement.lang === 'en'")
        assert await note.text_content() == EN["poll.named_note"]
        await card.locator(".poll-ack", has_text="Final answer: 깨끗함").wait_for()

        reached = {c["id"] or c["name"] for c in await tab_through(teacher, limit=400)}
        controls = {c["id"] or c["name"] for c in await interactive_controls(teacher)}
        assert not controls - reached, f"not reachable by Tab: {controls - reached}"
        assert errors == [[], [], []]
        assert missing == [[], [], []]
    finally:
        await phones.close()
        await desktops.close()
        await teachers.close()


def cards_sel(run: str) -> str:
    return f"#poll-cards > li[data-run='{run}']"
