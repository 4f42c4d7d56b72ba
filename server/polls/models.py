"""Q&A and polls on record, built so that anonymous content cannot be traced to a person.

Anonymous rows hold no user id: only a pseudonym, a keyed hash of the person under the class's
own secret (``ClassSecret``), enough to allow one vote each, editing one's own question and
muting a pseudonym. The secret is sealed with the server's key, and destroying it (when the
class is archived) leaves every pseudonym meaningless, even to the server. None of these
content table is audited: an audit row would name the actor beside the content (prepared
polls are staff work and are audited).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core.audit import Audited
from server.core.db import Base, IdType, UTCDateTime


class ClassSecret(Base):
    """The key of a class's pseudonyms, sealed; ``sealed`` None once destroyed."""

    __tablename__ = "class_secrets"

    class_session_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("class_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Question(Base):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    class_session_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("class_sessions.id"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(IdType)  # asked inside a breakout group
    author_tag: Mapped[str] = mapped_column(String(64), index=True)  # the pseudonym
    author_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))  # named only
    author_name: Mapped[str | None] = mapped_column(String(100))  # named only
    text: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(16))  # pending published rejected withdrawn merged
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)  # phone, rrn, email, profanity
    merged_into: Mapped[int | None] = mapped_column(IdType, ForeignKey("questions.id"))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    answered: Mapped[str | None] = mapped_column(String(8))  # text | live
    reply: Mapped[str | None] = mapped_column(String(2000))
    votes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    request_key: Mapped[str | None] = mapped_column(String(64))  # a retry is not a new question
    # +1 on every change told to the class: pages keep the newest, whatever order they arrive in
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class QuestionVote(Base):
    """One upvote: by pseudonym only, for every voter (votes are always anonymous)."""

    __tablename__ = "question_votes"
    __table_args__ = (UniqueConstraint("question_id", "voter_tag"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    question_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    voter_tag: Mapped[str] = mapped_column(String(64))


class MutedPseudonym(Base):
    """A pseudonym the instructor silenced in this class (without knowing who it is)."""

    __tablename__ = "muted_pseudonyms"
    __table_args__ = (UniqueConstraint("class_session_id", "tag"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    class_session_id: Mapped[int] = mapped_column(IdType, ForeignKey("class_sessions.id"))
    tag: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Poll(Audited, Base):
    """A prepared poll or survey (its items in order): a course's, reused by every cohort, or
    one class's. Launching it in a class makes a run; the poll itself stays a draft."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    course_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("courses.id"), index=True)
    class_session_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("class_sessions.id"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    leaderboard: Mapped[bool] = mapped_column(Boolean, default=False)  # quizzes, pseudonymous
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PollItem(Audited, Base):
    __tablename__ = "poll_items"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    poll_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("polls.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # single multiple rating wordcloud open …
    prompt: Mapped[str] = mapped_column(String(500))
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    scale: Mapped[int | None] = mapped_column(Integer)  # rating: 5 or 10
    correct: Mapped[list[int] | None] = mapped_column(JSON)  # quiz: the right options
    points: Mapped[int] = mapped_column(Integer, default=1)


class PollRun(Base):
    """A poll launched live in a class (or one breakout group of it)."""

    __tablename__ = "poll_runs"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    poll_id: Mapped[int] = mapped_column(IdType, ForeignKey("polls.id"), index=True)
    class_session_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("class_sessions.id"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(IdType)
    state: Mapped[str] = mapped_column(String(8))  # open closed
    results_shown: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a timer
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PollAnswer(Base):
    """One person's answer to one item of a run: by pseudonym; the user id only when the poll
    is not anonymous (a quiz that counts toward completion, which the participant is told)."""

    __tablename__ = "poll_answers"
    __table_args__ = (UniqueConstraint("run_id", "item_id", "voter_tag"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    run_id: Mapped[int] = mapped_column(IdType, ForeignKey("poll_runs.id"), index=True)
    item_id: Mapped[int] = mapped_column(IdType, ForeignKey("poll_items.id"))
    voter_tag: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    value: Mapped[dict[str, object]] = mapped_column(JSON)
    request_keys: Mapped[list[str]] = mapped_column(JSON, default=list)  # submits seen (last 20)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
