"""Real browsers for the end-to-end tests: Debian's Chromium (installed by the test set-up
when missing) driven by Playwright, with a fake camera and microphone, and the join links that
bring a person into a class from it. Any page's test can use ``browser`` and ``join_link``."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright._impl.frame import Frame as PlaywrightFrame
from playwright.async_api import Browser, async_playwright

from server.config import Settings
from server.core.keys import DATABASE, SECRET_KEY, SETTINGS
from server.lms.service import get_class_session
from server.rooms.service import sign_invitation
from tests import debian
from tests.browser.a11y import ensure_korean_fonts
from tests.conftest import STACKS, AppClient

BROWSER_DIR = Path(__file__).parent

CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]  # fmt: skip


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    ensure_korean_fonts()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=debian.ensure("chromium", "chromium"),
            args=CHROMIUM_FLAGS,
            headless=True,
        )
        yield launched
        await launched.close()


async def join_link(client: AppClient, class_session_id: int, user_id: int) -> str:
    app = client.app
    async with app[DATABASE].unit_of_work() as session:
        class_session = await get_class_session(session, class_session_id)
    settings: Settings = app[SETTINGS]
    token, _ = sign_invitation(app[SECRET_KEY], settings, class_session, user_id)
    return str(client.make_url(f"/join/{token}"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With PostgreSQL and Redis at hand, each page is driven once, on them (the stack the
    institute runs), not also on the embedded one: the routes and events behind the pages run
    on both stacks in their own tests, and a second pass of every browser test only doubled
    the longest part of the suite. BAEUM_BROWSER_STACKS=all drives the pages on both."""
    if "services" not in STACKS or os.environ.get("BAEUM_BROWSER_STACKS") == "all":
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        in_browser = BROWSER_DIR in item.path.parents or "browser" in getattr(
            item, "fixturenames", ()
        )  # page tests kept beside their feature's tests drive a browser too
        (dropped if in_browser and params.get("stack") == "embedded" else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


#: what Playwright itself takes for a function (anything else is an expression)
JS_FUNCTION = re.compile(r"^\s*(async\b|function\b|\([^()]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)")


@pytest.fixture(autouse=True)
def _waits_without_eval(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages run under a Content-Security-Policy without 'unsafe-eval' (as in production).
    Playwright polls a ``wait_for_function`` *expression* with the page's eval(), which that
    policy refuses; a *function* is compiled through the DevTools protocol and polls fine. So
    the tests' expressions are handed over as functions (``() => (expression)``)."""
    original = PlaywrightFrame.wait_for_function

    async def wait_for_function(
        self: PlaywrightFrame, expression: str, *args: Any, **kwargs: Any
    ) -> Any:
        if not JS_FUNCTION.match(expression):
            expression = f"() => ({expression})"
        return await original(self, expression, *args, **kwargs)

    monkeypatch.setattr(PlaywrightFrame, "wait_for_function", wait_for_function)
