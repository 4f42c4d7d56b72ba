"""What goes in and out of the cohort routes: cohorts, their class sessions and staff.

A session's times go in as the institute's timetable has them: a day and a start and end time
in Asia/Seoul; an end at or before the start means the next day (a class across midnight).
They come out both ways: UTC instants (``starts_at``/``ends_at``) and the Seoul day and times.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated

from pydantic import Field, model_validator

from server.core.schemas import In, Out, PageQuery, RecordId
from server.lms.models import CohortStatus, DeliveryMode, SessionState, StaffRole

Number = Annotated[int, Field(ge=1, le=999, description="회차/기수, unique within the course")]
Capacity = Annotated[int, Field(ge=1, le=10_000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Title = Annotated[str, Field(min_length=1, max_length=200)]

# ---- cohorts ---------------------------------------------------------------------------------


class CohortCreate(In):
    course_id: RecordId
    number: Number | None = Field(default=None, description="omitted: the course's next number")
    name: Name | None = Field(default=None, description="omitted: '<number>기'")
    starts_on: date
    ends_on: date
    capacity: Capacity

    @model_validator(mode="after")
    def _dates_in_order(self) -> CohortCreate:
        if self.starts_on > self.ends_on:
            raise ValueError("starts_on is after ends_on")
        return self


class CohortUpdate(In):
    """Only the fields sent change; none of them can be cleared."""

    number: Number | None = None
    name: Name | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    capacity: Capacity | None = None

    @model_validator(mode="after")
    def _nothing_cleared(self) -> CohortUpdate:
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be cleared")
        if self.starts_on and self.ends_on and self.starts_on > self.ends_on:
            raise ValueError("starts_on is after ends_on")
        return self


class StatusChange(In):
    status: CohortStatus


class CohortPath(In):
    cohort_id: RecordId


class CohortQuery(PageQuery):
    year: int | None = Field(default=None, ge=2000, le=2100, description="the course's year")
    course_id: RecordId | None = None
    status: CohortStatus | None = None
    mine: bool = Field(default=False, description="only cohorts the caller teaches or staffs")


class CohortSummary(Out):
    """A cohort as lists show it; every signed-in person may read these."""

    id: int
    course_id: int
    course_code: str
    course_title: str
    year: int
    number: int
    name: str
    starts_on: date
    ends_on: date
    capacity: int
    status: CohortStatus
    enrolled: int = Field(description="seats taken: approved, completed or not completed")
    sessions: int


class CourseBrief(Out):
    id: int
    code: str
    title: str
    year: int
    delivery_mode: DeliveryMode
    hours_per_day: int


class Counts(Out):
    """Enrolments by status; the `enrolment` pages own the rules that move them."""

    applied: int
    approved: int
    waitlisted: int
    cancelled: int
    completed: int
    not_completed: int
    enrolled: int = Field(description="seats taken: approved, completed or not completed")
    capacity: int
    seats_left: int


class StaffOut(Out):
    id: int
    class_session_id: int
    user_id: int
    name: str
    role: StaffRole


class SessionOut(Out):
    id: int
    cohort_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    day: date = Field(description="the start day in Asia/Seoul")
    start: str = Field(description="HH:MM in Asia/Seoul")
    end: str = Field(description="HH:MM in Asia/Seoul (the next day when `overnight`)")
    overnight: bool
    minutes: int = Field(description="from start to end")
    teaching_hours: Decimal = Field(description="length, at most the course's hours per day")
    live: bool
    state: SessionState
    editable: bool = Field(description="neither live nor ended (and the cohort not closed)")
    staff: list[StaffOut]


class CohortDetail(Out):
    id: int
    number: int
    name: str
    starts_on: date
    ends_on: date
    capacity: int
    status: CohortStatus
    next_statuses: list[CohortStatus] = Field(description="the status changes allowed now")
    closed: bool = Field(description="finished or cancelled: nothing of it changes any more")
    course: CourseBrief
    counts: Counts
    sessions: list[SessionOut]


# ---- class sessions --------------------------------------------------------------------------


class SessionCreate(In):
    day: date = Field(description="the start day in Asia/Seoul")
    start: time = Field(description="Asia/Seoul")
    end: time = Field(description="Asia/Seoul; at or before start: the next day")
    live: bool = Field(default=True, description="a live remote class; false: in person")
    title: Title | None = Field(default=None, description="omitted: '<cohort name> <day>'")

    @model_validator(mode="after")
    def _not_empty(self) -> SessionCreate:
        if self.start == self.end:
            raise ValueError("a session cannot start and end at the same time")
        return self


class SessionUpdate(In):
    """Only the fields sent change."""

    day: date | None = None
    start: time | None = None
    end: time | None = None
    live: bool | None = None
    title: Title | None = None

    @model_validator(mode="after")
    def _nothing_cleared(self) -> SessionUpdate:
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be cleared")
        return self


class GenerateSessions(In):
    """One session per weekday (Monday to Friday) from the cohort's first to its last day,
    except Korea's public holidays (unless told) and the institute's closed days."""

    start: time = Field(default=time(9), description="Asia/Seoul")
    end: time = Field(default=time(17), description="Asia/Seoul")
    live: bool = True
    skip_public_holidays: bool = Field(
        default=True, description="no session on a public holiday (substitute and election "
        "days included)"
    )  # fmt: skip
    closed_days: list[date] = Field(
        default=[], max_length=366, description="the institute's own closures: no session"
    )

    @model_validator(mode="after")
    def _not_empty(self) -> GenerateSessions:
        if self.start == self.end:
            raise ValueError("a session cannot start and end at the same time")
        return self


class ClosedDay(Out):
    day: date
    holiday: str | None = Field(description="the public holiday's Korean name; null for a "
                                "closed day of the institute")  # fmt: skip


class Generated(Out):
    created: list[SessionOut]
    skipped_days: list[date] = Field(description="weekdays that already had a session")
    closed: list[ClosedDay] = Field(description="weekdays given no session: holidays, closures")


class SessionPath(In):
    class_session_id: RecordId


class StaffPath(In):
    class_session_id: RecordId
    staff_id: RecordId


class StaffAssign(In):
    """A person by log-in (``user_id``) or by instructor registry entry with a log-in."""

    role: StaffRole
    user_id: RecordId | None = None
    instructor_id: RecordId | None = None

    @model_validator(mode="after")
    def _one_person(self) -> StaffAssign:
        if (self.user_id is None) == (self.instructor_id is None):
            raise ValueError("give either user_id or instructor_id")
        if self.instructor_id is not None and self.role != StaffRole.INSTRUCTOR:
            raise ValueError("instructor_id names an instructor; give user_id for other roles")
        return self


class Assigned(Out):
    assigned: list[StaffOut]
    skipped: int = Field(description="sessions that already had them, or are live or ended")
