"""A small budget for the tests, built through the API: 2020 with a total over two lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.lms.instructors.helpers import Caller


@dataclass(frozen=True)
class Budget:
    total: int
    teaching: int  # 교육 운영: 1,000,000 won
    equipment: int  # 장비: 500,000 won


async def make_budget(caller: Caller, year: int = 2020) -> Budget:
    total = await caller.post(
        "/budget/lines",
        {"year": year, "code": "total", "kind": "total", "name_ko": "합계", "name_en": "Total"},
    )
    teaching = await caller.post(
        "/budget/lines",
        {"year": year, "code": "teaching", "kind": "line", "parent_id": total["id"],
         "name_ko": "교육 운영", "name_en": "Teaching", "original_won": 1_000_000, "sort": 1},
    )  # fmt: skip
    equipment = await caller.post(
        "/budget/lines",
        {"year": year, "code": "equipment", "kind": "line", "parent_id": total["id"],
         "name_ko": "장비", "name_en": "Equipment", "original_won": 500_000, "sort": 2},
    )  # fmt: skip
    return Budget(total["id"], teaching["id"], equipment["id"])


async def lines(caller: Caller, as_of: str, year: int = 2020) -> dict[str, dict[str, Any]]:
    """The year's lines as of a day, by code."""
    body = await caller.get("/budget/lines", year=str(year), as_of=as_of)
    return {line["code"]: line for line in body}
