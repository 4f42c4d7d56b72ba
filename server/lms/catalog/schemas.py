"""What goes in and out of the catalog routes: courses, plan changes and their history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator, model_validator

from server.core.schemas import In, Out, RecordId
from server.lms.models import DeliveryMode, PlanVersion, Track
from server.lms.schemas import CourseOut

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z._\-]+$",
                            description="unique course code, e.g. 2021-C-it-03")]  # fmt: skip
Title = Annotated[str, Field(min_length=1, max_length=200)]
HoursPerDay = Annotated[int, Field(ge=1, le=24, description="teaching hours a day")]


class CourseCreate(In):
    code: Code
    title: Title
    year: int = Field(ge=2000, le=2100)
    sub_area_id: RecordId
    track: Track
    delivery_mode: DeliveryMode
    always_open: bool = False
    hours_per_day: HoursPerDay = 7


class CourseUpdate(In):
    """The descriptive fields; only those sent change (the year and plans do not change here)."""

    code: Code | None = None
    title: Title | None = None
    sub_area_id: RecordId | None = None
    track: Track | None = None
    delivery_mode: DeliveryMode | None = None
    always_open: bool | None = None
    hours_per_day: HoursPerDay | None = None

    @model_validator(mode="after")
    def _no_clearing(self) -> CourseUpdate:
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be cleared")
        return self


class PlanPath(In):
    """The version is checked by the route (an unknown one is a 404, after the role check:
    the path is read before it, and a 422 there would tell a trainee more than a 403)."""

    course_id: RecordId
    version: str = Field(max_length=16, description="original (당초) or revised (변경)")


class PlanChange(In):
    """New figures for one version of the plan, and why (required)."""

    offered: bool = True
    runs: int | None = Field(
        ge=0,
        le=10_000,
        description="≥ 1 when offered; 0 when not; null: always open (상시) courses only",
    )
    people: int = Field(ge=0, le=1_000_000)
    reason: str = Field(min_length=1, max_length=500, description="why the plan changes")

    @field_validator("runs")
    @classmethod
    def _runs_fit(cls, runs: int | None, info: ValidationInfo) -> int | None:
        offered = info.data.get("offered", True)
        if offered and runs == 0:
            raise ValueError("an offered course runs at least once (or null: always open)")
        if not offered and runs:
            raise ValueError("a course not offered has 0 runs")
        return runs

    @field_validator("people")
    @classmethod
    def _people_fit(cls, people: int, info: ValidationInfo) -> int:
        if not info.data.get("offered", True) and people:
            raise ValueError("a course not offered has 0 people")
        return people


class FiguresOut(Out):
    offered: bool
    runs: int | None
    people: int


class PlanRevisionOut(Out):
    id: int
    course_id: int
    version: PlanVersion
    before: FiguresOut | None = Field(description="null: the plan's first setting")
    after: FiguresOut
    reason: str
    author_id: int | None = Field(description="null: loaded with the demo data")
    author_name: str | None
    at: datetime


class CatalogCourseOut(CourseOut):
    revisions: int = Field(description="how many plan changes are on record")


class CatalogSubAreaOut(Out):
    id: int
    code: str
    name_ko: str
    name_en: str
    courses: list[CatalogCourseOut]


class CatalogAreaOut(Out):
    id: int
    code: str
    name_ko: str
    name_en: str
    sub_areas: list[CatalogSubAreaOut]


class CatalogYearOut(Out):
    year: int
    areas: list[CatalogAreaOut]


class YearPath(In):
    year: int = Field(ge=2000, le=2100)


class YearsOut(Out):
    years: list[int] = Field(description="years with courses, newest first")
