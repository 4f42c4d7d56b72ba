"""The fixtures the panels tests borrow: a real browser (tests/browser) for the page test and
an empty database on each kind (tests/core) for the migration test. As in tests/browser, the
page is driven once, on PostgreSQL + Redis, when those are configured (the routes behind it
run on both stacks in their own tests); BAEUM_BROWSER_STACKS=all drives it on both."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import browser
from tests.conftest import STACKS
from tests.core.test_migrations import empty_db

__all__ = ["browser", "empty_db"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "services" not in STACKS or os.environ.get("BAEUM_BROWSER_STACKS") == "all":
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        uses_browser = "browser" in getattr(item, "fixturenames", ())
        here = item.path == Path(__file__).parent / "test_page.py"
        (dropped if here and uses_browser and params.get("stack") == "embedded" else kept).append(
            item
        )
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
