"""The rules of boards: who sees and who may post on which board (a class's, a breakout
group's while its group is open, every group's once the groups closed), making boards from
templates and from a course's prepared boards, and breakout groups' boards opening and being
archived. Posts, comments and reactions are in ``posts`` and ``feedback``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.boards import sanitize
from server.boards.models import Board, BoardModeration, BoardPost, BoardReaction
from server.boards.schemas import (
    BoardIn,
    BoardOut,
    BoardUpdateIn,
    SectionIn,
    SectionOut,
    SeedPostIn,
)
from server.core.auth import service as auth
from server.core.db import get_or_404
from server.core.errors import Problem

TEMPLATES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "kpt": ("columns", [("keep", "Keep 유지할 점"), ("problem", "Problem 문제점"),
                        ("try", "Try 시도할 점")]),
    "swot": ("grid", [("s", "강점 Strengths"), ("w", "약점 Weaknesses"),
                      ("o", "기회 Opportunities"), ("t", "위협 Threats")]),
    "brainstorm": ("columns", [("ideas", "아이디어 Ideas"), ("questions", "질문 Questions"),
                               ("actions", "실행 Actions")]),
}  # fmt: skip


@dataclass(frozen=True)
class Viewer:
    """Who looks at a board: staff (the moderate grant) see and may do everything; others
    see the class's boards, their own breakout group's, and every group's once closed."""

    staff: bool
    group_id: int | None
    tag: str


def can_see(board: Board, viewer: Viewer) -> bool:
    if board.group_id is None or board.archived_at is not None or viewer.staff:
        return True
    return viewer.group_id == board.group_id


def can_post(board: Board, viewer: Viewer) -> bool:
    if not can_see(board, viewer):
        return False
    if viewer.staff:
        return True
    return not board.locked and board.archived_at is None and board.moderation != "staff"


def require_post(board: Board, viewer: Viewer) -> None:
    """Why a change is refused, in the institute's words."""
    if not can_see(board, viewer):
        raise Problem("not-found", f"No board {board.id} here.")
    if viewer.staff:
        return
    if board.archived_at is not None:
        raise Problem("board-locked", "The groups have closed: this board is archived.")
    if board.locked:
        raise Problem("board-locked")
    if board.moderation == "staff":
        raise Problem("forbidden", "Only the instructor posts on this board.")


def _sections(
    given: list[SectionIn] | None, template: str | None
) -> tuple[str | None, list[dict[str, str]]]:
    if given is not None:
        return None, [{"id": s.id or secrets.token_hex(4),
                       "title": sanitize.clean_text(s.title, 100)} for s in given]  # fmt: skip
    if template is not None:
        layout, sections = TEMPLATES[template]
        return layout, [{"id": sid, "title": title} for sid, title in sections]
    return None, []


def _unique_sections(sections: list[dict[str, str]]) -> list[dict[str, str]]:
    ids = [s["id"] for s in sections]
    if len(set(ids)) != len(ids):
        raise Problem("validation-error", "Two sections have the same id.")
    return sections


async def create(
    session: AsyncSession, spec: BoardIn, *, by: int, now: datetime,
    class_session_id: int | None = None, course_id: int | None = None,
    group_id: int | None = None,
) -> Board:  # fmt: skip
    layout, sections = _sections(spec.sections, spec.template)
    board = Board(
        class_session_id=class_session_id, course_id=course_id, group_id=group_id,
        title=sanitize.clean_text(spec.title, 200), layout=layout or spec.layout,
        sections=_unique_sections(sections), moderation=spec.moderation,
        anonymous_allowed=spec.anonymous_allowed, locked=False, version=1, created_by=by,
        created_at=now,
    )  # fmt: skip
    session.add(board)
    await session.flush()
    return board


async def get(session: AsyncSession, board_id: int) -> Board:
    return await get_or_404(session, Board, board_id, "board")


async def in_class(session: AsyncSession, class_session_id: int, board_id: int) -> Board:
    board = await get(session, board_id)
    if board.class_session_id != class_session_id:
        raise Problem("not-found", f"No board {board_id} in this class.")
    return board


async def of_class(session: AsyncSession, class_session_id: int) -> list[Board]:
    stmt = select(Board).where(Board.class_session_id == class_session_id).order_by(Board.id)
    return list((await session.scalars(stmt)).all())


async def of_course(session: AsyncSession, course_id: int) -> list[Board]:
    stmt = select(Board).where(Board.course_id == course_id).order_by(Board.id)
    return list((await session.scalars(stmt)).all())


async def visible(session: AsyncSession, class_session_id: int, viewer: Viewer) -> list[Board]:
    return [b for b in await of_class(session, class_session_id) if can_see(b, viewer)]


async def change(
    session: AsyncSession, board: Board, spec: BoardUpdateIn, *, by: int, now: datetime
) -> Board:
    """Staff change a board; sections removed send their posts to the first section left."""
    if spec.title is not None:
        board.title = sanitize.clean_text(spec.title, 200)
    if spec.layout is not None:
        board.layout = spec.layout
    if spec.moderation is not None:
        board.moderation = spec.moderation
    if spec.anonymous_allowed is not None:
        board.anonymous_allowed = spec.anonymous_allowed
    if spec.locked is not None and spec.locked != board.locked:
        board.locked = spec.locked
        log(session, board, by, "lock" if spec.locked else "unlock", now)
    if spec.sections is not None:
        await _resection(session, board, _unique_sections(_sections(spec.sections, None)[1]))
    board.version += 1
    return board


async def _resection(session: AsyncSession, board: Board, sections: list[dict[str, str]]) -> None:
    kept = {s["id"] for s in sections}
    gone = [s["id"] for s in board.sections if s["id"] not in kept]
    if gone:
        home = sections[0]["id"] if sections else None
        await session.execute(
            update(BoardPost).where(BoardPost.board_id == board.id,
                                    BoardPost.section_id.in_(gone))
            .values(section_id=home, version=BoardPost.version + 1)
        )  # fmt: skip
    board.sections = sections


def log(
    session: AsyncSession, board: Board, by: int, action: str, now: datetime, *,
    post_id: int | None = None, comment_id: int | None = None, detail: str | None = None,
) -> None:  # fmt: skip
    """The moderation record: what staff did, and who (never who the author was)."""
    session.add(BoardModeration(board_id=board.id, post_id=post_id, comment_id=comment_id,
                                action=action, detail=detail, by_user_id=by, at=now))  # fmt: skip


async def copy_from_course(
    session: AsyncSession, source: Board, class_session_id: int, course_id: int, *, by: int,
    now: datetime,
) -> Board:  # fmt: skip
    """A course's prepared board used in one class: its layout, sections and starter posts."""
    if source.course_id != course_id:
        raise Problem("not-found", f"No prepared board {source.id} in this class's course.")
    board = Board(
        class_session_id=class_session_id, title=source.title, layout=source.layout,
        sections=list(source.sections), moderation=source.moderation,
        anonymous_allowed=source.anonymous_allowed, locked=False, version=1, created_by=by,
        created_at=now,
    )  # fmt: skip
    session.add(board)
    await session.flush()
    posts = await session.scalars(select(BoardPost).where(
        BoardPost.board_id == source.id, BoardPost.status == "published"))  # fmt: skip
    for post in posts:
        session.add(BoardPost(
            board_id=board.id, author_tag=post.author_tag, author_id=post.author_id,
            author_name=post.author_name, title=post.title, body=post.body,
            link_url=post.link_url, link_title=post.link_title,
            link_description=post.link_description, link_image=post.link_image,
            colour=post.colour, section_id=post.section_id, rank=post.rank, x=post.x, y=post.y,
            happened_on=post.happened_on, status="published", highlighted=False, version=1,
            created_at=now,
        ))  # fmt: skip
    return board


async def seed(session: AsyncSession, board: Board, seeds: list[SeedPostIn], by: int,
               now: datetime) -> None:  # fmt: skip
    """A prepared board's starter posts, by the instructor who prepared it (named)."""
    name = (await auth.names_of(session, [by])).get(by)
    for n, seed in enumerate(seeds, start=1):
        section = None
        if seed.section is not None:
            if seed.section >= len(board.sections):
                raise Problem("validation-error", f"Post {n}: no section {seed.section}.")
            section = board.sections[seed.section]["id"]
        session.add(BoardPost(
            board_id=board.id, author_tag=f"staff:{by}", author_id=by, author_name=name,
            title=sanitize.clean_text(seed.title, 200), body=sanitize.clean_body(seed.body),
            colour=sanitize.css_colour(seed.colour), section_id=section, rank=float(n),
            status="published", highlighted=False, version=1, created_at=now,
        ))  # fmt: skip


async def moderation_log(session: AsyncSession, board_id: int) -> list[BoardModeration]:
    stmt = select(BoardModeration).where(BoardModeration.board_id == board_id)
    return list((await session.scalars(stmt.order_by(BoardModeration.id))).all())


# ---- breakout groups ---------------------------------------------------------------------------


async def open_group_boards(
    session: AsyncSession, class_session_id: int, groups: dict[int, str], *, by: int,
    now: datetime, template: str | None = None,
) -> list[Board]:  # fmt: skip
    """Each group of an opening round gets its own board (the one it had, if the same groups
    met before in this class, reopened): only its members and staff see it while open."""
    found = {b.group_id: b for b in await of_class(session, class_session_id)
             if b.group_id in groups}  # fmt: skip
    opened = []
    for group_id, name in groups.items():
        board = found.get(group_id)
        if board is None:
            board = await _group_board(session, class_session_id, group_id, name, by, now,
                                       template)  # fmt: skip
        board.archived_at = None
        opened.append(board)
    return opened


async def _group_board(
    session: AsyncSession, class_session_id: int, group_id: int, name: str, by: int,
    now: datetime, template: str | None,
) -> Board:  # fmt: skip
    spec = BoardIn.model_validate({"title": name, "template": template or "brainstorm"})
    try:
        async with session.begin_nested():  # two nodes opening at once: one board each
            return await create(session, spec, by=by, now=now,
                                class_session_id=class_session_id, group_id=group_id)  # fmt: skip
    except IntegrityError:
        stmt = select(Board).where(Board.class_session_id == class_session_id,
                                   Board.group_id == group_id)  # fmt: skip
        return (await session.scalars(stmt)).one()


async def archive_group_boards(
    session: AsyncSession, class_session_id: int, now: datetime
) -> list[Board]:
    """The groups closed: their boards become read-only and visible to the whole class (and
    stay with the class's record)."""
    boards = [b for b in await of_class(session, class_session_id)
              if b.group_id is not None and b.archived_at is None]  # fmt: skip
    for board in boards:
        board.archived_at = now
    return boards


async def newest_by_group(
    session: AsyncSession, class_session_id: int, per_group: int = 3
) -> dict[int, list[BoardPost]]:
    """The newest published posts on each open group board, for the instructor's overview."""
    boards = {b.id: b.group_id for b in await of_class(session, class_session_id)
              if b.group_id is not None and b.archived_at is None}  # fmt: skip
    found: dict[int, list[BoardPost]] = {g: [] for g in boards.values() if g is not None}
    if not boards:
        return found
    stmt = (select(BoardPost).where(BoardPost.board_id.in_(boards),
                                    BoardPost.status == "published")
            .order_by(BoardPost.id.desc()))  # fmt: skip
    for post in await session.scalars(stmt):
        newest = found[boards[post.board_id] or 0]
        if len(newest) < per_group:
            newest.append(post)
    return found


@dataclass(frozen=True)
class GroupBoardSummary:
    """What a breakout group left on its board, for the round's record."""

    board_id: int
    title: str
    posts: int  # published
    top: list[tuple[BoardPost, int]]  # the most liked and voted (with that count), then oldest


async def group_summaries(
    session: AsyncSession, class_session_id: int, top: int = 3
) -> dict[int, GroupBoardSummary]:
    """Each breakout group's board in this class (by group id), with its published posts
    counted and the ones the class liked or voted for most."""
    boards = {b.id: b for b in await of_class(session, class_session_id) if b.group_id is not None}
    if not boards:
        return {}
    liked = (select(BoardReaction.post_id, func.count().label("n"))
             .where(BoardReaction.kind.in_(("like", "vote"))).group_by(BoardReaction.post_id)
             .subquery())  # fmt: skip
    stmt = (select(BoardPost, func.coalesce(liked.c.n, 0))
            .outerjoin(liked, liked.c.post_id == BoardPost.id)
            .where(BoardPost.board_id.in_(boards), BoardPost.status == "published")
            .order_by(func.coalesce(liked.c.n, 0).desc(), BoardPost.id))  # fmt: skip
    counted: dict[int, int] = dict.fromkeys(boards, 0)
    best: dict[int, list[tuple[BoardPost, int]]] = {b: [] for b in boards}
    for post, liked_by in (await session.execute(stmt)).all():
        counted[post.board_id] += 1
        if len(best[post.board_id]) < top:
            best[post.board_id].append((post, int(liked_by)))
    return {
        b.group_id: GroupBoardSummary(b.id, b.title, counted[b.id], best[b.id])
        for b in boards.values()
        if b.group_id is not None
    }


def out(board: Board) -> BoardOut:
    return BoardOut(
        id=board.id, class_session_id=board.class_session_id, course_id=board.course_id,
        group_id=board.group_id, title=board.title, layout=board.layout,
        sections=[SectionOut(**s) for s in board.sections], moderation=board.moderation,
        anonymous_allowed=board.anonymous_allowed, locked=board.locked,
        archived=board.archived_at is not None, version=board.version,
    )  # fmt: skip
