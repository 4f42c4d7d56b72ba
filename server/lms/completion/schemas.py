"""Completion in and out: rule versions, corrections, each trainee's result, certificates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from server.core.schemas import In, Out, RecordId
from server.lms.completion.models import CorrectionKind, Outcome


class CohortPath(In):
    cohort_id: RecordId


class CohortUserPath(In):
    cohort_id: RecordId
    user_id: RecordId


class CodePath(In):
    code: str = Field(min_length=1, max_length=64)


class RuleIn(In):
    """A new version of the course's rule. A criterion left null (or false) is not required."""

    min_presence_pct: int | None = Field(
        default=None, ge=1, le=100, description="share of the scheduled live time present"
    )
    required_sessions: list[int] = Field(
        default_factory=list, max_length=100,
        description="positions (1 = first) of the cohort's sessions that must be attended",
    )  # fmt: skip
    min_breakout_rounds: int | None = Field(default=None, ge=1, le=1000)
    min_poll_pct: int | None = Field(
        default=None, ge=1, le=100, description="share of the named polls answered"
    )
    min_quiz_points: int | None = Field(default=None, ge=1, le=1_000_000)
    survey_required: bool = False
    min_elearning_pct: int | None = Field(default=None, ge=1, le=100)
    reason: str = Field(min_length=1, max_length=500, description="why this version")

    @model_validator(mode="after")
    def _positions(self) -> RuleIn:
        if any(p < 1 or p > 1000 for p in self.required_sessions):
            raise ValueError("required_sessions are positions from 1")
        self.required_sessions = sorted(set(self.required_sessions))
        criteria = (self.min_presence_pct, self.min_breakout_rounds, self.min_poll_pct,
                    self.min_quiz_points, self.min_elearning_pct)  # fmt: skip
        if all(c is None for c in criteria) and not (
            self.required_sessions or self.survey_required
        ):
            raise ValueError("a rule requires at least one criterion")
        return self


class RuleOut(Out):
    id: int
    course_id: int
    version: int
    min_presence_pct: int | None
    required_sessions: list[int]
    min_breakout_rounds: int | None
    min_poll_pct: int | None
    min_quiz_points: int | None
    survey_required: bool
    min_elearning_pct: int | None
    reason: str
    author_id: int
    created_at: datetime


class CorrectionIn(In):
    """An excused absence (names a session) or an override (names the outcome)."""

    user_id: RecordId
    kind: CorrectionKind
    class_session_id: RecordId | None = None
    outcome: Literal["completed", "not_completed"] | None = None
    reason: str = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _shape(self) -> CorrectionIn:
        if self.kind == CorrectionKind.EXCUSED_ABSENCE and (
            self.class_session_id is None or self.outcome is not None
        ):
            raise ValueError("an excused absence names class_session_id and no outcome")
        if self.kind == CorrectionKind.OVERRIDE and (
            self.outcome is None or self.class_session_id is not None
        ):
            raise ValueError("an override names the outcome and no class_session_id")
        return self


class CorrectionOut(Out):
    id: int
    cohort_id: int
    user_id: int
    kind: CorrectionKind
    class_session_id: int | None
    outcome: Outcome | None
    reason: str
    author_id: int
    created_at: datetime


class CriterionOut(BaseModel):
    """One criterion of a result: what was required, what the records show, and whether it is
    met (null: unknown, e.g. no survey was held or no e-learning data; never counted as 0)."""

    criterion: Literal[
        "presence", "required_sessions", "breakout", "polls", "quiz", "survey", "elearning"
    ]
    required: float | None
    actual: float | None
    of: float | None = Field(description="the whole the actual figure is out of, if any")
    met: bool | None


class ResultOut(BaseModel):
    user_id: int
    name: str
    outcome: Outcome = Field(description="the result, after any override")
    derived_outcome: Outcome = Field(description="what the records alone give")
    criteria: list[CriterionOut]
    correction_ids: list[int]
    explanation_ko: str
    explanation_en: str


class CohortResultsOut(BaseModel):
    cohort_id: int
    course_id: int
    rule: RuleOut
    as_of: datetime
    finalised_at: datetime | None = Field(description="when an operator last finalised")
    counts: dict[Outcome, int]
    results: list[ResultOut]


class CertificateOut(Out):
    code: str
    cohort_id: int
    user_id: int
    issued_at: datetime


class VerificationOut(BaseModel):
    """What a valid certificate code proves: who completed what, and when."""

    code: str
    name: str
    course_title: str
    cohort_name: str
    starts_on: date
    ends_on: date
    completed_at: datetime
    issued_at: datetime


class ExportQuery(In):
    format: Literal["csv", "xlsx"] = Field(
        description="csv (UTF-8 with a BOM) or xlsx (a workbook): one row per trainee"
    )


class SessionBrief(BaseModel):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    live: bool


class TraineeRecordOut(BaseModel):
    """A trainee of the cohort as the records page lists them: who, where they work, and what
    finalising last recorded (null: never finalised) with their certificate code, if issued
    and still standing."""

    user_id: int
    name: str
    login: str
    org_unit: str | None
    grade: str | None
    finalised_outcome: Outcome | None
    finalised_at: datetime | None
    certificate_code: str | None


class CompletionStatusOut(BaseModel):
    """What the completion records page shows beside the live results: the cohort, its
    sessions (for excused absences), each trainee's finalised result and certificate, and the
    names of the people who wrote the corrections."""

    cohort_id: int
    course_id: int
    course_code: str
    course_title: str
    cohort_name: str
    starts_on: date
    ends_on: date
    finalised_at: datetime | None
    sessions: list[SessionBrief]
    trainees: list[TraineeRecordOut]
    authors: dict[int, str] = Field(description="correction authors' names by user id")
