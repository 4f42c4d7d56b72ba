"""What goes in and out of the exam routes. Figures are None when not known (never 0)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AwareDatetime, Field, model_validator

from server.core.schemas import In, Out, RecordId
from server.exams.models import RoundKind, Stage

Year = Annotated[int, Field(ge=2000, le=2100)]
Count = Annotated[int, Field(ge=0, le=10_000_000)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9\-_.]*$")]
ExamNo = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$")]


class YearQuery(In):
    year: Year


class RoundPath(In):
    round_id: RecordId


class UnitPath(In):
    unit_id: RecordId


class CandidatePath(In):
    candidate_id: RecordId


class SubjectPath(In):
    subject_id: RecordId


class RoundCreate(In):
    year: Year
    number: int = Field(ge=1, le=99)
    kind: RoundKind
    name: str = Field(min_length=1, max_length=200)
    held_on: date | None = None


class UnitCreate(In):
    code: Code
    job_series: str = Field(min_length=1, max_length=64)
    grade: str = Field(min_length=1, max_length=32)
    planned: int = Field(ge=1, le=100_000)
    quota_disabled: Count | None = None
    quota_veterans: Count | None = None
    quota_highschool: Count | None = None
    applicants: Count | None = Field(default=None, description="tallies: only for units whose "
                                     "candidates are not imported one by one")  # fmt: skip
    sat: Count | None = None
    written_passed: Count | None = None
    interviewed: Count | None = None
    final_passed: Count | None = None
    final_residents: Count | None = None


class Figures(Out):
    """A unit's or a round's figures; rates in percent (one decimal), competition n:1."""

    planned: int
    applicants: int | None
    sat: int | None
    written_passed: int | None
    interviewed: int | None
    final_passed: int | None
    final_residents: int | None
    competition: int | None = Field(description="applicants ÷ planned, rounded half up (n:1)")
    sitting_rate: Decimal | None
    written_pass_rate: Decimal | None = Field(description="written passes ÷ sat")
    final_pass_rate: Decimal | None = Field(description="final passes ÷ written passes")
    quota_fill: Decimal | None = Field(description="final passes ÷ planned")
    disabled_fill: Decimal | None
    veterans_fill: Decimal | None
    highschool_fill: Decimal | None
    residence_share: Decimal | None = Field(description="final passes living in Seoul ÷ final")


class UnitOut(Out):
    id: int
    round_id: int
    code: str
    job_series: str
    grade: str
    quota_disabled: int | None
    quota_veterans: int | None
    quota_highschool: int | None
    candidates: int
    figures: Figures


class RoundOut(Out):
    id: int
    year: int
    number: int
    kind: RoundKind
    name: str
    held_on: date | None
    units: int
    figures: Figures | None = Field(description="null while the round has no units")


class ImportIn(In):
    csv: str = Field(min_length=1, max_length=2_000_000, description=(
        "UTF-8 text, header exam_no,name,residence[,org_unit,disabled,veteran,highschool,sat,"
        "written,interview,final]; flags and results Y/N (blank: not known)"))  # fmt: skip


class RowError(Out):
    row: int = Field(description="line number in the file (the header is line 1)")
    field: str | None
    message: str


class ImportOut(Out):
    imported: int


class CandidateOut(Out):
    id: int
    unit_id: int
    exam_no: str
    name: str
    residence: str
    org_unit: str | None = Field(description="현 소속, the org unit served in now (null: none "
                                 "or not known)")  # fmt: skip
    disabled: bool
    veteran: bool
    highschool: bool
    sat: bool | None
    written_passed: bool | None
    interviewed: bool | None
    final_passed: bool | None
    user_id: int | None


class ResultsUpdate(In):
    """Record what is now known; a field left out is unchanged, null clears it."""

    sat: bool | None = None
    written_passed: bool | None = None
    interviewed: bool | None = None
    final_passed: bool | None = None


class SubjectCreate(In):
    name: str = Field(min_length=1, max_length=100)
    questions: int = Field(default=20, ge=1, le=200)


class SubjectOut(Out):
    id: int
    round_id: int
    name: str
    questions: int
    errors: int


class ErrorCreate(In):
    question_no: int = Field(ge=1, le=200)
    description: str = Field(min_length=1, max_length=500)
    cause: str = Field(min_length=1, max_length=500, description="cause analysis (원인분석)")
    action: str | None = Field(default=None, max_length=500)
    reported_on: date


class ErrorOut(Out):
    id: int
    subject_id: int
    subject: str
    question_no: int
    description: str
    cause: str
    action: str | None
    reported_on: date


class EnrolIn(In):
    course_id: RecordId = Field(description="the new-recruit course; its next cohort is used")


class EnrolOut(Out):
    cohort_id: int
    approved: list[str]
    waitlisted: list[str]
    unchanged: list[str]
    accounts_created: int


class ScheduleIn(In):
    stage: Stage
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    place: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _ends_after_start(self) -> ScheduleIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class ScheduleOut(Out):
    stage: Stage
    starts_at: datetime
    ends_at: datetime
    place: str | None


class ScoreIn(In):
    stage: Stage
    score: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2)
    passed: bool
    note: str | None = Field(default=None, max_length=500)


class ScoreOut(Out):
    stage: Stage
    score: Decimal
    passed: bool
    note: str | None


class PipelineCandidate(Out):
    candidate_id: int
    exam_no: str
    name: str
    scores: list[ScoreOut]
    reached: Stage | None = Field(description="the last stage scored; null before any")


class PipelineOut(Out):
    unit_id: int
    stages: list[Stage]
    schedule: list[ScheduleOut]
    candidates: list[PipelineCandidate]


class ReadOut(Out):
    """One read of candidate data (an audit-log row with action ``read``): ``what`` and
    ``ref`` split its ``entity_id`` (``unit:12`` → unit, 12; ``members`` → members, null)."""

    id: int
    at: datetime
    actor_id: int | None
    what: str
    ref: str | None
    count: int | None = Field(description="candidates the answer named (null: not recorded)")


class RoundPanelsIn(In):
    """Panels for a round's interviews: each unit's candidates going to interview, in exam
    number order, cut into slots of ``candidates_per_slot`` from the unit's interview time on,
    one slot every ``slot_minutes``."""

    label: str = Field(min_length=1, max_length=200)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    candidates_per_slot: int = Field(default=5, ge=1, le=100)
    slot_minutes: int = Field(default=30, ge=5, le=24 * 60)
