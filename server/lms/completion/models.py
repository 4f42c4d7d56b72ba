"""Completion records: rule versions, corrections, finalised results and certificates.

Every table here is append-only. A rule change is a new version; a correction (an excused
absence, an instructor's override) is a new row; finalising a cohort again adds new results
(the newest counts). Nothing is edited, so the record always says who decided what and why.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core.audit import Audited
from server.core.db import Base, IdType, UTCDateTime


class Outcome(StrEnum):
    COMPLETED = "completed"  # 수료
    NOT_COMPLETED = "not_completed"  # 미수료
    UNDETERMINED = "undetermined"  # 판정 보류: a required figure is unknown


class CorrectionKind(StrEnum):
    EXCUSED_ABSENCE = "excused_absence"  # 공결: the session is left out of the trainee's time
    OVERRIDE = "override"  # the instructor's or operator's decision on the outcome


class CompletionRule(Audited, Base):
    """One version of a course's completion rule. A criterion left null is not required."""

    __tablename__ = "completion_rules"
    __table_args__ = (UniqueConstraint("course_id", "version"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    course_id: Mapped[int] = mapped_column(IdType, ForeignKey("courses.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    min_presence_pct: Mapped[int | None] = mapped_column(Integer)
    #: positions (1 = first) in each cohort's timetable of the sessions that must be attended
    required_sessions: Mapped[list[int]] = mapped_column(JSON, default=list)
    min_breakout_rounds: Mapped[int | None] = mapped_column(Integer)
    min_poll_pct: Mapped[int | None] = mapped_column(Integer)
    min_quiz_points: Mapped[int | None] = mapped_column(Integer)
    survey_required: Mapped[bool] = mapped_column(Boolean, default=False)
    min_elearning_pct: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    author_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CompletionCorrection(Audited, Base):
    """An excused absence for one session, or an override of the outcome: never edited."""

    __tablename__ = "completion_corrections"
    __table_args__ = (Index("ix_completion_corrections_cohort_user", "cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(IdType, ForeignKey("cohorts.id"))
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    class_session_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("class_sessions.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500))
    author_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CompletionResult(Audited, Base):
    """A trainee's result as finalised by an operator, with the figures it was decided on."""

    __tablename__ = "completion_results"
    __table_args__ = (Index("ix_completion_results_cohort_user", "cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(IdType, ForeignKey("cohorts.id"))
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id"))
    rule_id: Mapped[int] = mapped_column(IdType, ForeignKey("completion_rules.id"))
    outcome: Mapped[str] = mapped_column(String(16))
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    explanation_ko: Mapped[str] = mapped_column(String(2000))
    explanation_en: Mapped[str] = mapped_column(String(2000))
    finalised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finalised_by: Mapped[int] = mapped_column(IdType, ForeignKey("users.id"))


class Certificate(Audited, Base):
    """A completion certificate (수료증); its code is what anyone may verify."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    cohort_id: Mapped[int] = mapped_column(IdType, ForeignKey("cohorts.id"))
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id"))
    result_id: Mapped[int] = mapped_column(IdType, ForeignKey("completion_results.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
