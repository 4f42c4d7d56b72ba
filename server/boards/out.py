"""Posts and comments as the class sees them: never the author's pseudonym, a name only for
what was posted by name, ``mine`` and ``my_reactions`` only in answers to that person."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.boards import feedback
from server.boards.models import BoardAttachment, BoardComment, BoardConnector, BoardPost
from server.boards.schemas import (
    AttachmentOut,
    CommentOut,
    ConnectorOut,
    LinkOut,
    PostOut,
    ReactionsOut,
)

ATTACHMENT_PATH = "/api/v1/board-attachments/{id}"
PostRow = Mapping[Any, Any]
"""A post's columns by name: a plain row of ``board_posts`` (cheaper by the thousand than
ORM objects and their attribute access), or ``columns(post)`` of one ORM post."""


def columns(row: BoardPost) -> PostRow:
    return {a.key: getattr(row, a.key) for a in BoardPost.__mapper__.column_attrs}


def attachment(row: BoardAttachment) -> AttachmentOut:
    return AttachmentOut(
        id=row.id, kind=row.kind, content_type=row.content_type, filename=row.filename,
        size=row.size, width=row.width, height=row.height,
        url=ATTACHMENT_PATH.format(id=row.id),
    )  # fmt: skip


async def posts(
    session: AsyncSession,
    rows: Sequence[PostRow],
    *,
    tag: str | None = None,
    board_id: int | None = None,
) -> list[PostOut]:
    """Many posts at once: their tallies, comment counts and attachments in three queries
    (by the board, when the posts are a board's: ``board_id``)."""
    ids: feedback.PostIds = (
        [p["id"] for p in rows] if board_id is None else feedback.of_board(board_id)
    )
    tallies = await feedback.reactions_of(session, ids)
    counts = await feedback.comment_counts(session, ids)
    mine = await feedback.my_reactions(session, ids, tag) if tag else {}
    wanted = [p["attachment_id"] for p in rows if p["attachment_id"] is not None]
    files: dict[int, BoardAttachment] = {}
    if wanted:
        stmt = select(BoardAttachment).where(BoardAttachment.id.in_(wanted))
        files = {a.id: a for a in (await session.scalars(stmt)).all()}
    return [_post(p, tallies[p["id"]], counts.get(p["id"], 0),
                  files.get(p["attachment_id"] or 0), tag, mine.get(p["id"], {}))
            for p in rows]  # fmt: skip


async def new_post(session: AsyncSession, row: BoardPost) -> PostOut:
    """A post just made: nothing to count yet (no reactions, no comments), so no queries
    but its attachment's."""
    file = None
    if row.attachment_id is not None:
        file = await session.get(BoardAttachment, row.attachment_id)
    return _post(columns(row), ReactionsOut(), 0, file, None, {})


async def post(session: AsyncSession, row: BoardPost, *, tag: str | None = None) -> PostOut:
    return (await posts(session, [columns(row)], tag=tag))[0]


def _post(row: PostRow, tally: ReactionsOut, comments: int, file: BoardAttachment | None,
          tag: str | None, mine: dict[str, int]) -> PostOut:  # fmt: skip
    """Built from our own rows, so not validated again (a board of 1,000 posts is opened
    by a whole class at once; ``test_out`` checks the shape against the schema)."""
    link = None if row["link_url"] is None else LinkOut.model_construct(
        url=row["link_url"], title=row["link_title"], description=row["link_description"],
        image=row["link_image"])  # fmt: skip
    return PostOut.model_construct(
        id=row["id"], board_id=row["board_id"], title=row["title"], body=row["body"],
        link=link, attachment=attachment(file) if file is not None else None,
        colour=row["colour"], section_id=row["section_id"], rank=row["rank"], x=row["x"],
        y=row["y"], happened_on=row["happened_on"], anonymous=row["author_id"] is None,
        author_name=row["author_name"], status=row["status"], highlighted=row["highlighted"],
        grade=row["grade"], version=row["version"], created_at=row["created_at"],
        edited_at=row["edited_at"], reactions=tally, comments=comments,
        mine=tag is not None and row["author_tag"] == tag, my_reactions=mine,
    )  # fmt: skip


def hidden(row: BoardPost) -> dict[str, object]:
    """What the board is told of a post that left it (pending, rejected, removed, withdrawn):
    its id and why only, so every page takes it down (and its author's says why)."""
    return {"board_id": row.board_id, "post_id": row.id, "version": row.version,
            "status": row.status}  # fmt: skip


def comment(row: BoardComment, *, tag: str | None = None) -> CommentOut:
    shown = row.status == "published"
    return CommentOut(
        id=row.id, post_id=row.post_id, text=row.body if shown else "",
        anonymous=row.author_id is None, author_name=row.author_name if shown else None,
        status=row.status, created_at=row.created_at,
        mine=tag is not None and row.author_tag == tag,
    )  # fmt: skip


def connector(row: BoardConnector) -> ConnectorOut:
    return ConnectorOut.model_validate(row)
