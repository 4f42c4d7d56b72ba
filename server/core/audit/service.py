"""Reading the audit log (it is written by the flush hook in ``models.py``, never by hand)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.audit.models import AuditEntry
from server.core.audit.schemas import AuditQuery
from server.core.db import keyset_page


async def list_entries(session: AsyncSession, query: AuditQuery) -> list[AuditEntry]:
    """Newest first is what people want, but cursors need a stable order: oldest first by id."""
    stmt = keyset_page(select(AuditEntry), AuditEntry.id, query)
    if query.entity is not None:
        stmt = stmt.where(AuditEntry.entity == query.entity)
    if query.entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == query.entity_id)
    if query.actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == query.actor_id)
    return list((await session.scalars(stmt)).all())
