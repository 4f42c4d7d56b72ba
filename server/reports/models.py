"""Frozen (submitted) reports: written once, never changed.

A freeze keeps the report's content as canonical JSON text with its SHA-256, the parameters and
as-of date it was run for, who froze it and when, and the last audit-log entry at that moment
(``audit_mark``) so a later diff can say which records changed since. The table is not audited
row by row: the row itself is the record of the submission, and it never changes.

Three guards keep it so: no route updates or deletes; the ORM refuses (``before_update`` and
``before_delete`` on the model, and ``UPDATE``/``DELETE`` statements through a session); and the
migration adds database triggers that refuse both on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, ORMExecuteState, mapped_column

from server.core.audit import AuditedSession
from server.core.db import Base, IdType, UTCDateTime


class FrozenReportImmutable(RuntimeError):
    """Raised by any attempt to change or remove a frozen report."""


class FrozenReport(Base):
    __tablename__ = "frozen_reports"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    year: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    author_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id"), index=True)
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    content: Mapped[str] = mapped_column(Text)  # canonical JSON (render.canonical)
    content_sha256: Mapped[str] = mapped_column(String(64))
    audit_mark: Mapped[int] = mapped_column(IdType)  # last audit_log id when frozen (0: none)


def _refuse(_mapper: Mapper[Any], _connection: Connection, target: FrozenReport) -> None:
    raise FrozenReportImmutable(f"frozen report {target.id} never changes")


event.listen(FrozenReport, "before_update", _refuse)
event.listen(FrozenReport, "before_delete", _refuse)


@event.listens_for(AuditedSession, "do_orm_execute")
def _refuse_statements(state: ORMExecuteState) -> None:
    """``update(FrozenReport)`` / ``delete(FrozenReport)`` through a session are refused too."""
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is FrozenReport for mapper in state.all_mappers
    ):
        raise FrozenReportImmutable("frozen reports never change")
