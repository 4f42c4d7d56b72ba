"""The demo budget: 2019 and 2020 lines, amendments and ledger that reproduce the seed's table.

- 2019: every line with its printed 예산현액 as the original budget (no ledger: that year's
  execution is not kept here, so its rates are "no data", not 0%).
- 2020: originals plus amendments that land exactly on the printed 예산현액 by 2020-09-30 —
  a supplementary budget (1차 추경, 15 May) for 퇴직 후 인생설계 교육 and a transfer (1 July)
  from 교육훈련장비 확충 to e-러닝 운영 — and one cut dated after the as-of day (3차 추경,
  20 November) that the 30 September report does not count.
- 2020 ledger: each line's printed 집행액 (less ``RESIDUE_WON``) as three quarterly
  commitments and expenditures by 25 September, and October entries that only a later
  as-of day counts; one forecast (역량평가 운영).
- The year's courses are mapped to the lines that pay for them (new recruits, IT, grade 6,
  e-learning, special training; other classroom courses to 재직자 교육과정 운영).

Idempotent: nothing is added if 2020 already has lines. Written as ORM rows (a few hundred,
each audited like any entry).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.budget.models import (
    AmendmentKind,
    BudgetAmendment,
    BudgetForecast,
    BudgetLine,
    CourseBudgetLine,
    EntryKind,
    LedgerEntry,
)
from server.budget.seed_2020 import RESIDUE_WON, TABLE, YEAR, SeedLine, leaves
from server.lms import service as lms

THOUSAND = 1000
#: (line code, day, won, reason): 2020 amendments; their sums are taken off the originals
#: when dated by the as-of day (2020-09-30)
AMENDMENTS_2020: tuple[tuple[str, date, int, str], ...] = (
    ("retirement", date(2020, 5, 15), 318_803_000, "1차 추가경정예산: 퇴직예정자 교육 확대"),
    ("building-repair", date(2020, 11, 20), -50_000_000, "3차 추가경정예산: 공사 이월 감액"),
)
#: (from, to, day, won, reason)
TRANSFERS_2020: tuple[tuple[str, str, date, int, str], ...] = (
    ("equipment", "elearning-ops", date(2020, 7, 1), 20_000_000,
     "원격교육 전환: 장비 구입 축소분을 e-러닝 운영으로 전용"),
)  # fmt: skip
QUARTERS = ((date(2020, 1, 20), date(2020, 3, 25)), (date(2020, 4, 20), date(2020, 6, 25)),
            (date(2020, 7, 20), date(2020, 9, 25)))  # fmt: skip
AFTER_AS_OF = date(2020, 10, 15)
OCTOBER_WON = 12_345_000  # 10월 지출 (counts from 2020-10-15 on)
FORECASTS = (("assessment", date(2020, 9, 15), 1_350_000_000, "4분기 역량평가 2회 예정"),)
COUNTERPARTIES = {"exams": "시험 위탁기관", "building-upkeep": "시설관리 용역업체",
                  "meals": "급식 위탁업체"}  # fmt: skip


def course_line(code: str) -> str:
    """The line that pays for a demo course, by the course code (``2020-C-it-03``)."""
    parts = code.split("-", 3)
    if len(parts) < 3:
        return "in-service"
    _, letter, sub_area, *_ = parts
    if letter == "E":
        return "elearning-ops"
    return {"new_recruits": "new-recruits", "it": "it", "by_grade": "grade6",
            "core_values": "philosophy"}.get(sub_area, "in-service")  # fmt: skip


def _originals_2020() -> dict[str, int]:
    """Each leaf's 2020 original: the printed budget less what amendments by 30 Sep added."""
    won = {line.code: line.budget_2020 * THOUSAND for line in leaves()}
    for code, day, amount, _ in AMENDMENTS_2020:
        if day <= date(YEAR, 9, 30):
            won[code] -= amount
    for giver, taker, _, amount, _ in TRANSFERS_2020:
        won[giver] += amount
        won[taker] -= amount
    return won


async def _lines(
    session: AsyncSession, year: int, originals: dict[str, int], now: datetime
) -> dict[str, BudgetLine]:
    made: dict[str, BudgetLine] = {}
    for sort, seed in enumerate(TABLE):
        line = BudgetLine(
            year=year, code=seed.code, kind=seed.kind, name_ko=seed.name_ko,
            name_en=seed.name_en, sort=sort, original_won=originals.get(seed.code, 0),
            parent_id=made[seed.parent].id if seed.parent else None, created_at=now,
        )  # fmt: skip
        session.add(line)
        await session.flush()
        made[seed.code] = line
    return made


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _ledger(seed: SeedLine, line: BudgetLine, now: datetime) -> list[LedgerEntry]:
    won = seed.executed * THOUSAND - RESIDUE_WON.get(seed.code, 0)
    if won == 0:
        return []
    out: list[LedgerEntry] = []
    who = COUNTERPARTIES.get(seed.code)
    for (committed_on, paid_on), amount in zip(QUARTERS, _split(won, len(QUARTERS)), strict=True):
        for kind, day in ((EntryKind.COMMITMENT, committed_on), (EntryKind.EXPENDITURE, paid_on)):
            out.append(LedgerEntry(line_id=line.id, kind=kind, entry_on=day, amount_won=amount,
                                   counterparty=who, memo=f"{seed.name_ko} {day.month}월",
                                   created_at=now))  # fmt: skip
    return out


async def load_budget(session: AsyncSession, now: datetime) -> bool:
    """Add the demo budget once; True if it was added this run."""
    if await session.scalar(select(BudgetLine.id).where(BudgetLine.year == YEAR).limit(1)):
        return False
    await _lines(session, YEAR - 1,
                 {line.code: line.budget_2019 * THOUSAND for line in leaves()}, now)  # fmt: skip
    lines = await _lines(session, YEAR, _originals_2020(), now)
    rows: list[object] = []
    for code, day, amount, reason in AMENDMENTS_2020:
        rows.append(BudgetAmendment(line_id=lines[code].id, kind=AmendmentKind.SUPPLEMENTARY,
                                    effective_on=day, amount_won=amount, reason=reason,
                                    created_at=now))  # fmt: skip
    for n, (giver, taker, day, amount, reason) in enumerate(TRANSFERS_2020):
        for this, that, signed in ((giver, taker, -amount), (taker, giver, amount)):
            rows.append(BudgetAmendment(line_id=lines[this].id, kind=AmendmentKind.TRANSFER,
                                        effective_on=day, amount_won=signed,
                                        counter_line_id=lines[that].id,
                                        transfer_key=f"demo-{YEAR}-{n}", reason=reason,
                                        created_at=now))  # fmt: skip
    for seed in leaves():
        rows.extend(_ledger(seed, lines[seed.code], now))
    for kind in EntryKind:
        rows.append(LedgerEntry(line_id=lines["meals"].id, kind=kind, entry_on=AFTER_AS_OF,
                                amount_won=OCTOBER_WON, counterparty=COUNTERPARTIES["meals"],
                                memo="급식지원 10월", created_at=now))  # fmt: skip
    for code, day, amount, note in FORECASTS:
        rows.append(BudgetForecast(line_id=lines[code].id, forecast_on=day, amount_won=amount,
                                   note=note, created_at=now))  # fmt: skip
    for course in await lms.courses_of_year(session, YEAR):
        line = lines[course_line(course.code)]
        rows.append(CourseBudgetLine(course_id=course.id, line_id=line.id, created_at=now))
    session.add_all(rows)
    await session.flush()
    return True
