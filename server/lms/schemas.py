"""What goes in and out of the course-record routes."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from server.core.schemas import In, Out, PageQuery, RecordId
from server.lms.models import (
    CohortStatus,
    DeliveryMode,
    EnrolmentStatus,
    PlanVersion,
    SessionState,
    Track,
)


class SubAreaOut(Out):
    id: int
    code: str
    name_ko: str
    name_en: str


class AreaOut(Out):
    id: int
    code: str
    name_ko: str
    name_en: str
    sub_areas: list[SubAreaOut]


class PlanOut(Out):
    version: PlanVersion
    offered: bool
    runs: int | None = Field(description="null: always open (상시)")
    people: int


class CourseOut(Out):
    id: int
    code: str
    title: str
    year: int
    sub_area_id: int
    track: Track
    delivery_mode: DeliveryMode
    always_open: bool
    hours_per_day: int
    plans: list[PlanOut]


class CourseQuery(PageQuery):
    year: int | None = Field(default=None, ge=2000, le=2100)
    track: Track | None = None
    delivery_mode: DeliveryMode | None = None
    sub_area: str | None = Field(default=None, max_length=32, description="sub-area code")
    q: str | None = Field(default=None, max_length=100, description="part of the title")


class CoursePath(In):
    course_id: RecordId


class CohortOut(Out):
    id: int
    course_id: int
    number: int
    name: str
    starts_on: date
    ends_on: date
    capacity: int
    status: CohortStatus


class ClassSessionOut(Out):
    id: int
    cohort_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    live: bool
    state: SessionState


class ClassSessionPath(In):
    class_session_id: RecordId


class ClassSessionQuery(PageQuery):
    on: date | None = Field(default=None, description="sessions starting that day (Asia/Seoul)")


class EnrolmentOut(Out):
    id: int
    cohort_id: int
    user_id: int
    status: EnrolmentStatus
    created_at: datetime
