"""A report as a PDF: the same rows and words as the page, CSV and XLSX, for filing and print.

Set with fpdf2 as text (not a picture), in Noto Sans KR cut down to the characters the report
uses (``server.core.pdf_fonts``), so the Korean can be searched and copied. A4 landscape; the
header row repeats on every page; totals and subtotals are shaded; "no data" cells say so in
words (자료 없음), as everywhere else. The title, parameters, as-of and a content hash go in the
first lines and in the PDF's metadata, so a printed copy can be matched to a frozen one.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from server.core.pdf_fonts import packaged_hangul_font, truetype_subset
from server.reports.base import Kind, Level, Report
from server.reports.render import canonical, text_cell, to_json

FONT = "Hangul"
BODY_PT = 7.5
TITLE_PT = 13.0
TEXT_KINDS = (Kind.TEXT,)


def content_sha256(report: Report) -> str:
    """The hash a freeze of the same content stores (``reports.service.freeze``)."""
    return hashlib.sha256(canonical(to_json(report)).encode("utf-8")).hexdigest()


def _heading(report: Report) -> list[str]:
    params = report.parameters
    return [
        f"{report.title_ko} ({report.title_en})",
        f"{params.year}년 · 기준일 (as of) {report.as_of.isoformat()}",
        f"내용 해시 (content SHA-256) {content_sha256(report)}",
    ]


def _grid(report: Report) -> list[list[str]]:
    header = [f"{c.title_ko}\n{c.title_en}" for c in report.columns]
    rows = [
        [text_cell(row.cells.get(c.key), c.kind, grouped=True) for c in report.columns]
        for row in report.rows
    ]
    return [header, *rows]


def _notes(report: Report) -> list[str]:
    return [f"· {note.ko} / {note.en}" for note in report.notes]


def to_pdf(report: Report) -> bytes:
    """The report as an A4 landscape PDF with an embedded Korean font subset."""
    heading, grid, notes = _heading(report), _grid(report), _notes(report)
    used = {ch for line in (*heading, *notes) for ch in line}
    used |= {ch for row in grid for cell in row for ch in cell}
    font = truetype_subset(packaged_hangul_font(), "".join(sorted(used)) + " ")
    with tempfile.TemporaryDirectory(prefix="baeum-report-") as scratch:
        file = Path(scratch) / "hangul.ttf"  # fpdf2 reads fonts from files only
        file.write_bytes(font)
        return _set(report, heading, grid, notes, file)


def _set(report: Report, heading: list[str], grid: list[list[str]], notes: list[str],
         font: Path) -> bytes:  # fmt: skip
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_font(FONT, fname=str(font))
    pdf.set_title(heading[0])
    pdf.set_subject(heading[1])
    pdf.set_keywords(heading[2])
    pdf.set_author("Baeum")
    pdf.set_creator("Baeum")
    pdf.add_page()
    pdf.set_font(FONT, size=TITLE_PT)
    pdf.multi_cell(0, 7, heading[0], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=BODY_PT + 1)
    for line in heading[1:]:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _table(pdf, report, grid)
    if notes:
        pdf.ln(3)
        pdf.set_font(FONT, size=BODY_PT)
        for line in notes:
            pdf.multi_cell(0, 4, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _table(pdf: FPDF, report: Report, grid: list[list[str]]) -> None:
    pdf.set_font(FONT, size=BODY_PT)
    align = ["LEFT" if c.kind in TEXT_KINDS else "RIGHT" for c in report.columns]
    emphasis = FontFace(fill_color=(228, 233, 243))  # one face only: shade, don't embolden
    with pdf.table(
        text_align=tuple(align),
        headings_style=FontFace(fill_color=(205, 214, 232)),
        repeat_headings=1,
        line_height=BODY_PT * 0.55,
        padding=0.8,
    ) as table:
        for index, cells in enumerate(grid):
            level = report.rows[index - 1].level if index else None
            style = emphasis if level in (Level.TOTAL, Level.SUBTOTAL) else None
            row = table.row(style=style)
            for text in cells:
                row.cell(text)
