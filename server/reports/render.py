"""One report, four forms: JSON (the API and frozen copies), CSV, XLSX and a terminal table.

Every form says "no data" where the report has ``None`` (자료 없음 in Korean forms, ``null`` in
JSON) and never turns it into 0; a ``Marker`` is shown as its label (상시). CSV is UTF-8 with a
byte-order mark so Excel in Korea opens Hangul as it is, and text a spreadsheet would run as a
formula is kept as text (a leading apostrophe in CSV, string cells in XLSX), as in the Q&A export.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from server.reports.base import MARKER_LABELS, NO_DATA, Cell, Column, Kind, Level, Marker, Report

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PERCENT_FORMAT = "0.0"
SCORE_FORMAT = "0.00"
INT_FORMAT = "#,##0"
NUMBER_FORMATS = {Kind.PERCENT: PERCENT_FORMAT, Kind.SCORE: SCORE_FORMAT}
#: decreases read △ (not a minus sign) in Korean public finance tables
NUMBER_FORMATS[Kind.THOUSAND_WON] = '#,##0;"△"#,##0'
NUMBER_FORMATS[Kind.CHANGE_PERCENT] = '0.0;"△"0.0'


def thousands(won: int) -> int:
    """Won to thousand won (천원), half up away from zero, as the institute's tables round."""
    sign = -1 if won < 0 else 1
    return sign * ((abs(won) + 500) // 1000)


def _triangle(text: str) -> str:
    return "△" + text[1:] if text.startswith("-") else text


# ---- JSON ---------------------------------------------------------------------------------


def json_cell(value: Cell) -> Any:
    """Numbers stay numbers (a rate like 164.3 as a JSON number), markers their code, None null."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Marker):
        return value.value
    return value


def to_json(report: Report) -> dict[str, Any]:
    """The report as plain JSON data: what the API answers and what a freeze stores."""
    return {
        "name": report.name,
        "title": {"ko": report.title_ko, "en": report.title_en},
        "parameters": _parameters(report),
        "columns": [
            {"key": c.key, "title_ko": c.title_ko, "title_en": c.title_en, "kind": c.kind.value}
            for c in report.columns
        ],
        "rows": [
            {
                "key": row.key,
                "level": row.level.value,
                "cells": {c.key: json_cell(row.cells.get(c.key)) for c in report.columns},
            }
            for row in report.rows
        ],
        "notes": [{"ko": n.ko, "en": n.en} for n in report.notes],
    }


def _parameters(report: Report) -> dict[str, Any]:
    out: dict[str, Any] = {"year": report.parameters.year, "as_of": report.as_of.isoformat()}
    viewer = report.parameters.viewer
    if viewer is not None:  # a scoped run says whose records it counted
        out["scope"] = {"user_id": viewer.user_id, "teaches": viewer.teaches}
    return out


def canonical(data: Any) -> str:
    """One text for one content: sorted keys, no spaces, Hangul as it is (what is hashed)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# ---- text cells (CSV and the terminal) ------------------------------------------------------


def text_cell(value: Cell, kind: Kind, *, lang: str = "ko", grouped: bool = False) -> str:
    """A cell as people read it; ``grouped`` adds thousands separators (screens, not CSV)."""
    if value is None:
        return NO_DATA[0] if lang == "ko" else NO_DATA[1]
    if isinstance(value, Marker):
        ko, en = MARKER_LABELS[value]
        return ko if lang == "ko" else en
    if kind is Kind.THOUSAND_WON and isinstance(value, int):
        return _triangle(f"{thousands(value):,}" if grouped else str(thousands(value)))
    if kind is Kind.CHANGE_PERCENT and isinstance(value, int | Decimal):
        return _triangle(f"{value:.1f}%" if grouped else f"{value:.1f}")
    if kind is Kind.PERCENT and isinstance(value, int | Decimal):
        return f"{value:.1f}%" if grouped else f"{value:.1f}"
    if kind is Kind.SCORE and isinstance(value, int | Decimal):
        return f"{value:.2f}"
    if isinstance(value, int) and grouped:
        return f"{value:,}"
    return str(value)


def _header(column: Column) -> str:
    return f"{column.title_ko} ({column.title_en})"


def _key_header(report: Report) -> str:
    return "key" if report.key_title is None else "{} ({})".format(*report.key_title)


def _inert(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(report: Report) -> bytes:
    """One header row and one line per report row, in the report's order; CRLF; BOM."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_key_header(report), *(_header(c) for c in report.columns)])
    for row in report.rows:
        cells = [text_cell(row.cells.get(c.key), c.kind) for c in report.columns]
        writer.writerow([row.key, *(_inert(cell) for cell in cells)])
    return out.getvalue().encode("utf-8-sig")


# ---- XLSX -----------------------------------------------------------------------------------


def to_xlsx(report: Report) -> bytes:
    """Sheet "보고서": the table (numbers as numbers, totals bold, "자료 없음" as text); sheet
    "정보": title, parameters and notes, so the file says what it is when forwarded alone."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "보고서"
    sheet.append([_key_header(report), *(_header(c) for c in report.columns)])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "B2"
    for row in report.rows:
        values: list[Any] = [row.key]
        for column in report.columns:
            value = row.cells.get(column.key)
            values.append(_xlsx_value(value, column.kind))
        sheet.append(values)
        line = sheet.max_row
        for index, column in enumerate(report.columns, start=2):
            target = sheet.cell(row=line, column=index)
            if isinstance(target.value, int | float) and not isinstance(target.value, bool):
                target.number_format = NUMBER_FORMATS.get(column.kind, INT_FORMAT)
            elif isinstance(target.value, str):
                target.data_type = "s"  # never a formula, whatever it starts with
            if row.level is not Level.ROW:
                target.font = Font(bold=True)
    _widths(sheet, report)
    info = book.create_sheet("정보")
    info.append(["보고서 (report)", f"{report.title_ko} ({report.title_en})"])
    info.append(["이름 (name)", report.name])
    info.append(["연도 (year)", report.parameters.year])
    info.append(["기준일 (as of)", report.as_of.isoformat()])
    for note in report.notes:
        info.append(["주 (note)", f"{note.ko} / {note.en}"])
    for cells in info.iter_rows():
        for target in cells:
            if isinstance(target.value, str):
                target.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value: Cell, kind: Kind) -> Any:
    if value is None or isinstance(value, Marker):
        return text_cell(value, kind)
    if isinstance(value, Decimal):
        return float(value)
    if kind is Kind.THOUSAND_WON and isinstance(value, int):
        return thousands(value)
    return value


def _widths(sheet: Any, report: Report) -> None:
    headers = [_key_header(report), *(_header(c) for c in report.columns)]
    for index, header in enumerate(headers, start=1):
        width = display_width(header)
        for row in report.rows:
            if index == 1:
                width = max(width, display_width(row.key))
            else:
                column = report.columns[index - 2]
                text = text_cell(row.cells.get(column.key), column.kind, grouped=True)
                width = max(width, display_width(text))
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, 60)


# ---- terminal -------------------------------------------------------------------------------


def display_width(text: str) -> int:
    """Columns a terminal gives the text: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def to_table(report: Report, *, lang: str = "ko") -> str:
    """A plain-text table: numbers right-aligned with separators, totals marked by a rule."""
    titles = [c.title_ko if lang == "ko" else c.title_en for c in report.columns]
    body = [
        [text_cell(row.cells.get(c.key), c.kind, lang=lang, grouped=True) for c in report.columns]
        for row in report.rows
    ]
    widths = [
        max([display_width(t), *(display_width(line[i]) for line in body)])
        for i, t in enumerate(titles)
    ]
    right = [c.kind is not Kind.TEXT for c in report.columns]

    def line(cells: list[str]) -> str:
        return "  ".join(_pad(cell, w, r) for cell, w, r in zip(cells, widths, right, strict=True))

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    title = report.title_ko if lang == "ko" else report.title_en
    out = [f"{title} — {report.parameters.year} (as of {report.as_of.isoformat()})", rule]
    out.append(line(titles).rstrip())
    out.append(rule)
    for row, cells in zip(report.rows, body, strict=True):
        out.append(line(cells).rstrip())
        if row.level is Level.TOTAL:
            out.append(rule)
    out.append(rule)
    out.extend(f"* {note.ko if lang == 'ko' else note.en}" for note in report.notes)
    return "\n".join(out) + "\n"
