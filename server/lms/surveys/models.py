"""Surveys, their items, who submitted, and the anonymous answers.

Anonymity by design: a response (the answers) stores no user id, no time and a random key, and
is not audited (an audit row would name the actor). Who submitted is a separate row (needed for
"survey submitted" and response rates) that shares nothing with the response: no id, no time.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core.audit import Audited
from server.core.db import Base, IdType, UTCDateTime


class SurveyKind(StrEnum):
    SATISFACTION = "satisfaction"  # 만족도
    APPLICATION = "application"  # 현업적용도


class SurveyPhase(StrEnum):
    BEFORE = "before"  # 사전
    AFTER = "after"  # 직후
    FOLLOW_UP = "follow_up"  # 2~3개월 후


class SurveyStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class ItemKind(StrEnum):
    SCALE5 = "scale5"  # 5-point (1 = not at all … 5 = very much)
    TEXT = "text"


class Survey(Audited, Base):
    __tablename__ = "surveys"
    __table_args__ = (Index("ix_surveys_cohort", "cohort_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    course_id: Mapped[int] = mapped_column(IdType, ForeignKey("courses.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(IdType, ForeignKey("cohorts.id"))
    kind: Mapped[str] = mapped_column(String(16))
    phase: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(8), default=SurveyStatus.DRAFT)
    created_by: Mapped[int] = mapped_column(IdType, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SurveyItem(Audited, Base):
    """One question; ``instructor_id`` set: a question about that instructor."""

    __tablename__ = "survey_items"
    __table_args__ = (UniqueConstraint("survey_id", "position"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    survey_id: Mapped[int] = mapped_column(IdType, ForeignKey("surveys.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    prompt: Mapped[str] = mapped_column(String(500))
    instructor_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("instructors.id"), index=True
    )


class SurveySubmission(Base):
    """Who has submitted (once): no link to what they answered."""

    __tablename__ = "survey_submissions"
    __table_args__ = (UniqueConstraint("survey_id", "user_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    survey_id: Mapped[int] = mapped_column(IdType, ForeignKey("surveys.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id"), index=True)
    submitted_on: Mapped[datetime] = mapped_column(UTCDateTime)  # the day only (00:00 UTC)


class SurveyResponse(Base):
    """One anonymous set of answers: {item id: 1-5 or text}. A random key, no user, no time."""

    __tablename__ = "survey_responses"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("surveys.id", ondelete="CASCADE"), index=True
    )
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
