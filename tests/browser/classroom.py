"""Driving the class page in a real browser, for any test that needs people in a class: sign
in through the log-in page, open the class, wait in the lobby, join, and read what the page's
own WebRTC statistics say arrived."""

from __future__ import annotations

import asyncio
from typing import Any

from playwright.async_api import Page

from tests.conftest import PASSWORD, AppClient

JOIN_WAIT_MS = 30_000


def page_errors(page: Page) -> list[str]:
    """Uncaught errors in the page's scripts, collected as they happen (a test asserts none)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


async def sign_in(page: Page, client: AppClient, login: str, next_path: str) -> None:
    """Sign in through the log-in page (as a person would) and follow it to ``next_path``."""
    await page.goto(str(client.make_url(f"/login?next={next_path}")))
    await page.fill("#login", login)
    await page.fill("#password", PASSWORD)
    await page.click("#submit")
    await page.wait_for_url(f"**{next_path}")


async def in_lobby(page: Page) -> None:
    """Wait until the lobby has loaded the class and tried the camera."""
    await page.wait_for_function(
        "window.baeum && (window.baeum.ready || window.baeum.error)", timeout=JOIN_WAIT_MS
    )
    assert await page.evaluate("window.baeum.error || null") is None


async def join(page: Page) -> dict[str, Any]:
    """Press the lobby's join button; the class state the page joined with."""
    await page.click("#join")
    await page.wait_for_function(
        "window.baeum.phase === 'class' || window.baeum.error", timeout=JOIN_WAIT_MS
    )
    assert await page.evaluate("window.baeum.error || null") is None
    state: dict[str, Any] = await page.evaluate("window.baeum.state")
    return state


async def media_arrives(page: Page, deadline_s: float = 30.0) -> dict[str, Any]:
    """The page's own inbound statistics, once video frames and audio have arrived (or at the
    deadline): WebRTC takes a moment to connect, and only the browser knows when it has."""
    loop = asyncio.get_running_loop()
    until = loop.time() + deadline_s
    while True:
        totals: dict[str, Any] = await page.evaluate("window.baeum.received()")
        if (totals["framesDecoded"] > 5 and totals["audioPackets"] > 5) or loop.time() > until:
            return totals
        await page.wait_for_timeout(200)


async def open_panel(page: Page, name: str) -> None:
    """Open the chat, captions or people panel if it is closed."""
    if await page.get_attribute(f"#toggle-{name}", "aria-expanded") != "true":
        await page.click(f"#toggle-{name}")
    await page.wait_for_selector(f"#panel-{name}", state="visible")
