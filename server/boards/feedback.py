"""What people add to posts: comments (named or anonymous), reactions (a like, a vote, a star
rating: one of each per person, by pseudonym only) and, on canvas boards, connectors."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Select, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.boards import sanitize
from server.boards.models import Board, BoardComment, BoardConnector, BoardPost, BoardReaction
from server.boards.posts import PUBLISHED, Author
from server.boards.schemas import ReactionsOut
from server.boards.service import log
from server.core.db import get_or_404
from server.core.errors import Problem

PostIds = list[int] | Select[int]
"""Which posts: a few by id, or a whole board's as a subquery (``of_board``), so opening a
board of a thousand posts sends no list of a thousand ids with each query."""


def of_board(board_id: int) -> Select[int]:
    return select(BoardPost.id).where(BoardPost.board_id == board_id)


def _open_post(post: BoardPost) -> None:
    if post.status != PUBLISHED:
        raise Problem("conflict", "Only published posts take comments and reactions.")


async def comment(
    session: AsyncSession, post: BoardPost, author: Author, text: str, *, anonymous: bool,
    request_key: str | None, now: datetime,
) -> tuple[BoardComment, bool]:  # fmt: skip
    """A comment (or the one this request id already made). True if new."""
    _open_post(post)
    if request_key is not None:
        earlier = await _by_request(session, post.id, author.tag, request_key)
        if earlier is not None:
            return earlier, False
    row = BoardComment(
        post_id=post.id, author_tag=author.tag,
        author_id=None if anonymous else author.user_id,
        author_name=None if anonymous else author.name, body=sanitize.clean_text(text, 2000),
        status=PUBLISHED, created_at=now, request_key=request_key,
    )  # fmt: skip
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        earlier = await _by_request(session, post.id, author.tag, request_key or "")
        if earlier is None:
            raise
        return earlier, False
    return row, True


async def _by_request(
    session: AsyncSession, post_id: int, tag: str, key: str
) -> BoardComment | None:
    return await session.scalar(select(BoardComment).where(
        BoardComment.post_id == post_id, BoardComment.author_tag == tag,
        BoardComment.request_key == key))  # fmt: skip


async def get_comment(session: AsyncSession, comment_id: int) -> BoardComment:
    return await get_or_404(session, BoardComment, comment_id, "comment")


def remove_comment(session: AsyncSession, board: Board, row: BoardComment, author: Author,
                   now: datetime) -> BoardComment:  # fmt: skip
    """One's own comment is withdrawn; staff remove anyone's (logged)."""
    if row.status != PUBLISHED:
        raise Problem("conflict", f"This comment is {row.status}.")
    if row.author_tag == author.tag:
        row.status = "withdrawn"
    elif author.staff:
        row.status = "removed"
        log(session, board, author.user_id, "remove", now, comment_id=row.id)
    else:
        raise Problem("forbidden", "Only whoever wrote it (or the instructor) may remove it.")
    return row


async def comments_of(session: AsyncSession, post_ids: PostIds, tag: str,
                      staff: bool) -> list[BoardComment]:  # fmt: skip
    if isinstance(post_ids, list) and not post_ids:
        return []
    stmt = select(BoardComment).where(BoardComment.post_id.in_(post_ids))
    if not staff:
        stmt = stmt.where(BoardComment.status == PUBLISHED)
    else:
        stmt = stmt.where(BoardComment.status != "withdrawn")
    return list((await session.scalars(stmt.order_by(BoardComment.id))).all())


async def comment_counts(session: AsyncSession, post_ids: PostIds) -> dict[int, int]:
    if isinstance(post_ids, list) and not post_ids:
        return {}
    stmt = (select(BoardComment.post_id, func.count()).where(
        BoardComment.post_id.in_(post_ids), BoardComment.status == PUBLISHED)
        .group_by(BoardComment.post_id))  # fmt: skip
    return {pid: int(n) for pid, n in (await session.execute(stmt)).all()}


async def react(session: AsyncSession, post: BoardPost, tag: str, kind: str, value: int) -> None:
    """Set (or, with 0, take back) this person's like, vote or star rating of a post."""
    _open_post(post)
    existing = await session.scalar(select(BoardReaction).where(
        BoardReaction.post_id == post.id, BoardReaction.voter_tag == tag,
        BoardReaction.kind == kind))  # fmt: skip
    if value == 0:
        if existing is not None:
            await session.execute(delete(BoardReaction).where(BoardReaction.id == existing.id))
        return
    if existing is not None:
        existing.value = value
        return
    try:
        async with session.begin_nested():  # a double tap: the other one counted it
            session.add(BoardReaction(post_id=post.id, voter_tag=tag, kind=kind, value=value))
    except IntegrityError:
        pass


async def reactions_of(session: AsyncSession, post_ids: PostIds) -> dict[int, ReactionsOut]:
    """Exact tallies from the reactions themselves; a post nobody rated has no average (and
    a post nobody reacted to has the empty tally)."""
    found: dict[int, ReactionsOut] = defaultdict(ReactionsOut)
    if isinstance(post_ids, list):
        if not post_ids:
            return found
        found.update((pid, ReactionsOut()) for pid in post_ids)
    stmt = (select(BoardReaction.post_id, BoardReaction.kind, func.count(),
                   func.sum(BoardReaction.value))
            .where(BoardReaction.post_id.in_(post_ids))
            .group_by(BoardReaction.post_id, BoardReaction.kind))  # fmt: skip
    for pid, kind, count, total in (await session.execute(stmt)).all():
        tally = found[pid]
        if kind == "star":
            tally.star_count, tally.star_avg = int(count), round(float(total) / int(count), 2)
        else:
            setattr(tally, kind, int(count))
    return found


async def my_reactions(session: AsyncSession, post_ids: PostIds,
                       tag: str) -> dict[int, dict[str, int]]:  # fmt: skip
    mine: dict[int, dict[str, int]] = defaultdict(dict)
    if isinstance(post_ids, list) and not post_ids:
        return mine
    stmt = select(BoardReaction.post_id, BoardReaction.kind, BoardReaction.value).where(
        BoardReaction.post_id.in_(post_ids), BoardReaction.voter_tag == tag
    )
    for post_id, kind, value in (await session.execute(stmt)).all():
        mine[post_id][kind] = value
    return mine


async def connect(session: AsyncSession, board: Board, from_post: BoardPost, to_post: BoardPost,
                  label: str) -> BoardConnector:  # fmt: skip
    if board.layout != "canvas":
        raise Problem("conflict", "Connectors are for canvas boards.")
    if from_post.id == to_post.id or {from_post.board_id, to_post.board_id} != {board.id}:
        raise Problem("validation-error", "Connect two different posts of this board.")
    existing = await session.scalar(select(BoardConnector).where(
        BoardConnector.from_post_id == from_post.id,
        BoardConnector.to_post_id == to_post.id))  # fmt: skip
    if existing is not None:
        existing.label = sanitize.clean_text(label, 100)
        return existing
    row = BoardConnector(board_id=board.id, from_post_id=from_post.id, to_post_id=to_post.id,
                         label=sanitize.clean_text(label, 100))  # fmt: skip
    session.add(row)
    await session.flush()
    return row


async def connectors_of(session: AsyncSession, board_id: int) -> list[BoardConnector]:
    stmt = select(BoardConnector).where(BoardConnector.board_id == board_id)
    return list((await session.scalars(stmt.order_by(BoardConnector.id))).all())


async def get_connector(session: AsyncSession, connector_id: int) -> BoardConnector:
    return await get_or_404(session, BoardConnector, connector_id, "connector")
