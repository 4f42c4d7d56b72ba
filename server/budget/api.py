"""HTTP routes for the budget: lines, amendments, ledger entries and corrections, forecasts,
course-to-line mapping, instructor fee postings and cost per completed trainee.

Admins and operators read and write; nobody else sees the budget. The execution report runs
through the reports registry (``/api/v1/reports/budget-execution``). Nothing here edits or
deletes: every change is a new, audited row.
"""

from __future__ import annotations

from datetime import date

from server.budget import service
from server.budget.schemas import (
    AmendmentCreate,
    AmendmentOut,
    CorrectionCreate,
    CostOut,
    CostQuery,
    CourseLineCreate,
    CourseLineOut,
    EntryCreate,
    EntryOut,
    EntryPath,
    FeePostingCreate,
    FeePostingOut,
    ForecastCreate,
    ForecastOut,
    LineCreate,
    LineOut,
    LinePath,
    YearQuery,
)
from server.core.auth.roles import STAFF
from server.core.clock import SEOUL
from server.core.http import Allow, ApiRouter, Ctx
from server.reports.service import default_as_of

router = ApiRouter("budget")
STAFF_ONLY = Allow.only(*STAFF)


def _as_of(ctx: Ctx, query: YearQuery) -> date:
    """The day asked for, else today in Seoul (a past year: its last day)."""
    return query.as_of or default_as_of(query.year, ctx.clock.now().astimezone(SEOUL))


@router.get("/budget/lines", query=YearQuery, response=list[LineOut], allow=STAFF_ONLY)
async def list_lines(ctx: Ctx, query: YearQuery) -> list[LineOut]:
    """The year's lines as a tree (depth first, ``depth`` and ``parent_id``), each with its
    budget, commitments, expenditures, forecast and rates as of the day."""
    return await service.list_lines(ctx.session, query.year, _as_of(ctx, query))


@router.post("/budget/lines", body=LineCreate, response=LineOut, status=201, allow=STAFF_ONLY)
async def create_line(ctx: Ctx, body: LineCreate) -> LineOut:
    """Add a line (or a programme/unit to group lines) to a fiscal year."""
    return await service.create_line(
        ctx.session, body, actor_id=ctx.user.user_id, now=ctx.clock.now()
    )


@router.get("/budget/lines/{line_id}/amendments", path_model=LinePath,
            response=list[AmendmentOut], allow=STAFF_ONLY)  # fmt: skip
async def list_amendments(ctx: Ctx, path: LinePath) -> list[AmendmentOut]:
    """The line's amendments by date: supplementary budgets and transfers, with who and why."""
    return await service.list_amendments(ctx.session, path.line_id)


@router.post("/budget/lines/{line_id}/amendments", path_model=LinePath, body=AmendmentCreate,
             response=list[AmendmentOut], status=201, allow=STAFF_ONLY)  # fmt: skip
async def add_amendment(ctx: Ctx, path: LinePath, body: AmendmentCreate) -> list[AmendmentOut]:
    """A supplementary budget, or a transfer to another line (both sides are answered);
    refused if the budget would fall below zero on any day."""
    return await service.add_amendment(
        ctx.session, path.line_id, body, actor_id=ctx.user.user_id, now=ctx.clock.now()
    )


@router.get("/budget/lines/{line_id}/entries", path_model=LinePath, response=list[EntryOut],
            allow=STAFF_ONLY)  # fmt: skip
async def list_entries(ctx: Ctx, path: LinePath) -> list[EntryOut]:
    """The line's ledger by date: commitments, expenditures and corrections."""
    return await service.list_entries(ctx.session, path.line_id)


@router.post("/budget/lines/{line_id}/entries", path_model=LinePath, body=EntryCreate,
             response=EntryOut, status=201, allow=STAFF_ONLY)  # fmt: skip
async def add_entry(ctx: Ctx, path: LinePath, body: EntryCreate) -> EntryOut:
    """A commitment (원인행위) or expenditure (지출), positive, optionally linked to a course,
    cohort, class session or instructor."""
    return await service.add_entry(
        ctx.session, path.line_id, body, actor_id=ctx.user.user_id, now=ctx.clock.now()
    )


@router.post("/budget/entries/{entry_id}/corrections", path_model=EntryPath,
             body=CorrectionCreate, response=EntryOut, status=201, allow=STAFF_ONLY)  # fmt: skip
async def correct_entry(ctx: Ctx, path: EntryPath, body: CorrectionCreate) -> EntryOut:
    """Correct an entry by a signed amount with a reason (entries are never edited); refused
    if the entry with its corrections would go below zero."""
    return await service.correct_entry(
        ctx.session, path.entry_id, body, actor_id=ctx.user.user_id, now=ctx.clock.now()
    )


@router.get("/budget/lines/{line_id}/forecasts", path_model=LinePath,
            response=list[ForecastOut], allow=STAFF_ONLY)  # fmt: skip
async def list_forecasts(ctx: Ctx, path: LinePath) -> list[ForecastOut]:
    """The line's year-end forecasts as entered (the newest by the as-of day counts)."""
    return await service.list_forecasts(ctx.session, path.line_id)


@router.post("/budget/lines/{line_id}/forecasts", path_model=LinePath, body=ForecastCreate,
             response=ForecastOut, status=201, allow=STAFF_ONLY)  # fmt: skip
async def add_forecast(ctx: Ctx, path: LinePath, body: ForecastCreate) -> ForecastOut:
    """Enter the line's expected year-end spending on a day."""
    return await service.add_forecast(
        ctx.session, path.line_id, body, actor_id=ctx.user.user_id, now=ctx.clock.now()
    )


@router.get("/budget/course-lines", query=YearQuery, response=list[CourseLineOut],
            allow=STAFF_ONLY)  # fmt: skip
async def list_course_lines(ctx: Ctx, query: YearQuery) -> list[CourseLineOut]:
    """Which line pays for each of the year's courses (the current mapping)."""
    return await service.list_course_lines(ctx.session, query.year)


@router.post("/budget/course-lines", body=CourseLineCreate, response=CourseLineOut, status=201,
             allow=STAFF_ONLY)  # fmt: skip
async def map_course(ctx: Ctx, body: CourseLineCreate) -> CourseLineOut:
    """Set the line that pays for a course (a new mapping; the earlier stays as history)."""
    return await service.map_course(
        ctx.session, body, actor_id=ctx.user.user_id, now=ctx.clock.now()
    )


@router.post("/budget/fee-postings", body=FeePostingCreate, response=FeePostingOut,
             allow=STAFF_ONLY)  # fmt: skip
async def post_fees(ctx: Ctx, body: FeePostingCreate) -> FeePostingOut:
    """Post instructors' fees owed for the days' sessions as commitments, and as expenditures
    once taught, on their courses' lines; posting again adds nothing."""
    return await service.post_fees(
        ctx.session, body.date_from, body.date_to, actor_id=ctx.user.user_id, now=ctx.clock.now()
    )


@router.get("/budget/costs", query=CostQuery, response=list[CostOut], allow=STAFF_ONLY)
async def costs(ctx: Ctx, query: CostQuery) -> list[CostOut]:
    """Expenditures per completed trainee, per course and per line, as of the day."""
    return await service.costs(ctx.session, query.year, _as_of(ctx, query))
