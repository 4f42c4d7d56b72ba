"""What a person's record answers: per enrolment, the course, the cohort, each class session's
attendance, the completion result with its explanation, the certificate and open surveys.

Unknown is not zero: a session not yet held, or held in person (no attendance record here),
has ``present_minutes: null``, never 0."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from server.lms.completion.models import Outcome
from server.lms.models import CohortStatus, DeliveryMode, EnrolmentStatus, SessionState
from server.lms.surveys.models import SurveyKind, SurveyPhase


class CourseBrief(BaseModel):
    id: int
    code: str
    title: str
    mode: DeliveryMode
    year: int


class CohortBrief(BaseModel):
    id: int
    name: str
    number: int
    starts_on: date
    ends_on: date
    status: CohortStatus


class SessionRecordOut(BaseModel):
    """One class session and the person's time in it."""

    id: int
    title: str
    starts_at: datetime = Field(description="Asia/Seoul")
    ends_at: datetime = Field(description="Asia/Seoul")
    live: bool
    state: SessionState
    attendance: Literal["scheduled", "in_progress", "held", "in_person"] = Field(
        description="scheduled: not begun (no figure yet); in_person: no live attendance record"
    )
    scheduled_minutes: int = Field(description="the session's whole scheduled time")
    counted_minutes: int | None = Field(
        description="scheduled time held so far (what presence is out of); null: not held"
    )
    present_minutes: int | None = Field(description="null: not held yet, or in person")
    present_pct: int | None = Field(description="rounded down; null where minutes are null")
    bridged_drops: int | None = Field(description="lost connections resumed within the grace")
    dropouts: int | None = Field(description="lost connections not resumed within the grace")
    devices: list[str] = Field(description="device classes joined from, first join first")
    excused: bool = Field(description="an excused absence (공결) for this session")


class PresenceOut(BaseModel):
    """Live sessions held so far, excused ones left out (as completion counts them)."""

    present_minutes: int
    of_minutes: int
    pct: int = Field(description="rounded down")


class CompletionRecordOut(BaseModel):
    state: Literal["final", "recorded", "pending", "not_applicable"] = Field(
        description="final: finalised with its explanation; recorded: the enrolment's outcome "
        "without an explanation on record; pending: not decided yet (the explanation, if any, "
        "is from the records so far); not_applicable: not (or no longer) a participant"
    )
    outcome: Outcome | None
    explanation_ko: str | None
    explanation_en: str | None
    finalised_at: datetime | None


class CertificateRecordOut(BaseModel):
    code: str | None = Field(description="null: not issued yet (issued on first download)")
    pdf_url: str | None = Field(description="null: this reader may not download it")


class SurveyRecordOut(BaseModel):
    id: int
    title: str
    kind: SurveyKind
    phase: SurveyPhase | None
    submitted: bool
    url: str


class EnrolmentRecordOut(BaseModel):
    enrolment_id: int
    status: EnrolmentStatus
    current: bool = Field(description="the cohort has not ended and nothing was cancelled")
    course: CourseBrief
    cohort: CohortBrief
    sessions: list[SessionRecordOut]
    presence: PresenceOut | None = Field(description="null: no live time held yet")
    completion: CompletionRecordOut
    certificate: CertificateRecordOut | None
    surveys: list[SurveyRecordOut] = Field(description="open surveys of the cohort")


Scope = Literal["self", "staff", "instructor"]


class RecordOut(BaseModel):
    user_id: int
    name: str
    as_of: datetime
    scope: Scope = Field(description="instructor: only the cohorts the reader teaches")
    enrolments: list[EnrolmentRecordOut] = Field(description="current first, then past")
