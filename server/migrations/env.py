"""Alembic environment: runs on the connection ``server.core.migrate`` hands it."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from server.core.db import UTCDateTime
from server.models import Base


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """UTCDateTime is a Python-side wrapper; the database sees a timezone-aware DateTime."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run(connection: Connection) -> None:
    """Run the migrations in one transaction. On SQLite, foreign keys are off meanwhile and
    checked whole at the end: a batch operation changes a table by copying it, which the keys
    of other tables pointing at it would refuse row by row mid-copy (and a refused check
    would undo every step)."""
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:  # before anything opens the transaction: SQLite ignores it inside one
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration left rows pointing nowhere: {broken[:5]}")
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `python -m server migrate`")
run(connection)
