"""plan revision history

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_revisions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "course_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("offered_before", sa.Boolean(), nullable=True),
        sa.Column("runs_before", sa.Integer(), nullable=True),
        sa.Column("people_before", sa.Integer(), nullable=True),
        sa.Column("offered_after", sa.Boolean(), nullable=False),
        sa.Column("runs_after", sa.Integer(), nullable=True),
        sa.Column("people_after", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("author_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_plan_revisions_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_plan_revisions_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_revisions")),
    )
    with op.batch_alter_table("plan_revisions", schema=None) as batch_op:
        batch_op.create_index("ix_plan_revisions_course_id_id", ["course_id", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_plan_revisions_author_id"), ["author_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("plan_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_revisions_author_id"))
        batch_op.drop_index("ix_plan_revisions_course_id_id")
    op.drop_table("plan_revisions")
