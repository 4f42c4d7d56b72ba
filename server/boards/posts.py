"""The rules of posts: posting (named or anonymous, once per request id), versioned edits and
moves (a stale one is refused with the current post, never silently overwritten), withdrawing
one's own, and staff moderation (approve, reject, remove and restore, highlight, grade), each
kept in the moderation log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.boards import sanitize
from server.boards.models import Board, BoardAttachment, BoardPost
from server.boards.schemas import PostEditIn, PostIn, PostMoveIn
from server.boards.service import log
from server.core.db import get_or_404, insert_unless_taken
from server.core.errors import Problem
from server.polls import filters

PUBLISHED, PENDING, REJECTED, REMOVED, WITHDRAWN = (
    "published", "pending", "rejected", "removed", "withdrawn",
)  # fmt: skip
MIN_GAP = 1e-6  # closer ranks than this: the section is renumbered


@dataclass(frozen=True)
class Author:
    """Who posts: their pseudonym always; their id and name only for a named post."""

    tag: str
    user_id: int
    name: str
    staff: bool


def _link_fields(link: Any) -> dict[str, Any]:
    if link is None:
        return {"link_url": None, "link_title": None, "link_description": None,
                "link_image": None}  # fmt: skip
    return {
        "link_url": sanitize.safe_url(link.url),
        "link_title": sanitize.clean_text(link.title, 300) if link.title else None,
        "link_description": (sanitize.clean_text(link.description, 1000)
                             if link.description else None),
        "link_image": sanitize.safe_url(link.image),
    }  # fmt: skip


async def _attachment(session: AsyncSession, board: Board, attachment_id: int | None,
                      tag: str) -> int | None:  # fmt: skip
    """Only one's own upload to this board can be attached."""
    if attachment_id is None:
        return None
    found = await session.get(BoardAttachment, attachment_id)
    if found is None or found.board_id != board.id or found.uploader_tag != tag:
        raise Problem("not-found", f"No upload {attachment_id} of yours on this board.")
    return found.id


def _status(board: Board, author: Author, text: str) -> tuple[str, list[str]]:
    """Published at once, or held for approval (pre-moderation, or text that looks like a
    phone number, a resident registration number or abuse)."""
    found = filters.flags(text)
    if author.staff:
        return PUBLISHED, found
    return (PENDING if board.moderation == "pre" or found else PUBLISHED), found


async def create(
    session: AsyncSession, board: Board, author: Author, spec: PostIn, now: datetime
) -> tuple[BoardPost, bool]:
    """A new post (or the one this request id already made: a retry). True if new. It goes
    last in its section: its rank is the time posted (moves put ranks between neighbours)."""
    if spec.anonymous and not board.anonymous_allowed:
        raise Problem("forbidden", "This board takes named posts only.")
    if spec.request_id is not None:
        earlier = await _by_request(session, board.id, author.tag, spec.request_id)
        if earlier is not None:
            return earlier, False
    title, body = sanitize.clean_text(spec.title, 200), sanitize.clean_body(spec.body)
    section = _section(board, spec.section_id)
    status, _ = _status(board, author, f"{title}\n{body}")
    values = dict(
        board_id=board.id, author_tag=author.tag,
        author_id=None if spec.anonymous else author.user_id,
        author_name=None if spec.anonymous else author.name, title=title, body=body,
        **_link_fields(spec.link),
        attachment_id=await _attachment(session, board, spec.attachment_id, author.tag),
        colour=sanitize.css_colour(spec.colour), section_id=section, rank=now.timestamp(),
        x=spec.x, y=spec.y,
        happened_on=spec.happened_on.isoformat() if spec.happened_on else None,
        status=status, highlighted=False, version=1, created_at=now,
        request_key=spec.request_id,
    )  # fmt: skip
    new_id = await insert_unless_taken(session, BoardPost, values)
    if new_id is None:  # the same retry twice at once: the other made it
        earlier = await _by_request(session, board.id, author.tag, spec.request_id or "")
        if earlier is None:
            raise Problem("conflict", "The post could not be stored; send it again.")
        return earlier, False
    return await get(session, board.id, new_id), True


async def _by_request(session: AsyncSession, board_id: int, tag: str, key: str) -> BoardPost | None:
    return await session.scalar(select(BoardPost).where(
        BoardPost.board_id == board_id, BoardPost.author_tag == tag,
        BoardPost.request_key == key))  # fmt: skip


def _section(board: Board, section_id: str | None) -> str | None:
    if not board.sections:
        return None
    if section_id is None:
        return board.sections[0]["id"]
    if section_id not in {s["id"] for s in board.sections}:
        raise Problem("validation-error", f"No section {section_id!r} on this board.")
    return section_id


async def get(session: AsyncSession, board_id: int | None, post_id: int, *,
              for_change: bool = False) -> BoardPost:  # fmt: skip
    """The post; ``for_change`` locks its row first (PostgreSQL; SQLite's writes are one at a
    time already), so two staff changes at once (highlight and grade, say) each start from the
    other's result and every change the class is sent carries a version of its own."""
    if for_change:
        locked = await session.get(BoardPost, post_id, with_for_update=True,
                                   populate_existing=True)  # fmt: skip
        if locked is None:
            raise Problem("not-found", f"No post {post_id}.")
        post = locked
    else:
        post = await get_or_404(session, BoardPost, post_id, "post")
    if board_id is not None and post.board_id != board_id:
        raise Problem("not-found", f"No post {post_id} on this board.")
    return post


async def _swap(session: AsyncSession, post: BoardPost, version: int, values: dict[str, Any],
                current: Any) -> BoardPost:  # fmt: skip
    """Compare-and-set: the change applies only to the version it was made from, in one
    UPDATE, so two edits at once cannot both win on any database. A stale edit raises
    ``edit-conflict`` carrying the current post (``current(post)``)."""
    result = await session.execute(
        update(BoardPost).where(BoardPost.id == post.id, BoardPost.version == version)
        .values(**values, version=version + 1).execution_options(synchronize_session=False)
    )  # fmt: skip
    await session.refresh(post)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Problem("edit-conflict", f"Post {post.id} changed (now version {post.version}).",
                      current=await current(post))  # fmt: skip
    return post


def _may_edit(post: BoardPost, author: Author) -> None:
    if post.status in (REMOVED, WITHDRAWN, REJECTED):
        raise Problem("conflict", f"This post is {post.status}.")
    if not author.staff and post.author_tag != author.tag:
        raise Problem("forbidden", "Only whoever posted it (or the instructor) may edit it.")


async def edit(session: AsyncSession, board: Board, post: BoardPost, author: Author,
               spec: PostEditIn, now: datetime, current: Any) -> BoardPost:  # fmt: skip
    _may_edit(post, author)
    sent, values = spec.model_fields_set, dict[str, Any]()
    if "title" in sent:
        values["title"] = sanitize.clean_text(spec.title or "", 200)
    if "body" in sent:
        values["body"] = sanitize.clean_body(spec.body or "")
    if "link" in sent:
        values.update(_link_fields(spec.link))
    if "attachment_id" in sent:
        values["attachment_id"] = await _attachment(session, board, spec.attachment_id,
                                                     post.author_tag)  # fmt: skip
    if "colour" in sent and spec.colour is not None:
        values["colour"] = sanitize.css_colour(spec.colour)
    if "happened_on" in sent:
        values["happened_on"] = spec.happened_on.isoformat() if spec.happened_on else None
    text = f"{values.get('title', post.title)}\n{values.get('body', post.body)}"
    if post.status == PUBLISHED and _status(board, author, text)[0] == PENDING:
        values["status"] = PENDING  # an edit brings it back for review
    return await _swap(session, post, spec.version, {**values, "edited_at": now}, current)


async def move(session: AsyncSession, board: Board, post: BoardPost, spec: PostMoveIn,
               mover: Author, current: Any) -> list[BoardPost]:  # fmt: skip
    """A new place: x, y on a canvas, or a section and a place in it (counted among the posts
    the mover sees). Only the moved post's rank changes (halfway between its new neighbours)
    unless the neighbours are too close, when the section is renumbered; every post changed
    is returned, for telling the board."""
    if post.status in (REMOVED, WITHDRAWN, REJECTED):
        raise Problem("conflict", f"This post is {post.status}.")
    values: dict[str, Any] = {}
    if spec.x is not None:
        values.update(x=spec.x, y=spec.y)
    renumbered: list[BoardPost] = []
    if spec.index is not None or "section_id" in spec.model_fields_set:
        section = _section(board, spec.section_id if "section_id" in spec.model_fields_set
                           else post.section_id)  # fmt: skip
        rank, renumbered = await _rank_at(session, board.id, section, post.id, spec.index,
                                          mover)  # fmt: skip
        values.update(section_id=section, rank=rank)
    moved = await _swap(session, post, spec.version, values, current)
    return [moved, *renumbered]


async def _rank_at(session: AsyncSession, board_id: int, section: str | None, post_id: int,
                   index: int | None, mover: Author) -> tuple[float, list[BoardPost]]:  # fmt: skip
    seen = await _in_section(session, board_id, section, mover)
    others = [p for p in seen if p.id != post_id]
    at = len(others) if index is None else min(index, len(others))
    before = others[at - 1].rank if at > 0 else None
    after = others[at].rank if at < len(others) else None
    if before is None:
        return (after - 1.0 if after is not None else 1.0), []
    if after is None:
        return before + 1.0, []
    if after - before > MIN_GAP:
        return (before + after) / 2, []
    for n, other in enumerate(others, start=1):  # no room left between them: spread out
        other.rank, other.version = float(n if n <= at else n + 1), other.version + 1
    return float(at + 1), others


async def _in_section(session: AsyncSession, board_id: int, section: str | None,
                      mover: Author) -> list[BoardPost]:  # fmt: skip
    where = BoardPost.section_id.is_(None) if section is None else BoardPost.section_id == section
    shown = BoardPost.status == PUBLISHED
    if mover.staff:
        shown = BoardPost.status.in_((PUBLISHED, PENDING))
    else:
        shown = shown | ((BoardPost.status == PENDING) & (BoardPost.author_tag == mover.tag))
    stmt = select(BoardPost).where(BoardPost.board_id == board_id, where, shown)
    return list((await session.scalars(stmt.order_by(BoardPost.rank, BoardPost.id))).all())


async def withdraw(post: BoardPost, author: Author) -> BoardPost:
    """Take one's own post down (it stays on record as withdrawn)."""
    if post.author_tag != author.tag:
        raise Problem("forbidden", "Only whoever posted it may delete it; staff remove posts.")
    if post.status in (REMOVED, WITHDRAWN):
        raise Problem("conflict", f"This post is {post.status}.")
    post.status, post.version = WITHDRAWN, post.version + 1
    return post


NEXT = {
    "approve": ({PENDING, REJECTED}, PUBLISHED),
    "reject": ({PENDING}, REJECTED),
    "remove": ({PUBLISHED, PENDING}, REMOVED),
    "restore": ({REMOVED, REJECTED}, PUBLISHED),
}


def moderate(session: AsyncSession, board: Board, post: BoardPost, action: str, *, by: int,
             reason: str | None, now: datetime) -> BoardPost:  # fmt: skip
    """Approve, reject, remove (soft: the post stays on record) or restore; logged."""
    allowed, status = NEXT[action]
    if post.status not in allowed:
        raise Problem("conflict", f"A {post.status} post cannot be {action}d.")
    post.status, post.version = status, post.version + 1
    log(session, board, by, action, now, post_id=post.id,
        detail=sanitize.clean_text(reason, 300) if reason else None)  # fmt: skip
    return post


def highlight(session: AsyncSession, board: Board, post: BoardPost, on: bool, *, by: int,
              now: datetime) -> BoardPost:  # fmt: skip
    post.highlighted, post.version = on, post.version + 1
    log(session, board, by, "highlight" if on else "unhighlight", now, post_id=post.id)
    return post


def grade(session: AsyncSession, board: Board, post: BoardPost, value: str | None, *, by: int,
          now: datetime) -> BoardPost:  # fmt: skip
    post.grade = sanitize.clean_text(value, 40) if value else None
    post.version += 1
    log(session, board, by, "grade", now, post_id=post.id, detail=post.grade)
    return post


async def visible(
    session: AsyncSession, board: Board, *, staff: bool, tag: str
) -> list[RowMapping]:
    """What a person sees: the published posts and their own (awaiting approval, or turned
    down, so they know); staff see everything but withdrawn posts, removed ones included
    (to restore them). Plain rows: a board is read whole, often, by many at once."""
    stmt = select(*BoardPost.__table__.c).where(BoardPost.board_id == board.id)
    if staff:
        stmt = stmt.where(BoardPost.status != WITHDRAWN)
    else:
        stmt = stmt.where((BoardPost.status == PUBLISHED) | (
            (BoardPost.author_tag == tag) & BoardPost.status.in_((PENDING, REJECTED))))  # fmt: skip
    return list((await session.execute(stmt.order_by(BoardPost.rank, BoardPost.id))).mappings())
