"""budget lines amendments and ledger

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.core.db

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "budget_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("parent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name_ko", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.Column("original_won", sa.BigInteger(), nullable=False),
        sa.Column("created_at", server.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_budget_lines_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["budget_lines.id"], name=op.f("fk_budget_lines_parent_id_budget_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_lines")),
        sa.UniqueConstraint("year", "code", name=op.f("uq_budget_lines_year")),
    )
    op.create_index(op.f("ix_budget_lines_year"), "budget_lines", ["year"], unique=False)
    op.create_table(
        "budget_amendments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("amount_won", sa.BigInteger(), nullable=False),
        sa.Column(
            "counter_line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("transfer_key", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", server.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["counter_line_id"],
            ["budget_lines.id"],
            name=op.f("fk_budget_amendments_counter_line_id_budget_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_budget_amendments_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["budget_lines.id"], name=op.f("fk_budget_amendments_line_id_budget_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_amendments")),
    )
    op.create_index(
        op.f("ix_budget_amendments_line_id"), "budget_amendments", ["line_id"], unique=False
    )
    op.create_index(
        op.f("ix_budget_amendments_transfer_key"),
        "budget_amendments",
        ["transfer_key"],
        unique=False,
    )
    op.create_table(
        "budget_forecasts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("forecast_on", sa.Date(), nullable=False),
        sa.Column("amount_won", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", server.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_budget_forecasts_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["budget_lines.id"], name=op.f("fk_budget_forecasts_line_id_budget_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_forecasts")),
    )
    op.create_index(
        op.f("ix_budget_forecasts_line_id"), "budget_forecasts", ["line_id"], unique=False
    )
    op.create_table(
        "budget_course_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "course_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", server.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_budget_course_lines_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_budget_course_lines_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["budget_lines.id"],
            name=op.f("fk_budget_course_lines_line_id_budget_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_course_lines")),
    )
    op.create_index(
        op.f("ix_budget_course_lines_course_id"), "budget_course_lines", ["course_id"], unique=False
    )
    op.create_index(
        op.f("ix_budget_course_lines_line_id"), "budget_course_lines", ["line_id"], unique=False
    )
    op.create_table(
        "budget_ledger_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("entry_on", sa.Date(), nullable=False),
        sa.Column("amount_won", sa.BigInteger(), nullable=False),
        sa.Column("counterparty", sa.String(length=200), nullable=True),
        sa.Column("memo", sa.String(length=500), nullable=True),
        sa.Column("course_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("cohort_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "class_session_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "instructor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "corrects_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("source_key", sa.String(length=128), nullable=True),
        sa.Column("created_at", server.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["class_session_id"],
            ["class_sessions.id"],
            name=op.f("fk_budget_ledger_entries_class_session_id_class_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_budget_ledger_entries_cohort_id_cohorts")
        ),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["budget_ledger_entries.id"],
            name=op.f("fk_budget_ledger_entries_corrects_id_budget_ledger_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_budget_ledger_entries_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_budget_ledger_entries_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["instructor_id"],
            ["instructors.id"],
            name=op.f("fk_budget_ledger_entries_instructor_id_instructors"),
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["budget_lines.id"],
            name=op.f("fk_budget_ledger_entries_line_id_budget_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_ledger_entries")),
        sa.UniqueConstraint("source_key", name=op.f("uq_budget_ledger_entries_source_key")),
    )
    op.create_index(
        op.f("ix_budget_ledger_entries_corrects_id"),
        "budget_ledger_entries",
        ["corrects_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_budget_ledger_entries_line_id"), "budget_ledger_entries", ["line_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_budget_ledger_entries_line_id"), table_name="budget_ledger_entries")
    op.drop_index(op.f("ix_budget_ledger_entries_corrects_id"), table_name="budget_ledger_entries")
    op.drop_table("budget_ledger_entries")
    op.drop_index(op.f("ix_budget_course_lines_line_id"), table_name="budget_course_lines")
    op.drop_index(op.f("ix_budget_course_lines_course_id"), table_name="budget_course_lines")
    op.drop_table("budget_course_lines")
    op.drop_index(op.f("ix_budget_forecasts_line_id"), table_name="budget_forecasts")
    op.drop_table("budget_forecasts")
    op.drop_index(op.f("ix_budget_amendments_transfer_key"), table_name="budget_amendments")
    op.drop_index(op.f("ix_budget_amendments_line_id"), table_name="budget_amendments")
    op.drop_table("budget_amendments")
    op.drop_index(op.f("ix_budget_lines_year"), table_name="budget_lines")
    op.drop_table("budget_lines")
