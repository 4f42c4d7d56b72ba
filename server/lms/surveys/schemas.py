"""Surveys in and out: definitions, a trainee's answers, results and satisfaction summaries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from server.core.schemas import In, Out, RecordId
from server.lms.surveys.models import ItemKind, SurveyKind, SurveyPhase, SurveyStatus


class SurveyPath(In):
    survey_id: RecordId


class ItemIn(In):
    kind: ItemKind
    prompt: str = Field(min_length=1, max_length=500)
    instructor_id: RecordId | None = Field(
        default=None, description="a question about this instructor (registry id)"
    )


class SurveyIn(In):
    kind: SurveyKind
    phase: SurveyPhase | None = Field(
        default=None, description="on-the-job application only: before, after, follow_up"
    )
    title: str = Field(min_length=1, max_length=200)
    items: list[ItemIn] = Field(min_length=1, max_length=60)

    @model_validator(mode="after")
    def _shape(self) -> SurveyIn:
        if self.kind == SurveyKind.APPLICATION and self.phase is None:
            raise ValueError("an application survey names its phase")
        if self.kind == SurveyKind.SATISFACTION and self.phase is not None:
            raise ValueError("a satisfaction survey has no phase")
        if self.kind == SurveyKind.APPLICATION and any(i.instructor_id for i in self.items):
            raise ValueError("only satisfaction items may be about an instructor")
        return self


class ItemOut(Out):
    id: int
    position: int
    kind: ItemKind
    prompt: str
    instructor_id: int | None


class SurveyOut(Out):
    id: int
    course_id: int
    cohort_id: int
    kind: SurveyKind
    phase: SurveyPhase | None
    title: str
    status: SurveyStatus
    opened_at: datetime | None
    closed_at: datetime | None
    items: list[ItemOut]
    submitted: bool | None = Field(
        default=None, description="for a trainee: whether they have answered (null for staff)"
    )


Scale = Annotated[int, Field(ge=1, le=5)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class ResponseIn(In):
    """Answers by item id: 1-5 for a 5-point item, text for a free-text item. Items may be
    left out; at least one is answered."""

    answers: dict[RecordId, Scale | Text] = Field(min_length=1, max_length=60)


class ItemResultOut(BaseModel):
    item_id: int
    prompt: str
    kind: ItemKind
    instructor_id: int | None
    answers: int
    mean: float | None = Field(description="5-point items; null where no one answered")
    distribution: dict[int, int] | None = Field(description="5-point items: count per point")
    texts: list[str] | None = Field(description="free-text items, in no meaningful order")


class SurveyResultsOut(BaseModel):
    """While open: in progress with the response count and no score; closed: per item."""

    survey_id: int
    status: Literal["not_open", "in_progress", "closed"]
    responses: int
    invited: int
    response_rate: float | None = Field(description="closed surveys only; null if none invited")
    items: list[ItemResultOut] | None


class SatisfactionOut(BaseModel):
    """Satisfaction over a course, a cohort or an instructor: "no data" when no survey was
    held, "in progress" (with its response count and no mean) while none has closed."""

    status: Literal["no_data", "in_progress", "closed"]
    surveys: int = Field(description="surveys the figures are from")
    responses: int
    invited: int
    response_rate: float | None
    mean: float | None
    open_surveys: int = Field(description="surveys still collecting answers (not in the mean)")


class SatisfactionQuery(In):
    """At least one of course, cohort, instructor (registry id)."""

    course_id: RecordId | None = None
    cohort_id: RecordId | None = None
    instructor_id: RecordId | None = None

    @model_validator(mode="after")
    def _some(self) -> SatisfactionQuery:
        if self.course_id is None and self.cohort_id is None and self.instructor_id is None:
            raise ValueError("name a course_id, cohort_id or instructor_id")
        return self


class PhaseOut(SatisfactionOut):
    """One phase of the on-the-job application survey."""

    phase: SurveyPhase


# ---- administration pages and the trainee's form (surveysweb) --------------------------------


class SurveyEdit(In):
    """A draft's new title and items (its kind and phase stay); the items replace the old ones."""

    title: str = Field(min_length=1, max_length=200)
    items: list[ItemIn] = Field(min_length=1, max_length=60)


class SurveyDetailOut(SurveyOut):
    """One survey with what the form shows around it: the course and the cohort."""

    course_title: str
    cohort_name: str
    instructors: dict[int, str] = Field(
        default_factory=dict, description="registry id -> name, for items about an instructor"
    )


class TemplateQuery(In):
    kind: SurveyKind
    phase: SurveyPhase | None = Field(default=None, description="application only")
    lang: Literal["ko", "en"] = "ko"

    @model_validator(mode="after")
    def _shape(self) -> TemplateQuery:
        if (self.kind == SurveyKind.APPLICATION) != (self.phase is not None):
            raise ValueError("an application template names its phase; satisfaction has none")
        return self


class MySurveyOut(BaseModel):
    """A survey a trainee is asked to answer (open) or was asked (closed), and whether they
    have answered it."""

    id: int
    title: str
    kind: SurveyKind
    phase: SurveyPhase | None
    status: SurveyStatus
    course_id: int
    course_title: str
    cohort_id: int
    cohort_name: str
    submitted: bool
