"""A fresh, empty database to restore into: a new SQLite file, or a new PostgreSQL database
(``test_restore_<random>``) dropped when the test ends."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.conftest import PG_URL, Stack, _drop_pg, _pg_admin_dsn, _pg_url_for, run_blocking

FreshDatabase = Callable[[], Coroutine[Any, Any, str]]


@pytest.fixture
def fresh_database(stack: Stack, request: pytest.FixtureRequest, tmp_path: Path) -> FreshDatabase:
    """Makes empty databases of the stack's kind (no tables at all)."""

    async def make() -> str:
        if stack.database == "sqlite":
            return f"sqlite+aiosqlite:///{tmp_path / f'restored-{secrets.token_hex(3)}.db'}"
        assert PG_URL is not None
        name = f"test_restore_{secrets.token_hex(6)}"
        conn = await asyncpg.connect(_pg_admin_dsn(PG_URL))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        request.addfinalizer(lambda: run_blocking(lambda: _drop_pg(name)))
        return _pg_url_for(PG_URL, name)

    return make
