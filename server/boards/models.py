"""Post-it boards on record: a board (a class's, a breakout group's, or a course's prepared
one), its posts, comments, reactions, canvas connectors and attachments, and the moderation
log (who removed or restored what, when).

Posts, comments and reactions follow the Q&A rule: the author is a pseudonym of the class
(``server.polls.secrets``); the user id and name are kept only beside what was posted by
name. They are therefore not ``Audited`` (an audit row would name the actor beside anonymous
content); staff actions on them are kept in ``BoardModeration`` instead, which names the staff
member and never the author.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.core.db import Base, IdType, UTCDateTime


class Board(Base):
    """A board: ``class_session_id`` for a class (``group_id`` too for one breakout group's),
    or ``course_id`` alone for a course's prepared board, copied into a class to be used."""

    __tablename__ = "boards"
    __table_args__ = (
        CheckConstraint("(course_id IS NULL) <> (class_session_id IS NULL)", name="one_owner"),
        UniqueConstraint("class_session_id", "group_id", name="one_board_per_group"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    course_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    class_session_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(IdType)  # a breakout group's own board
    title: Mapped[str] = mapped_column(String(200))
    layout: Mapped[str] = mapped_column(String(16))  # wall grid columns canvas timeline
    sections: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)  # id, title
    moderation: Mapped[str] = mapped_column(String(8), default="none")  # none pre staff
    anonymous_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a group board, closed


class BoardAttachment(Base):
    """An uploaded image (re-encoded, metadata stripped) or file, stored under ``key``."""

    __tablename__ = "board_attachments"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    board_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("boards.id", ondelete="CASCADE"), index=True
    )
    uploader_tag: Mapped[str] = mapped_column(String(64))  # a pseudonym, never a user id
    kind: Mapped[str] = mapped_column(String(8))  # image file
    content_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BoardPost(Base):
    __tablename__ = "board_posts"
    __table_args__ = (UniqueConstraint("board_id", "author_tag", "request_key"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    board_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("boards.id", ondelete="CASCADE"), index=True
    )
    author_tag: Mapped[str] = mapped_column(String(64), index=True)
    author_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))  # named only
    author_name: Mapped[str | None] = mapped_column(String(100))  # named only
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # sanitised limited HTML
    link_url: Mapped[str | None] = mapped_column(String(2000))
    link_title: Mapped[str | None] = mapped_column(String(300))
    link_description: Mapped[str | None] = mapped_column(String(1000))
    link_image: Mapped[str | None] = mapped_column(String(2000))
    attachment_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("board_attachments.id", ondelete="SET NULL")
    )
    colour: Mapped[str] = mapped_column(String(16), default="yellow")
    section_id: Mapped[str | None] = mapped_column(String(40))
    rank: Mapped[float] = mapped_column(Float, default=0.0)  # order within the section
    x: Mapped[float | None] = mapped_column(Float)  # canvas position
    y: Mapped[float | None] = mapped_column(Float)
    happened_on: Mapped[str | None] = mapped_column(String(10))  # timeline date, YYYY-MM-DD
    status: Mapped[str] = mapped_column(String(12))  # published pending rejected removed withdrawn
    highlighted: Mapped[bool] = mapped_column(Boolean, default=False)
    grade: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    request_key: Mapped[str | None] = mapped_column(String(64))  # a retry is not a new post


class BoardComment(Base):
    __tablename__ = "board_comments"
    __table_args__ = (UniqueConstraint("post_id", "author_tag", "request_key"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    post_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("board_posts.id", ondelete="CASCADE"), index=True
    )
    author_tag: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    author_name: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(String(2000))  # plain text
    status: Mapped[str] = mapped_column(String(12))  # published removed withdrawn
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    request_key: Mapped[str | None] = mapped_column(String(64))


class BoardReaction(Base):
    """One person's like, vote or star rating (1-5) of a post: by pseudonym only."""

    __tablename__ = "board_reactions"
    __table_args__ = (UniqueConstraint("post_id", "voter_tag", "kind"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    post_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("board_posts.id", ondelete="CASCADE"), index=True
    )
    voter_tag: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # like vote star
    value: Mapped[int] = mapped_column(Integer, default=1)


class BoardConnector(Base):
    """An arrow between two posts of a canvas board."""

    __tablename__ = "board_connectors"
    __table_args__ = (UniqueConstraint("from_post_id", "to_post_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    board_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("boards.id", ondelete="CASCADE"), index=True
    )
    from_post_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("board_posts.id", ondelete="CASCADE")
    )
    to_post_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("board_posts.id", ondelete="CASCADE")
    )
    label: Mapped[str] = mapped_column(String(100), default="")


class BoardModeration(Base):
    """What staff did to a post or comment, and who: remove, restore, approve, reject,
    highlight, grade, lock. Names the staff member, never the author."""

    __tablename__ = "board_moderation"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    board_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("boards.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[int | None] = mapped_column(IdType)
    comment_id: Mapped[int | None] = mapped_column(IdType)
    action: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(String(300))
    by_user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
