"""Budget tables: lines per fiscal year, and append-only amendments, ledger entries, forecasts.

Nothing here is ever updated or deleted: a line's current budget (예산현액) is its original
amount plus the amendments dated up to a day, and its commitments (원인행위) and expenditures
(지출액) are sums of ledger entries; a mistake is fixed by a correction entry that names the
entry it corrects and why. That is what lets the execution report be run "as of" any date and
still say the same thing it said then. Money is integer won (BigInteger: 15.5 billion won a
year does not fit in 32 bits).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core.audit import Audited
from server.core.db import Base, IdType, UTCDateTime

Money = BigInteger()


class LineKind(StrEnum):
    """A line's place in the hierarchy: 합계 → 사업예산(계) / 행정운영경비(계) → 단위사업 → 사업."""

    TOTAL = "total"
    PROGRAMME = "programme"
    UNIT = "unit"
    LINE = "line"


class AmendmentKind(StrEnum):
    SUPPLEMENTARY = "supplementary"  # 추경: the council changed the appropriation
    TRANSFER = "transfer"  # 전용/이용: moved between lines (two rows, one each side)


class EntryKind(StrEnum):
    COMMITMENT = "commitment"  # 원인행위
    EXPENDITURE = "expenditure"  # 지출


class BudgetLine(Audited, Base):
    """One line of one fiscal year; ``code`` is the same across years (year-on-year rows)."""

    __tablename__ = "budget_lines"
    __table_args__ = (UniqueConstraint("year", "code"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    code: Mapped[str] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("budget_lines.id"))
    kind: Mapped[str] = mapped_column(String(16))
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    sort: Mapped[int] = mapped_column(Integer, default=0)
    original_won: Mapped[int] = mapped_column(Money, default=0)  # 본예산; leaves only
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )


class BudgetAmendment(Audited, Base):
    """A change to a line's budget from a date: a supplementary budget or one side of a
    transfer (``counter_line_id`` the other side; ``transfer_key`` ties the two rows)."""

    __tablename__ = "budget_amendments"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    line_id: Mapped[int] = mapped_column(IdType, ForeignKey("budget_lines.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    effective_on: Mapped[date] = mapped_column(Date)
    amount_won: Mapped[int] = mapped_column(Money)  # signed: a cut or the giving side < 0
    counter_line_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("budget_lines.id"))
    transfer_key: Mapped[str | None] = mapped_column(String(32), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )


class LedgerEntry(Audited, Base):
    """A commitment or an expenditure on a line, or a correction of one (``corrects_id``).

    Ordinary entries are positive; only a correction may be negative, and never below what
    the entry it corrects still holds. ``source_key`` makes postings from other modules
    idempotent (an instructor's fee for a session posts once however often it is posted).
    """

    __tablename__ = "budget_ledger_entries"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    line_id: Mapped[int] = mapped_column(IdType, ForeignKey("budget_lines.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    entry_on: Mapped[date] = mapped_column(Date)
    amount_won: Mapped[int] = mapped_column(Money)
    counterparty: Mapped[str | None] = mapped_column(String(200))
    memo: Mapped[str | None] = mapped_column(String(500))
    course_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("courses.id"))
    cohort_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("cohorts.id"))
    class_session_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("class_sessions.id"))
    instructor_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("instructors.id"))
    corrects_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("budget_ledger_entries.id"), index=True
    )
    reason: Mapped[str | None] = mapped_column(String(500))
    source_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )


class BudgetForecast(Audited, Base):
    """The year-end figure a line is expected to spend, as entered on a day (newest counts)."""

    __tablename__ = "budget_forecasts"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    line_id: Mapped[int] = mapped_column(IdType, ForeignKey("budget_lines.id"), index=True)
    forecast_on: Mapped[date] = mapped_column(Date)
    amount_won: Mapped[int] = mapped_column(Money)
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )


class CourseBudgetLine(Audited, Base):
    """Which line pays for a course (its instructors' fees and other costs); the newest
    mapping counts, earlier ones stay as history."""

    __tablename__ = "budget_course_lines"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    course_id: Mapped[int] = mapped_column(IdType, ForeignKey("courses.id"), index=True)
    line_id: Mapped[int] = mapped_column(IdType, ForeignKey("budget_lines.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
