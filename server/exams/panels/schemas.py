"""What goes in and out of the panel routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, model_validator

from server.core.schemas import In, Out, RecordId
from server.exams.panels.solver import MemberKind
from server.exams.schemas import ReadOut as ReadOut  # the one exam read log

Ref = Annotated[str, Field(min_length=1, max_length=64)]
Name = Annotated[str, Field(min_length=1, max_length=100)]


class MemberPath(In):
    member_id: RecordId


class AssignmentPath(In):
    assignment_id: RecordId


class MemberIn(In):
    """A pool member. Serving officials need ``grade`` (4 or 5) and ``job_series``; retired
    officials need ``retired_on``; neither field is taken for another kind."""

    name: Name
    kind: MemberKind
    org_unit: str | None = Field(default=None, max_length=100)
    job_series: str | None = Field(default=None, min_length=1, max_length=50)
    grade: Literal[4, 5] | None = None
    retired_on: date | None = None
    relations: list[Ref] = Field(
        default_factory=list,
        max_length=200,
        description="candidate refs the member declared relations to",
    )
    active: bool = True

    @model_validator(mode="after")
    def _fields_of_the_kind(self) -> MemberIn:
        serving = self.kind is MemberKind.SERVING_OFFICIAL
        retired = self.kind is MemberKind.RETIRED_OFFICIAL
        if serving != (self.grade is not None) or serving != (self.job_series is not None):
            raise ValueError("grade and job_series are for serving officials, and required")
        if retired != (self.retired_on is not None):
            raise ValueError("retired_on is for retired officials, and required")
        return self


class MemberOut(Out):
    id: int
    name: str
    kind: MemberKind
    org_unit: str | None
    job_series: str | None
    grade: int | None
    retired_on: date | None
    relations: list[str]
    active: bool
    created_at: datetime
    created_by: int | None


class CandidateIn(In):
    ref: Ref
    org_unit: str | None = Field(default=None, max_length=100)
    related_member_ids: list[RecordId] = Field(
        default_factory=list, max_length=200, description="members the candidate declared"
    )


class SlotIn(In):
    ref: Ref
    label: str = Field(min_length=1, max_length=100, description='the unit, e.g. "행정 7급"')
    job_series: str = Field(min_length=1, max_length=50)
    starts_at: AwareDatetime
    candidates: list[CandidateIn] = Field(default_factory=list, max_length=100)


class AssignmentIn(In):
    label: str = Field(min_length=1, max_length=200)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    slots: list[SlotIn] = Field(min_length=1, max_length=5000)

    @model_validator(mode="after")
    def _unique_refs(self) -> AssignmentIn:
        if len({s.ref for s in self.slots}) != len(self.slots):
            raise ValueError("slot refs must be unique")
        return self


class PanelOut(Out):
    slot_ref: str
    label: str
    starts_at: datetime
    candidates: list[str]
    outside_expert_id: int
    retired_official_id: int
    serving_official_id: int


class LoadOut(Out):
    member_id: int
    name: str
    kind: MemberKind
    assignments: int


class AssignmentSummary(Out):
    id: int
    label: str
    round_id: int | None = Field(description="the exam round the slots came from, if any")
    seed: int
    input_hash: str
    max_assignments: int
    min_assignments: int
    created_at: datetime
    created_by: int | None


class AssignmentOut(AssignmentSummary):
    """The panels by time, and every pool member's load (the spread is min..max of these)."""

    panels: list[PanelOut]
    loads: list[LoadOut]
