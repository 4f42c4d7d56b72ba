"""The browser check of every page uses the browser tests' Chromium, and like them drives the
pages on one stack only (PostgreSQL + Redis when at hand; BAEUM_BROWSER_STACKS=all for both)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import browser  # noqa: F401 - the fixture, shared
from tests.conftest import STACKS

PAGES_TEST = Path(__file__).parent / "test_csp_pages.py"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "services" not in STACKS or os.environ.get("BAEUM_BROWSER_STACKS") == "all":
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        in_browser = item.path == PAGES_TEST
        (dropped if in_browser and params.get("stack") == "embedded" else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
