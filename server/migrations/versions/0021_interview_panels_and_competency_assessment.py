"""interview panels and competency assessment

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 17:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.core.db

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exam_panel_assignments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("input_hash", sa.String(length=64), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("pool", sa.JSON(), nullable=False),
        sa.Column("panels", sa.JSON(), nullable=False),
        sa.Column("loads", sa.JSON(), nullable=False),
        sa.Column("max_assignments", sa.Integer(), nullable=False),
        sa.Column("min_assignments", sa.Integer(), nullable=False),
        sa.Column("created_at", server.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_exam_panel_assignments_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_panel_assignments")),
    )
    with op.batch_alter_table("exam_panel_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exam_panel_assignments_input_hash"), ["input_hash"], unique=False
        )

    op.create_table(
        "exam_panel_members",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("org_unit", sa.String(length=100), nullable=True),
        sa.Column("job_series", sa.String(length=50), nullable=True),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("retired_on", sa.Date(), nullable=True),
        sa.Column("relations", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", server.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_exam_panel_members_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_panel_members")),
    )
    with op.batch_alter_table("exam_panel_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exam_panel_members_kind"), ["kind"], unique=False)

    op.create_table(
        "exam_panel_reads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", server.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("what", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_exam_panel_reads_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_panel_reads")),
    )
    with op.batch_alter_table("exam_panel_reads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exam_panel_reads_actor_id"), ["actor_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_exam_panel_reads_at"), ["at"], unique=False)

    op.create_table(
        "exam_competency_rounds",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("pass_mark", sa.Numeric(precision=3, scale=2), nullable=False),
        sa.Column(
            "prep_cohort_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", server.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_exam_competency_rounds_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["prep_cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_exam_competency_rounds_prep_cohort_id_cohorts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_competency_rounds")),
    )
    op.create_table(
        "exam_competency_assessors",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("round_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["exam_competency_rounds.id"],
            name=op.f("fk_exam_competency_assessors_round_id_exam_competency_rounds"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_competency_assessors")),
    )
    with op.batch_alter_table("exam_competency_assessors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exam_competency_assessors_round_id"), ["round_id"], unique=False
        )

    op.create_table(
        "exam_competency_candidates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("round_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_unit", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["exam_competency_rounds.id"],
            name=op.f("fk_exam_competency_candidates_round_id_exam_competency_rounds"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_exam_competency_candidates_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_competency_candidates")),
        sa.UniqueConstraint(
            "round_id", "user_id", name=op.f("uq_exam_competency_candidates_round_id")
        ),
    )
    with op.batch_alter_table("exam_competency_candidates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exam_competency_candidates_round_id"), ["round_id"], unique=False
        )

    op.create_table(
        "exam_competency_scores",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("round_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "candidate_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "assessor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("competency", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Numeric(precision=2, scale=1), nullable=False),
        sa.Column("scored_at", server.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("scored_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessor_id"],
            ["exam_competency_assessors.id"],
            name=op.f("fk_exam_competency_scores_assessor_id_exam_competency_assessors"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["exam_competency_candidates.id"],
            name=op.f("fk_exam_competency_scores_candidate_id_exam_competency_candidates"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["exam_competency_rounds.id"],
            name=op.f("fk_exam_competency_scores_round_id_exam_competency_rounds"),
        ),
        sa.ForeignKeyConstraint(
            ["scored_by"],
            ["users.id"],
            name=op.f("fk_exam_competency_scores_scored_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_competency_scores")),
        sa.UniqueConstraint(
            "candidate_id",
            "assessor_id",
            "competency",
            name=op.f("uq_exam_competency_scores_candidate_id"),
        ),
    )
    with op.batch_alter_table("exam_competency_scores", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exam_competency_scores_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_exam_competency_scores_round_id"), ["round_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("exam_competency_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_competency_scores_round_id"))
        batch_op.drop_index(batch_op.f("ix_exam_competency_scores_candidate_id"))

    op.drop_table("exam_competency_scores")
    with op.batch_alter_table("exam_competency_candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_competency_candidates_round_id"))

    op.drop_table("exam_competency_candidates")
    with op.batch_alter_table("exam_competency_assessors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_competency_assessors_round_id"))

    op.drop_table("exam_competency_assessors")
    op.drop_table("exam_competency_rounds")
    with op.batch_alter_table("exam_panel_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_panel_reads_at"))
        batch_op.drop_index(batch_op.f("ix_exam_panel_reads_actor_id"))

    op.drop_table("exam_panel_reads")
    with op.batch_alter_table("exam_panel_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_panel_members_kind"))

    op.drop_table("exam_panel_members")
    with op.batch_alter_table("exam_panel_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_panel_assignments_input_hash"))

    op.drop_table("exam_panel_assignments")
