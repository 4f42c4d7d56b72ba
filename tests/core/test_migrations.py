"""Migrations bring an empty database to the models' schema, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from server.core import migrate
from server.core.db import Database
from server.models import Base
from tests.conftest import DB_KINDS, PG_URL, _pg_admin_dsn, _pg_url_for


@pytest.fixture(params=DB_KINDS)
async def empty_db(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[Database]:
    """A database with no tables at all."""
    import secrets

    import asyncpg

    from tests.conftest import _drop_pg

    if request.param == "sqlite":
        yield Database(f"sqlite+aiosqlite:///{tmp_path}/empty.db")
        return
    assert PG_URL is not None
    name = f"baeum_m_{secrets.token_hex(6)}"
    conn = await asyncpg.connect(_pg_admin_dsn(PG_URL))
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    yield Database(_pg_url_for(PG_URL, name))
    await _drop_pg(name)


def schema_diff(sync_conn: object) -> list[object]:
    context = MigrationContext.configure(sync_conn, opts={"compare_type": True})  # type: ignore[arg-type]
    return list(compare_metadata(context, Base.metadata))


async def test_upgrade_reaches_head_and_matches_the_models(empty_db: Database) -> None:
    try:
        assert await migrate.current_revision(empty_db.engine) is None
        await migrate.upgrade(empty_db.engine)
        assert await migrate.current_revision(empty_db.engine) == migrate.head_revision()
        async with empty_db.engine.connect() as conn:
            diff = await conn.run_sync(schema_diff)
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert diff == [], f"models and migrations disagree: {diff}"
        assert set(Base.metadata.tables) <= tables
    finally:
        await empty_db.close()


async def test_downgrade_to_base_and_up_again(empty_db: Database) -> None:
    try:
        await migrate.upgrade(empty_db.engine)
        await migrate.downgrade(empty_db.engine, "base")
        async with empty_db.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert tables <= {"alembic_version"}
        await migrate.upgrade(empty_db.engine)
        assert await migrate.current_revision(empty_db.engine) == migrate.head_revision()
    finally:
        await empty_db.close()
