"""The bulk writes of xAPI ingest, in the driver's own SQL: one statement per post.

Why not SQLAlchemy's ``insert(...)`` with a list of rows: its "insertmanyvalues" turns every
row into a dict of bound parameters and runs each value through the column's bind processor
(the JSON column's ``json.dumps``, the UTC date-time's conversion), which cost about as much
as validating the statement (``bench xapi``: 0.3 ms of CPU a statement in all). Here the rows
arrive as tuples already in the column's stored form (the statement's JSON text, date-times
converted once by the column type's own processor), and go out as

- PostgreSQL: ``INSERT … SELECT … FROM unnest($1::text[], …)``: one prepared statement and
  one round trip whatever the post's size, arrays sent in asyncpg's binary format;
- SQLite: one multi-row ``INSERT … VALUES (?, …), (?, …)`` per ``CHUNK`` rows.

Both run through the session's connection (``exec_driver_sql``), so they are part of the
post's transaction: nothing is acknowledged before the commit that makes it durable.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from server.xapi.models import CourseProgress, XapiStatement

#: rows per SQLite statement: 10 columns x 500 rows, far below its 32,766 bound parameters
CHUNK = 500

STATEMENT_COLUMNS = ("statement_id", "content_hash", "verb_id", "activity_id", "actor_key",
                     "user_id", "course_id", "timestamp", "stored", "statement")  # fmt: skip
#: PostgreSQL array types of the columns above (the statement's JSON is cast from text)
_STATEMENT_ARRAYS = ("text", "text", "text", "text", "text", "bigint", "bigint",
                     "timestamptz", "timestamptz", "text")  # fmt: skip

PROGRESS_COLUMNS = ("user_id", "course_id", "progress", "completed", "score_scaled",
                    "completed_at", "updated_at")  # fmt: skip
_PROGRESS_ARRAYS = ("bigint", "bigint", "float8", "boolean", "float8", "timestamptz",
                    "timestamptz")  # fmt: skip

#: progress and score only rise, completion is never taken back, the first completion time
#: stays: the same rules whatever order statements arrive in (``x`` is the row sent)
_PROGRESS_RULES = """
ON CONFLICT (user_id, course_id) DO UPDATE SET
  progress = CASE WHEN excluded.progress IS NULL THEN p.progress
    WHEN p.progress IS NULL OR excluded.progress > p.progress THEN excluded.progress
    ELSE p.progress END,
  score_scaled = CASE WHEN excluded.score_scaled IS NULL THEN p.score_scaled
    WHEN p.score_scaled IS NULL OR excluded.score_scaled > p.score_scaled
    THEN excluded.score_scaled ELSE p.score_scaled END,
  completed = (p.completed OR excluded.completed),
  completed_at = CASE WHEN p.completed_at IS NULL THEN excluded.completed_at
    WHEN excluded.completed_at IS NULL THEN p.completed_at
    WHEN excluded.completed_at < p.completed_at THEN excluded.completed_at
    ELSE p.completed_at END,
  updated_at = excluded.updated_at
"""


def _dialect(session: AsyncSession) -> Dialect:
    return session.get_bind().dialect


def time_writer(session: AsyncSession) -> Callable[[datetime | None], Any]:
    """The UTC date-time column's own bind processor for this database: a date-time as the
    driver takes it (naive UTC text on SQLite, the aware value on PostgreSQL)."""
    column: Any = XapiStatement.__table__.c.timestamp
    process = column.type.bind_processor(_dialect(session))
    return process if process is not None else _same


def _same(value: datetime | None) -> Any:
    return value


def _names(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)  # quoted: "timestamp" is a keyword


# the SQL below is made only of this module's constant table and column names: no input


def _unnest_sql(table: str, columns: Sequence[str], arrays: Sequence[str], json: str = "") -> str:
    args = ", ".join(f"${n}::{kind}[]" for n, kind in enumerate(arrays, start=1))
    picked = ", ".join(f'x."{c}"::json' if c == json else f'x."{c}"' for c in columns)
    names = _names(columns)
    into = f"INSERT INTO {table} AS p ({names}) "
    return into + f"SELECT {picked} FROM unnest({args}) AS x({names})"  # noqa: S608


def _values_sql(table: str, columns: Sequence[str], rows: int) -> str:
    one = "(" + ", ".join("?" for _ in columns) + ")"
    names = _names(columns)
    return f"INSERT INTO {table} AS p ({names}) VALUES " + ", ".join([one] * rows)  # noqa: S608


@functools.cache
def _insert_statements_pg() -> str:
    table = str(XapiStatement.__tablename__)
    return (_unnest_sql(table, STATEMENT_COLUMNS, _STATEMENT_ARRAYS, json="statement")
            + " ON CONFLICT (statement_id) DO NOTHING RETURNING statement_id")  # fmt: skip


@functools.cache
def _insert_statements_sqlite(rows: int) -> str:
    table = str(XapiStatement.__tablename__)
    return (_values_sql(table, STATEMENT_COLUMNS, rows)
            + " ON CONFLICT (statement_id) DO NOTHING RETURNING statement_id")  # fmt: skip


async def insert_statements(session: AsyncSession, rows: Sequence[tuple[Any, ...]]) -> set[str]:
    """INSERT … ON CONFLICT (statement_id) DO NOTHING; the ids that were new. Each row holds
    ``STATEMENT_COLUMNS`` in order, the date-times from ``time_writer`` and the statement as
    JSON text."""
    connection = await session.connection()
    if _dialect(session).name == "postgresql":
        columns = [list(c) for c in zip(*rows, strict=True)]
        result = await connection.exec_driver_sql(_insert_statements_pg(), tuple(columns))
        return {r[0] for r in result.all()}
    inserted: set[str] = set()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        flat = tuple(v for row in chunk for v in row)
        result = await connection.exec_driver_sql(_insert_statements_sqlite(len(chunk)), flat)
        inserted.update(r[0] for r in result.all())
    return inserted


@functools.cache
def _upsert_progress_pg() -> str:
    table = str(CourseProgress.__tablename__)
    return _unnest_sql(table, PROGRESS_COLUMNS, _PROGRESS_ARRAYS) + _PROGRESS_RULES


@functools.cache
def _upsert_progress_sqlite(rows: int) -> str:
    table = str(CourseProgress.__tablename__)
    return _values_sql(table, PROGRESS_COLUMNS, rows) + _PROGRESS_RULES


async def upsert_progress(session: AsyncSession, rows: Sequence[tuple[Any, ...]]) -> None:
    """One upsert for every (person, course) row (``PROGRESS_COLUMNS`` in order, one row per
    pair: PostgreSQL refuses to update a row twice in one statement)."""
    if not rows:
        return
    connection = await session.connection()
    if _dialect(session).name == "postgresql":
        columns = [list(c) for c in zip(*rows, strict=True)]
        await connection.exec_driver_sql(_upsert_progress_pg(), tuple(columns))
        return
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        flat = tuple(v for row in chunk for v in row)
        await connection.exec_driver_sql(_upsert_progress_sqlite(len(chunk)), flat)
