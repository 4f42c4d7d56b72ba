"""Running, freezing and diffing reports: plain async functions over a session, no HTTP."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.audit import AuditEntry
from server.core.auth.roles import Role
from server.core.clock import SEOUL
from server.core.db import get_or_404, keyset_page
from server.core.errors import Problem
from server.core.schemas import PageQuery
from server.reports import render
from server.reports.base import Parameters, Report, ReportSpec, Viewer
from server.reports.models import FrozenReport
from server.reports.registry import REPORTS

#: roles whose scoped runs cover the classes they teach
TEACHING = frozenset({Role.INSTRUCTOR, Role.ASSISTANT})
#: at most this many changed records are listed in a diff (the total is always given)
CHANGED_RECORDS_LIMIT = 200


def spec_for(name: str) -> ReportSpec:
    spec = REPORTS.get(name)
    if spec is None:
        raise Problem("not-found", f"No report named {name!r}.")
    return spec


def may_read(spec: ReportSpec, roles: frozenset[Role]) -> bool:
    return bool((spec.readers | spec.scoped_readers) & roles)


def scope_for(spec: ReportSpec, user_id: int, roles: frozenset[Role]) -> Viewer | None:
    """``None``: everything (admins, operators); a ``Viewer``: that person's records only
    (instructors and assistants their classes, trainees themselves); otherwise 403."""
    if spec.readers & roles:
        return None
    allowed = spec.scoped_readers & roles
    if not allowed:
        raise Problem("forbidden", f"The report {spec.name!r} is not open to your role.")
    return Viewer(user_id, teaches=bool(allowed & TEACHING))


def check_reader(spec: ReportSpec, roles: frozenset[Role]) -> None:
    """Institute-wide runs (and freezing) are for the spec's readers; others get 403."""
    if not spec.readers & roles:
        raise Problem("forbidden", f"The report {spec.name!r} is not open to your role.")


def default_as_of(year: int, now: datetime) -> date:
    """Today in Seoul for the running year, the year's last day for a past one."""
    return min(now.astimezone(SEOUL).date(), date(year, 12, 31))


def parameters(
    year: int, as_of: date | None, now: datetime, viewer: Viewer | None = None
) -> Parameters:
    return Parameters(year=year, as_of=as_of or default_as_of(year, now), viewer=viewer)


async def run(session: AsyncSession, name: str, params: Parameters) -> Report:
    return await spec_for(name).run(session, params)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---- freezing -------------------------------------------------------------------------------


async def freeze(
    session: AsyncSession, name: str, params: Parameters, author_id: int, now: datetime
) -> FrozenReport:
    """Run the report and keep what it says now, for good (who, when, as-of, content hash)."""
    report = await run(session, name, params)
    content = render.canonical(render.to_json(report))
    mark = await session.scalar(select(func.max(AuditEntry.id)))
    frozen = FrozenReport(
        name=name, year=params.year, as_of=params.as_of,
        parameters={"year": params.year, "as_of": params.as_of.isoformat()},
        author_id=author_id, frozen_at=now, content=content, content_sha256=sha256(content),
        audit_mark=mark or 0,
    )  # fmt: skip
    session.add(frozen)
    await session.flush()
    return frozen


async def list_frozen(
    session: AsyncSession, page: PageQuery, name: str | None = None
) -> list[FrozenReport]:
    """Oldest first by id (stable pages), optionally one report's freezes only."""
    stmt = keyset_page(select(FrozenReport), FrozenReport.id, page)
    if name is not None:
        stmt = stmt.where(FrozenReport.name == name)
    return list((await session.scalars(stmt)).all())


async def get_frozen(session: AsyncSession, frozen_id: int) -> FrozenReport:
    return await get_or_404(session, FrozenReport, frozen_id, "frozen report")


def content_intact(frozen: FrozenReport) -> bool:
    """The stored hash re-checked against the stored content."""
    return sha256(frozen.content) == frozen.content_sha256


# ---- diffs ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CellChange:
    column: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class RowChange:
    key: str
    cells: list[CellChange]


@dataclass(frozen=True, slots=True)
class ChangedRecordOut:
    entity: str
    entity_id: str
    action: str
    at: datetime
    actor_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    label: str
    row_keys: list[str]


@dataclass(slots=True)
class ReportDiff:
    frozen: FrozenReport
    current_sha256: str
    rows_added: list[str] = field(default_factory=list)
    rows_removed: list[str] = field(default_factory=list)
    rows_changed: list[RowChange] = field(default_factory=list)
    changed_records: list[ChangedRecordOut] = field(default_factory=list)
    changed_records_total: int = 0

    @property
    def identical(self) -> bool:
        return self.current_sha256 == self.frozen.content_sha256


def diff_content(
    old: dict[str, Any], new: dict[str, Any]
) -> tuple[list[str], list[str], list[RowChange]]:
    """Row by row, by stable row key: rows added, rows removed, and cells changed (old -> new)."""
    old_rows = {r["key"]: r["cells"] for r in old["rows"]}
    new_rows = {r["key"]: r["cells"] for r in new["rows"]}
    added = [k for k in new_rows if k not in old_rows]
    removed = [k for k in old_rows if k not in new_rows]
    changed = []
    for key, cells in new_rows.items():
        before = old_rows.get(key)
        if before is None:
            continue
        columns = list(dict.fromkeys([*before, *cells]))
        diffs = [CellChange(c, before.get(c), cells.get(c)) for c in columns
                 if before.get(c) != cells.get(c)]  # fmt: skip
        if diffs:
            changed.append(RowChange(key, diffs))
    return added, removed, changed


async def diff(session: AsyncSession, frozen_id: int) -> ReportDiff:
    """Re-run a frozen report with its own parameters and say what changed, and why."""
    frozen = await get_frozen(session, frozen_id)
    spec = spec_for(frozen.name)
    params = Parameters(year=frozen.year, as_of=frozen.as_of)
    current = render.to_json(await spec.run(session, params))
    current_text = render.canonical(current)
    result = ReportDiff(frozen=frozen, current_sha256=sha256(current_text))
    added, removed, changed = diff_content(json.loads(frozen.content), current)
    result.rows_added, result.rows_removed, result.rows_changed = added, removed, changed
    await _explain(session, spec, frozen, result)
    return result


async def _explain(
    session: AsyncSession, spec: ReportSpec, frozen: FrozenReport, result: ReportDiff
) -> None:
    """The audit log's changes since the freeze to the tables the report reads."""
    since = (AuditEntry.id > frozen.audit_mark, AuditEntry.entity.in_(spec.sources))
    result.changed_records_total = (
        await session.scalar(select(func.count(AuditEntry.id)).where(*since))
    ) or 0
    entries = await session.scalars(
        select(AuditEntry).where(*since).order_by(AuditEntry.id).limit(CHANGED_RECORDS_LIMIT)
    )
    for entry in entries.all():
        located = await spec.locate(session, entry.entity, entry.entity_id) if spec.locate else None
        result.changed_records.append(
            ChangedRecordOut(
                entity=entry.entity, entity_id=entry.entity_id, action=entry.action, at=entry.at,
                actor_id=entry.actor_id, before=entry.before, after=entry.after,
                label=located.label if located else f"{entry.entity} #{entry.entity_id}",
                row_keys=list(located.row_keys) if located else [],
            )
        )  # fmt: skip
