"""The post-it board in real browsers: the instructor makes a KPT board and a trainee on a phone
posts to "Try" anonymously (the instructor sees it with no name, comments and likes it);
editing a post someone else changed meanwhile shows the conflict and "apply mine again";
pre-moderation, the approval queue, remove and restore, and the lock; a canvas note moved by
arrow keys and by dragging; a photo from the file chooser shown on the other page."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from PIL import Image
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    FilePayload,
    Locator,
    Page,
    Route,
    expect,
)
from sqlalchemy import select

from server.boards import posts, service
from server.boards.models import BoardPost
from server.boards.schemas import BoardIn, PostIn
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.health import STATIC_DIR
from server.core.keys import CLOCK, DATABASE
from server.lms.models import StaffRole
from tests.browser.a11y import (
    SCREENSHOTS,
    assert_accessible,
    interactive_controls,
    screenshot,
    tab_through,
)
from tests.browser.classroom import in_lobby, join, open_panel, page_errors, sign_in
from tests.browser.conftest import join_link
from tests.conftest import AppClient, add_person
from tests.factories import make_class

KO: dict[str, str] = json.loads((STATIC_DIR / "i18n" / "ko" / "class.json").read_text("utf-8"))
EN: dict[str, str] = json.loads((STATIC_DIR / "i18n" / "en" / "class.json").read_text("utf-8"))
WAIT_MS = 15_000


@dataclass
class Room:
    teacher: Page
    kim: Page  # a trainee on a phone
    lee: Page  # a trainee on a desktop
    errors: list[list[str]]
    contexts: list[BrowserContext]
    client: AppClient
    class_id: int
    park_id: int


@pytest.fixture
async def room(client: AppClient, clock: ManualClock, browser: Browser) -> AsyncIterator[Room]:
    kim = await add_person(client.app, "kim", [Role.TRAINEE], clock, name="김민지")
    lee = await add_person(client.app, "lee", [Role.TRAINEE], clock, name="이서준")
    park = await add_person(client.app, "park", [Role.INSTRUCTOR], clock, name="박강사")
    klass = await make_class(client.app, clock, trainees=[kim.id, lee.id],
                             staff={StaffRole.INSTRUCTOR: park.id},
                             starts_in=timedelta(minutes=-5))  # fmt: skip
    class_id = klass.class_session_id
    phone = await browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True,
                                      has_touch=True)  # fmt: skip
    desktop = await browser.new_context(viewport={"width": 1280, "height": 900})
    teachers = await browser.new_context(viewport={"width": 1440, "height": 900})
    contexts = [phone, desktop, teachers]
    try:
        pages = [await phone.new_page(), await desktop.new_page(), await teachers.new_page()]
        errors = [page_errors(page) for page in pages]
        for page, seen in zip(pages, errors, strict=True):
            page.on("console", missing_messages(seen))
        for page in pages:
            page.set_default_timeout(WAIT_MS)
        for page, person in zip(pages[:2], (kim, lee), strict=True):
            await page.goto(await join_link(client, class_id, person.id))
            await in_lobby(page)
            await join(page)
        await sign_in(pages[2], client, "park", f"/class/{class_id}")
        await in_lobby(pages[2])
        await join(pages[2])
        yield Room(pages[2], pages[0], pages[1], errors, contexts, client, class_id, park.id)
    finally:
        for context in contexts:
            await context.close()


def missing_messages(seen: list[str]) -> Callable[[ConsoleMessage], None]:
    """Count a console line about a catalog key the page asked for and does not have."""

    def check(message: ConsoleMessage) -> None:
        if "missing message" in message.text:
            seen.append(message.text)

    return check


async def new_board(page: Page, title: str, *, template: str = "", layout: str = "wall") -> None:
    """The instructor makes a board from the panel; the page opens it."""
    await open_panel(page, "board")
    if await page.get_attribute("#board-console", "open") is None:
        await page.click("#board-console summary")
    await page.fill("#board-new-title", title)
    await page.select_option("#board-new-template", template)
    await page.select_option("#board-new-layout", layout)
    await page.click("#board-new button[type=submit]")
    await expect(page.locator("#board-name")).to_have_text(title)


async def open_board(page: Page, title: str) -> None:
    await open_panel(page, "board")
    if await page.is_visible("#board-view"):
        if await page.text_content("#board-name") == title:
            return
        await page.click("#board-back")
    await page.locator("#board-picker .board-card", has_text=title).click()
    await expect(page.locator("#board-name")).to_have_text(title)


def note(page: Page, text: str) -> Locator:
    """The note whose title or text says ``text``."""
    said = page.locator(":scope > .note-title, :scope > .note-body", has_text=text)
    return page.locator("#board-surface li.note", has=said)


async def compose(page: Page, *, title: str = "", text: str = "", section: str | None = None,
                  anonymous: bool = False) -> None:  # fmt: skip
    """Write a post through the dialog (from a column's own button when a section is given)."""
    if section is None:
        await page.click("#board-add")
    else:
        column = page.locator(".board-section", has=page.locator("h4", has_text=section))
        await column.locator(".board-add-here").click()
    await expect(page.locator("#board-compose")).to_be_visible()
    await page.fill("#board-c-title", title)
    await page.fill("#board-c-text", text)
    if anonymous:
        await page.check("#board-c-anon")
    await page.click("#board-c-send")
    await expect(page.locator("#board-compose")).to_be_hidden()


async def test_an_anonymous_post_in_a_kpt_column_with_a_comment_and_a_like(room: Room) -> None:
    teacher, kim = room.teacher, room.kim
    await new_board(teacher, "오늘의 회고", template="kpt")
    await expect(teacher.locator(".board-column h4")).to_have_text(
        ["Keep 유지할 점", "Problem 문제점", "Try 시도할 점"]
    )
    await open_board(kim, "오늘의 회고")
    text = "**조별 발표**를 더 일찍 준비하기\n- 자료 공유\n- 역할 나누기"
    await compose(kim, title="다음에는", text=text, section="Try", anonymous=True)
    mine = note(kim, "다음에는")
    await expect(mine.locator(".note-badge-mine")).to_be_visible()
    await expect(mine.locator(".note-body strong")).to_have_text("조별 발표")
    await expect(mine.locator(".note-body li")).to_have_count(2)

    # the instructor sees it in the Try column, under no name
    try_column = teacher.locator(".board-column", has=teacher.locator("h4", has_text="Try"))
    seen = try_column.locator("li.note", has_text="다음에는")
    await expect(seen).to_be_visible()
    await expect(seen.locator(".note-meta")).to_contain_text(KO["board.anonymous_author"])
    assert "김민지" not in str(await teacher.text_content("#panel-board"))
    await expect(seen.locator(".note-badge-mine")).to_have_count(0)
    await expect(seen.locator(".note-rating")).to_have_text(KO["board.no_rating"])  # unknown, not 0

    # a comment and a like from the instructor reach the trainee's phone
    await seen.locator(".note-open").click()
    await seen.locator(".note-comment-form input:not([type=checkbox])").fill("좋은 생각입니다")
    await seen.locator(".note-comment-form button[type=submit]").click()
    await seen.locator(".note-like").click()
    await expect(seen.locator(".note-like")).to_have_attribute("aria-pressed", "true")
    await expect(mine.locator(".note-open .note-n")).to_have_text("1")
    await expect(mine.locator(".note-like .note-n")).to_have_text("1")
    await expect(mine.locator(".note-like")).to_have_attribute("aria-pressed", "false")
    await mine.locator(".note-open").click()
    await expect(mine.locator(".note-comments")).to_contain_text("좋은 생각입니다")
    await expect(mine.locator(".note-comments")).to_contain_text("박강사")
    # a star from the trainee: the average shows on both pages
    await mine.locator(".note-stars label", has_text="★4").click()
    await expect(seen.locator(".note-rating")).to_contain_text("4.0")

    await screenshot(kim, "board-kpt-phone")
    await screenshot(teacher, "board-kpt-instructor")
    await assert_accessible(teacher, context="the instructor's KPT board with a comment")
    await assert_accessible(kim, context="a trainee's KPT board on a phone")
    await seen.locator(".note-menu summary").click()  # its menu open: every control reachable
    reached = {c["id"] or c["name"] for c in await tab_through(teacher)}
    controls = {c["id"] or c["name"] for c in await interactive_controls(teacher)}
    assert not controls - reached, f"not reachable by Tab: {controls - reached}"
    assert all(c["focus_visible"] for c in await tab_through(teacher))
    assert room.errors == [[], [], []]
    assert set(KO) == set(EN)


async def note_menu(page: Page, text: str) -> Locator:
    """A note's "more" menu, opened."""
    found = note(page, text)
    menu = found.locator(".note-menu")
    if await menu.get_attribute("open") is None:
        await menu.locator("summary").click()
    return menu


async def test_an_edit_made_from_a_stale_version_shows_the_conflict(room: Room) -> None:
    teacher, kim = room.teacher, room.kim
    await new_board(teacher, "아이디어 모음")
    await open_board(kim, "아이디어 모음")
    await compose(kim, title="첫 생각", text="처음 쓴 글")
    await expect(note(teacher, "첫 생각")).to_be_visible()

    # the trainee starts editing version 1 ...
    await (await note_menu(kim, "첫 생각")).locator(".note-edit").click()
    await expect(kim.locator("#board-edit")).to_be_visible()
    assert await kim.input_value("#board-e-text") == "처음 쓴 글"
    await kim.fill("#board-e-text", "학습자가 고친 글")

    # ... while the instructor changes the title (version 2), which reaches the trainee's page
    await (await note_menu(teacher, "첫 생각")).locator(".note-edit").click()
    await teacher.fill("#board-e-title", "강사가 고친 제목")
    await teacher.click("#board-e-save")
    await expect(teacher.locator("#board-edit")).to_be_hidden()
    await expect(note(kim, "강사가 고친 제목")).to_be_visible()

    # saving from version 1 is refused: the trainee is told, and sees the other version
    await kim.click("#board-e-save")
    conflict = kim.locator("#board-e-conflict")
    await expect(conflict).to_be_visible()
    await expect(conflict).to_contain_text(KO["board.conflict"])
    await expect(kim.locator("#board-e-theirs")).to_contain_text("강사가 고친 제목")
    await expect(kim.locator("#board-e-theirs")).to_contain_text("처음 쓴 글")
    await expect(kim.locator("#board-e-theirs")).to_contain_text(
        KO["board.theirs_version"].format(version=2)
    )
    assert await kim.input_value("#board-e-text") == "학습자가 고친 글"  # nothing typed is lost
    await screenshot(kim, "board-conflict-phone")
    await assert_accessible(kim, context="the edit conflict in the edit dialog (phone)")

    # "apply mine again" saves on top of version 2: both pages show the trainee's text
    await kim.click("#board-e-mine-again")
    await expect(kim.locator("#board-edit")).to_be_hidden()
    for page in (kim, teacher):
        edited = note(page, "강사가 고친 제목")
        await expect(edited.locator(".note-body")).to_have_text("학습자가 고친 글")
    await expect(kim.locator("#board-status")).to_contain_text(KO["board.saved_again"])
    assert room.errors == [[], [], []]


async def test_pre_moderation_the_queue_remove_restore_and_lock(room: Room) -> None:
    teacher, kim, lee = room.teacher, room.kim, room.lee
    await new_board(teacher, "건의함")
    await teacher.select_option("#board-moderation", "pre")
    await expect(teacher.locator("#board-queue-box")).to_be_visible()
    for page in (kim, lee):
        await open_board(page, "건의함")
        await expect(page.locator("#board-mode-note")).to_be_visible()

    await compose(kim, title="휴식 시간", text="쉬는 시간을 10분 늘려 주세요")
    waiting = note(kim, "휴식 시간")
    await expect(waiting.locator(".note-badge-pending")).to_have_text(KO["board.pending"])
    await expect(kim.locator("#board-status")).to_contain_text(KO["board.sent_pending"])
    queued = teacher.locator("#board-queue li", has_text="휴식 시간")
    await expect(queued).to_be_visible()
    await expect(teacher.locator("#board-count")).to_have_text("1")
    await expect(note(teacher, "휴식 시간").locator(".note-badge-pending")).to_be_visible()
    assert await note(lee, "휴식 시간").count() == 0  # the other trainee does not see it
    await assert_accessible(teacher, context="the board's approval queue")

    await queued.locator(".board-approve").click()
    await expect(note(lee, "휴식 시간")).to_be_visible()
    await expect(waiting.locator(".note-badge-pending")).to_have_count(0)
    await expect(teacher.locator("#board-queue-empty")).to_be_visible()
    await expect(teacher.locator("#board-count")).to_be_hidden()

    # removed: gone from the trainees' pages, shown as removed to staff with "restore"
    await (await note_menu(teacher, "휴식 시간")).locator(".note-remove").click()
    await expect(note(lee, "휴식 시간")).to_have_count(0)
    await expect(note(kim, "휴식 시간")).to_have_count(0)
    removed = note(teacher, "휴식 시간")
    await expect(removed.locator(".note-badge-removed")).to_have_text(KO["board.removed"])
    restore = removed.locator(".note-restore")
    await expect(restore).to_be_visible()
    await assert_accessible(teacher, context="a removed post, for staff")
    await restore.click()
    await expect(note(lee, "휴식 시간")).to_be_visible()
    await expect(note(kim, "휴식 시간").locator(".note-badge-mine")).to_be_visible()

    # highlighted and graded: every page shows it
    menu = await note_menu(teacher, "휴식 시간")
    await menu.locator(".note-highlight").click()
    await menu.locator("input[id^=note-g-]").fill("우수")
    await menu.locator(".note-grade-go").click()
    await expect(note(lee, "휴식 시간").locator(".note-badge-highlight")).to_be_visible()
    await expect(note(lee, "휴식 시간").locator(".note-badge-grade")).to_contain_text("우수")

    # locked: the trainees cannot post, and are told why
    await teacher.click("#board-lock")
    await expect(teacher.locator("#board-lock")).to_have_attribute("aria-pressed", "true")
    for page in (kim, lee):
        await expect(page.locator("#board-locked-note")).to_have_text(KO["board.locked_note"])
        await expect(page.locator("#board-add")).to_be_hidden()
        await expect(note(page, "휴식 시간").locator(".note-like")).to_be_disabled()
    await expect(note(kim, "휴식 시간").locator(".note-edit")).to_be_hidden()
    await assert_accessible(kim, context="a locked board (phone)")
    await teacher.click("#board-lock")
    await expect(kim.locator("#board-add")).to_be_visible()
    assert room.errors == [[], [], []]


async def left_top(page: Page, text: str) -> tuple[float, float]:
    box = await note(page, text).evaluate("li => [li.offsetLeft, li.offsetTop]")
    return float(box[0]), float(box[1])


async def test_canvas_notes_move_by_keyboard_and_by_dragging(room: Room) -> None:
    teacher, lee = room.teacher, room.lee
    await new_board(teacher, "마인드맵", layout="canvas")
    await open_board(lee, "마인드맵")
    await compose(lee, title="중심 생각")
    await compose(lee, title="곁가지")
    start = await left_top(lee, "중심 생각")
    await expect(note(teacher, "중심 생각")).to_be_visible()
    assert await left_top(teacher, "중심 생각") == start

    # the keyboard: focus the note, arrows move it 20 px (Shift: 100 px), the other page follows
    await note(lee, "중심 생각").focus()
    for _ in range(5):
        await lee.keyboard.press("ArrowRight")
    await lee.keyboard.press("Shift+ArrowDown")
    await lee.keyboard.press("Shift+ArrowDown")
    moved = (start[0] + 100, start[1] + 200)
    assert await left_top(lee, "중심 생각") == moved
    await teacher.wait_for_function(
        "([t, x, y]) => [...document.querySelectorAll('#board-surface li.note')].some((li) =>"
        " li.querySelector('.note-title').textContent === t && li.offsetLeft === x"
        " && li.offsetTop === y)",
        arg=["중심 생각", moved[0], moved[1]],
    )

    # the mouse: drag it by its title
    title = note(lee, "중심 생각").locator(".note-title")
    box = await title.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    await lee.mouse.move(x, y)
    await lee.mouse.down()
    await lee.mouse.move(x + 60, y + 30, steps=4)
    await lee.mouse.move(x + 150, y + 80, steps=6)
    await lee.mouse.up()
    dragged = (moved[0] + 150, moved[1] + 80)
    assert await left_top(lee, "중심 생각") == dragged
    await teacher.wait_for_function(
        "([t, x, y]) => [...document.querySelectorAll('#board-surface li.note')].some((li) =>"
        " li.querySelector('.note-title').textContent === t && li.offsetLeft === x"
        " && li.offsetTop === y)",
        arg=["중심 생각", dragged[0], dragged[1]],
    )

    # an arrow from one note to the other, drawn on the other page
    menu = await note_menu(lee, "중심 생각")
    await menu.locator("select[id^=note-to-]").select_option(label="곁가지")
    await menu.locator("input[id^=note-cl-]").fill("이어짐")
    await menu.locator(".note-connect-go").click()
    await expect(teacher.locator("#board-surface svg line")).to_have_count(1)
    await expect(teacher.locator("#board-surface svg text")).to_have_text("이어짐")
    await screenshot(teacher, "board-canvas-instructor")
    await assert_accessible(lee, context="a canvas board with an arrow")
    assert room.errors == [[], [], []]


def small_png() -> bytes:
    picture = Image.new("RGB", (64, 48), (230, 120, 40))
    for x in range(64):
        picture.putpixel((x, x % 48), (20, 60, 200))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


async def test_a_photo_from_the_file_chooser_shows_on_the_other_page(room: Room) -> None:
    teacher, kim, lee = room.teacher, room.kim, room.lee
    await new_board(teacher, "현장 사진")
    await open_board(kim, "현장 사진")
    await open_board(lee, "현장 사진")
    await kim.click("#board-add")
    accepted = str(await kim.get_attribute("#board-c-camera", "accept"))
    assert accepted.startswith("image/")
    assert await kim.get_attribute("#board-c-camera", "capture") == "environment"
    await kim.set_input_files("#board-c-file", files=[
        FilePayload(name="현장.png", mimeType="image/png", buffer=small_png())])  # fmt: skip
    await expect(kim.locator("#board-c-attached img")).to_be_visible()
    await kim.fill("#board-c-title", "교육장 모습")
    await kim.click("#board-c-send")
    await expect(kim.locator("#board-compose")).to_be_hidden()

    shown = note(lee, "교육장 모습").locator(".note-attachment img")
    await expect(shown).to_be_visible()
    assert str(await shown.get_attribute("src")).startswith("/api/v1/board-attachments/")
    assert "현장.png" in str(await shown.get_attribute("alt"))
    await lee.wait_for_function(
        "img => img.complete && img.naturalWidth === 64", arg=await shown.element_handle()
    )

    # a file that is no picture or document is refused, and the dialog says why
    await kim.click("#board-add")
    script = b"<script>alert(1)</script>"
    await kim.set_input_files("#board-c-file", files=[
        FilePayload(name="run.html", mimeType="text/html", buffer=script)])  # fmt: skip
    await expect(kim.locator("#board-c-status")).to_contain_text(KO["board.wrong_type"])
    await expect(kim.locator("#board-c-attached")).to_be_hidden()
    await kim.click("#board-c-cancel")
    await screenshot(lee, "board-photo-desktop")
    assert room.errors == [[], [], []]


NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


async def shot(page: Page, name: str) -> None:
    """What the screen shows now (the board panel scrolled into view)."""
    await page.locator("#board-surface").scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / f"{name}.png")


@dataclass
class Held:
    asked: asyncio.Event  # the page asked for one of them
    go: asyncio.Event  # let them through
    passed: list[asyncio.Future[None]]  # one per request held, done once it went on


@asynccontextmanager
async def held_back(page: Page, pattern: str) -> AsyncIterator[Held]:
    """Requests matching ``pattern`` wait (the network is slow) until the block ends."""
    held = Held(asyncio.Event(), asyncio.Event(), [])

    async def hold(route: Route) -> None:
        passed = asyncio.get_running_loop().create_future()
        held.passed.append(passed)
        held.asked.set()
        try:
            await held.go.wait()
            await route.continue_()
        finally:
            passed.set_result(None)

    await page.route(pattern, hold)
    try:
        yield held
    finally:
        held.go.set()
        await asyncio.gather(*held.passed)
        await page.unroute(pattern, hold)


async def test_every_layout_on_a_phone_and_a_desktop(room: Room) -> None:
    teacher, kim = room.teacher, room.kim
    await new_board(teacher, "SWOT 분석", template="swot")
    await compose(teacher, title="현장 경험", text="민원 응대 경험이 많다", section="강점")
    await compose(teacher, title="인력 부족", text="- 야간 근무\n- 주말 근무", section="약점")
    await compose(teacher, title="디지털 전환", text="*온라인 민원* 확대", section="기회")
    await open_board(kim, "SWOT 분석")
    await expect(kim.locator("#board-surface li.note")).to_have_count(3)
    for layout in ("grid", "wall", "columns", "timeline", "canvas"):
        await teacher.select_option("#board-layout", layout)
        for page in (kim, teacher):
            await expect(page.locator(f"#board-surface[data-layout={layout}]")).to_be_attached()
            await expect(page.locator("#board-surface li.note")).to_have_count(3)
        await expect(kim.locator("#board-info")).to_contain_text(KO[f"board.layout_{layout}"])
        assert await kim.evaluate(NO_SIDEWAYS_SCROLL), layout
        await shot(kim, f"board-{layout}-phone")
        await shot(teacher, f"board-{layout}-desktop")
        await assert_accessible(kim, context=f"the {layout} layout on a phone")
    # the phone switches to English; while its words are on the way the new layout arrives and
    # is drawn in the Korean words at hand; once the English ones come all is drawn again
    async with held_back(kim, "**/static/i18n/en/*.json") as catalogs:
        await kim.click("#lang-room")
        await catalogs.asked.wait()
        await teacher.select_option("#board-layout", "columns")
        await expect(kim.locator("#board-surface[data-layout=columns]")).to_be_attached()
        await expect(kim.locator("#board-info")).to_have_text(KO["board.layout_columns"])
    await expect(kim.locator("#board-info")).to_have_text(EN["board.layout_columns"])
    await expect(kim.locator("#board-add")).to_contain_text(EN["board.add"])
    await expect(note(kim, "현장 경험").locator(".note-rating")).to_have_text(EN["board.no_rating"])
    liked = note(kim, "현장 경험").locator(".note-like .visually-hidden")
    await expect(liked).to_have_text(EN["board.like"])
    await expect(kim.locator(".board-add-here").first).to_contain_text(EN["board.add"])
    await shot(kim, "board-columns-phone-en")
    for page in (kim, teacher):  # paper notes in a dark page: still AA
        await page.emulate_media(color_scheme="dark")
    await teacher.select_option("#board-layout", "timeline")
    await expect(kim.locator("#board-surface[data-layout=timeline]")).to_be_attached()
    await assert_accessible(kim, context="a timeline, dark, in English (phone)")
    await assert_accessible(teacher, context="a timeline, dark (desktop)")
    await shot(kim, "board-timeline-phone-dark")
    await shot(teacher, "board-timeline-desktop-dark")
    assert room.errors == [[], [], []]


async def test_a_post_written_offline_is_sent_once_when_back(room: Room) -> None:
    teacher, lee = room.teacher, room.lee
    await new_board(teacher, "연결 시험")
    await open_board(lee, "연결 시험")
    await lee.context.set_offline(True)
    await lee.wait_for_function("window.baeum.connection !== 'connected'")
    await compose(lee, title="끊긴 동안 쓴 글")
    await expect(lee.locator("#board-status")).to_contain_text(KO["board.queued"])
    assert await lee.evaluate("window.baeum.board.unsent") == 1
    await lee.context.set_offline(False)
    await expect(note(teacher, "끊긴 동안 쓴 글")).to_have_count(1)
    await expect(note(lee, "끊긴 동안 쓴 글").locator(".note-badge-mine")).to_be_visible()
    await expect(lee.locator("#board-status")).to_contain_text(KO["board.sent_after_reconnect"])
    await lee.wait_for_function("window.baeum.board.unsent === 0")
    # a reload later sends nothing again, and the board comes back open
    await lee.reload()
    await in_lobby(lee)
    await join(lee)
    await open_panel(lee, "board")
    await expect(lee.locator("#board-name")).to_have_text("연결 시험")
    await expect(note(lee, "끊긴 동안 쓴 글")).to_have_count(1)
    await expect(note(teacher, "끊긴 동안 쓴 글")).to_have_count(1)

    # an answer that never comes: the post reaches the server, then the connection drops before
    # its answer; once back, the page sends it again with the same request id: one post
    await lee.evaluate(LOSE_THE_NEXT_ANSWER)
    await compose(lee, title="답을 못 받은 글")
    await expect(lee.locator("#board-status")).to_contain_text(KO["board.queued"])
    await expect(lee.locator("#board-status")).to_contain_text(KO["board.sent_after_reconnect"])
    await lee.wait_for_function("window.baeum.board.unsent === 0 && window.baeum.reconnects === 1")
    assert await lee.evaluate("window.__answersLost") == 1
    await expect(note(lee, "답을 못 받은 글").locator(".note-badge-mine")).to_be_visible()
    await expect(note(teacher, "답을 못 받은 글")).to_have_count(1)
    async with room.client.app[DATABASE].unit_of_work() as session:
        made = await session.scalars(select(BoardPost).where(BoardPost.title == "답을 못 받은 글"))
        assert len(made.all()) == 1
    assert await teacher.evaluate("window.baeum.board.posts") == 2
    assert room.errors == [[], [], []]


# The page's socket sends the next post, hears the server's answer and drops the connection
# before the page's own callback is told (as a phone losing its network at that moment would).
LOSE_THE_NEXT_ANSWER = """() => {
  const socket = window.baeum.socket;
  const emit = socket.emit;
  window.__answersLost = 0;
  socket.emit = function (event, ...args) {
    if (event !== "board_post" || window.__answersLost) return emit.call(this, event, ...args);
    window.__answersLost += 1;
    args.pop();
    let dropped = false;
    return emit.call(this, event, ...args, () => {
      if (!dropped) { dropped = true; socket.io.engine.close(); }
    });
  };
}"""


async def test_closed_groups_boards_are_a_gallery_for_the_whole_class(room: Room) -> None:
    teacher, kim = room.teacher, room.kim
    app = room.client.app
    now = app[CLOCK].now()
    async with app[DATABASE].unit_of_work() as session:  # as a breakout round leaves them
        closed = await service.create(session, BoardIn(title="1조 토의", template="brainstorm"),
                                      by=room.park_id, now=now, class_session_id=room.class_id,
                                      group_id=901)  # fmt: skip
        closed.archived_at = now
        author = posts.Author(f"staff:{room.park_id}", room.park_id, "박강사", True)
        spec = PostIn(board_id=closed.id, title="1조 결론", body="<p>함께 정리했습니다</p>",
                      section_id="ideas")  # fmt: skip
        await posts.create(session, closed, author, spec, now)
        await service.create(session, BoardIn(title="2조 토의", template="brainstorm"),
                             by=room.park_id, now=now, class_session_id=room.class_id,
                             group_id=902)  # fmt: skip
    await new_board(teacher, "전체 보드")  # a new board: every page lists the boards again
    await open_panel(kim, "board")
    gallery = kim.locator("#board-archive .board-card")
    await expect(gallery).to_have_count(1)
    await expect(gallery).to_contain_text("1조 토의")
    await expect(gallery).to_contain_text(KO["board.archived"])
    await expect(kim.locator("#board-list .board-card")).to_have_text([
        "전체 보드" + KO["board.layout_wall"]])  # fmt: skip
    await expect(kim.locator("#board-group-list-box")).to_be_hidden()  # another group's, open
    await teacher.click("#board-back")
    await expect(teacher.locator("#board-group-list .board-card")).to_contain_text(["2조 토의"])
    await expect(teacher.locator("#board-archive .board-card")).to_contain_text(["1조 토의"])
    await screenshot(kim, "board-picker-phone")
    await assert_accessible(kim, context="the board list with the groups' gallery (phone)")

    await gallery.click()
    await expect(note(kim, "1조 결론")).to_be_visible()
    await expect(kim.locator("#board-locked-note")).to_have_text(KO["board.archived_note"])
    await expect(kim.locator("#board-add")).to_be_hidden()
    await expect(kim.locator(".board-add-here:visible")).to_have_count(0)
    await expect(note(kim, "1조 결론").locator(".note-like")).to_be_disabled()
    assert room.errors == [[], [], []]


async def test_a_course_board_copied_renamed_and_resectioned(room: Room) -> None:
    """The instructor copies the course's prepared SWOT board into the class, then renames
    it and changes its sections; a trainee's page follows."""
    async with room.client.app[DATABASE].unit_of_work() as session:
        from server.boards import service as boards
        from server.lms import service as lms

        cohort = await lms.get_cohort(session, (await lms.get_class_session(
            session, room.class_id)).cohort_id)  # fmt: skip
        spec = BoardIn.model_validate({"title": "부서 SWOT", "template": "swot"})
        await boards.create(session, spec, by=room.park_id, now=room.client.app[CLOCK].now(),
                            course_id=cohort.course_id)  # fmt: skip
    teacher = room.teacher
    await open_panel(teacher, "board")
    await teacher.click("#board-console summary")
    await expect(teacher.locator("#board-new-from-row")).to_be_visible()
    await teacher.select_option("#board-new-from", label="부서 SWOT")
    await teacher.fill("#board-new-title", "무시되는 이름")
    await teacher.click("#board-new button[type=submit]")
    await expect(teacher.locator("#board-name")).to_have_text("부서 SWOT")
    await expect(teacher.locator("#board-sections")).to_have_value(
        "강점 Strengths\n약점 Weaknesses\n기회 Opportunities\n위협 Threats"
    )
    await open_board(room.kim, "부서 SWOT")
    await teacher.fill("#board-rename", "우리 과 SWOT")
    await teacher.fill("#board-sections", "강점\n약점\n기회\n위협\n질문")
    await teacher.click("#board-settings button[type=submit]")
    await expect(room.kim.locator("#board-name")).to_have_text("우리 과 SWOT")
    await expect(room.kim.locator("#board-surface")).to_contain_text("질문")
    await assert_accessible(teacher, context="board settings")
