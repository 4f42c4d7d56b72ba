"""What goes in and out of the competency-assessment routes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from server.core.schemas import In, Out, RecordId

#: the competencies assessed for each grade (6 for grade 4, 5 for grade 5), in report order
COMPETENCIES: dict[int, tuple[tuple[str, str], ...]] = {
    4: (("policy_planning", "정책기획"), ("performance_management", "성과관리"),
        ("organisation_management", "조직관리"), ("stakeholder_coordination", "이해관계조정"),
        ("communication", "의사소통"), ("motivation", "동기부여")),
    5: (("planning", "기획력"), ("logical_thinking", "논리적 사고"),
        ("situational_judgement", "상황판단"), ("communication", "의사소통"),
        ("coordination", "조정·통합")),
}  # fmt: skip
#: the default pass mark: the mean of the competency means, out of 5
PASS_MARK = Decimal("2.50")
Score = Annotated[Decimal, Field(ge=1, le=5, multiple_of=Decimal("0.5"),
                                 description="1.0 to 5.0 in half points")]  # fmt: skip


class RoundPath(In):
    round_id: RecordId


class RoundIn(In):
    name: str = Field(min_length=1, max_length=200)
    grade: Literal[4, 5]
    held_on: date
    pass_mark: Decimal = Field(default=PASS_MARK, ge=1, le=5, decimal_places=2)
    prep_cohort_id: RecordId | None = None


class RoundOut(Out):
    id: int
    name: str
    grade: int
    held_on: date
    pass_mark: Decimal
    prep_cohort_id: int | None
    competencies: list[str]
    created_at: datetime


class CandidateIn(In):
    user_id: RecordId
    org_unit: str | None = Field(default=None, max_length=100)


class CandidateOut(Out):
    id: int
    round_id: int
    user_id: int
    org_unit: str | None


class AssessorIn(In):
    name: str = Field(min_length=1, max_length=100)


class AssessorOut(Out):
    id: int
    round_id: int
    name: str


class ScoreIn(In):
    candidate_id: RecordId
    assessor_id: RecordId
    competency: str = Field(min_length=1, max_length=40)
    score: Score


class ScoreOut(Out):
    id: int
    candidate_id: int
    assessor_id: int
    competency: str
    score: Decimal


class CompetencyResult(Out):
    competency: str
    name_ko: str
    mean: Decimal | None  # None: no assessor has scored it yet (no data, not 0)
    scores: int


class PrepAttendance(Out):
    """The prep course's classes held so far and how many of them the candidate joined."""

    cohort_id: int
    sessions_held: int
    sessions_attended: int


class ResultOut(Out):
    candidate_id: int
    user_id: int
    org_unit: str | None
    competencies: list[CompetencyResult]
    overall: Decimal | None  # the mean of the competency means; None until all are scored
    outcome: Literal["pass", "fail", "incomplete"]
    prep: PrepAttendance | None


class PeopleQuery(In):
    q: str = Field(min_length=1, max_length=100, description="part of a name or log-in")


class PersonOut(Out):
    """An official who may be added as a candidate (the page picks people by name or log-in)."""

    id: int
    login: str
    name: str
    org_unit: str | None
    grade: str | None


class SheetCandidate(Out):
    id: int
    user_id: int
    login: str
    name: str
    org_unit: str | None


class SheetOut(Out):
    """A round with its candidates (named), assessors and every score given so far: what the
    page's score grid shows."""

    round: RoundOut
    candidates: list[SheetCandidate]
    assessors: list[AssessorOut]
    scores: list[ScoreOut]
