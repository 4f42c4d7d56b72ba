"""The accessibility helpers themselves (tests/browser/a11y.py), on pages set in place: axe
fails a page with serious violations and passes a clean one, and Tab reaches every control."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.browser.a11y import assert_accessible, interactive_controls, screenshot, tab_through

CLEAN = """<!doctype html><html lang="en"><head><title>Clean</title>
<style>:focus-visible { outline: 3px solid #0b57d0; }</style></head>
<body><main><h1>Clean</h1><p><a href="#top">Top</a></p>
<button id="one" type="button">One</button>
<button id="two" type="button" aria-label="Two items">Two</button>
<button id="off" type="button" disabled>Off</button>
<button id="gone" type="button" hidden>Gone</button></main></body></html>"""

BROKEN = """<!doctype html><html lang="en"><head><title>Broken</title></head>
<body><main><h1>Broken</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<button id="nameless" type="button"></button></main></body></html>"""


async def test_axe_fails_serious_violations_and_passes_a_clean_page(browser: Browser) -> None:
    page = await browser.new_page()
    try:
        await page.set_content(BROKEN)
        with pytest.raises(AssertionError) as failed:
            await assert_accessible(page, context="broken on purpose")
        message = str(failed.value)
        assert "broken on purpose" in message
        assert "image-alt" in message
        assert "button-name" in message
        assert "#nameless" in message
        await page.set_content(CLEAN)
        await assert_accessible(page)
        shot = await screenshot(page, "a11y-tools-clean")
        assert shot.read_bytes().startswith(b"\x89PNG")
    finally:
        await page.close()


async def test_tab_reaches_every_control_with_a_visible_focus(browser: Browser) -> None:
    page = await browser.new_page()
    try:
        await page.set_content(CLEAN)
        await page.focus("#two")  # tab_through starts from the top whatever has focus
        reached = await tab_through(page)
        assert [(c["tag"], c["id"], c["name"]) for c in reached] == [
            ("a", None, "Top"), ("button", "one", "One"), ("button", "two", "Two items"),
        ]  # fmt: skip
        assert all(c["focus_visible"] for c in reached)
        controls = await interactive_controls(page)
        assert [{k: c[k] for k in ("tag", "id", "role", "name")} for c in reached] == controls
    finally:
        await page.close()
