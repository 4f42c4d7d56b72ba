"""A picture of a board, for the course record and for printing: what the class saw (published
posts only), drawn with Pillow as PNG or PDF.

The board keeps its layout (a board too tall for one picture is cut at ``MAX_HEIGHT``,
with a line saying so): a title bar above; a column per section (``columns``); notes in
a flow of columns (``wall``, shortest column first) or in rows of equal height (``grid``); notes
where they were put on the 2000 × 1400 canvas, scaled, with arrows for the connectors
(``canvas``); notes left to right by date with the date on an axis beneath (``timeline``).
Each note is a rectangle of its colour with its title, its text wrapped to the note and cut
short with "…", its attachment's file name, the author ("(익명)" when anonymous), a gold star
and border when staff highlighted it, and its likes and average star rating.

Hangul needs a font that has it: ``find_font`` looks for Noto Sans CJK (Debian's
fonts-noto-cjk) or Nanum. The server does not require one: without it the picture is drawn
with Pillow's own font, in which Hangul shows as boxes."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageColor, ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.boards.export import author, plain_text, reaction_counts, section_titles
from server.boards.models import Board, BoardAttachment, BoardConnector, BoardPost
from server.core.db import get_or_404

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
RGB = tuple[int, int, int]
Draw = ImageDraw.ImageDraw
Op = Callable[[Draw, int, int], None]  # draws at an origin (x, y)
Point = tuple[float, float]
Box = tuple[float, float, float, float]  # x, y, width, height

NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")  # fonts-noto-cjk
FONT_CANDIDATES = (
    NOTO_CJK,
    Path("/usr/share/fonts/opentype/noto/NotoSansCJKkr-Regular.otf"),
    Path("/usr/share/fonts/truetype/noto/NotoSansKR-Regular.ttf"),
    Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"),
)
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
FONT_PATTERNS = ("*Sans*CJK*Regular*", "*CJK*Regular*", "*CJK*", "NanumGothic*", "Nanum*")
FONT_SUFFIXES = {".ttf", ".otf", ".ttc"}
MISSING = "\U000f0000"  # a private-use code point no font here draws: its .notdef box

FILLS: dict[str, RGB] = {
    "yellow": (255, 245, 157),
    "pink": (248, 187, 208),
    "blue": (187, 222, 251),
    "green": (200, 230, 201),
    "orange": (255, 224, 178),
    "purple": (225, 190, 231),
    "white": (255, 255, 255),
    "grey": (224, 224, 224),
    "gray": (224, 224, 224),
}
DEFAULT_FILL = "yellow"
BACKGROUND: RGB = (236, 239, 241)
BAR_FILL: RGB = (38, 50, 56)
BAR_INK: RGB = (255, 255, 255)
COLUMN_FILL: RGB = (207, 216, 220)
CANVAS_FILL: RGB = (250, 250, 250)
CANVAS_GRID: RGB = (232, 234, 237)
SHADOW: RGB = (176, 190, 197)
GOLD: RGB = (249, 168, 37)
ARROW: RGB = (69, 90, 100)
DARK_INK: RGB = (33, 33, 33)
LIGHT_INK: RGB = (250, 250, 250)

MARGIN = 32  # around the content
BAR = 76  # the title bar's height
MIN_WIDTH = 720
GAP = 20  # between notes
PAD = 12  # inside a note
NOTE_WIDTH = 240
COLUMN_PAD = 10  # a section's column around its notes
CANVAS = (2000, 1400)  # the board's own canvas, in its pixels
CANVAS_SCALE = 0.75
CANVAS_NOTE_WIDTH = 180
TIMELINE_ROW = 6  # notes per row of the timeline
MAX_TEXT_LINES = {"canvas": 4, "timeline": 6}
TEXT_LINES = 8
TITLE_LINES = 2
PAGE_RATIO = 297 / 210  # A4, portrait
PDF_RESOLUTION = 150
LAYOUT_NAMES = {
    "wall": "담벼락",
    "grid": "격자",
    "columns": "열",
    "canvas": "캔버스",
    "timeline": "타임라인",
}
MAX_HEIGHT = 16_000  # of the notes' area: a taller board is cut, and says so
CUT_BAND = 48
CUT = "… 이하 생략: 그림에 다 담기지 않는 보드입니다. 전체는 표(XLSX)로 내려받으세요."
UNSORTED = "(미분류)"
NO_DATE = "—"
EMPTY = "(게시물 없음)"
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


@dataclass(frozen=True)
class Note:
    id: int
    title: str
    text: str
    colour: str
    author: str
    section_id: str | None = None
    x: float | None = None
    y: float | None = None
    happened_on: str | None = None
    highlighted: bool = False
    attachment: str | None = None  # the file's name
    likes: int = 0
    stars: float | None = None  # the average rating; None when nobody rated


@dataclass(frozen=True)
class Picture:
    title: str
    layout: str  # wall grid columns canvas timeline
    sections: list[tuple[str, str]] = field(default_factory=list)  # id, title
    notes: list[Note] = field(default_factory=list)
    connectors: list[tuple[int, int, str]] = field(default_factory=list)  # from, to, label


# ---- reading the board -----------------------------------------------------------------------


async def picture(session: AsyncSession, board_id: int) -> Picture:
    """The board as the class sees it: published posts only, in the board's order (by section,
    then rank, for columns; by date for a timeline, undated last; as posted otherwise), and
    the connectors between them. A link is shown as a last line of the note's text."""
    board = await get_or_404(session, Board, board_id, "board")
    titles = section_titles(board)
    stmt = (
        select(BoardPost, BoardAttachment.filename)
        .outerjoin(BoardAttachment, BoardAttachment.id == BoardPost.attachment_id)
        .where(BoardPost.board_id == board_id, BoardPost.status == "published")
        .order_by(BoardPost.id)
    )
    posts = [(post, filename) for post, filename in (await session.execute(stmt)).all()]
    counts = await reaction_counts(session, [post.id for post, _ in posts])
    order = {section_id: n for n, section_id in enumerate(titles)}
    if board.layout == "columns":
        posts.sort(key=lambda p: (order.get(p[0].section_id or "", len(order)), p[0].rank))
    elif board.layout == "timeline":
        posts.sort(key=lambda p: (p[0].happened_on is None, p[0].happened_on or "", p[0].rank))
    notes = []
    for post, filename in posts:
        text = plain_text(post.body)
        if post.link_url:
            text = "\n".join(filter(None, (text, post.link_title or post.link_url)))
        stars, star_total = counts.get(post.id, {}).get("star", (0, 0))
        notes.append(
            Note(
                id=post.id,
                title=post.title,
                text=text,
                colour=post.colour,
                author=author(post.author_id, post.author_name),
                section_id=post.section_id,
                x=post.x,
                y=post.y,
                happened_on=post.happened_on,
                highlighted=post.highlighted,
                attachment=filename,
                likes=counts.get(post.id, {}).get("like", (0, 0))[0],
                stars=None if stars == 0 else round(star_total / stars, 2),
            )
        )
    shown = {note.id for note in notes}
    connectors = (
        await session.scalars(
            select(BoardConnector)
            .where(BoardConnector.board_id == board_id)
            .order_by(BoardConnector.id)
        )
    ).all()
    return Picture(
        title=board.title,
        layout=board.layout,
        sections=list(titles.items()),
        notes=notes,
        connectors=[
            (c.from_post_id, c.to_post_id, c.label or "")
            for c in connectors
            if c.from_post_id in shown and c.to_post_id in shown
        ],
    )


# ---- fonts -----------------------------------------------------------------------------------


def find_font() -> Path | None:
    """A font with Hangul: Noto Sans CJK (Debian's fonts-noto-cjk), Noto Sans KR or Nanum
    Gothic where Debian puts them, else any CJK or Nanum font under the font directories;
    None when there is none (the picture is then drawn with Pillow's own font, and Hangul
    shows as boxes)."""
    for path in FONT_CANDIDATES:
        if path.is_file():
            return path
    for pattern in FONT_PATTERNS:
        for root in FONT_DIRS:
            if not root.is_dir():
                continue
            for path in sorted(root.rglob(pattern)):
                if path.suffix.lower() in FONT_SUFFIXES and path.is_file():
                    return path
    return None


@lru_cache(maxsize=16)
def _korean_index(path: Path) -> int:
    """In a font collection (.ttc), the Korean face (Noto's CJK collections hold the
    Japanese one first, whose Hangul is the same but punctuation and width differ)."""
    if path.suffix.lower() != ".ttc":
        return 0
    for index in range(16):
        try:
            family, _ = ImageFont.truetype(str(path), 12, index=index).getname()
        except OSError:
            break
        if family and "KR" in family and "Mono" not in family:
            return index
    return 0


def _bold_of(path: Path) -> Path:
    for bold in (path.with_name(path.name.replace("Regular", "Bold")),
                 path.with_name(f"{path.stem}Bold{path.suffix}")):  # fmt: skip
        if bold != path and bold.is_file():
            return bold
    return path


@lru_cache(maxsize=64)
def load_font(path: Path | None, size: int, bold: bool = False) -> Font:
    """The font at ``path`` (``find_font``) at a size, its Korean face where the file holds
    several; Pillow's own default when no font was found. Shared with the certificates."""
    if path is None:
        return ImageFont.load_default(size=size)
    chosen = _bold_of(path) if bold else path
    return ImageFont.truetype(str(chosen), size, index=_korean_index(chosen))


def _glyphs_of(font: Font, text: str) -> bytes:
    image = Image.new("L", (96, 96))
    ImageDraw.Draw(image).text((8, 8), text, font=font, fill=255)
    return image.tobytes()


def _has(font: Font, text: str) -> bool:
    """Whether the font draws every character of the text (not its box for a missing one)."""
    missing = _glyphs_of(font, MISSING)
    return all(_glyphs_of(font, c) != missing for c in text if not c.isspace())


@dataclass(frozen=True)
class _Face:
    font: Font
    size: int

    @property
    def line(self) -> int:
        return round(self.size * 1.45)

    def length(self, text: str) -> float:
        return self.font.getlength(text) if text else 0.0


@dataclass(frozen=True)
class _Fonts:
    bar: _Face
    heading: _Face
    body: _Face
    small: _Face
    ellipsis: str
    file: str
    like: str
    star: str


@lru_cache(maxsize=8)
def _fonts(path: Path | None) -> _Fonts:
    def face(size: int, bold: bool = False) -> _Face:
        return _Face(load_font(path, size, bold), size)

    small = face(13)
    return _Fonts(
        bar=face(30, bold=True),
        heading=face(19, bold=True),
        body=face(16),
        small=small,
        ellipsis="…" if _has(small.font, "…") else "...",
        file="📎 " if _has(small.font, "📎") else "[file] ",
        like="♥ " if _has(small.font, "♥") else "likes ",
        star="★ " if _has(small.font, "★") else "stars ",
    )


# ---- notes -----------------------------------------------------------------------------------


def fill_of(colour: str) -> RGB:
    """A note's fill: one of the board's colour names, or ``#rgb`` / ``#rrggbb``; yellow for
    anything else."""
    name = (colour or "").strip().lower()
    if name in FILLS:
        return FILLS[name]
    if _HEX.fullmatch(name):
        r, g, b = ImageColor.getrgb(name)[:3]
        return (r, g, b)
    return FILLS[DEFAULT_FILL]


def _ink_on(fill: RGB) -> RGB:
    r, g, b = fill
    return DARK_INK if 0.299 * r + 0.587 * g + 0.114 * b >= 140 else LIGHT_INK


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t),
            round(a[2] + (b[2] - a[2]) * t))  # fmt: skip


def _fit(face: _Face, text: str, width: float, ellipsis: str) -> str:
    """The text cut short with an ellipsis to fit the width."""
    if face.length(text) <= width:
        return text
    while text and face.length(text + ellipsis) > width:
        text = text[:-1]
    return text.rstrip() + ellipsis


@lru_cache(maxsize=8192)
def _advance(face: _Face, char: str) -> float:
    """A character's width: a line is measured as the sum of its characters' (no kerning
    between Hangul syllables; Latin pairs differ by a pixel at most), not remeasured whole
    for every character added."""
    return face.length(char)


def wrap(face: _Face, text: str, width: float, max_lines: int, ellipsis: str = "…") -> list[str]:
    """Lines of the text no wider than ``width`` as measured in the font: broken at a space
    where there is one on the line, else between any two characters (long Hangul or Latin
    runs); at most ``max_lines``, the last ending in an ellipsis when text was left out."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for char in paragraph:
            advance = _advance(face, char)
            if not line or used + advance <= width:
                line, used = line + char, used + advance
                continue
            space = line.rfind(" ")
            if char == " ":
                lines.append(line.rstrip())
                line = ""
            elif space > 0:
                lines.append(line[:space].rstrip())
                line = line[space + 1 :] + char
            else:
                lines.append(line)
                line = char
            used = sum(_advance(face, c) for c in line)
            if len(lines) > max_lines:
                break
        lines.append(line.rstrip())
        if len(lines) > max_lines:
            break
    while len(lines) > 1 and not lines[-1]:
        lines.pop()
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        lines[-1] = _fit(face, last + ellipsis, width, ellipsis) if last else ellipsis
    return lines


@dataclass(frozen=True)
class _Block:
    """A note laid out at a width: its lines, and its height (at least what they need)."""

    note: Note
    width: int
    title: list[str]
    text: list[str]
    attachment: str | None
    footer: list[tuple[str, str]]  # left, right
    height: int


def _block(note: Note, width: int, fonts: _Fonts, text_lines: int) -> _Block:
    inner = width - 2 * PAD
    title_width = inner - (24 if note.highlighted else 0)  # room for the star
    title = wrap(fonts.heading, note.title.strip(), title_width, TITLE_LINES, fonts.ellipsis)
    title = [line for line in title if line] if note.title.strip() else []
    text = wrap(fonts.body, note.text.strip(), inner, text_lines, fonts.ellipsis)
    text = text if note.text.strip() else []
    attachment = None
    if note.attachment:
        attachment = _fit(fonts.small, fonts.file + note.attachment, inner, fonts.ellipsis)
    counts = []
    if note.likes:
        counts.append(f"{fonts.like}{note.likes}")
    if note.stars is not None:
        counts.append(f"{fonts.star}{note.stars:.1f}")
    right = "  ".join(counts)
    who = note.author
    if fonts.small.length(who) + fonts.small.length(right) + 12 <= inner:
        footer = [(who, right)]
    else:
        footer = [(_fit(fonts.small, who, inner, fonts.ellipsis), "")]
        if right:
            footer.append(("", right))
    height = PAD + len(title) * fonts.heading.line
    if title and text:
        height += 4
    height += len(text) * fonts.body.line
    if attachment:
        height += 6 + fonts.small.line
    height += 8 + len(footer) * fonts.small.line + PAD
    if not title and not text and not attachment:
        height = max(height, 64)
    return _Block(note, width, title, text, attachment, footer, height)


def _star(draw: Draw, centre: tuple[float, float], radius: float, fill: RGB) -> None:
    cx, cy = centre
    points = []
    for n in range(10):
        r = radius if n % 2 == 0 else radius * 0.45
        angle = -math.pi / 2 + n * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=fill)


def _draw_note(draw: Draw, block: _Block, x: int, y: int, fonts: _Fonts) -> None:
    note = block.note
    fill = fill_of(note.colour)
    ink = _ink_on(fill)
    muted = _mix(ink, fill, 0.35)
    right, bottom = x + block.width, y + block.height
    draw.rounded_rectangle((x + 3, y + 3, right + 3, bottom + 3), 8, fill=SHADOW)
    if note.highlighted:
        draw.rounded_rectangle((x, y, right, bottom), 8, fill=fill, outline=GOLD, width=3)
        _star(draw, (right - PAD - 9, y + PAD + 10), 10, GOLD)
    else:
        outline = _mix(fill, (0, 0, 0), 0.18)
        draw.rounded_rectangle((x, y, right, bottom), 8, fill=fill, outline=outline, width=1)
    cy = y + PAD
    for line in block.title:
        draw.text((x + PAD, cy), line, font=fonts.heading.font, fill=ink)
        cy += fonts.heading.line
    if block.title and block.text:
        cy += 4
    for line in block.text:
        draw.text((x + PAD, cy), line, font=fonts.body.font, fill=ink)
        cy += fonts.body.line
    if block.attachment:
        draw.text((x + PAD, cy + 6), block.attachment, font=fonts.small.font, fill=muted)
    fy = bottom - PAD - len(block.footer) * fonts.small.line
    for left, counts in block.footer:
        draw.text((x + PAD, fy), left, font=fonts.small.font, fill=muted)
        if counts:
            at = right - PAD - fonts.small.length(counts)
            draw.text((at, fy), counts, font=fonts.small.font, fill=ink)
        fy += fonts.small.line


# ---- layouts ---------------------------------------------------------------------------------


@dataclass
class _Scene:
    width: int = 0
    height: int = 0
    ops: list[Op] = field(default_factory=list)

    def note(self, block: _Block, x: int, y: int, fonts: _Fonts) -> None:
        self.ops.append(lambda d, ox, oy: _draw_note(d, block, ox + x, oy + y, fonts))


def _text_lines(layout: str) -> int:
    return MAX_TEXT_LINES.get(layout, TEXT_LINES)


def _columns(picture: Picture, fonts: _Fonts) -> _Scene:
    """One column per section, in the board's order, its title above its notes; notes of no
    (or a deleted) section in a last column of their own."""
    sections = list(picture.sections)
    known = {section_id for section_id, _ in sections}
    if any(note.section_id not in known for note in picture.notes) or not sections:
        sections.append(("", UNSORTED))
    scene = _Scene()
    width = NOTE_WIDTH + 2 * COLUMN_PAD
    columns = []
    for n, (section_id, title) in enumerate(sections):
        x = n * (width + GAP)
        header = wrap(fonts.heading, title, NOTE_WIDTH, TITLE_LINES, fonts.ellipsis)
        y = COLUMN_PAD + len(header) * fonts.heading.line + 10
        placed = []
        for note in picture.notes:
            here = note.section_id if note.section_id in known else ""
            if here == section_id:
                block = _block(note, NOTE_WIDTH, fonts, _text_lines(picture.layout))
                placed.append((block, x + COLUMN_PAD, y))
                y += block.height + GAP
        columns.append((x, header, placed, y))
    scene.height = max(y for *_, y in columns) + COLUMN_PAD
    scene.width = len(columns) * (width + GAP) - GAP
    for x, header, placed, _ in columns:

        def back(d: Draw, ox: int, oy: int, x: int = x, header: list[str] = header) -> None:
            d.rounded_rectangle((ox + x, oy, ox + x + width, oy + scene.height), 10,
                                fill=COLUMN_FILL)  # fmt: skip
            for k, line in enumerate(header):
                d.text((ox + x + COLUMN_PAD, oy + COLUMN_PAD + k * fonts.heading.line), line,
                       font=fonts.heading.font, fill=DARK_INK)  # fmt: skip

        scene.ops.append(back)
        for block, bx, by in placed:
            scene.note(block, bx, by, fonts)
    return scene


def _flow_columns(count: int) -> int:
    return max(1, min(6, math.ceil(math.sqrt(count * 1.5))))


def _wall(picture: Picture, fonts: _Fonts) -> _Scene:
    """Notes in columns, each note under the shortest column so far (a wall of post-its)."""
    scene = _Scene()
    count = _flow_columns(len(picture.notes))
    heights = [0] * count
    for note in picture.notes:
        block = _block(note, NOTE_WIDTH, fonts, _text_lines(picture.layout))
        n = heights.index(min(heights))
        scene.note(block, n * (NOTE_WIDTH + GAP), heights[n], fonts)
        heights[n] += block.height + GAP
    scene.width = count * (NOTE_WIDTH + GAP) - GAP
    scene.height = max(0, max(heights) - GAP)
    return scene


def _grid(picture: Picture, fonts: _Fonts) -> _Scene:
    """Notes in rows, left to right, every note of a row as tall as the row's tallest."""
    scene = _Scene()
    count = _flow_columns(len(picture.notes))
    blocks = [_block(n, NOTE_WIDTH, fonts, _text_lines(picture.layout)) for n in picture.notes]
    y = 0
    for start in range(0, len(blocks), count):
        row = blocks[start : start + count]
        tallest = max(b.height for b in row)
        for n, block in enumerate(row):
            scene.note(replace(block, height=tallest), n * (NOTE_WIDTH + GAP), y, fonts)
        y += tallest + GAP
    scene.width = count * (NOTE_WIDTH + GAP) - GAP
    scene.height = max(0, y - GAP)
    return scene


def _edge(
    box: tuple[float, float, float, float], toward: tuple[float, float]
) -> tuple[float, float]:
    """Where the line from the box's centre toward a point leaves the box."""
    x, y, w, h = box
    cx, cy = x + w / 2, y + h / 2
    dx, dy = toward[0] - cx, toward[1] - cy
    if dx == 0 and dy == 0:
        return cx, cy
    t = min(w / 2 / abs(dx) if dx else math.inf, h / 2 / abs(dy) if dy else math.inf)
    return cx + dx * t, cy + dy * t


def _arrow(draw: Draw, start: Point, end: Point) -> None:
    draw.line((start, end), fill=ARROW, width=3)
    angle = math.atan2(end[1] - start[1], end[0] - start[0])
    size = 14
    left = (end[0] - size * math.cos(angle - 0.45), end[1] - size * math.sin(angle - 0.45))
    right = (end[0] - size * math.cos(angle + 0.45), end[1] - size * math.sin(angle + 0.45))
    draw.polygon([end, left, right], fill=ARROW)


def _canvas(picture: Picture, fonts: _Fonts) -> _Scene:
    """Notes where they were put on the canvas (scaled), arrows from note to note over them;
    notes never placed in a row beneath the canvas."""
    scene = _Scene()
    blocks = [_block(n, CANVAS_NOTE_WIDTH, fonts, _text_lines("canvas")) for n in picture.notes]
    boxes: dict[int, Box] = {}
    area_w, area_h = round(CANVAS[0] * CANVAS_SCALE), round(CANVAS[1] * CANVAS_SCALE)
    unplaced = []
    for block in blocks:
        note = block.note
        if note.x is None or note.y is None:
            unplaced.append(block)
            continue
        x, y = (round(min(max(0.0, v), limit) * CANVAS_SCALE)
                for v, limit in ((note.x, CANVAS[0]), (note.y, CANVAS[1])))  # fmt: skip
        boxes[note.id] = (x, y, block.width, block.height)
        area_w, area_h = max(area_w, x + block.width + 4), max(area_h, y + block.height + 4)
    x, y, row = 0, area_h + GAP, 0
    for block in unplaced:
        if x and x + block.width > area_w:
            x, y, row = 0, y + row + GAP, 0
        boxes[block.note.id] = (x, y, block.width, block.height)
        x, row = x + block.width + GAP, max(row, block.height)
    scene.width, scene.height = area_w, (y + row if unplaced else area_h)

    def back(d: Draw, ox: int, oy: int) -> None:
        d.rectangle((ox, oy, ox + area_w, oy + area_h), fill=CANVAS_FILL, outline=SHADOW)
        step = round(100 * CANVAS_SCALE)
        for gx in range(step, area_w, step):
            d.line(((ox + gx, oy + 1), (ox + gx, oy + area_h - 1)), fill=CANVAS_GRID)
        for gy in range(step, area_h, step):
            d.line(((ox + 1, oy + gy), (ox + area_w - 1, oy + gy)), fill=CANVAS_GRID)

    scene.ops.append(back)
    for block in blocks:
        bx, by, _, _ = boxes[block.note.id]
        scene.note(block, round(bx), round(by), fonts)

    def arrows(d: Draw, ox: int, oy: int) -> None:
        for start_id, end_id, label in picture.connectors:
            if start_id not in boxes or end_id not in boxes or start_id == end_id:
                continue
            a = tuple(v + o for v, o in zip(boxes[start_id][:2], (ox, oy), strict=True))
            b = tuple(v + o for v, o in zip(boxes[end_id][:2], (ox, oy), strict=True))
            box_a = (a[0], a[1], *boxes[start_id][2:])
            box_b = (b[0], b[1], *boxes[end_id][2:])
            centre_a = (box_a[0] + box_a[2] / 2, box_a[1] + box_a[3] / 2)
            centre_b = (box_b[0] + box_b[2] / 2, box_b[1] + box_b[3] / 2)
            start, end = _edge(box_a, centre_b), _edge(box_b, centre_a)
            _arrow(d, start, end)
            if label:
                text = _fit(fonts.small, label, 160, fonts.ellipsis)
                mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
                w = fonts.small.length(text)
                d.rounded_rectangle((mx - w / 2 - 6, my - fonts.small.line / 2 - 2,
                                     mx + w / 2 + 6, my + fonts.small.line / 2 + 2), 6,
                                    fill=(255, 255, 255), outline=ARROW)  # fmt: skip
                d.text((mx, my), text, font=fonts.small.font, fill=ARROW, anchor="mm")

    scene.ops.append(arrows)
    return scene


def _timeline(picture: Picture, fonts: _Fonts) -> _Scene:
    """Notes left to right by date (undated last), rows of ``TIMELINE_ROW``, each row over an
    axis with a dot and the date under every note."""
    scene = _Scene()
    notes = sorted(picture.notes, key=lambda n: (n.happened_on is None, n.happened_on or ""))
    blocks = [_block(n, NOTE_WIDTH, fonts, _text_lines("timeline")) for n in notes]
    count = max(1, min(TIMELINE_ROW, len(blocks)))
    y = 0
    for start in range(0, len(blocks), count):
        row = blocks[start : start + count]
        tallest = max(b.height for b in row)
        axis = y + tallest + 22
        row_width = len(row) * (NOTE_WIDTH + GAP) - GAP

        def line(d: Draw, ox: int, oy: int, axis: int = axis, row_width: int = row_width) -> None:
            d.line(((ox, oy + axis), (ox + row_width, oy + axis)), fill=ARROW, width=3)

        scene.ops.append(line)
        for n, block in enumerate(row):
            x = n * (NOTE_WIDTH + GAP)
            scene.note(block, x, y, fonts)
            date = block.note.happened_on or NO_DATE

            def mark(
                d: Draw,
                ox: int,
                oy: int,
                cx: int = x + NOTE_WIDTH // 2,
                top: int = y + block.height,
                axis: int = axis,
                date: str = date,
            ) -> None:
                d.line(((ox + cx, oy + top + 3), (ox + cx, oy + axis)), fill=SHADOW, width=2)
                d.ellipse((ox + cx - 7, oy + axis - 7, ox + cx + 7, oy + axis + 7),
                          fill=GOLD, outline=ARROW, width=2)  # fmt: skip
                d.text((ox + cx, oy + axis + 14), date, font=fonts.body.font, fill=DARK_INK,
                       anchor="ma")  # fmt: skip

            scene.ops.append(mark)
        y = axis + 14 + fonts.body.line + GAP * 2
    scene.width = count * (NOTE_WIDTH + GAP) - GAP
    scene.height = max(0, y - GAP * 2)
    return scene


LAYOUTS: dict[str, Callable[[Picture, _Fonts], _Scene]] = {
    "wall": _wall,
    "grid": _grid,
    "columns": _columns,
    "canvas": _canvas,
    "timeline": _timeline,
}


def _draw(picture: Picture, font_path: Path | None) -> Image.Image:
    fonts = _fonts(font_path)
    if picture.notes or picture.layout == "columns":
        scene = LAYOUTS.get(picture.layout, _wall)(picture, fonts)
    else:
        scene = _Scene(NOTE_WIDTH, 80)
        scene.ops.append(lambda d, ox, oy: d.text((ox, oy + 20), EMPTY, font=fonts.body.font,
                                                   fill=ARROW))  # fmt: skip
    width = max(MIN_WIDTH, scene.width + 2 * MARGIN)
    cut = scene.height > MAX_HEIGHT
    height = BAR + MARGIN + min(scene.height, MAX_HEIGHT) + MARGIN + (CUT_BAND if cut else 0)
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, BAR), fill=BAR_FILL)
    name = LAYOUT_NAMES.get(picture.layout, picture.layout)
    label = f"{name} · {len(picture.notes)}"
    label_width = fonts.body.length(label)
    draw.text((width - MARGIN - label_width, BAR // 2), label, font=fonts.body.font,
              fill=_mix(BAR_INK, BAR_FILL, 0.3), anchor="lm")  # fmt: skip
    title = _fit(fonts.bar, picture.title, width - 3 * MARGIN - label_width, fonts.ellipsis)
    draw.text((MARGIN, BAR // 2), title, font=fonts.bar.font, fill=BAR_INK, anchor="lm")
    for op in scene.ops:
        op(draw, MARGIN, BAR + MARGIN)  # what falls below a cut picture is clipped
    if cut:
        top = BAR + MARGIN + MAX_HEIGHT
        draw.rectangle((0, top, width, height), fill=BAR_FILL)
        draw.text((MARGIN, top + CUT_BAND // 2), CUT, font=fonts.body.font, fill=BAR_INK,
                  anchor="lm")  # fmt: skip
    return image


def render_png(picture: Picture, *, font_path: Path | None) -> bytes:
    """The board as a PNG image (as wide as its layout needs, at least ``MIN_WIDTH``). Drawing
    a big board takes a while: the caller runs it in a thread, as for the XLSX export."""
    out = io.BytesIO()
    _draw(picture, font_path).save(out, "PNG")
    return out.getvalue()


def _pages(image: Image.Image) -> Sequence[Image.Image]:
    """A tall picture cut into A4-shaped pages, top to bottom."""
    page = round(image.width * PAGE_RATIO)
    if image.height <= page * 1.1:
        return [image]
    return [image.crop((0, top, image.width, min(image.height, top + page)))
            for top in range(0, image.height, page)]  # fmt: skip


def render_pdf(picture: Picture, *, font_path: Path | None) -> bytes:
    """The board as a PDF for printing: the picture at 150 dpi, on as many A4-shaped pages as
    its height needs."""
    first, *rest = _pages(_draw(picture, font_path))
    out = io.BytesIO()
    first.save(out, "PDF", resolution=PDF_RESOLUTION, save_all=True, append_images=rest,
               title=picture.title)  # fmt: skip
    return out.getvalue()
