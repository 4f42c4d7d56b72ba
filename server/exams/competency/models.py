"""Competency assessment (역량평가) for promotion to grade 4 or 5: rounds, candidates,
assessors and scores.

A score is one assessor's mark for one candidate on one competency, 1.0 to 5.0 in half points
(``Numeric(2, 1)``, never a float); marking again replaces it (audited as an update). The
round's prep course is an lms cohort (``prep_cohort_id``); its attendance is read through the
lms and rooms services, never stored here.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core.audit import Audited
from server.core.db import Base, IdType, UTCDateTime


class CompetencyRound(Audited, Base):
    __tablename__ = "exam_competency_rounds"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    grade: Mapped[int] = mapped_column(Integer)  # the grade promoted to: 4 or 5
    held_on: Mapped[date] = mapped_column(Date)
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(3, 2))  # 2.50 unless the round says
    prep_cohort_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("cohorts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )


class CompetencyCandidate(Audited, Base):
    """An official assessed in a round (a user, so the prep course's attendance is theirs)."""

    __tablename__ = "exam_competency_candidates"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    round_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("exam_competency_rounds.id"), index=True
    )
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id"))
    org_unit: Mapped[str | None] = mapped_column(String(100))


class CompetencyAssessor(Audited, Base):
    __tablename__ = "exam_competency_assessors"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    round_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("exam_competency_rounds.id"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))


class CompetencyScore(Audited, Base):
    __tablename__ = "exam_competency_scores"
    __table_args__ = (UniqueConstraint("candidate_id", "assessor_id", "competency"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    round_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("exam_competency_rounds.id"), index=True
    )
    candidate_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("exam_competency_candidates.id"), index=True
    )
    assessor_id: Mapped[int] = mapped_column(IdType, ForeignKey("exam_competency_assessors.id"))
    competency: Mapped[str] = mapped_column(String(40))
    score: Mapped[Decimal] = mapped_column(Numeric(2, 1))
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scored_by: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
