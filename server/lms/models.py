"""Course records: the catalog, the year's plans, cohorts, class sessions, enrolment, instructors.

The plan-versus-actual report is computed from these rows, so plans are stored per course and
per version (original, revised) rather than as the report's totals.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.audit import Audited
from server.core.db import Base, IdType, UTCDateTime


class Track(StrEnum):
    """The two halves of every plan table: classroom (집합교육) and e-learning (e러닝)."""

    CLASSROOM = "classroom"
    ELEARNING = "elearning"


class DeliveryMode(StrEnum):
    IN_PERSON = "in_person"  # 집합(대면)
    LIVE_REMOTE = "live_remote"  # 실시간 원격교육
    BLENDED = "blended"  # 원격+e러닝 혼합
    ELEARNING_SUBSTITUTE = "elearning_substitute"  # e-러닝 대체교육
    ELEARNING = "elearning"  # e러닝 (상시)


class PlanVersion(StrEnum):
    ORIGINAL = "original"  # 당초
    REVISED = "revised"  # 변경


class CohortStatus(StrEnum):
    PLANNED = "planned"
    OPEN = "open"  # taking applications
    RUNNING = "running"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class SessionState(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"  # lobby open, class not started
    LIVE = "live"
    ENDED = "ended"


class EnrolmentStatus(StrEnum):
    APPLIED = "applied"
    APPROVED = "approved"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NOT_COMPLETED = "not_completed"


#: enrolments that entitle a trainee to join a class session
JOINABLE = (EnrolmentStatus.APPROVED, EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)


class StaffRole(StrEnum):
    INSTRUCTOR = "instructor"
    ASSISTANT = "assistant"
    CAPTIONER = "captioner"


class CompetencyArea(Audited, Base):
    __tablename__ = "competency_areas"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_ko: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    sort: Mapped[int] = mapped_column(Integer, default=0)


class SubArea(Audited, Base):
    __tablename__ = "sub_areas"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    area_id: Mapped[int] = mapped_column(IdType, ForeignKey("competency_areas.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_ko: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    sort: Mapped[int] = mapped_column(Integer, default=0)


class Course(Audited, Base):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer, index=True)
    sub_area_id: Mapped[int] = mapped_column(IdType, ForeignKey("sub_areas.id"), index=True)
    track: Mapped[str] = mapped_column(String(16))
    delivery_mode: Mapped[str] = mapped_column(String(32))
    always_open: Mapped[bool] = mapped_column(Boolean, default=False)
    hours_per_day: Mapped[int] = mapped_column(Integer, default=7)

    plans: Mapped[list[CoursePlan]] = relationship(
        lazy="selectin", order_by="CoursePlan.version", cascade="all, delete-orphan"
    )


class CoursePlan(Audited, Base):
    """One version of one course's plan for its year: offered or not, runs and people."""

    __tablename__ = "course_plans"
    __table_args__ = (UniqueConstraint("course_id", "version"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    course_id: Mapped[int] = mapped_column(IdType, ForeignKey("courses.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(16))
    offered: Mapped[bool] = mapped_column(Boolean)
    runs: Mapped[int | None] = mapped_column(Integer)  # None: always open (상시)
    people: Mapped[int] = mapped_column(Integer)


class Cohort(Audited, Base):
    """One run of a course (회차/기수)."""

    __tablename__ = "cohorts"
    __table_args__ = (UniqueConstraint("course_id", "number"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    course_id: Mapped[int] = mapped_column(IdType, ForeignKey("courses.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    capacity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=CohortStatus.PLANNED)


class ClassSession(Audited, Base):
    """One scheduled class of a cohort: a live remote class or an in-person day."""

    __tablename__ = "class_sessions"
    __table_args__ = (Index("ix_class_sessions_starts_at", "starts_at"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(IdType, ForeignKey("cohorts.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    live: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(16), default=SessionState.SCHEDULED)


class SessionStaff(Audited, Base):
    __tablename__ = "session_staff"
    __table_args__ = (UniqueConstraint("class_session_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    class_session_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))


class Enrolment(Audited, Base):
    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("cohort_id", "user_id"),
        # the completion report's two scans, read from the index alone (migration 0017)
        Index("ix_enrolments_cohort_state", "cohort_id", "status", "completed_at"),
        Index("ix_enrolments_user_state", "user_id", "cohort_id", "status", "completed_at"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(IdType, ForeignKey("cohorts.id"))
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=EnrolmentStatus.APPLIED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: when the completion (이수) was recorded; reports count completions up to their as-of date
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # ---- the enrolment workflow (server/lms/enrolment) ----
    #: when staff approved it (kept after a cancellation: the dropout report counts approvals)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: place in the cohort's waitlist (1 = next in); set only while waitlisted
    waitlist_position: Mapped[int | None] = mapped_column(Integer)
    #: why it was cancelled: a code of ``lms.enrolment.models.CancelReason``, and a free note
    cancel_reason: Mapped[str | None] = mapped_column(String(16))
    cancel_note: Mapped[str | None] = mapped_column(String(500))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )


class Instructor(Audited, Base):
    """The instructor registry (강사); a registry entry may or may not have a log-in."""

    __tablename__ = "instructors"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    affiliation: Mapped[str | None] = mapped_column(String(200))
    specialty: Mapped[str | None] = mapped_column(String(200))
    grade: Mapped[str] = mapped_column(String(16))  # 강사 등급: sets the fee per hour
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
