"""xAPI records: the statements the e-learning system sent us, each person's e-learning
progress per course derived from them, and the outbox of statements for an external LRS.

None of these tables is audited: statements are themselves an append-only record, and the
outbox is a queue.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core.db import Base, IdType, UTCDateTime


class XapiStatement(Base):
    """One statement as received; ``statement_id`` is the xAPI id (unique: idempotent posts).

    ``user_id``/``course_id`` are None when the actor or activity did not resolve to one of
    ours: such statements are kept (never refused) and counted, and resolve nothing later."""

    __tablename__ = "xapi_statements"
    __table_args__ = (Index("ix_xapi_statements_course_user", "course_id", "user_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the canonical statement
    verb_id: Mapped[str] = mapped_column(String(500))
    activity_id: Mapped[str] = mapped_column(String(500))
    actor_key: Mapped[str] = mapped_column(String(600))  # homePage|name, or the mbox
    user_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    course_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("courses.id"))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    stored: Mapped[datetime] = mapped_column(UTCDateTime)
    statement: Mapped[dict[str, Any]] = mapped_column(JSON)


class CourseProgress(Base):
    """A person's standing in one e-learning course, folded from their statements: progress
    never goes backwards, completion is never taken back, the best scaled score is kept."""

    __tablename__ = "elearning_progress"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id"))
    course_id: Mapped[int] = mapped_column(IdType, ForeignKey("courses.id"), index=True)
    progress: Mapped[float | None] = mapped_column(Float)  # 0..1; None: never reported
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    score_scaled: Mapped[float | None] = mapped_column(Float)  # -1..1; None: never scored
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LrsOutbox(Base):
    """A statement for the external LRS, written in the transaction of what it describes.

    Its id is fixed here, so sending it again after a crash is idempotent at the LRS.
    ``next_attempt_at`` is when it may be (re)tried; a node claiming a batch pushes it ahead
    (a lease), so a node that dies mid-send only delays its batch."""

    __tablename__ = "lrs_outbox"
    __table_args__ = (Index("ix_lrs_outbox_due", "sent_at", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    statement: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
