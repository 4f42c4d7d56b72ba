"""Tables of the instructor records beside the registry itself (``lms.models.Instructor``).

Fee standards are versioned and never edited: the council asked for one standard for everyone
(unified on 2020-10-01), and a fee paid must stay explainable by the standard it was paid under.
Teaching-hour corrections are append-only entries with a reason; the newest one counts.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.audit import Audited
from server.core.db import Base, IdType, UTCDateTime


class InstructorContact(Audited, Base):
    """How to reach an instructor; kept apart so that only operators (and they) read it."""

    __tablename__ = "instructor_contacts"

    instructor_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("instructors.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))


class FeeStandard(Audited, Base):
    """One version of the fee standard (강사료 지급기준) in force from a date (Asia/Seoul).

    A later version with the same ``effective_from`` supersedes an earlier one; rows are
    never updated, so every fee computed can name the exact version it used.
    """

    __tablename__ = "fee_standards"
    __table_args__ = (UniqueConstraint("effective_from", "version"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )

    rates: Mapped[list[FeeRate]] = relationship(
        lazy="selectin", order_by="FeeRate.id", cascade="all, delete-orphan"
    )


class FeeRate(Audited, Base):
    """A grade's hourly fees under one standard: the first hour, each further hour, a cap."""

    __tablename__ = "fee_rates"
    __table_args__ = (UniqueConstraint("standard_id", "grade"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    standard_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("fee_standards.id", ondelete="CASCADE"), index=True
    )
    grade: Mapped[str] = mapped_column(String(16))
    first_hour_won: Mapped[int] = mapped_column(Integer)
    further_hour_won: Mapped[int] = mapped_column(Integer)
    cap_won: Mapped[int | None] = mapped_column(Integer)  # most paid for one class session


class TeachingCorrection(Audited, Base):
    """The minutes an instructor actually taught in a class session, when not as scheduled.

    Append-only: a new entry (with its reason and author) replaces the previous one's effect.
    An entry for an instructor not on the session's staff records that they taught it.
    """

    __tablename__ = "teaching_corrections"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    class_session_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True
    )
    instructor_id: Mapped[int] = mapped_column(IdType, ForeignKey("instructors.id"), index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )


class SelectionMeeting(Audited, Base):
    """A meeting of the instructor selection committee (강사선정심의회)."""

    __tablename__ = "selection_meetings"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    approvals: Mapped[list[InstructorApproval]] = relationship(
        lazy="selectin", order_by="InstructorApproval.id", cascade="all, delete-orphan"
    )


class InstructorApproval(Audited, Base):
    """The committee approved this instructor, at this grade, to teach this course (its year)."""

    __tablename__ = "instructor_approvals"
    __table_args__ = (UniqueConstraint("meeting_id", "instructor_id", "course_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("selection_meetings.id", ondelete="CASCADE"), index=True
    )
    instructor_id: Mapped[int] = mapped_column(IdType, ForeignKey("instructors.id"), index=True)
    course_id: Mapped[int] = mapped_column(IdType, ForeignKey("courses.id"), index=True)
    grade: Mapped[str] = mapped_column(String(16))
