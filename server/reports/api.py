"""HTTP routes: the list of reports, a run (JSON, CSV or XLSX), freezing, frozen copies, diffs."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from server.core.auth.roles import STAFF
from server.core.downloads import disposition
from server.core.http import Allow, ApiRouter, Ctx
from server.core.schemas import Page, page_of
from server.reports import pdf, render, service
from server.reports.models import FrozenReport
from server.reports.registry import REPORTS
from server.reports.schemas import (
    DiffOut,
    FreezeIn,
    FrozenOut,
    FrozenPath,
    FrozenQuery,
    FrozenSummary,
    ReportInfo,
    ReportPath,
    ReportQuery,
)

router = ApiRouter("reports")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STAFF_ONLY = Allow.only(*STAFF)


@router.get("/reports", response=list[ReportInfo], allow=Allow.signed_in())
async def list_reports(ctx: Ctx) -> list[ReportInfo]:
    """The reports the caller may read."""
    roles = ctx.user.roles
    return [
        ReportInfo(name=s.name, title_ko=s.title_ko, title_en=s.title_en)
        for s in REPORTS.values()
        if service.may_read(s, roles)
    ]


@router.get("/reports/{name}", path_model=ReportPath, query=ReportQuery, allow=Allow.signed_in())
async def run_report(ctx: Ctx, path: ReportPath, query: ReportQuery) -> Any:
    """Run a report as of a date: JSON, or a CSV / XLSX download of the same rows; people
    other than admins and operators get their own records only, where the report allows."""
    spec = service.spec_for(path.name)
    viewer = service.scope_for(spec, ctx.user.user_id, ctx.user.roles)
    params = service.parameters(query.year, query.as_of, ctx.clock.now(), viewer)
    report = await spec.run(ctx.session, params)
    if query.format == "json":
        return render.to_json(report)
    if query.format == "xlsx":
        response = web.Response(body=await asyncio.to_thread(render.to_xlsx, report),
                                content_type=XLSX)  # fmt: skip
    elif query.format == "pdf":
        response = web.Response(body=await asyncio.to_thread(pdf.to_pdf, report),
                                content_type="application/pdf")  # fmt: skip
    else:
        response = web.Response(body=render.to_csv(report), content_type="text/csv",
                                charset="utf-8")  # fmt: skip
    stem = f"{report.name}-{params.year}-asof-{params.as_of.isoformat()}"
    response.headers["Content-Disposition"] = disposition(
        f"{stem}.{query.format}", report.title_ko, f" {params.year}.{query.format}"
    )
    return response


@router.post("/reports/{name}/freeze", path_model=ReportPath, body=FreezeIn,
             response=FrozenOut, status=201, allow=STAFF_ONLY)  # fmt: skip
async def freeze_report(ctx: Ctx, path: ReportPath, body: FreezeIn) -> FrozenOut:
    """Submit (freeze) a report: its content, parameters, as-of, author and hash, for good."""
    spec = service.spec_for(path.name)
    service.check_reader(spec, ctx.user.roles)
    params = service.parameters(body.year, body.as_of, ctx.clock.now())
    frozen = await service.freeze(ctx.session, spec.name, params, ctx.user.user_id, ctx.clock.now())
    return _frozen_out(frozen)


@router.get("/frozen-reports", query=FrozenQuery, response=Page[FrozenSummary], allow=STAFF_ONLY)
async def list_frozen(ctx: Ctx, query: FrozenQuery) -> Page[FrozenSummary]:
    """Frozen reports, oldest first."""
    rows, cursor = page_of(await service.list_frozen(ctx.session, query, query.name), query.limit)
    return Page[FrozenSummary](
        items=[FrozenSummary.model_validate(r) for r in rows], next_cursor=cursor
    )


@router.get("/frozen-reports/{frozen_id}", path_model=FrozenPath, response=FrozenOut,
            allow=STAFF_ONLY)  # fmt: skip
async def get_frozen(ctx: Ctx, path: FrozenPath) -> FrozenOut:
    """One frozen report as submitted, with its hash re-checked."""
    return _frozen_out(await service.get_frozen(ctx.session, path.frozen_id))


@router.get("/frozen-reports/{frozen_id}/diff", path_model=FrozenPath, response=DiffOut,
            allow=STAFF_ONLY)  # fmt: skip
async def diff_frozen(ctx: Ctx, path: FrozenPath) -> DiffOut:
    """The same report run again now, row by row against the frozen one, and which records
    changed since the freeze (from the audit log)."""
    result = await service.diff(ctx.session, path.frozen_id)
    return DiffOut.model_validate(
        {
            "frozen": FrozenSummary.model_validate(result.frozen),
            "identical": result.identical,
            "current_sha256": result.current_sha256,
            "rows_added": result.rows_added,
            "rows_removed": result.rows_removed,
            "rows_changed": result.rows_changed,
            "changed_records": result.changed_records,
            "changed_records_total": result.changed_records_total,
        }
    )


def _frozen_out(frozen: FrozenReport) -> FrozenOut:
    summary = FrozenSummary.model_validate(frozen).model_dump()
    return FrozenOut(
        **summary, content=json.loads(frozen.content), content_intact=service.content_intact(frozen)
    )
