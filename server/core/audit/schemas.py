"""What goes out of the audit-log route."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from server.core.schemas import Out, PageQuery, RecordId


class AuditQuery(PageQuery):
    entity: str | None = Field(default=None, max_length=64, description="table, e.g. users")
    entity_id: str | None = Field(default=None, max_length=64)
    actor_id: RecordId | None = None


class AuditOut(Out):
    id: int
    at: datetime
    actor_id: int | None
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
