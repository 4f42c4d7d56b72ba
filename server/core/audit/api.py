"""HTTP route for reading the audit log."""

from __future__ import annotations

from server.core.audit import service
from server.core.audit.schemas import AuditOut, AuditQuery
from server.core.auth.roles import Role
from server.core.http import Allow, ApiRouter, Ctx
from server.core.schemas import Page, page_of

router = ApiRouter("audit")


@router.get("/audit", query=AuditQuery, response=Page[AuditOut], allow=Allow.only(Role.ADMIN))
async def list_audit(ctx: Ctx, query: AuditQuery) -> Page[AuditOut]:
    """Who changed which record, when, from what to what (admins only)."""
    entries, cursor = page_of(await service.list_entries(ctx.session, query), query.limit)
    return Page[AuditOut](items=[AuditOut.model_validate(e) for e in entries], next_cursor=cursor)
