"""The two column kinds the budget report added: money in won shown in thousand won (half up,
away from zero) and changes with △ for a decrease, in CSV and terminal text and in XLSX."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from server.reports import render
from server.reports.base import Column, Kind, Level, Parameters, Report, Row
from server.reports.render import text_cell, thousands


def test_thousands_round_half_away_from_zero() -> None:
    assert [thousands(w) for w in (0, 499, 500, 1_499, 1_500, -499, -500, -1_500)] == [
        0, 0, 1, 1, 2, 0, -1, -2,
    ]  # fmt: skip


def test_decreases_read_with_a_triangle_and_unknown_as_no_data() -> None:
    assert text_cell(-1_029_626_000, Kind.THOUSAND_WON, grouped=True) == "△1,029,626"
    assert text_cell(-1_029_626_000, Kind.THOUSAND_WON) == "△1029626"
    assert text_cell(23_233_000, Kind.THOUSAND_WON, grouped=True) == "23,233"
    assert text_cell(Decimal("-6.2"), Kind.CHANGE_PERCENT, grouped=True) == "△6.2%"
    assert text_cell(Decimal("226.0"), Kind.CHANGE_PERCENT) == "226.0"
    assert text_cell(None, Kind.THOUSAND_WON) == "자료 없음"
    assert text_cell(None, Kind.CHANGE_PERCENT, lang="en") == "no data"


def test_xlsx_keeps_numbers_with_triangle_formats() -> None:
    report = Report(
        name="x", title_ko="x", title_en="x", parameters=Parameters(2020, date(2020, 9, 30)),
        columns=(Column("m", "금액", "Money", Kind.THOUSAND_WON),
                 Column("c", "증감률", "Change", Kind.CHANGE_PERCENT)),
        rows=(Row("a", Level.ROW, {"m": -1_029_626_400, "c": Decimal("-6.2")}),),
    )  # fmt: skip
    sheet = load_workbook(io.BytesIO(render.to_xlsx(report)))["보고서"]
    money, change = sheet.cell(row=2, column=2), sheet.cell(row=2, column=3)
    assert (money.value, change.value) == (-1_029_626, -6.2)
    assert money.number_format == '#,##0;"△"#,##0'
    assert change.number_format == '0.0;"△"0.0'
