"""The shape every report has, whatever package computes it.

A cell is a number, a text, a ``Marker`` (a figure that does not apply, such as the runs of an
always-open e-learning course, 상시) or ``None``: "no data". ``None`` is never shown as 0 or 0%:
the council was once shown a satisfaction of 0 that only meant "not known yet".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from server.core.auth.roles import STAFF, Role
from server.core.clock import SEOUL


class Kind(StrEnum):
    """How a column's values are shown: counts, percentages (one decimal), scores such as a
    5-point mean (two decimals), or text."""

    INT = "int"
    PERCENT = "percent"
    SCORE = "score"
    TEXT = "text"
    #: money held in won, shown in thousand won (천원, half up) with △ for a decrease
    THOUSAND_WON = "thousand_won"
    #: a percentage change, one decimal, with △ for a decrease (증감률)
    CHANGE_PERCENT = "change_percent"


class Level(StrEnum):
    """A row's place in the table, so renderers can set totals apart."""

    TOTAL = "total"
    SUBTOTAL = "subtotal"
    ROW = "row"


class Marker(StrEnum):
    """A figure that does not apply (as opposed to one that is not known)."""

    ALWAYS_OPEN = "always_open"  # 상시: e-learning has no runs


MARKER_LABELS: Mapping[Marker, tuple[str, str]] = {Marker.ALWAYS_OPEN: ("상시", "always open")}
NO_DATA = ("자료 없음", "no data")

Cell = int | Decimal | str | None
"""A cell's value; a ``Marker`` is a ``str`` subclass and is told apart by ``isinstance``."""


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title_ko: str
    title_en: str
    kind: Kind


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a report; ``key`` is stable across runs, so frozen reports can be diffed."""

    key: str
    level: Level
    cells: Mapping[str, Cell]


@dataclass(frozen=True, slots=True)
class Note:
    ko: str
    en: str


@dataclass(frozen=True, slots=True)
class Viewer:
    """Whose records a scoped run may count: a trainee's own, or the classes one teaches."""

    user_id: int
    teaches: bool  # True: classes the person is staff of; False: the person's own records


@dataclass(frozen=True, slots=True)
class Parameters:
    """What a report is run for: the year and the date the records are counted up to, and
    for people other than admins and operators, whose records (``viewer``)."""

    year: int
    as_of: date
    viewer: Viewer | None = None


@dataclass(frozen=True, slots=True)
class Report:
    name: str
    title_ko: str
    title_en: str
    parameters: Parameters
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    notes: tuple[Note, ...] = ()
    #: the first column's header in CSV and XLSX (Korean, English), when the row key means
    #: something to a reader (a login in a cohort's completion export); else "key"
    key_title: tuple[str, str] | None = None

    @property
    def as_of(self) -> date:
        return self.parameters.as_of


ReportFunction = Callable[[AsyncSession, Parameters], Awaitable[Report]]


@dataclass(frozen=True, slots=True)
class ChangedRecord:
    """A record changed since a freeze, named in the report's own words, with the rows it feeds."""

    label: str
    row_keys: tuple[str, ...]


RecordLocator = Callable[[AsyncSession, str, str], Awaitable[ChangedRecord | None]]
"""(session, table, record id) -> what the record is and which rows it feeds (None: unknown)."""


@dataclass(frozen=True, slots=True)
class ReportSpec:
    """A registered report: how to run it, who may read it, which tables it reads."""

    name: str
    title_ko: str
    title_en: str
    run: ReportFunction
    readers: frozenset[Role] = field(default_factory=lambda: STAFF)
    #: roles that may run it on their own records only (instructors: their classes; trainees:
    #: themselves); the report function must honour ``Parameters.viewer``
    scoped_readers: frozenset[Role] = frozenset()
    sources: tuple[str, ...] = ()
    locate: RecordLocator | None = None


def period(parameters: Parameters) -> tuple[datetime, datetime]:
    """The UTC instants a report counts: from 1 January of its year to the end of its as-of day,
    both in Asia/Seoul (the institute's day)."""
    start = datetime.combine(date(parameters.year, 1, 1), time(0), tzinfo=SEOUL)
    end = datetime.combine(parameters.as_of + timedelta(days=1), time(0), tzinfo=SEOUL)
    return start.astimezone(UTC), end.astimezone(UTC)
