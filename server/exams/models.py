"""Recruitment-exam tables: rounds (회차), recruitment units (모집단위), candidates, and the
subjects and reported question errors of each round.

A unit's figures come from its candidates when they have been imported one by one; a unit
whose candidates are not kept here (the seed's 2020 rounds, tens of thousands of applicants)
carries tallies instead. A tally left empty is "no data", never 0. Candidate rows are
confidential: only exam staff read them, and each read is written to the audit log
(``action = "read"``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core.audit import Audited
from server.core.db import Base, IdType, UTCDateTime

#: the city whose residents' share of successful candidates is reported (거주지 비율)
HOME_REGION = "서울"


class RoundKind(StrEnum):
    OPEN = "open"  # 공개경쟁
    CAREER = "career"  # 경력경쟁 (일반임기제 등)
    SPECIALIST = "specialist"  # 전문경력관 등


class ExamRound(Audited, Base):
    __tablename__ = "exam_rounds"
    __table_args__ = (UniqueConstraint("year", "kind", "number"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ExamUnit(Audited, Base):
    """A recruitment unit: job series and grade, planned hires and quotas, and tallies for
    when its candidates are not kept one by one (all nullable: unknown is not zero)."""

    __tablename__ = "exam_units"
    __table_args__ = (UniqueConstraint("round_id", "code"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    round_id: Mapped[int] = mapped_column(IdType, ForeignKey("exam_rounds.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    job_series: Mapped[str] = mapped_column(String(64))
    grade: Mapped[str] = mapped_column(String(32))
    planned: Mapped[int] = mapped_column(Integer)
    quota_disabled: Mapped[int | None] = mapped_column(Integer)
    quota_veterans: Mapped[int | None] = mapped_column(Integer)
    quota_highschool: Mapped[int | None] = mapped_column(Integer)
    applicants: Mapped[int | None] = mapped_column(Integer)
    sat: Mapped[int | None] = mapped_column(Integer)
    written_passed: Mapped[int | None] = mapped_column(Integer)
    interviewed: Mapped[int | None] = mapped_column(Integer)
    final_passed: Mapped[int | None] = mapped_column(Integer)
    final_residents: Mapped[int | None] = mapped_column(Integer)


class ExamCandidate(Audited, Base):
    """One application; each result is None until known (not sat ≠ not yet known)."""

    __tablename__ = "exam_candidates"
    __table_args__ = (UniqueConstraint("unit_id", "exam_no"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    unit_id: Mapped[int] = mapped_column(IdType, ForeignKey("exam_units.id"), index=True)
    exam_no: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    residence: Mapped[str] = mapped_column(String(32))
    #: 현 소속: the org unit the candidate serves in now (career candidates are often serving
    #: officials); interview panels keep members of the same unit away. None: not known / none
    org_unit: Mapped[str | None] = mapped_column(String(100))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    veteran: Mapped[bool] = mapped_column(Boolean, default=False)
    highschool: Mapped[bool] = mapped_column(Boolean, default=False)
    sat: Mapped[bool | None] = mapped_column(Boolean)
    written_passed: Mapped[bool | None] = mapped_column(Boolean)
    interviewed: Mapped[bool | None] = mapped_column(Boolean)
    final_passed: Mapped[bool | None] = mapped_column(Boolean)
    #: the account made when the candidate was enrolled in the new-recruit course
    user_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ExamSubject(Audited, Base):
    __tablename__ = "exam_subjects"
    __table_args__ = (UniqueConstraint("round_id", "name"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    round_id: Mapped[int] = mapped_column(IdType, ForeignKey("exam_rounds.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    questions: Mapped[int] = mapped_column(Integer, default=20)


class QuestionError(Audited, Base):
    """A question found wrong after the exam, with why it happened and what was done."""

    __tablename__ = "exam_question_errors"
    __table_args__ = (UniqueConstraint("subject_id", "question_no"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    subject_id: Mapped[int] = mapped_column(IdType, ForeignKey("exam_subjects.id"), index=True)
    question_no: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(500))
    cause: Mapped[str] = mapped_column(String(500))
    action: Mapped[str | None] = mapped_column(String(500))
    reported_on: Mapped[date] = mapped_column(Date)


class Stage(StrEnum):
    """The specialist hiring pipeline (경력경쟁·전문경력관), in its order."""

    DOCUMENTS = "documents"  # 서류전형
    JOB_TASK_REPORT = "job_task_report"  # 직무과제보고서 작성 (30분)
    GROUP_DISCUSSION = "group_discussion"  # 집단토론 (40~50분, 개인별 발표 3분)
    INTERVIEW = "interview"  # 개별심층면접 (30분, 지원동기 등 발표 5분)


STAGES: tuple[Stage, ...] = tuple(Stage)


class StageSchedule(Audited, Base):
    """When (and where) a unit's stage is held."""

    __tablename__ = "exam_stage_schedules"
    __table_args__ = (UniqueConstraint("unit_id", "stage"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    unit_id: Mapped[int] = mapped_column(IdType, ForeignKey("exam_units.id"), index=True)
    stage: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(String(200))


class StageScore(Audited, Base):
    """A candidate's score (0–100) at a stage and whether they go on."""

    __tablename__ = "exam_stage_scores"
    __table_args__ = (UniqueConstraint("candidate_id", "stage"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(IdType, ForeignKey("exam_candidates.id"), index=True)
    stage: Mapped[str] = mapped_column(String(32))
    score: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    passed: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(500))
