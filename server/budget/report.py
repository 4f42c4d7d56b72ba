"""The budget execution report (예산 집행 현황), as the institute prints it.

One row per line, depth first (합계, 사업예산(계), 인재양성 및 시험관리, its lines, then
행정운영경비(계)): the previous year's current budget (its final figure, 31 December) and this
year's as of the day, the change (△ for a decrease) and change %, commitments and their rate,
the year-end forecast and its rate, and expenditures (집행액) and the execution rate. Figures
are won internally and in JSON; CSV, XLSX and the screen show thousand won, as the seed does.
Amendments, entries and forecasts dated after the as-of day do not count.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.budget import service
from server.budget.models import BudgetAmendment, BudgetForecast, BudgetLine, LedgerEntry, LineKind
from server.core.auth.roles import STAFF
from server.reports.base import (
    Cell,
    ChangedRecord,
    Column,
    Kind,
    Level,
    Note,
    Parameters,
    Report,
    ReportSpec,
    Row,
)

NAME = "budget-execution"
TITLE_KO = "예산 집행 현황"
TITLE_EN = "Budget execution"
SOURCES = ("budget_lines", "budget_amendments", "budget_ledger_entries", "budget_forecasts")
LEVELS = {LineKind.TOTAL: Level.TOTAL, LineKind.PROGRAMME: Level.SUBTOTAL,
          LineKind.UNIT: Level.SUBTOTAL, LineKind.LINE: Level.ROW}  # fmt: skip

MODELS: dict[str, type[BudgetAmendment] | type[LedgerEntry] | type[BudgetForecast]] = {
    "budget_amendments": BudgetAmendment,
    "budget_ledger_entries": LedgerEntry,
    "budget_forecasts": BudgetForecast,
}

COLUMNS: tuple[Column, ...] = (
    Column("name", "구분", "Line", Kind.TEXT),
    Column("previous_budget", "전년도 예산현액", "Previous year's budget", Kind.THOUSAND_WON),
    Column("budget", "예산현액", "Current budget", Kind.THOUSAND_WON),
    Column("change", "증감액", "Change", Kind.THOUSAND_WON),
    Column("change_rate", "증감률(%)", "Change (%)", Kind.CHANGE_PERCENT),
    Column("commitments", "원인행위액", "Commitments", Kind.THOUSAND_WON),
    Column("commitment_rate", "원인행위율(%)", "Commitment rate (%)", Kind.PERCENT),
    Column("forecast", "연말 예상액", "Year-end forecast", Kind.THOUSAND_WON),
    Column("forecast_rate", "예상 집행률(%)", "Forecast rate (%)", Kind.PERCENT),
    Column("expenditures", "집행액", "Expenditures", Kind.THOUSAND_WON),
    Column("expenditure_rate", "집행률(%)", "Execution rate (%)", Kind.PERCENT),
)

NOTES: tuple[Note, ...] = (
    Note("단위: 천원 (원 단위 집계 후 천원 미만 반올림); 감소는 △",
         "Unit: thousand won (summed in won, then rounded half up); △ marks a decrease"),
    Note("예산현액 = 본예산 + 기준일까지의 추경·전용; 전년도는 12월 31일 기준",
         "Current budget = original + supplementary budgets and transfers up to the as-of day; "
         "the previous year's as of 31 December"),
    Note("집행률 = 집행액(지출) ÷ 예산현액; 원인행위율 = 원인행위액 ÷ 예산현액; "
         "예상 집행률 = 연말 예상액 ÷ 예산현액 (소수 첫째 자리 반올림)",
         "Execution rate = expenditures ÷ current budget; commitment rate = commitments ÷ "
         "current budget; forecast rate = forecast ÷ current budget (one decimal, half up)"),
    Note("예상액을 입력하지 않은 사업, 원장이 없는 연도, 기준액이 0인 비율은 '자료 없음'",
         "Lines with no forecast entered, years with no ledger kept, and rates with a zero base "
         "show 'no data'"),
)  # fmt: skip


def _row(item: service.LineFigures, previous: service.LineFigures | None) -> Row:
    f = item.figures
    before = previous.figures.budget if previous is not None else None
    change = f.budget - before if before is not None else None
    cells: dict[str, Cell] = {
        "name": item.line.name_ko,
        "previous_budget": before,
        "budget": f.budget,
        "change": change,
        "change_rate": service.percent(change, before),
        "commitments": f.commitments,
        "commitment_rate": service.percent(f.commitments, f.budget),
        "forecast": f.forecast,
        "forecast_rate": service.percent(f.forecast, f.budget),
        "expenditures": f.expenditures,
        "expenditure_rate": service.percent(f.expenditures, f.budget),
    }
    return Row(item.line.code, LEVELS[LineKind(item.line.kind)], cells)


async def budget_execution(session: AsyncSession, parameters: Parameters) -> Report:
    """The year's lines as of the day, beside the previous year's final budgets."""
    year = parameters.year
    current = await service.year_figures(session, year, parameters.as_of)
    before = {
        item.line.code: item
        for item in await service.year_figures(session, year - 1, date(year - 1, 12, 31))
    }
    return Report(
        name=NAME, title_ko=TITLE_KO, title_en=TITLE_EN, parameters=parameters, columns=COLUMNS,
        rows=tuple(_row(item, before.get(item.line.code)) for item in current), notes=NOTES,
    )  # fmt: skip


async def locate(session: AsyncSession, table: str, record_id: str) -> ChangedRecord | None:
    """A changed amendment, entry or forecast, named, with the rows it feeds (its line and
    every line above it)."""
    if not record_id.isdigit():
        return None
    model: type[BudgetAmendment | LedgerEntry | BudgetForecast | BudgetLine] | None
    if table == "budget_lines":
        line_id: int | None = int(record_id)
    elif table in MODELS:
        model = MODELS[table]
        line_id = await session.scalar(select(model.line_id).where(model.id == int(record_id)))
    else:
        return None
    if line_id is None:
        return ChangedRecord(f"{table} #{record_id}", ())
    keys: list[str] = []
    name = ""
    current: int | None = line_id
    while current is not None:
        line = await session.scalar(select(BudgetLine).where(BudgetLine.id == current))
        if line is None:
            break
        name = name or line.name_ko
        keys.append(line.code)
        current = line.parent_id
    return ChangedRecord(f"{table} #{record_id} ({name})", tuple(keys))


SPEC = ReportSpec(
    name=NAME, title_ko=TITLE_KO, title_en=TITLE_EN, run=budget_execution, readers=STAFF,
    sources=SOURCES, locate=locate,
)  # fmt: skip
"""Institute-wide: admins and operators only."""
