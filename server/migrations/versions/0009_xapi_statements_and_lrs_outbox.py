"""xapi statements and lrs outbox

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 13:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lrs_outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("statement", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lrs_outbox")),
        sa.UniqueConstraint("statement_id", name=op.f("uq_lrs_outbox_statement_id")),
    )
    with op.batch_alter_table("lrs_outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lrs_outbox_due", ["sent_at", "next_attempt_at", "id"], unique=False
        )

    op.create_table(
        "elearning_progress",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "course_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("progress", sa.Float(), nullable=True),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("score_scaled", sa.Float(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_elearning_progress_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_elearning_progress_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elearning_progress")),
        sa.UniqueConstraint("user_id", "course_id", name=op.f("uq_elearning_progress_user_id")),
    )
    with op.batch_alter_table("elearning_progress", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_elearning_progress_course_id"), ["course_id"], unique=False
        )

    op.create_table(
        "xapi_statements",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("verb_id", sa.String(length=500), nullable=False),
        sa.Column("activity_id", sa.String(length=500), nullable=False),
        sa.Column("actor_key", sa.String(length=600), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("course_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stored", sa.DateTime(timezone=True), nullable=False),
        sa.Column("statement", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_xapi_statements_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_xapi_statements_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_statements")),
        sa.UniqueConstraint("statement_id", name=op.f("uq_xapi_statements_statement_id")),
    )
    with op.batch_alter_table("xapi_statements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_xapi_statements_course_user", ["course_id", "user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("xapi_statements", schema=None) as batch_op:
        batch_op.drop_index("ix_xapi_statements_course_user")

    op.drop_table("xapi_statements")
    with op.batch_alter_table("elearning_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_elearning_progress_course_id"))

    op.drop_table("elearning_progress")
    with op.batch_alter_table("lrs_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_lrs_outbox_due")

    op.drop_table("lrs_outbox")
