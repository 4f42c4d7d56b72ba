"""The rules of the budget: plain async functions over a session, no HTTP.

- A line's budget (예산현액) as of a day = its original amount + amendments dated up to then;
  a parent's figures are its children's sums. Only leaf lines carry money and entries.
- Nothing is edited or deleted. Amendments, entries, corrections and forecasts are new rows.
- Never negative without a correction: ordinary entries are positive; a budget may not be cut
  (or transferred away) below zero on any day; a correction may reduce an entry, never below
  zero, and must say why.
- Unknown is not zero: a rate with no base, a forecast nobody entered, a year whose ledger is
  not kept here (no entries at all) are ``None``.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.budget.models import (
    AmendmentKind,
    BudgetAmendment,
    BudgetForecast,
    BudgetLine,
    CourseBudgetLine,
    EntryKind,
    LedgerEntry,
    LineKind,
)
from server.budget.schemas import (
    AmendmentCreate,
    AmendmentOut,
    CorrectionCreate,
    CostOut,
    CourseLineCreate,
    CourseLineOut,
    EntryCreate,
    EntryOut,
    FeePostingOut,
    ForecastCreate,
    ForecastOut,
    LineCreate,
    LineOut,
)
from server.core.clock import SEOUL
from server.core.db import get_or_404
from server.core.errors import Problem
from server.lms import service as lms
from server.lms.instructors import service as instructors
from server.lms.models import SessionState

TENTH = Decimal("0.1")


def percent(part: int | None, base: int | None) -> Decimal | None:
    """part ÷ base in percent, one decimal, half up; None with no base or no part."""
    if part is None or base is None or base == 0:
        return None
    return (Decimal(part) * 100 / Decimal(base)).quantize(TENTH, rounding=ROUND_HALF_UP)


def _year_of(day: date, line: BudgetLine, what: str) -> None:
    if day.year != line.year:
        raise Problem("validation-error", f"{what} {day} is outside the fiscal year {line.year}.",
                      errors=[{"loc": [what], "msg": f"must be in {line.year}"}])  # fmt: skip


# ---- figures ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figures:
    """One line's figures as of a day (a parent's: the sums of its leaves)."""

    budget: int
    commitments: int | None
    expenditures: int | None
    forecast: int | None


@dataclass(frozen=True, slots=True)
class LineFigures:
    line: BudgetLine
    depth: int
    leaf: bool
    figures: Figures


async def lines_of_year(session: AsyncSession, year: int) -> list[BudgetLine]:
    stmt = (
        select(BudgetLine).where(BudgetLine.year == year).order_by(BudgetLine.sort, BudgetLine.id)
    )
    return list((await session.scalars(stmt)).all())


def tree_order(lines: list[BudgetLine]) -> list[tuple[BudgetLine, int]]:
    """Lines depth first (parents before children, siblings by sort), with their depth."""
    children: dict[int | None, list[BudgetLine]] = defaultdict(list)
    for line in lines:
        children[line.parent_id].append(line)
    out: list[tuple[BudgetLine, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for line in children.get(parent, []):
            out.append((line, depth))
            walk(line.id, depth + 1)

    walk(None, 0)
    return out


async def _sums(
    session: AsyncSession, model: type[BudgetAmendment] | type[LedgerEntry], ids: list[int],
    as_of: date, *group: object,
) -> dict[tuple[object, ...], int]:  # fmt: skip
    day = model.effective_on if model is BudgetAmendment else model.entry_on  # type: ignore[union-attr]
    stmt = (
        select(model.line_id, *group, func.sum(model.amount_won))  # type: ignore[call-overload]
        .where(model.line_id.in_(ids), day <= as_of)
        .group_by(model.line_id, *group)
    )
    return {tuple(row[:-1]): int(row[-1] or 0) for row in (await session.execute(stmt)).all()}


async def _forecasts(session: AsyncSession, ids: list[int], as_of: date) -> dict[int, int]:
    """Line → the newest forecast entered on or before the day."""
    stmt = (
        select(BudgetForecast)
        .where(BudgetForecast.line_id.in_(ids), BudgetForecast.forecast_on <= as_of)
        .order_by(BudgetForecast.forecast_on, BudgetForecast.id)
    )
    return {f.line_id: f.amount_won for f in await session.scalars(stmt)}


async def year_figures(session: AsyncSession, year: int, as_of: date) -> list[LineFigures]:
    """Every line of the year, depth first, with its figures as of the day."""
    lines = await lines_of_year(session, year)
    ids = [line.id for line in lines]
    amended = await _sums(session, BudgetAmendment, ids, as_of)
    ledger = await _sums(session, LedgerEntry, ids, as_of, LedgerEntry.kind)
    kept = bool(ids) and bool(
        await session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.line_id.in_(ids)))
    )
    forecasts = await _forecasts(session, ids, as_of)
    ordered = tree_order(lines)
    parents = {line.parent_id for line in lines}
    leaf: dict[int, Figures] = {}
    for line, _ in ordered:
        if line.id in parents:
            continue
        leaf[line.id] = Figures(
            budget=line.original_won + amended.get((line.id,), 0),
            commitments=ledger.get((line.id, EntryKind.COMMITMENT.value), 0) if kept else None,
            expenditures=ledger.get((line.id, EntryKind.EXPENDITURE.value), 0) if kept else None,
            forecast=forecasts.get(line.id),
        )
    below = _descendant_leaves(lines, parents)
    out: list[LineFigures] = []
    for line, depth in ordered:
        is_leaf = line.id not in parents
        figures = leaf[line.id] if is_leaf else _sum([leaf[i] for i in below[line.id]])
        out.append(LineFigures(line, depth, is_leaf, figures))
    return out


def _descendant_leaves(lines: list[BudgetLine], parents: set[int | None]) -> dict[int, list[int]]:
    by_id = {line.id: line for line in lines}
    out: dict[int, list[int]] = defaultdict(list)
    for line in lines:
        if line.id in parents:
            continue
        up = line.parent_id
        while up is not None:
            out[up].append(line.id)
            up = by_id[up].parent_id
    return out


def _optional_sum(values: Iterable[int | None]) -> int | None:
    items = list(values)
    if not items or any(v is None for v in items):
        return None  # one unknown part makes the whole unknown
    return sum(v for v in items if v is not None)


def _sum(parts: list[Figures]) -> Figures:
    return Figures(
        budget=sum(p.budget for p in parts),
        commitments=_optional_sum(p.commitments for p in parts),
        expenditures=_optional_sum(p.expenditures for p in parts),
        forecast=_optional_sum(p.forecast for p in parts),
    )


def line_out(item: LineFigures) -> LineOut:
    line, f = item.line, item.figures
    return LineOut(
        id=line.id, year=line.year, code=line.code, parent_id=line.parent_id,
        kind=LineKind(line.kind), depth=item.depth, name_ko=line.name_ko, name_en=line.name_en,
        leaf=item.leaf, original_won=line.original_won, budget_won=f.budget,
        commitments_won=f.commitments, expenditures_won=f.expenditures,
        commitment_rate=percent(f.commitments, f.budget),
        expenditure_rate=percent(f.expenditures, f.budget),
        forecast_won=f.forecast, forecast_rate=percent(f.forecast, f.budget),
    )  # fmt: skip


async def list_lines(session: AsyncSession, year: int, as_of: date) -> list[LineOut]:
    return [line_out(item) for item in await year_figures(session, year, as_of)]


# ---- lines -----------------------------------------------------------------------------------


async def _leaf(session: AsyncSession, line_id: int) -> BudgetLine:
    line = await get_or_404(session, BudgetLine, line_id, "budget line")
    child = await session.scalar(select(BudgetLine.id).where(BudgetLine.parent_id == line_id))
    if child is not None:
        raise Problem("conflict", f"Budget line {line_id} sums its sub-lines; use one of them.")
    return line


async def create_line(
    session: AsyncSession, data: LineCreate, *, actor_id: int | None, now: datetime
) -> LineOut:
    """A line of a year, under a parent of the same year (whose own money, if any, stays)."""
    taken = await session.scalar(
        select(BudgetLine.id).where(BudgetLine.year == data.year, BudgetLine.code == data.code)
    )
    if taken is not None:
        raise Problem("conflict", f"The year {data.year} already has a line {data.code!r}.")
    if data.parent_id is not None:
        parent = await get_or_404(session, BudgetLine, data.parent_id, "budget line")
        if parent.year != data.year:
            raise Problem("conflict", "A line's parent must be of the same year.")
        if parent.original_won or await _has_records(session, parent.id):
            raise Problem("conflict", f"Budget line {parent.id} carries money; it cannot get "
                                      "sub-lines.")  # fmt: skip
    line = BudgetLine(**data.model_dump(), created_at=now, created_by=actor_id)
    session.add(line)
    await session.flush()
    return line_out(LineFigures(line, 0, True, Figures(line.original_won, None, None, None)))


async def _has_records(session: AsyncSession, line_id: int) -> bool:
    for model in (BudgetAmendment, LedgerEntry, BudgetForecast):
        if await session.scalar(select(model.id).where(model.line_id == line_id).limit(1)):
            return True
    return False


# ---- amendments ------------------------------------------------------------------------------


async def list_amendments(session: AsyncSession, line_id: int) -> list[AmendmentOut]:
    await get_or_404(session, BudgetLine, line_id, "budget line")
    stmt = (
        select(BudgetAmendment)
        .where(BudgetAmendment.line_id == line_id)
        .order_by(BudgetAmendment.effective_on, BudgetAmendment.id)
    )
    return [AmendmentOut.model_validate(a) for a in await session.scalars(stmt)]


async def _check_never_negative(
    session: AsyncSession, line: BudgetLine, added: date, amount: int
) -> None:
    """The line's budget on every day from ``added`` on, with the new amount, stays >= 0."""
    rows = (
        await session.execute(
            select(BudgetAmendment.effective_on, BudgetAmendment.amount_won)
            .where(BudgetAmendment.line_id == line.id)
        )
    ).all()  # fmt: skip
    changes = sorted([*((d, a) for d, a in rows), (added, amount)])
    running = line.original_won
    for day, value in changes:
        running += value
        if day >= added and running < 0:
            raise Problem(
                "conflict",
                f"Budget line {line.id} ({line.name_ko}) would fall to {running:,} won on {day}; "
                "a budget never goes below zero.",
            )


async def add_amendment(
    session: AsyncSession, line_id: int, data: AmendmentCreate, *, actor_id: int | None,
    now: datetime,
) -> list[AmendmentOut]:  # fmt: skip
    """A supplementary budget (one row) or a transfer (two rows: −amount here, +amount there)."""
    line = await _leaf(session, line_id)
    _year_of(data.effective_on, line, "effective_on")
    rows: list[BudgetAmendment] = []
    if data.kind is AmendmentKind.TRANSFER:
        assert data.to_line_id is not None
        if data.to_line_id == line_id:
            raise Problem("conflict", "A transfer moves money between two different lines.")
        other = await _leaf(session, data.to_line_id)
        if other.year != line.year:
            raise Problem("conflict", "A transfer stays within one fiscal year.")
        await _check_never_negative(session, line, data.effective_on, -data.amount_won)
        key = secrets.token_hex(8)
        for this, that, amount in ((line, other, -data.amount_won), (other, line, data.amount_won)):
            rows.append(
                BudgetAmendment(
                    line_id=this.id, kind=data.kind, effective_on=data.effective_on,
                    amount_won=amount, counter_line_id=that.id, transfer_key=key,
                    reason=data.reason, created_at=now, created_by=actor_id,
                )
            )  # fmt: skip
    else:
        await _check_never_negative(session, line, data.effective_on, data.amount_won)
        rows.append(BudgetAmendment(line_id=line.id, kind=data.kind, effective_on=data.effective_on,
                                    amount_won=data.amount_won, reason=data.reason, created_at=now,
                                    created_by=actor_id))  # fmt: skip
    session.add_all(rows)
    await session.flush()
    return [AmendmentOut.model_validate(r) for r in rows]


# ---- ledger ----------------------------------------------------------------------------------


async def list_entries(session: AsyncSession, line_id: int) -> list[EntryOut]:
    await get_or_404(session, BudgetLine, line_id, "budget line")
    stmt = (
        select(LedgerEntry)
        .where(LedgerEntry.line_id == line_id)
        .order_by(LedgerEntry.entry_on, LedgerEntry.id)
    )
    return [EntryOut.model_validate(e) for e in await session.scalars(stmt)]


async def add_entry(
    session: AsyncSession, line_id: int, data: EntryCreate, *, actor_id: int | None,
    now: datetime, source_key: str | None = None,
) -> EntryOut:  # fmt: skip
    """A commitment or an expenditure (positive) on a leaf line, dated in its year."""
    line = await _leaf(session, line_id)
    _year_of(data.entry_on, line, "entry_on")
    await _check_links(session, data)
    entry = LedgerEntry(**data.model_dump(), line_id=line.id, source_key=source_key,
                        created_at=now, created_by=actor_id)  # fmt: skip
    session.add(entry)
    try:
        await session.flush()
    except IntegrityError:  # the same posting at the same moment: the other one made it
        raise Problem("conflict", f"{source_key} was posted meanwhile; post again (nothing is "
                                  "posted twice).") from None  # fmt: skip
    return EntryOut.model_validate(entry)


async def _check_links(session: AsyncSession, data: EntryCreate) -> None:
    """Linked records must exist (a 404 naming the one that does not)."""
    if data.course_id is not None:
        await lms.get_course(session, data.course_id)
    if data.cohort_id is not None:
        await lms.get_cohort(session, data.cohort_id)
    if data.class_session_id is not None:
        await lms.get_class_session(session, data.class_session_id)
    if data.instructor_id is not None:
        await lms.get_instructor(session, data.instructor_id)


async def net_of(session: AsyncSession, entry_id: int) -> int:
    """An entry's amount with every correction of it."""
    own = await session.scalar(select(LedgerEntry.amount_won).where(LedgerEntry.id == entry_id))
    fixes = await session.scalar(
        select(func.sum(LedgerEntry.amount_won)).where(LedgerEntry.corrects_id == entry_id)
    )
    return int(own or 0) + int(fixes or 0)


async def correct_entry(
    session: AsyncSession, entry_id: int, data: CorrectionCreate, *, actor_id: int | None,
    now: datetime,
) -> EntryOut:  # fmt: skip
    """A correction of an entry: same line and kind, signed, with its reason; the entry with
    all its corrections never goes below zero."""
    original = await get_or_404(session, LedgerEntry, entry_id, "ledger entry")
    if original.corrects_id is not None:
        raise Problem("conflict", f"Entry {entry_id} is itself a correction; correct entry "
                                  f"{original.corrects_id} instead.")  # fmt: skip
    line = await get_or_404(session, BudgetLine, original.line_id, "budget line")
    _year_of(data.entry_on, line, "entry_on")
    if data.entry_on < original.entry_on:
        raise Problem("conflict", "A correction cannot be dated before the entry it corrects.")
    net = await net_of(session, entry_id) + data.amount_won
    if net < 0:
        raise Problem("conflict", f"Entry {entry_id} would fall to {net:,} won; an entry with its "
                                  "corrections never goes below zero.")  # fmt: skip
    fix = LedgerEntry(
        line_id=original.line_id, kind=original.kind, entry_on=data.entry_on,
        amount_won=data.amount_won, counterparty=original.counterparty, memo=None,
        course_id=original.course_id, cohort_id=original.cohort_id,
        class_session_id=original.class_session_id, instructor_id=original.instructor_id,
        corrects_id=original.id, reason=data.reason, created_at=now, created_by=actor_id,
    )  # fmt: skip
    session.add(fix)
    await session.flush()
    return EntryOut.model_validate(fix)


# ---- forecasts -------------------------------------------------------------------------------


async def list_forecasts(session: AsyncSession, line_id: int) -> list[ForecastOut]:
    await get_or_404(session, BudgetLine, line_id, "budget line")
    stmt = (
        select(BudgetForecast)
        .where(BudgetForecast.line_id == line_id)
        .order_by(BudgetForecast.forecast_on, BudgetForecast.id)
    )
    return [ForecastOut.model_validate(f) for f in await session.scalars(stmt)]


async def add_forecast(
    session: AsyncSession, line_id: int, data: ForecastCreate, *, actor_id: int | None,
    now: datetime,
) -> ForecastOut:  # fmt: skip
    line = await _leaf(session, line_id)
    _year_of(data.forecast_on, line, "forecast_on")
    forecast = BudgetForecast(**data.model_dump(), line_id=line.id, created_at=now,
                              created_by=actor_id)  # fmt: skip
    session.add(forecast)
    await session.flush()
    return ForecastOut.model_validate(forecast)


# ---- courses and their lines -----------------------------------------------------------------


async def map_course(
    session: AsyncSession, data: CourseLineCreate, *, actor_id: int | None, now: datetime
) -> CourseLineOut:
    """Which line pays for the course from now on (the newest mapping counts)."""
    course = await lms.get_course(session, data.course_id)
    line = await _leaf(session, data.line_id)
    if line.year != course.year:
        raise Problem("conflict", f"Course {course.id} is of {course.year}; line {line.id} of "
                                  f"{line.year}.")  # fmt: skip
    mapping = CourseBudgetLine(course_id=course.id, line_id=line.id, created_at=now,
                               created_by=actor_id)  # fmt: skip
    session.add(mapping)
    await session.flush()
    return CourseLineOut.model_validate(mapping)


async def course_lines(session: AsyncSession, year: int) -> dict[int, int]:
    """Course → its line (newest mapping) for the year's lines."""
    stmt = (
        select(CourseBudgetLine)
        .join(BudgetLine, BudgetLine.id == CourseBudgetLine.line_id)
        .where(BudgetLine.year == year)
        .order_by(CourseBudgetLine.id)
    )
    return {m.course_id: m.line_id for m in await session.scalars(stmt)}


async def list_course_lines(session: AsyncSession, year: int) -> list[CourseLineOut]:
    current = await course_lines(session, year)
    stmt = select(CourseBudgetLine).where(CourseBudgetLine.course_id.in_(list(current)))
    rows = [m for m in await session.scalars(stmt.order_by(CourseBudgetLine.id))
            if current.get(m.course_id) == m.line_id]  # fmt: skip
    latest = {m.course_id: m for m in rows}
    return [CourseLineOut.model_validate(m) for m in latest.values()]


# ---- instructors' fees -----------------------------------------------------------------------


def fee_key(class_session_id: int, instructor_id: int, kind: EntryKind) -> str:
    return f"fee:{class_session_id}:{instructor_id}:{kind.value}"


async def post_fees(
    session: AsyncSession, date_from: date, date_to: date, *, actor_id: int | None,
    now: datetime,
) -> FeePostingOut:  # fmt: skip
    """Post instructors' fees owed for the sessions of the days (lms): a commitment for every
    known fee, and an expenditure once the session has been taught (ended), on the line of
    the session's course. Idempotent: a fee already posted is not posted again; if it has
    changed since (a teaching-hours correction), a correction entry brings it in line."""
    owed = await instructors.fees_owed(session, date_from, date_to)
    years = {row.taught_on.year for row in owed}
    mapping: dict[int, int] = {}
    for year in years:
        mapping.update(await course_lines(session, year))
    counts = {"commitment": 0, "expenditure": 0, "adjusted": 0, "already": 0, "unknown": 0,
              "unmapped": 0, "won": 0}  # fmt: skip
    for row in owed:
        if row.amount_won is None or row.instructor_id is None:
            counts["unknown"] += 1
            continue
        line_id = mapping.get(row.course_id)
        if line_id is None:
            counts["unmapped"] += 1
            continue
        kinds = [EntryKind.COMMITMENT]
        if row.session_state == SessionState.ENDED:
            kinds.append(EntryKind.EXPENDITURE)
        for kind in kinds:
            key = fee_key(row.class_session_id, row.instructor_id, kind)
            existing = await session.scalar(
                select(LedgerEntry).where(LedgerEntry.source_key == key)
            )
            if existing is not None:
                net = await net_of(session, existing.id)
                if net == row.amount_won:
                    counts["already"] += 1
                    continue
                fix = CorrectionCreate(entry_on=max(existing.entry_on, row.taught_on),
                                       amount_won=row.amount_won - net,
                                       reason="강사료 재계산 (fee recomputed: teaching hours "
                                              "or grade changed)")  # fmt: skip
                await correct_entry(session, existing.id, fix, actor_id=actor_id, now=now)
                counts["adjusted"] += 1
                counts["won"] += row.amount_won - net
                continue
            data = EntryCreate(
                kind=kind, entry_on=row.taught_on, amount_won=row.amount_won,
                counterparty=row.instructor_name, memo=f"강사료 {row.class_session_title}",
                course_id=row.course_id, cohort_id=row.cohort_id,
                class_session_id=row.class_session_id, instructor_id=row.instructor_id,
            )  # fmt: skip
            await add_entry(session, line_id, data, actor_id=actor_id, now=now, source_key=key)
            counts[kind.value] += 1
            counts["won"] += row.amount_won
    return FeePostingOut(
        commitments_posted=counts["commitment"], expenditures_posted=counts["expenditure"],
        adjustments_posted=counts["adjusted"], already_posted=counts["already"],
        unknown_fee=counts["unknown"], unmapped_course=counts["unmapped"],
        posted_won=counts["won"],
    )  # fmt: skip


# ---- cost per completed trainee --------------------------------------------------------------


def end_of(day: date) -> datetime:
    """The first instant after the day in Seoul."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=SEOUL)


def _per(won: int, completed: int) -> int | None:
    if completed <= 0:
        return None
    return int((Decimal(won) / completed).quantize(Decimal(1), rounding=ROUND_HALF_UP))


async def costs(session: AsyncSession, year: int, as_of: date) -> list[CostOut]:
    """Expenditures per completed trainee (이수자 1인당 집행액), as of the day: per course
    (expenditures linked to the course) and per line (all its expenditures over the
    completions of the courses it pays for). Nobody completed → None, never a division by 0."""
    mapping = await course_lines(session, year)
    lines = {line.id: line for line in await lines_of_year(session, year)}
    linked = (
        await session.execute(
            select(LedgerEntry.course_id, func.sum(LedgerEntry.amount_won))
            .where(LedgerEntry.line_id.in_(list(lines)), LedgerEntry.course_id.is_not(None),
                   LedgerEntry.kind == EntryKind.EXPENDITURE, LedgerEntry.entry_on <= as_of)
            .group_by(LedgerEntry.course_id)
        )
    ).all()  # fmt: skip
    by_course = {cid: int(won or 0) for cid, won in linked if cid is not None}
    course_ids = sorted(set(mapping) | set(by_course))
    completed = await lms.completions_by_course(session, course_ids, end_of(as_of))
    courses = await lms.courses_by_id(session, course_ids)
    out = [
        CostOut(scope="course", id=cid, name=courses[cid].title, line_id=mapping.get(cid),
                expenditures_won=by_course.get(cid, 0), completed=completed.get(cid, 0),
                per_completed_won=_per(by_course.get(cid, 0), completed.get(cid, 0)))
        for cid in course_ids if cid in courses
    ]  # fmt: skip
    spent = await _sums(session, LedgerEntry, list(lines), as_of, LedgerEntry.kind)
    for line_id in sorted(set(mapping.values()), key=lambda i: (lines[i].sort, i)):
        won = spent.get((line_id, EntryKind.EXPENDITURE.value), 0)
        people = sum(completed.get(c, 0) for c, lid in mapping.items() if lid == line_id)
        out.append(CostOut(scope="line", id=line_id, name=lines[line_id].name_ko, line_id=line_id,
                           expenditures_won=won, completed=people,
                           per_completed_won=_per(won, people)))  # fmt: skip
    return out
