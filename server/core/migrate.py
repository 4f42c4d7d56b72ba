"""Schema migrations (Alembic), run on the app's own async engine.

The same migration files run on SQLite and PostgreSQL; ``render_as_batch`` lets Alembic
rebuild SQLite tables for the ALTERs SQLite lacks.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), revision))


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def autogenerate(engine: AsyncEngine, message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    async with engine.begin() as conn:
        await conn.run_sync(
            lambda sync: command.revision(alembic_config(sync), message, autogenerate=True)
        )


def revisions() -> list[str]:
    """Every revision, oldest first (the chain is linear)."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return [s.revision for s in reversed(list(scripts.walk_revisions()))]


async def schemas_at(*wanted: str) -> dict[str, dict[str, set[str]]]:
    """The tables and their columns at each wanted revision: the migrations run once, oldest
    first, on a scratch SQLite file (table and column names are the same on both databases)."""
    from server.core.db import Database

    order = ["base", *revisions()]
    found: dict[str, dict[str, set[str]]] = {}
    with tempfile.TemporaryDirectory(prefix="baeum-schema-") as work:
        scratch = Database(f"sqlite+aiosqlite:///{Path(work) / 'scratch.db'}")
        try:
            for revision in sorted(set(wanted), key=order.index):
                if revision != "base":
                    await upgrade(scratch.engine, revision)
                found[revision] = await columns(scratch.engine)
        finally:
            await scratch.close()
    return found


async def columns(engine: AsyncEngine) -> dict[str, set[str]]:
    def read(sync: Connection) -> dict[str, set[str]]:
        found = inspect(sync)
        return {t: {c["name"] for c in found.get_columns(t)}
                for t in found.get_table_names() if t != "alembic_version"}  # fmt: skip

    async with engine.connect() as conn:
        return await conn.run_sync(read)


async def downgrade_losses(engine: AsyncEngine, target: str) -> list[str]:
    """What a downgrade to ``target`` would drop that holds data here: tables with rows and
    columns with values that exist now and not at the target revision. Empty: nothing lost."""
    current = await current_revision(engine)
    if current is None:
        return []
    schemas = await schemas_at(current, target)
    now, then = schemas[current], schemas[target]
    checks: list[tuple[str, str]] = []
    for table, cols in sorted(now.items()):
        if table not in then:
            checks.append((f"table {table}", f'SELECT count(*) FROM "{table}"'))  # noqa: S608
        else:
            checks += [(f"column {table}.{c}", f'SELECT count("{c}") FROM "{table}"')  # noqa: S608
                       for c in sorted(cols - then[table])]  # fmt: skip
    losses = []
    async with engine.connect() as conn:
        for what, sql in checks:
            n = int((await conn.execute(text(sql))).scalar_one())
            if n:
                losses.append(f"{what} ({n} {'rows' if what.startswith('table') else 'values'})")
    return losses
