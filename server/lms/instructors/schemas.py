"""What goes in and out of the instructor routes, and the public ``FeeOwed`` row."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from server.core.schemas import In, Out, PageQuery, RecordId
from server.lms.models import SessionState

Grade = Annotated[str, Field(min_length=1, max_length=16, description="강사 등급, e.g. 특급, 1급")]
Won = Annotated[int, Field(ge=0, le=100_000_000, description="integer won")]
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Phone = Annotated[str, Field(min_length=4, max_length=32, pattern=r"^[0-9+()\- ]+$")]


# ---- registry --------------------------------------------------------------------------------


class InstructorCreate(In):
    name: str = Field(min_length=1, max_length=100)
    affiliation: str | None = Field(default=None, max_length=200)
    specialty: str | None = Field(default=None, max_length=200)
    grade: Grade
    internal: bool = False
    user_id: RecordId | None = Field(default=None, description="the instructor's log-in, if any")
    email: Email | None = None
    phone: Phone | None = None


class InstructorUpdate(In):
    """Only the fields sent change; send null to clear an optional one."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    affiliation: str | None = Field(default=None, max_length=200)
    specialty: str | None = Field(default=None, max_length=200)
    grade: Grade | None = None
    internal: bool | None = None
    user_id: RecordId | None = None
    email: Email | None = None
    phone: Phone | None = None

    @model_validator(mode="after")
    def _required_stay_set(self) -> InstructorUpdate:
        for name in ("name", "grade", "internal"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be cleared")
        return self


class ContactOut(Out):
    email: str | None
    phone: str | None


class InstructorOut(Out):
    id: int
    user_id: int | None
    name: str
    affiliation: str | None
    specialty: str | None
    grade: str
    internal: bool
    contact: ContactOut | None = Field(
        default=None, description="operators, admins and the instructor themself only"
    )


class InstructorPath(In):
    instructor_id: RecordId


class InstructorQuery(PageQuery):
    q: str | None = Field(default=None, max_length=100, description="part of name, affiliation "
                          "or specialty")  # fmt: skip
    grade: str | None = Field(default=None, max_length=16)
    internal: bool | None = None


# ---- fee standards ---------------------------------------------------------------------------


class FeeRateIn(In):
    grade: Grade
    first_hour_won: Won = Field(description="the fee for the first hour of a class session")
    further_hour_won: Won = Field(description="the fee for each further hour")
    cap_won: Won | None = Field(default=None, description="most paid for one session; null: none")


class FeeStandardCreate(In):
    """A new standard, or a new version of the one in force from the same date."""

    effective_from: date = Field(description="first teaching day (Asia/Seoul) it applies to")
    title: str = Field(min_length=1, max_length=200)
    basis: str | None = Field(default=None, max_length=500, description="why: rule, decision")
    rates: list[FeeRateIn] = Field(min_length=1, max_length=50)

    @field_validator("rates")
    @classmethod
    def _one_rate_per_grade(cls, rates: list[FeeRateIn]) -> list[FeeRateIn]:
        grades = [r.grade for r in rates]
        if len(set(grades)) != len(grades):
            raise ValueError("each grade once")
        return rates


class FeeRateOut(Out):
    grade: str
    first_hour_won: int
    further_hour_won: int
    cap_won: int | None


class FeeStandardOut(Out):
    id: int
    effective_from: date
    version: int
    title: str
    basis: str | None
    created_at: datetime
    superseded: bool = Field(description="a later version from the same date replaces it")
    rates: list[FeeRateOut]


class FeeStandardQuery(In):
    on: date | None = Field(default=None, description="only the standard in force that day")


# ---- teaching hours and fees -----------------------------------------------------------------


class CorrectionCreate(In):
    instructor_id: RecordId
    minutes: int = Field(ge=0, le=24 * 60, description="minutes actually taught")
    reason: str = Field(min_length=1, max_length=500)


class CorrectionOut(Out):
    id: int
    class_session_id: int
    instructor_id: int
    minutes: int
    reason: str
    recorded_at: datetime
    recorded_by: int | None


class NoFee(StrEnum):
    """Why a row has no amount: unknown, never zero."""

    NOT_REGISTERED = "not-registered"  # on the session's staff, not in the registry
    NO_STANDARD = "no-standard"  # no fee standard in force on the teaching day
    NO_RATE = "no-rate-for-grade"  # the standard has no rate for the grade


class TeachingOut(Out):
    """One instructor's hours in one class session: as scheduled, or as corrected."""

    class_session_id: int
    instructor_id: int | None
    user_id: int | None
    instructor_name: str | None
    scheduled_minutes: int | None = Field(description="null: not on the session's staff")
    minutes: int
    hours: Decimal
    correction: CorrectionOut | None


class FeeOwed(Out):
    """One instructor's fee for one class session. Public: the budget module posts these."""

    instructor_id: int | None
    user_id: int | None
    instructor_name: str | None
    class_session_id: int
    class_session_title: str
    session_state: SessionState = Field(
        description="ended: taught (expenditure); otherwise still to come (commitment)"
    )
    course_id: int
    course_title: str
    cohort_id: int
    cohort_name: str
    taught_on: date = Field(description="the session's start day in Asia/Seoul")
    minutes: int
    hours: Decimal
    corrected: bool
    grade: str | None
    fee_standard_id: int | None
    first_hour_won: int | None
    further_hour_won: int | None
    cap_won: int | None
    amount_won: int | None = Field(description="null: unknown (see no_fee), never 0 for unknown")
    no_fee: NoFee | None


class FeesQuery(In):
    date_from: date
    date_to: date
    instructor_id: RecordId | None = None
    course_id: RecordId | None = None

    @model_validator(mode="after")
    def _ordered(self) -> FeesQuery:
        if self.date_to < self.date_from:
            raise ValueError("date_to is before date_from")
        if (self.date_to - self.date_from).days > 366:
            raise ValueError("at most a year at a time")
        return self


class FeesOut(Out):
    items: list[FeeOwed]
    total_won: int | None = Field(description="sum of the known amounts; null if none is known")
    rows_without_amount: int


# ---- selection committee ---------------------------------------------------------------------


class ApprovalIn(In):
    instructor_id: RecordId
    course_id: RecordId
    grade: Grade


class MeetingCreate(In):
    held_on: date
    title: str = Field(min_length=1, max_length=200)
    approvals: list[ApprovalIn] = Field(min_length=1, max_length=500)

    @field_validator("approvals")
    @classmethod
    def _once_each(cls, approvals: list[ApprovalIn]) -> list[ApprovalIn]:
        keys = [(a.instructor_id, a.course_id) for a in approvals]
        if len(set(keys)) != len(keys):
            raise ValueError("each instructor once per course")
        return approvals


class ApprovalOut(Out):
    id: int
    instructor_id: int
    course_id: int
    grade: str


class MeetingOut(Out):
    id: int
    held_on: date
    title: str
    created_at: datetime
    approvals: list[ApprovalOut]


class MeetingQuery(In):
    year: int | None = Field(default=None, ge=2000, le=2100, description="meetings held that year")


class Comparison(StrEnum):
    APPROVED_AND_TAUGHT = "approved_and_taught"
    APPROVED_NOT_TAUGHT = "approved_not_taught"
    TAUGHT_WITHOUT_APPROVAL = "taught_without_approval"


class ComparisonRow(Out):
    """One instructor in one course of the year. Satisfaction comes from the surveys package."""

    course_id: int
    course_code: str
    course_title: str
    year: int
    instructor_id: int | None
    user_id: int | None
    instructor_name: str | None
    status: Comparison
    approved_grade: str | None
    approved_on: date | None
    sessions_taught: int
    hours_taught: Decimal


class ComparisonTotals(Out):
    approved_and_taught: int
    approved_not_taught: int
    taught_without_approval: int


class ComparisonQuery(In):
    year: int = Field(ge=2000, le=2100)
    as_of: date | None = Field(default=None, description="count sessions up to this day "
                               "(Asia/Seoul); default today")  # fmt: skip


class ComparisonOut(Out):
    year: int
    as_of: date
    rows: list[ComparisonRow]
    totals: ComparisonTotals


class ClassSessionPath(In):
    class_session_id: RecordId
