"""Every XSS vector of the corpus, as a post's text and as its title (and as comments and link
titles), rendered by a real browser's board: nothing runs, no dialog opens, and the board's DOM
holds no script, frame, plugin or SVG, no event-handler attribute and no javascript:, data: or
vbscript: address. Plain fields show what was typed, as text. Links with each bad URL are
refused by the server.

Some posts arrive live (a socket.io client posting while the page watches: the push path),
the rest are made through the server's own posting service (its sanitiser included) and come
with ``board_open`` (the path after opening or a reconnect): posting is rate-limited per person.
A canary injected outside the board at the end proves the page's alarm would have rung."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Browser, Dialog, expect

from server.boards import posts, sanitize, service
from server.boards.schemas import LinkIn, PostIn
from server.core.clock import ManualClock
from server.core.errors import Problem
from server.core.keys import CLOCK, DATABASE
from tests.boards.board import Boards, new_board, prepare
from tests.boards.xss_corpus import URL_VECTORS, VECTORS
from tests.browser.a11y import assert_accessible
from tests.browser.classroom import in_lobby, join, open_panel, page_errors
from tests.browser.conftest import join_link
from tests.conftest import AppClient

LIVE_POSTS = 20  # under the per-person posting limit (30 a minute)
TITLE_BAIT = "<img src=x onerror=alert(1)>"

ALARM = """
window.__xss = 0;
for (const name of ["alert", "confirm", "prompt", "print"]) {
  const original = window[name];
  window[name] = function (...args) { window.__xss += 1; return original.apply(this, args); };
}
"""

# What the board's DOM must not hold, checked in the page.
INSPECT = """() => {
  const root = document.getElementById("panel-board");
  const bad = [];
  const forbidden = "script, iframe, frame, frameset, object, embed, applet, svg, math, style,"
    + " link, meta, base, template, noscript";
  for (const el of root.querySelectorAll(forbidden)) bad.push(`element <${el.localName}>`);
  // what people wrote: a body holds only the allowed formatting; plain fields hold only text
  const allowed = new Set(["p", "br", "b", "strong", "i", "em", "u", "s", "ul", "ol", "li", "a",
    "code", "blockquote"]);
  for (const el of root.querySelectorAll(".note-body *")) {
    if (!allowed.has(el.localName)) bad.push(`<${el.localName}> in a body`);
  }
  const plain = ".note-title, .note-comments li > span, .note-link a, .note-link-desc, .note-meta";
  for (const el of root.querySelectorAll(plain)) {
    const inside = [...el.children].filter((c) => !c.matches("time.note-date"));
    if (inside.length) bad.push(`<${inside[0].localName}> in ${el.className}`);
  }
  const schemes = /^(javascript|data|vbscript|livescript):/;
  for (const el of root.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (attr.name.toLowerCase().startsWith("on")) bad.push(`${el.localName}[${attr.name}]`);
      if (["href", "src", "action", "formaction", "xlink:href", "data", "background", "poster",
           "srcset", "style", "dynsrc", "lowsrc"].includes(attr.name.toLowerCase())) {
        const value = attr.value.replace(/[\\u0000-\\u0020\\u007f-\\u009f]/g, "").toLowerCase();
        if (schemes.test(value)) bad.push(`${el.localName}[${attr.name}=${attr.value}]`);
        if (attr.name === "style") bad.push(`${el.localName}[style=${attr.value}]`);
      }
    }
  }
  for (const a of root.querySelectorAll("#board-surface a[href]")) {
    const href = a.getAttribute("href");
    const ours = /^\\/api\\/v1\\/board-attachments\\/\\d+$/.test(href);
    if (!ours && !/^(https?:\\/\\/|mailto:)/.test(href)) bad.push(`a[href=${href}]`);
    if (!ours && (a.rel !== "noopener noreferrer nofollow" || a.target !== "_blank")) {
      bad.push(`a without rel/target: ${href}`);
    }
  }
  return bad;
}"""


@pytest.fixture
async def boards(client: AppClient, clock: ManualClock) -> AsyncIterator[Boards]:
    state = await prepare([client], clock)
    yield state
    await state.close()


async def seed(boards: Boards, board_id: int, specs: list[dict[str, Any]]) -> None:
    """Posts made through the server's posting service (sanitiser and all), by the instructor."""
    park = boards.who["park"]
    author = posts.Author(f"staff:{park.id}", park.id, "박강사", True)
    async with boards.client.app[DATABASE].unit_of_work() as session:
        board = await service.get(session, board_id)
        for n, spec in enumerate(specs):
            payload = PostIn(board_id=board_id, request_id=f"xss-seed-{n:05d}", **spec)
            await posts.create(session, board, author, payload, boards.client.app[CLOCK].now())


async def test_no_vector_runs_or_leaves_anything_active_on_the_board(
    boards: Boards, browser: Browser
) -> None:
    park = await boards.enter("park")
    board = await new_board(park, title="보안 점검")
    board_id = board["id"]

    # links with every bad address are refused by the server, whoever sends them
    lee, choi = await boards.enter("lee"), await boards.enter("choi")
    for n, url in enumerate(URL_VECTORS):
        sender = (lee, choi)[n % 2]
        answer = await sender.call("board_post", {
            "board_id": board_id, "title": f"링크 {n}", "link": {"url": url}})  # fmt: skip
        assert answer["ok"] is False, url
        assert answer["error"]["type"] == "validation-error", (url, answer)
    # ... and by the posting service itself (a link's title may say anything: it is text)
    bad_link = {"title": "x", "link": LinkIn(url="javascript:alert(1)")}
    with pytest.raises(Problem) as refused:
        await seed(boards, board_id, [bad_link])
    assert refused.value.type.slug == "validation-error"

    # the rest of the corpus, made before the page opens the board
    seeded: list[dict[str, Any]] = [{"title": v[:200], "body": v} for v in VECTORS[LIVE_POSTS:]]
    seeded += [
        {"title": TITLE_BAIT, "body": "<p>제목이 글자 그대로 보여야 합니다</p>"},
        {"title": "링크 제목", "link": LinkIn(url="https://ok.example/path?q=1",
                                             title="<script>alert(1)</script>",
                                             description='"><img src=x onerror=alert(1)>')},
        {"title": "평범한 글", "body": "<b>굵게</b> <a href='https://ok.example'>안전한 링크</a>"},
    ]  # fmt: skip
    await seed(boards, board_id, seeded)

    # the sanitiser alone: with the page's CSP on, an inline vector that slipped through would
    # be blocked anyway and this test could not tell (the CSP has its own, tests/security)
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    try:
        await context.add_init_script(ALARM)
        page = await context.new_page()
        page.set_default_timeout(15_000)
        errors = page_errors(page)
        dialogs: list[str] = []

        async def dismiss(dialog: Dialog) -> None:
            dialogs.append(dialog.message)
            await dialog.dismiss()

        page.on("dialog", dismiss)
        await page.goto(await join_link(boards.client, boards.klass.class_session_id,
                                        boards.who["kim"].id))  # fmt: skip
        await in_lobby(page)
        await join(page)
        await open_panel(page, "board")
        await page.locator("#board-picker .board-card", has_text="보안 점검").click()
        notes = page.locator("#board-surface li.note")
        await expect(notes).to_have_count(len(seeded))

        # the first vectors arrive live, pushed while the page watches (and as comments)
        live_ids = []
        for vector in VECTORS[:LIVE_POSTS]:
            made = await park.ok("board_post", {"board_id": board_id, "title": vector[:200],
                                                "body": vector})  # fmt: skip
            live_ids.append(made["id"])
        for vector in VECTORS[:10]:
            await park.ok("board_comment", {"post_id": live_ids[0], "text": vector})
        await expect(notes).to_have_count(len(seeded) + LIVE_POSTS)
        first = page.locator(f"#board-surface li.note[data-id='{live_ids[0]}']")
        await expect(first.locator(".note-open .note-n")).to_have_text("10")
        await first.locator(".note-open").click()
        await expect(first.locator(".note-comments li")).to_have_count(10)

        # plain fields are text: the bait shows literally, as typed
        titles = await page.locator("#board-surface .note-title").all_text_contents()
        assert TITLE_BAIT in titles
        for vector in VECTORS:  # as typed, less the control characters the server drops
            assert sanitize.clean_text(vector[:200], 200) in titles, vector
        comments = await first.locator(".note-comments li > span").all_text_contents()
        assert comments == VECTORS[:10]
        linked = page.locator("#board-surface li.note", has_text="링크 제목").locator(".note-link")
        await expect(linked.locator("a")).to_have_text("<script>alert(1)</script>")
        await expect(linked.locator("a")).to_have_attribute("href", "https://ok.example/path?q=1")
        await expect(linked).to_contain_text('"><img src=x onerror=alert(1)>')
        # the allowed formatting survives, without its attributes
        plain = page.locator("#board-surface li.note", has_text="평범한 글")
        await expect(plain.locator(".note-body b")).to_have_text("굵게")
        safe = plain.locator(".note-body a")
        await expect(safe).to_have_attribute("href", "https://ok.example/")
        await expect(safe).to_have_attribute("rel", "noopener noreferrer nofollow")

        assert await page.evaluate(INSPECT) == []
        assert await page.evaluate("window.__xss") == 0
        assert dialogs == []
        await assert_accessible(page, context="a board full of hostile posts")

        # the page's own pass alone (no server in between) makes every raw vector inert too
        rendered = await page.evaluate(
            """async (vectors) => {
              const { safeBody } = await import("/static/js/classroom/board-html.js");
              const holder = document.createElement("ul");
              for (const vector of vectors) {
                const body = document.createElement("div");
                body.className = "note-body";
                body.append(safeBody(vector));
                const li = document.createElement("li");
                li.append(body);
                holder.append(li);
              }
              document.getElementById("board-surface").append(holder);
              return holder.querySelectorAll(".note-body").length;
            }""",
            VECTORS,
        )
        assert rendered == len(VECTORS)
        assert await page.evaluate(INSPECT) == []
        assert await page.evaluate("window.__xss") == 0
        assert dialogs == []

        # the alarm works: something that does run outside the board is caught at once
        await page.evaluate(
            "document.body.insertAdjacentHTML('beforeend', '<img src=\"/x-canary\" "
            'onerror="alert(1)" alt="">\')'
        )
        await page.wait_for_function("window.__xss === 1")
        assert len(dialogs) == 1
        assert errors == []
    finally:
        await context.close()
