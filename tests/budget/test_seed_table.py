"""The demo budget reproduces the seed's 2020 table (2020년 예산 현황) through the report API,
its CSV, XLSX and terminal table: every row, every amount, every rate, △ for decreases, and
56.3% executed of 15,534,973 thousand won. The four cells where the printed seed contradicts
its own amounts (server/budget/seed_2020.py ERRATA) are shown to be exactly those."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from server.budget.demo import course_line, load_budget
from server.budget.seed_2020 import AS_OF, ERRATA, TABLE
from server.core.auth.roles import Role
from server.core.keys import CLOCK, DATABASE
from server.reports import render, service
from server.reports.base import Parameters
from tests.conftest import AppClient, Person, api_token, bearer

URL = "/api/v1/reports/budget-execution"
SEPTEMBER = {"year": "2020", "as_of": AS_OF.isoformat()}


def thousands(won: int | None) -> int | None:
    return None if won is None else render.thousands(won)


def dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))


async def demo_report(client: AppClient, people: dict[Role, Person], **params: str) -> Any:
    """Load the demo budget (once: a second load adds nothing) and run the report."""
    for added in (True, False):
        async with client.app[DATABASE].unit_of_work() as session:
            assert await load_budget(session, client.app[CLOCK].now()) is added
    token = await api_token(client, people[Role.OPERATOR].login)
    response = await client.get(URL, params=params, headers=bearer(token))
    assert response.status == 200, await response.text()
    return await response.json(), token


def printed(line: Any) -> dict[str, Any]:
    """What the seed prints for a row, in the report's columns (thousand won, rates)."""
    return {
        "name": line.name_ko,
        "previous_budget": line.budget_2019,
        "budget": line.budget_2020,
        "change": line.change,
        "change_rate": line.change_rate,
        "expenditures": line.executed,
        "expenditure_rate": line.executed_rate,
    }


def shown(cells: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": cells["name"],
        "previous_budget": thousands(cells["previous_budget"]),
        "budget": thousands(cells["budget"]),
        "change": thousands(cells["change"]),
        "change_rate": dec(cells["change_rate"]),
        "expenditures": thousands(cells["expenditures"]),
        "expenditure_rate": dec(cells["expenditure_rate"]),
    }


async def test_every_row_and_figure_of_the_seed_table(
    client: AppClient, people: dict[Role, Person]
) -> None:
    body, _ = await demo_report(client, people, **SEPTEMBER)
    rows = {row["key"]: row for row in body["rows"]}
    assert [row["key"] for row in body["rows"]] == [line.code for line in TABLE]
    mismatches: dict[tuple[str, str], tuple[Any, Any]] = {}
    for line in TABLE:
        want, got = printed(line), shown(rows[line.code]["cells"])
        for column, value in want.items():
            if got[column] != value:
                mismatches[(line.code, column)] = (value, got[column])
    assert mismatches == ERRATA  # nothing else differs, and each erratum is the arithmetic
    total = rows["total"]["cells"]
    assert (total["budget"], total["expenditure_rate"]) == (15_534_973_000, 56.3)
    assert rows["total"]["level"] == "total"
    assert rows["programmes"]["level"] == rows["talent"]["level"] == "subtotal"
    assert rows["exams"]["level"] == "row"
    # HRD spent nothing on a budget of 17,598: 0.0% is a figure; nobody entered forecasts for
    # most lines, so their forecast (and the totals') is no data, never 0
    assert rows["hrd"]["cells"]["expenditure_rate"] == 0.0
    assert total["forecast"] is None
    assert total["forecast_rate"] is None
    assert rows["assessment"]["cells"]["forecast"] == 1_350_000_000
    assert rows["assessment"]["cells"]["forecast_rate"] == 98.1  # 1,350,000 / 1,376,320


async def test_csv_xlsx_and_table_print_thousands_with_triangles(
    client: AppClient, people: dict[Role, Person]
) -> None:
    _, token = await demo_report(client, people, **SEPTEMBER)
    response = await client.get(URL, params={**SEPTEMBER, "format": "csv"}, headers=bearer(token))
    assert response.status == 200
    table = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    lines = {line[0]: line for line in table[1:]}
    header = table[0]
    total = dict(zip(header, lines["total"], strict=True))
    assert total["구분 (Line)"] == "합계"
    assert total["전년도 예산현액 (Previous year's budget)"] == "16564599"
    assert total["예산현액 (Current budget)"] == "15534973"
    assert total["증감액 (Change)"] == "△1029626"
    assert total["증감률(%) (Change (%))"] == "△6.2"
    assert total["집행액 (Expenditures)"] == "8745807"
    assert total["집행률(%) (Execution rate (%))"] == "56.3"
    assert total["연말 예상액 (Year-end forecast)"] == "자료 없음"
    growth = dict(zip(header, lines["elearning-content"], strict=True))
    assert (growth["증감액 (Change)"], growth["증감률(%) (Change (%))"]) == ("691200", "226.0")

    response = await client.get(URL, params={**SEPTEMBER, "format": "xlsx"}, headers=bearer(token))
    sheet = load_workbook(io.BytesIO(await response.read()))["보고서"]
    names = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(names, r, strict=True)) for r in sheet.iter_rows(2, values_only=True)}
    assert rows["total"]["예산현액 (Current budget)"] == 15_534_973
    assert rows["total"]["증감액 (Change)"] == -1_029_626
    assert rows["total"]["집행률(%) (Execution rate (%))"] == pytest.approx(56.3)
    change_column = names.index("증감액 (Change)") + 1
    assert '"△"' in sheet.cell(row=2, column=change_column).number_format

    async with client.app[DATABASE].unit_of_work() as session:
        report = await service.run(session, "budget-execution", Parameters(2020, AS_OF))
    text = render.to_table(report)
    assert "15,534,973" in text
    assert "△1,029,626" in text
    assert "56.3%" in text
    assert "△6.2%" in text


async def test_as_of_counts_only_what_was_dated_by_then(
    client: AppClient, people: dict[Role, Person]
) -> None:
    """The 20 November cut and the October meals entries count at year end, not in September;
    in March, the May supplementary budget and July transfer have not happened yet."""
    _, token = await demo_report(client, people, **SEPTEMBER)

    async def cells(as_of: str) -> dict[str, dict[str, Any]]:
        response = await client.get(
            URL, params={"year": "2020", "as_of": as_of}, headers=bearer(token)
        )
        return {row["key"]: row["cells"] for row in (await response.json())["rows"]}

    year_end = await cells("2020-12-31")
    assert year_end["building-repair"]["budget"] == 612_000_000 - 50_000_000
    assert year_end["meals"]["expenditures"] == 59_436_000 + 12_345_000
    assert year_end["total"]["budget"] == 15_534_973_000 - 50_000_000
    march = await cells("2020-03-31")
    assert march["retirement"]["budget"] == 1_318_803_000 - 318_803_000
    assert march["elearning-ops"]["budget"] == 696_861_000 - 20_000_000
    assert march["equipment"]["budget"] == 102_000_000 + 20_000_000
    assert march["total"]["budget"] == 15_534_973_000 - 318_803_000
    # one quarter of each line's spending is dated by 25 March
    assert march["exams"]["expenditures"] == (3_350_771_000 - 400 + 2) // 3
    assert march["hrd"]["expenditures"] == 0
    # the previous year (2019) keeps no ledger here: its execution is unknown, not 0%
    response = await client.get(URL, params={"year": "2019"}, headers=bearer(token))
    before = {row["key"]: row["cells"] for row in (await response.json())["rows"]}
    assert before["total"]["budget"] == 16_564_599_000
    assert before["total"]["expenditures"] is None
    assert before["total"]["expenditure_rate"] is None
    assert before["total"]["previous_budget"] is None  # no 2018 lines


def test_demo_courses_map_to_the_lines_that_pay_for_them() -> None:
    assert course_line("2020-E-it-03") == "elearning-ops"
    assert course_line("2020-C-new_recruits-01") == "new-recruits"
    assert course_line("2020-C-it-12") == "it"
    assert course_line("2020-C-by_grade-02") == "grade6"
    assert course_line("2020-C-core_values-05") == "philosophy"
    assert course_line("2020-C-common-01") == "in-service"
    assert course_line("DEMO") == "in-service"
