"""The records store: one async engine per app, one unit of work per request or socket event.

SQLite (aiosqlite) and PostgreSQL (asyncpg) run the same models and the same migrations.
Time is stored as UTC; SQLite has no time zone, so ``UTCDateTime`` adds it back on read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, Select, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from server.core.errors import Problem

if TYPE_CHECKING:
    from server.core.schemas import PageQuery

M = TypeVar("M", bound="Base")
T = TypeVar("T")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: 64-bit ids on PostgreSQL; SQLite only autoincrements a column declared INTEGER.
IdType = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def keyset_page(stmt: Select[T], id_column: Any, page: PageQuery) -> Select[T]:
    """Rows after the page's cursor, by id, one more than the page holds (to tell if more)."""
    return stmt.where(id_column > page.after_id).order_by(id_column).limit(page.limit + 1)


async def get_or_404(session: AsyncSession, model: type[M], ident: int, label: str) -> M:
    """The row with this primary key, or a ``not-found`` problem naming it."""
    found = await session.get(model, ident)
    if found is None:
        raise Problem("not-found", f"No {label} {ident}.")
    return found


async def insert_unless_taken(
    session: AsyncSession, model: type[Base], values: dict[str, Any]
) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: the new row's id, or None when a unique
    key already holds such a row (two submits at once make one row). One statement and no
    savepoint, on SQLite and PostgreSQL alike."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table: Any = model.__table__
    stmt = insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
    new_id = (await session.execute(stmt)).scalar()
    return None if new_id is None else int(new_id)


class Database:
    """The engine and the session factory; opened and closed by the app's cleanup context."""

    def __init__(
        self,
        url: str,
        *,
        session_class: type[Session] = Session,
        connect_args: dict[str, Any] | None = None,
    ) -> None:
        self.url = url
        self.engine: AsyncEngine = create_async_engine(
            url, connect_args=connect_args or {}, **_engine_options(url)
        )
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=session_class
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def unit_of_work(self, **info: Any) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        async with self.sessions() as session:
            session.info.update(info)
            async with session.begin():
                yield session

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def close(self) -> None:
        await self.engine.dispose()


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # SQLite has one writer at a time. With several pooled connections, busy writers
        # wait inside SQLite and, on a loaded event loop, give up with "database is locked"
        # (measured: 1,000 people joining one class). One connection makes units of work
        # queue in the pool instead, in order, with a generous time-out.
        return {"pool_size": 1, "max_overflow": 0, "pool_timeout": 60}
    return {"pool_size": 10, "max_overflow": 20, "pool_pre_ping": True}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers go on while one writer writes; foreign keys are off by default."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")  # other processes (the CLI) may write too
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
