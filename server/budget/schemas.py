"""What goes in and out of the budget routes. Money is integer won everywhere."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field, model_validator

from server.budget.models import AmendmentKind, EntryKind, LineKind
from server.core.schemas import In, Out, RecordId

#: a won amount a person enters: positive, up to a trillion won (the institute's year is ~15bn)
Won = Annotated[int, Field(ge=1, le=10**12, description="integer won, positive")]
#: a signed won amount (an amendment or a correction may reduce)
SignedWon = Annotated[int, Field(ge=-(10**12), le=10**12, description="integer won, signed")]
Year = Annotated[int, Field(ge=2000, le=2100)]
Reason = Annotated[str, Field(min_length=1, max_length=500)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9\-_.]*$")]


class YearQuery(In):
    year: Year
    as_of: date | None = Field(default=None, description="count records dated up to this day")


class LinePath(In):
    line_id: RecordId


class EntryPath(In):
    entry_id: RecordId


class LineCreate(In):
    year: Year
    code: Code
    parent_id: RecordId | None = None
    kind: LineKind
    name_ko: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    sort: int = Field(default=0, ge=0, le=10_000)
    original_won: int = Field(default=0, ge=0, le=10**12, description="본예산; leaf lines only")


class LineOut(Out):
    """A line with its figures as of a day; parents sum their children."""

    id: int
    year: int
    code: str
    parent_id: int | None
    kind: LineKind
    depth: int
    name_ko: str
    name_en: str
    leaf: bool
    original_won: int
    budget_won: int
    commitments_won: int | None
    expenditures_won: int | None
    commitment_rate: Decimal | None
    expenditure_rate: Decimal | None
    forecast_won: int | None
    forecast_rate: Decimal | None


class AmendmentCreate(In):
    """A supplementary budget (signed amount on this line) or a transfer of a positive amount
    from this line to ``to_line_id``."""

    kind: AmendmentKind
    effective_on: date
    amount_won: SignedWon
    reason: Reason
    to_line_id: RecordId | None = None

    @model_validator(mode="after")
    def _shape(self) -> AmendmentCreate:
        if self.amount_won == 0:
            raise ValueError("amount_won must not be 0")
        if self.kind is AmendmentKind.TRANSFER:
            if self.to_line_id is None:
                raise ValueError("a transfer needs to_line_id")
            if self.amount_won < 0:
                raise ValueError("a transfer moves a positive amount to to_line_id")
        elif self.to_line_id is not None:
            raise ValueError("to_line_id is for transfers only")
        return self


class AmendmentOut(Out):
    id: int
    line_id: int
    kind: AmendmentKind
    effective_on: date
    amount_won: int
    counter_line_id: int | None
    reason: str
    created_at: datetime
    created_by: int | None


class EntryCreate(In):
    kind: EntryKind
    entry_on: date
    amount_won: Won
    counterparty: str | None = Field(default=None, max_length=200)
    memo: str | None = Field(default=None, max_length=500)
    course_id: RecordId | None = None
    cohort_id: RecordId | None = None
    class_session_id: RecordId | None = None
    instructor_id: RecordId | None = None


class CorrectionCreate(In):
    """A signed change to an entry (never an edit): what it should have been minus what it is."""

    entry_on: date
    amount_won: SignedWon
    reason: Reason

    @model_validator(mode="after")
    def _not_zero(self) -> CorrectionCreate:
        if self.amount_won == 0:
            raise ValueError("amount_won must not be 0")
        return self


class EntryOut(Out):
    id: int
    line_id: int
    kind: EntryKind
    entry_on: date
    amount_won: int
    counterparty: str | None
    memo: str | None
    course_id: int | None
    cohort_id: int | None
    class_session_id: int | None
    instructor_id: int | None
    corrects_id: int | None
    reason: str | None
    source_key: str | None
    created_at: datetime
    created_by: int | None


class ForecastCreate(In):
    forecast_on: date
    amount_won: int = Field(ge=0, le=10**12)
    note: str | None = Field(default=None, max_length=500)


class ForecastOut(Out):
    id: int
    line_id: int
    forecast_on: date
    amount_won: int
    note: str | None
    created_at: datetime
    created_by: int | None


class CourseLineCreate(In):
    course_id: RecordId
    line_id: RecordId


class CourseLineOut(Out):
    id: int
    course_id: int
    line_id: int
    created_at: datetime
    created_by: int | None


class FeePostingCreate(In):
    date_from: date
    date_to: date

    @model_validator(mode="after")
    def _order(self) -> FeePostingCreate:
        if self.date_to < self.date_from:
            raise ValueError("date_to is before date_from")
        if (self.date_to - self.date_from).days > 366:
            raise ValueError("post at most a year at a time")
        return self


class FeePostingOut(Out):
    """What a posting did; a second run over the same days posts nothing new."""

    commitments_posted: int
    expenditures_posted: int
    adjustments_posted: int
    already_posted: int
    unknown_fee: int = Field(description="rows whose fee is not known (not posted, not as 0)")
    unmapped_course: int = Field(description="rows whose course has no budget line")
    posted_won: int


class CostOut(Out):
    """Spending per completed trainee: null when nobody has completed (or nothing is known)."""

    scope: str = Field(description="course or line")
    id: int
    name: str
    line_id: int | None
    expenditures_won: int
    completed: int
    per_completed_won: int | None


class CostQuery(YearQuery):
    pass
