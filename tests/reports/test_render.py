"""The renderers over a hand-made report: "no data" is never 0, markers show as 상시, formulas
stay text, and the terminal table lines up Hangul (two columns a character)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from server.reports import render
from server.reports.base import Column, Kind, Level, Marker, Note, Parameters, Report, Row

REPORT = Report(
    name="sample", title_ko="견본", title_en="Sample",
    parameters=Parameters(2020, date(2020, 9, 30)),
    columns=(Column("label", "구분", "Label", Kind.TEXT), Column("n", "인원", "People", Kind.INT),
             Column("rate", "이수율", "Rate", Kind.PERCENT)),
    rows=(Row("all", Level.TOTAL, {"label": "전체", "n": 12345, "rate": Decimal("164.3")}),
          Row("a", Level.ROW, {"label": "=HYPERLINK(\"x\")", "n": None, "rate": None}),
          Row("b", Level.ROW, {"label": "e러닝", "n": Marker.ALWAYS_OPEN, "rate": Decimal("0.0")})),
    notes=(Note("주석", "a note"),),
)  # fmt: skip


def test_json_keeps_numbers_and_says_null_for_no_data() -> None:
    data = render.to_json(REPORT)
    cells = {row["key"]: row["cells"] for row in data["rows"]}
    assert cells["all"] == {"label": "전체", "n": 12345, "rate": 164.3}
    assert cells["a"]["n"] is None
    assert cells["b"] == {"label": "e러닝", "n": "always_open", "rate": 0.0}  # a real 0 stays 0
    assert render.canonical(data) == render.canonical(render.to_json(REPORT))


def test_csv_says_no_data_in_words_and_keeps_formulas_as_text() -> None:
    raw = render.to_csv(REPORT)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert lines[0] == ["key", "구분 (Label)", "인원 (People)", "이수율 (Rate)"]
    assert lines[1] == ["all", "전체", "12345", "164.3"]
    assert lines[2] == ["a", '\'=HYPERLINK("x")', "자료 없음", "자료 없음"]
    assert lines[3] == ["b", "e러닝", "상시", "0.0"]


def test_xlsx_opens_with_numbers_as_numbers_and_formulas_as_strings() -> None:
    book = load_workbook(io.BytesIO(render.to_xlsx(REPORT)))
    sheet = book["보고서"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == ("all", "전체", 12345, 164.3)
    assert rows[2] == ("a", '=HYPERLINK("x")', "자료 없음", "자료 없음")
    assert sheet["B3"].data_type == "s"  # text, not a formula
    assert rows[3] == ("b", "e러닝", "상시", 0.0)
    assert sheet["B2"].font.bold  # the total
    assert not sheet["B3"].font.bold


def test_the_terminal_table_lines_up_hangul() -> None:
    lines = render.to_table(REPORT).splitlines()
    header = next(line for line in lines if "인원" in line)
    body = [line for line in lines if line.startswith(("전체", "=HYPER", "e러닝"))]
    assert len(body) == 3
    ends = {render.display_width(line) for line in [header, *body]}
    assert len(ends) == 1  # every line ends in the same column
    assert "12,345" in body[0]
    assert "164.3%" in body[0]
    assert body[1].split()[-2:] == ["자료", "없음"]
    assert "상시" in body[2]
    assert "0.0%" in body[2]
    assert lines[-1] == "* 주석"
    assert render.to_table(REPORT, lang="en").splitlines()[-1] == "* a note"
    assert "no data" in render.to_table(REPORT, lang="en")
