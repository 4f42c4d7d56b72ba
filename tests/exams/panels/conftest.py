"""The fixtures the panels tests borrow: a real browser (tests/browser) for the page test and
an empty database on each kind (tests/core) for the migration test. Like every test that
uses the browser, the page is driven once, on PostgreSQL + Redis, when those are configured
(tests/browser/conftest.py)."""

from __future__ import annotations

from tests.browser.conftest import browser
from tests.core.test_migrations import empty_db

__all__ = ["browser", "empty_db"]
