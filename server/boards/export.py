"""A board on record, as a spreadsheet for staff: every post (whatever its status: the status
column says which the class saw), every comment, and the reactions counted per post.

``tables`` reads the board into three tables, "posts", "comments" and "reactions", each a
header row and then its rows. ``to_csv`` writes the posts table alone (a CSV file holds one
table; the comments and reactions are in the XLSX), UTF-8 with a BOM so that Excel opens Hangul
right; ``to_xlsx`` writes all three, one sheet each. Building the XLSX takes a while for a big
board: the caller runs it in a thread.

Anonymity holds as on the board: an anonymous post or comment says only "(익명)"; the file
never carries a pseudonym (``author_tag``, ``voter_tag``), a user id or an anonymous author's
name, and reactions are only ever counted, never listed per person. Times are in Seoul time,
ISO 8601, as in the Q&A export. Cells that a spreadsheet would take for a formula are kept as
text as the Q&A export keeps them: in CSV behind a leading apostrophe, in XLSX as string
cells."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from html.parser import HTMLParser

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.boards.models import Board, BoardAttachment, BoardComment, BoardPost, BoardReaction
from server.core.clock import SEOUL
from server.core.db import get_or_404

Cell = str | int | float | None
Table = list[list[Cell]]
Tables = dict[str, Table]

ANONYMOUS = "(익명)"
HIGHLIGHTED = "yes"
POSTS = "posts"
COMMENTS = "comments"
REACTIONS = "reactions"
POSTS_HEADER: tuple[str, ...] = (
    "번호 (id)",
    "섹션 (section)",
    "제목 (title)",
    "내용 (text)",
    "링크 (link)",
    "첨부 파일 (attachment)",
    "색 (colour)",
    "작성자 (author)",
    "상태 (status)",
    "강조 (highlighted)",
    "평가 (grade)",
    "좋아요 (likes)",
    "투표 (votes)",
    "별점 평균 (stars)",
    "댓글 수 (comments)",
    "작성 시각 (created at)",
    "수정 시각 (edited at)",
)
COMMENTS_HEADER: tuple[str, ...] = (
    "게시물 번호 (post id)",
    "댓글 번호 (comment id)",
    "작성자 (author)",
    "내용 (text)",
    "상태 (status)",
    "작성 시각 (created at)",
)
REACTIONS_HEADER: tuple[str, ...] = (
    "게시물 번호 (post id)",
    "좋아요 (likes)",
    "투표 (votes)",
    "별점 수 (star ratings)",
    "별점 평균 (star average)",
)
WRAPPED = {
    POSTS: {POSTS_HEADER.index("내용 (text)")},
    COMMENTS: {COMMENTS_HEADER.index("내용 (text)")},
    REACTIONS: set(),
}
MAX_WIDTH = 60
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # as in server.polls.export
BLOCK = "\x00"  # a block's edge in the parsed text: adjacent edges make one line break


# ---- the body as plain text ------------------------------------------------------------------


class _Text(HTMLParser):
    """The text of the limited HTML a post's body holds: tags dropped, character references
    read, a line break for each ``<br>`` and one between blocks (paragraphs, list items,
    headings), a bullet before each list item. Nothing is ever run or fetched; unknown tags
    only vanish."""

    BREAKS = frozenset({"br"})
    BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "blockquote"})
    SILENT = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.silent = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SILENT:
            self.silent += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append(BLOCK + "• ")
        elif tag in self.BLOCKS:
            self.parts.append(BLOCK)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SILENT:
            self.silent = max(0, self.silent - 1)
        elif tag in self.BLOCKS:
            self.parts.append(BLOCK)

    def handle_data(self, data: str) -> None:
        if not self.silent:
            self.parts.append(re.sub(r"[ \t\r\n\f]+", " ", data))


def plain_text(body: str) -> str:
    """A post's body (sanitised limited HTML) as plain text, its paragraphs and list items on
    lines of their own, at most one empty line between them."""
    parser = _Text()
    parser.feed((body or "").replace(BLOCK, ""))
    parser.close()
    text = re.sub(f"[ ]*{BLOCK}[{BLOCK} ]*", "\n", "".join(parser.parts))  # one break
    lines = [line.strip() for line in text.replace("\xa0", " ").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# ---- reading the board -----------------------------------------------------------------------


def author(author_id: int | None, author_name: str | None) -> str:
    """A named post's (or comment's) author; "(익명)" for everything else."""
    if author_id is None or author_name is None:
        return ANONYMOUS
    return author_name


def _when(at: datetime | None) -> str:
    return "" if at is None else at.astimezone(SEOUL).isoformat(timespec="seconds")


def _average(total: int, count: int) -> float | None:
    """Unknown is not zero: no ratings, no average."""
    return None if count == 0 else round(total / count, 2)


def section_titles(board: Board) -> dict[str, str]:
    return {str(s.get("id")): str(s.get("title", "")) for s in board.sections or []}


async def reaction_counts(
    session: AsyncSession, post_ids: Sequence[int]
) -> dict[int, dict[str, tuple[int, int]]]:
    """Post id → kind → (how many, sum of values): counts only, never who."""
    if not post_ids:
        return {}
    stmt = (
        select(
            BoardReaction.post_id,
            BoardReaction.kind,
            func.count(BoardReaction.id),
            func.coalesce(func.sum(BoardReaction.value), 0),
        )
        .where(BoardReaction.post_id.in_(post_ids))
        .group_by(BoardReaction.post_id, BoardReaction.kind)
    )
    counts: dict[int, dict[str, tuple[int, int]]] = {}
    for post_id, kind, count, total in (await session.execute(stmt)).all():
        counts.setdefault(post_id, {})[kind] = (int(count), int(total))
    return counts


async def tables(session: AsyncSession, board_id: int) -> Tables:
    """The board's posts (by id, every status), comments (by post, then as written, every
    status) and reactions counted per post (one row per post, every post); each table starts
    with its header row. A post's comment count is of its published comments (what the class
    saw); its star average is empty when nobody rated it."""
    board = await get_or_404(session, Board, board_id, "board")
    sections = section_titles(board)
    stmt = (
        select(BoardPost, BoardAttachment.filename)
        .outerjoin(BoardAttachment, BoardAttachment.id == BoardPost.attachment_id)
        .where(BoardPost.board_id == board_id)
        .order_by(BoardPost.id)
    )
    posts = [(post, filename) for post, filename in (await session.execute(stmt)).all()]
    ids = [post.id for post, _ in posts]
    comments = (
        list(
            (
                await session.scalars(
                    select(BoardComment)
                    .where(BoardComment.post_id.in_(ids))
                    .order_by(BoardComment.post_id, BoardComment.id)
                )
            ).all()
        )
        if ids
        else []
    )
    published_comments: dict[int, int] = {}
    for comment in comments:
        if comment.status == "published":
            published_comments[comment.post_id] = published_comments.get(comment.post_id, 0) + 1
    reactions = await reaction_counts(session, ids)

    post_rows: Table = [list(POSTS_HEADER)]
    reaction_rows: Table = [list(REACTIONS_HEADER)]
    for post, filename in posts:
        counts = reactions.get(post.id, {})
        likes = counts.get("like", (0, 0))[0]
        votes = counts.get("vote", (0, 0))[0]
        stars, star_total = counts.get("star", (0, 0))
        section = "" if post.section_id is None else sections.get(post.section_id, post.section_id)
        post_rows.append(
            [
                post.id,
                section,
                post.title,
                plain_text(post.body),
                post.link_url or "",
                filename or "",
                post.colour,
                author(post.author_id, post.author_name),
                post.status,
                HIGHLIGHTED if post.highlighted else "",
                post.grade or "",
                likes,
                votes,
                _average(star_total, stars),
                published_comments.get(post.id, 0),
                _when(post.created_at),
                _when(post.edited_at),
            ]
        )
        reaction_rows.append([post.id, likes, votes, stars, _average(star_total, stars)])
    comment_rows: Table = [list(COMMENTS_HEADER)]
    for comment in comments:
        comment_rows.append(
            [
                comment.post_id,
                comment.id,
                author(comment.author_id, comment.author_name),
                comment.body,
                comment.status,
                _when(comment.created_at),
            ]
        )
    return {POSTS: post_rows, COMMENTS: comment_rows, REACTIONS: reaction_rows}


# ---- writing it ------------------------------------------------------------------------------


def _inert(value: Cell) -> Cell:
    """Text a spreadsheet would run as a formula, kept as text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(data: Tables) -> bytes:
    """The posts table alone (header first): UTF-8 with a byte-order mark and CRLF lines, what
    Excel in Korea opens as it is. An average of no ratings is an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([_inert(cell) for cell in row] for row in data[POSTS])
    return out.getvalue().encode("utf-8-sig")


def _width(value: Cell) -> int:
    """Columns as Excel counts them: Hangul and other wide characters take two."""
    lines = ("" if value is None else str(value)).splitlines() or [""]
    return max(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
               for line in lines)  # fmt: skip


def to_xlsx(data: Tables, title: str) -> bytes:
    """One sheet per table ("posts", "comments", "reactions"), each with its bold header
    frozen above the rows and columns as wide as their contents; ``title`` is the workbook's
    title (its document properties)."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    book.properties.title = ILLEGAL_CHARACTERS_RE.sub("", title)[:200]
    for name in (POSTS, COMMENTS, REACTIONS):
        table = data.get(name) or [[]]
        sheet = book.create_sheet(name)
        header, rows = table[0], table[1:]
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for n, row in enumerate(rows, start=2):
            for col, value in enumerate(row, start=1):
                clean = ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
                cell = sheet.cell(row=n, column=col, value=clean)
                if isinstance(clean, str):
                    cell.data_type = "s"  # never a formula, whatever the text starts with
                if col - 1 in WRAPPED[name]:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        for col, label in enumerate(header, start=1):
            widest = max([_width(label), *(_width(row[col - 1]) for row in rows)])
            sheet.column_dimensions[get_column_letter(col)].width = min(widest + 2, MAX_WIDTH)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
