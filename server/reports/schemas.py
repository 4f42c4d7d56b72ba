"""Reports in and out: the query of a run, a freeze's body, frozen copies and diffs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, Self

from pydantic import Field, model_validator

from server.core.schemas import In, Out, PageQuery, RecordId

ReportFormat = Literal["json", "csv", "xlsx", "pdf"]


class _Run(In):
    year: int = Field(ge=2000, le=2100, description="the plan year")
    as_of: date | None = Field(
        default=None,
        description="count records up to this day (Asia/Seoul); default today, or the year's "
        "last day for a past year",
    )

    @model_validator(mode="after")
    def _as_of_in_or_after_year(self) -> Self:
        if self.as_of is not None and self.as_of < date(self.year, 1, 1):
            raise ValueError("as_of must not be before the year it reports on")
        return self


class ReportQuery(_Run):
    format: ReportFormat = Field(
        default="json",
        description="json; csv (UTF-8 with a BOM); xlsx (a workbook); pdf (for filing and print)",
    )


class FreezeIn(_Run):
    pass


class ReportPath(In):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")


class FrozenPath(In):
    frozen_id: RecordId


class FrozenQuery(PageQuery):
    name: str | None = Field(default=None, max_length=64, description="one report's freezes")


class ReportInfo(Out):
    name: str
    title_ko: str
    title_en: str


class FrozenSummary(Out):
    id: int
    name: str
    year: int
    as_of: date
    parameters: dict[str, Any]
    author_id: int
    frozen_at: datetime
    content_sha256: str


class FrozenOut(FrozenSummary):
    content: dict[str, Any] = Field(description="the report as it was frozen (JSON form)")
    content_intact: bool = Field(description="the stored hash re-checked against the content")


class CellChangeOut(Out):
    column: str
    old: Any
    new: Any


class RowChangeOut(Out):
    key: str
    cells: list[CellChangeOut]


class ChangedRecordOut(Out):
    entity: str = Field(description="table")
    entity_id: str
    action: str = Field(description="create | update | delete")
    at: datetime
    actor_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    label: str = Field(description="the record in the report's words")
    row_keys: list[str] = Field(description="report rows the record feeds")


class DiffOut(Out):
    frozen: FrozenSummary
    identical: bool
    current_sha256: str
    rows_added: list[str]
    rows_removed: list[str]
    rows_changed: list[RowChangeOut]
    changed_records: list[ChangedRecordOut] = Field(
        description="audit-log changes since the freeze to the tables the report reads, oldest "
        "first (at most 200)"
    )
    changed_records_total: int
