"""Fixtures: a real app on a real database and live state, per test.

Every app test runs on each available *stack*:
- ``embedded``: SQLite file + in-process live state (always);
- ``services``: PostgreSQL + Redis, when BAEUM_TEST_DATABASE_URL and BAEUM_TEST_REDIS_URL are
  set (``.ci/run`` sets them when the services answer). With only one of them set, the stack
  uses that one and the embedded default for the other.

Each test gets its own database (a copy of a migrated template) and its own Redis key prefix,
so tests never see each other's data.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import redis.asyncio as aioredis
import structlog
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.engine import make_url

from server.app import create_app
from server.config import Settings
from server.core import migrate
from server.core.auth.passwords import Passwords
from server.core.auth.roles import Role
from server.core.auth.schemas import UserCreate
from server.core.auth.service import create_user
from server.core.clock import ManualClock
from server.core.db import Database
from server.core.keys import DATABASE

PG_URL = os.environ.get("BAEUM_TEST_DATABASE_URL") or None
REDIS_URL = os.environ.get("BAEUM_TEST_REDIS_URL") or None
STACKS = ["embedded"] + (["services"] if (PG_URL or REDIS_URL) else [])
DB_KINDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
LIVE_KINDS = ["memory"] + (["redis"] if REDIS_URL else [])
PASSWORD = "correct horse battery"

AppClient = TestClient[web.Request, web.Application]

#: modules that need a service which is not configured here are not collected at all
collect_ignore = (
    []
    if REDIS_URL
    else [
        "rooms/test_many_nodes.py",
        "rooms/test_breakout_two_nodes.py",
        "polls/test_polls_two_nodes.py",
        "boards/test_boards_two_nodes.py",
        "limits/test_lockout_two_nodes.py",
        "rooms/test_chat_retry_two_nodes.py",
    ]
) + ([] if (REDIS_URL and PG_URL) else ["rooms/test_node_outages.py"])


# ---- databases -----------------------------------------------------------------------------


def run_blocking(make: Callable[[], Awaitable[Any]]) -> Any:
    """Run a coroutine to the end on its own loop in another thread.

    Session fixtures and finalizers may be reached from inside the test's running loop,
    where ``asyncio.run`` is not allowed.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()  # type: ignore[arg-type]


def _pg_admin_dsn(url: str) -> str:
    """asyncpg's DSN for the configured database (the one we create others from)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_url_for(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


async def _migrated(url: str) -> None:
    db = Database(url)
    try:
        await migrate.upgrade(db.engine)
    finally:
        await db.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    run_blocking(lambda: _migrated(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    assert PG_URL is not None
    name = f"baeum_tpl_{os.getpid()}_{secrets.token_hex(3)}"

    async def create() -> None:
        conn = await asyncpg.connect(_pg_admin_dsn(PG_URL))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        await _migrated(_pg_url_for(PG_URL, name))

    run_blocking(create)
    yield name
    run_blocking(lambda: _drop_pg(name))


async def _drop_pg(name: str) -> None:
    assert PG_URL is not None
    conn = await asyncpg.connect(_pg_admin_dsn(PG_URL))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@dataclass(frozen=True)
class Stack:
    name: str
    database: str  # sqlite | postgresql
    live: str  # memory | redis


def stack_for(name: str) -> Stack:
    if name == "embedded":
        return Stack(name, "sqlite", "memory")
    return Stack(name, "postgresql" if PG_URL else "sqlite", "redis" if REDIS_URL else "memory")


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest) -> Stack:
    return stack_for(request.param)


async def new_database(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new database at the head revision, dropped when the test ends."""
    if kind == "sqlite":
        path = tmp_path / f"baeum-{secrets.token_hex(3)}.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    assert PG_URL is not None
    template = request.getfixturevalue("pg_template")
    name = f"baeum_t_{secrets.token_hex(6)}"
    conn = await asyncpg.connect(_pg_admin_dsn(PG_URL))
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await conn.close()
    request.addfinalizer(lambda: run_blocking(lambda: _drop_pg(name)))
    return _pg_url_for(PG_URL, name)


async def delete_prefix(prefix: str) -> None:
    """Every live key under ``prefix`` gone: a Redis emptied, as far as one test can see."""
    assert REDIS_URL is not None
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        keys = [k async for k in client.scan_iter(match=f"{prefix}:*", count=500)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


def redis_prefix(request: pytest.FixtureRequest) -> str:
    """A key prefix of this test's own, its keys deleted when the test ends."""
    prefix = f"t{secrets.token_hex(5)}"
    request.addfinalizer(lambda: run_blocking(lambda: delete_prefix(prefix)))
    return prefix


# ---- the app ---------------------------------------------------------------------------------


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@dataclass
class NodeFactory:
    """Makes settings and running apps for one test; several nodes may share a database."""

    stack: Stack
    request: pytest.FixtureRequest
    tmp_path: Path
    database_url: str
    prefix: str
    secret: str

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "var_dir": self.tmp_path / "var",
            "database_url": self.database_url,
            "redis_url": REDIS_URL if self.stack.live == "redis" else None,
            "redis_prefix": self.prefix,
            "secret_key": self.secret,
            "public_url": "http://baeum.test",
            "password_hash_profile": "cheapest",
            "presence_batch_s": 0.0,  # batches still form, within one loop turn
            "media_host_addresses": ["127.0.0.1"],  # media tests talk over loopback only
        }
        values.update(overrides)
        return Settings(**values)


@pytest.fixture
async def nodes(stack: Stack, request: pytest.FixtureRequest, tmp_path: Path) -> NodeFactory:
    database_url = await new_database(stack.database, request, tmp_path)
    prefix = redis_prefix(request) if stack.live == "redis" else "baeum"
    return NodeFactory(stack, request, tmp_path, database_url, prefix, secrets.token_urlsafe(40))


@pytest.fixture
def settings(nodes: NodeFactory) -> Settings:
    return nodes.settings()


@pytest.fixture
def app(settings: Settings, clock: ManualClock) -> web.Application:
    return create_app(settings, clock=clock)


@pytest.fixture
async def client(
    app: web.Application, aiohttp_client: Callable[..., Awaitable[AppClient]]
) -> AppClient:
    return await aiohttp_client(app)


# ---- people ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: int
    login: str
    role: Role


async def add_person(
    app: web.Application, login: str, roles: list[Role], clock: ManualClock, **fields: Any
) -> Person:
    data = UserCreate.model_validate(
        {"login": login, "name": fields.pop("name", login.title()), "roles": roles,
         "password": PASSWORD, **fields}
    )  # fmt: skip
    async with app[DATABASE].unit_of_work() as session:
        user = await create_user(session, data, Passwords("cheapest"), clock.now())
    return Person(user.id, user.login, roles[0])


@pytest.fixture
async def people(client: AppClient, clock: ManualClock) -> dict[Role, Person]:
    """One person per role (the client fixture has started the app and its database)."""
    return {role: await add_person(client.app, f"{role.value}1", [role], clock) for role in Role}


async def log_in(client: AppClient, login: str, password: str = PASSWORD) -> str:
    """Log the client in with a password; returns the CSRF token."""
    response = await client.post("/api/v1/auth/login", json={"login": login, "password": password})
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return str(body["csrf_token"])


async def api_token(client: AppClient, login: str) -> str:
    """An API token for the person, made through the API itself; the client stays logged out."""
    csrf = await log_in(client, login)
    response = await client.post(
        "/api/v1/auth/tokens", json={"name": "tests"}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status == 201, await response.text()
    token = str((await response.json())["token"])
    client.session.cookie_jar.clear()
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def pytest_configure() -> None:
    """structlog's defaults, but tracebacks as plain text: its default renders them with
    every frame's locals (through rich when installed), about 200 ms an exception, enough
    under a loaded CI to make a socket call that ends in a logged error miss its ack."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.StackInfoRenderer(),
            structlog.dev.set_exc_info,
            structlog.processors.TimeStamper(fmt="%Y-%m-%d %H:%M:%S", utc=False),
            structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback),
        ]
    )


def pytest_report_header() -> list[str]:
    return [f"baeum stacks: {', '.join(f'{s}={stack_for(s)}' for s in STACKS)}"]
