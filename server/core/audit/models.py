"""The audit log: every change to a record, with who, what, when and before/after.

Models that inherit ``Audited`` are logged automatically when a unit of work flushes, so no
service can forget to: the actor and request id come from ``session.info``, set by the route
wrapper (or the CLI). Columns marked ``info={"audit": "redact"}`` are logged as changed but
never with their value (password hashes, token hashes).
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from server.core.db import Base, IdType, UTCDateTime

REDACTED = "***"


class Audited:
    """Mixin: changes to this model's rows are written to the audit log."""


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(10))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    request_id: Mapped[str | None] = mapped_column(String(64))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _snapshot(obj: Any, changed_only: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for col in state.mapper.column_attrs:
        hist = state.attrs[col.key].history
        if changed_only and not hist.has_changes():
            continue
        redact = col.columns[0].info.get("audit") == "redact"
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else getattr(obj, col.key)
        before[col.key] = REDACTED if redact and old is not None else _plain(old)
        after[col.key] = REDACTED if redact and new is not None else _plain(new)
    return before, after


def _entity_id(obj: Any) -> str:
    return ",".join(str(v) for v in inspect(obj).mapper.primary_key_from_instance(obj))


def _rows(session: Session) -> list[dict[str, Any]]:
    base = {
        "at": datetime.now(UTC),
        "actor_id": session.info.get("actor_id"),
        "request_id": session.info.get("request_id"),
    }
    rows = []
    for obj in session.new:
        if isinstance(obj, Audited):
            _, after = _snapshot(obj, changed_only=False)
            rows.append({**base, "action": "create", "before": None, "after": after, "obj": obj})
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
            before, after = _snapshot(obj, changed_only=True)
            if after:
                rows.append({**base, "action": "update", "before": before, "after": after,
                             "obj": obj})  # fmt: skip
    for obj in session.deleted:
        if isinstance(obj, Audited):
            _, snap = _snapshot(obj, changed_only=False)
            rows.append({**base, "action": "delete", "before": snap, "after": None, "obj": obj})
    return rows


class AuditedSession(Session):
    """The session class of every unit of work: its flushes write the audit log."""


@event.listens_for(AuditedSession, "after_flush")
def _after_flush(session: Session, _ctx: Any) -> None:
    rows = _rows(session)
    if not rows:
        return
    for row in rows:
        obj = row.pop("obj")
        row["entity"] = obj.__tablename__
        row["entity_id"] = _entity_id(obj)
    session.connection().execute(insert(AuditEntry), rows)
