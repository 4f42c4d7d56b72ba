"""Fixtures: the populated database (built once per database kind, copied per test) and fresh,
empty databases to restore into (a new SQLite file, or a new PostgreSQL database
``test_restore_<random>`` dropped when the test ends)."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web

from server.config import Settings
from server.core.audit import AuditedSession
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.db import Database
from server.core.keys import DATABASE
from tests.conftest import (
    PG_URL,
    Stack,
    _drop_pg,
    _pg_admin_dsn,
    _pg_url_for,
    add_person,
    run_blocking,
)
from tests.datasafety.records import Populated, populate

FreshDatabase = Callable[[], Coroutine[Any, Any, str]]


async def _create_pg(name: str, template: str | None = None) -> str:
    assert PG_URL is not None
    conn = await asyncpg.connect(_pg_admin_dsn(PG_URL))
    try:
        await conn.execute(
            f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        )
    finally:
        await conn.close()
    return _pg_url_for(PG_URL, name)


@pytest.fixture
def fresh_database(stack: Stack, request: pytest.FixtureRequest, tmp_path: Path) -> FreshDatabase:
    """Makes empty databases of the stack's kind (no tables at all)."""

    async def make() -> str:
        if stack.database == "sqlite":
            return f"sqlite+aiosqlite:///{tmp_path / f'restored-{secrets.token_hex(3)}.db'}"
        name = f"test_restore_{secrets.token_hex(6)}"
        request.addfinalizer(lambda: run_blocking(lambda: _drop_pg(name)))
        return await _create_pg(name)

    return make


@dataclass(frozen=True)
class Template:
    """A populated database nobody uses directly: a SQLite file or a PostgreSQL database name."""

    where: str
    made: Populated


@pytest.fixture(scope="session")
def populated_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Template]]:
    found: dict[str, Template] = {}
    yield found
    if "postgresql" in found:
        run_blocking(lambda: _drop_pg(found["postgresql"].where))


async def _build(url: str, var: Path) -> Populated:
    """The demo and the live records, written as the app writes them (audited units of work)."""
    db = Database(url, session_class=AuditedSession)
    app = web.Application()  # never started: only its database is used
    app[DATABASE] = db
    clock = ManualClock()
    settings = Settings(var_dir=var, database_url=url, secret_key="s" * 40,
                        public_url="http://baeum.test",
                        password_hash_profile="cheapest")  # fmt: skip
    try:
        people = {role: await add_person(app, f"{role.value}1", [role], clock) for role in Role}
        return await populate(app, settings, clock, people)
    finally:
        await db.close()


@dataclass(frozen=True)
class PopulatedDatabase:
    url: str
    made: Populated


@pytest.fixture
async def populated(
    stack: Stack,
    populated_templates: dict[str, Template],
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
) -> AsyncIterator[PopulatedDatabase]:
    """A database of the stack's kind at the newest revision holding the demo and live records
    (built once per kind, loading the demo takes a while; each test gets its own copy)."""
    kind = stack.database
    if kind not in populated_templates:
        if kind == "sqlite":
            path = tmp_path_factory.mktemp("populated") / "populated.db"
            shutil.copy(request.getfixturevalue("sqlite_template"), path)
            where, url = str(path), f"sqlite+aiosqlite:///{path}"
        else:
            where = f"baeum_populated_{secrets.token_hex(4)}"
            base = request.getfixturevalue("pg_template")
            url = run_blocking(lambda: _create_pg(where, base))
        var = tmp_path_factory.mktemp("populated-var")
        populated_templates[kind] = Template(where, run_blocking(lambda: _build(url, var)))
    template = populated_templates[kind]
    if kind == "sqlite":
        copy = tmp_path / "populated.db"
        shutil.copy(template.where, copy)
        yield PopulatedDatabase(f"sqlite+aiosqlite:///{copy}", template.made)
        return
    name = f"baeum_t_{secrets.token_hex(6)}"
    yield PopulatedDatabase(await _create_pg(name, template.where), template.made)
    await _drop_pg(name)
