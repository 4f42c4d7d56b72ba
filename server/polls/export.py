"""A class's Q&A after class, as a spreadsheet: CSV (UTF-8 with a BOM, so Excel opens Hangul
right) or XLSX (one sheet "질문"). One row per question in the order asked, every status
included (the status column says which were published).

Anonymity holds here as in class: an anonymous row says only "익명 (anonymous)"; it never
carries the pseudonym (``author_tag``), a user id or a name. Cells that a spreadsheet would
take for a formula are kept as text: in CSV behind a leading apostrophe (the usual defence
against formula injection), in XLSX as string cells."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.clock import SEOUL
from server.polls.models import Question
from server.rooms.breakout import service as breakout

Cell = str | int
ANONYMOUS = "익명 (anonymous)"
NOT_ANSWERED = "—"
SHEET = "질문"
HEADER: tuple[str, ...] = (
    "번호 (id)",
    "질문 시각 (asked at)",
    "분임 (group)",
    "질문자 (asked by)",
    "질문 (text)",
    "상태 (status)",
    "추천 (votes)",
    "답변 (answered)",
    "답변 내용 (reply)",
    "병합 대상 (merged into)",
    "표시 (flags)",
)
WRAPPED = {HEADER.index("질문 (text)"), HEADER.index("답변 내용 (reply)")}
MAX_WIDTH = 60
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


async def rows(session: AsyncSession, class_session_id: int) -> list[list[Cell]]:
    """The class's questions, one row each (columns as ``HEADER``), oldest first."""
    stmt = (
        select(Question).where(Question.class_session_id == class_session_id).order_by(Question.id)
    )
    questions = list((await session.scalars(stmt)).all())
    groups = await _group_names(session, class_session_id, questions)
    return [_row(q, groups) for q in questions]


async def _group_names(
    session: AsyncSession, class_session_id: int, questions: list[Question]
) -> dict[int, str]:
    """Breakout group id → name, from the class's own and its cohort's sets."""
    if all(q.group_id is None for q in questions):
        return {}
    names: dict[int, str] = {}
    for group_set in await breakout.sets_for_class(session, class_session_id):
        for group in await breakout.groups_of(session, group_set.id):
            names[group.id] = group.name
    return names


def _row(question: Question, groups: dict[int, str]) -> list[Cell]:
    """Only what may be shown: a named question's name, never anyone's pseudonym or id."""
    gid = question.group_id  # a group whose set was deleted since: its number
    group = "" if gid is None else groups.get(gid, f"#{gid}")
    named = question.author_id is not None
    return [
        question.id,
        question.created_at.astimezone(SEOUL).isoformat(timespec="seconds"),
        group,
        (question.author_name or "") if named else ANONYMOUS,
        question.text,
        question.status,
        question.votes,
        question.answered or NOT_ANSWERED,
        question.reply or "",
        "" if question.merged_into is None else question.merged_into,
        ", ".join(question.flags or []),
    ]


def _inert(value: Cell) -> Cell:
    """Text a spreadsheet would run as a formula, kept as text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(table: Sequence[Sequence[Cell]]) -> bytes:
    """UTF-8 with a byte-order mark and CRLF lines: what Excel in Korea opens as it is."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows([_inert(cell) for cell in row] for row in table)
    return out.getvalue().encode("utf-8-sig")


def _width(value: Cell) -> int:
    """Columns as Excel counts them: Hangul and other wide characters take two."""
    lines = str(value).splitlines() or [""]
    return max(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
               for line in lines)  # fmt: skip


def to_xlsx(table: Sequence[Sequence[Cell]]) -> bytes:
    """One sheet, bold header frozen above the rows, columns as wide as their contents."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append(list(HEADER))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for n, row in enumerate(table, start=2):
        for col, value in enumerate(row, start=1):
            clean = ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
            cell = sheet.cell(row=n, column=col, value=clean)
            if isinstance(clean, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            if col - 1 in WRAPPED:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for col, title in enumerate(HEADER, start=1):
        widest = max([_width(title), *(_width(row[col - 1]) for row in table)])
        sheet.column_dimensions[get_column_letter(col)].width = min(widest + 2, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
