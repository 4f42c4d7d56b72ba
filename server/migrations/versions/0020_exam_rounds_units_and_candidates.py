"""exam rounds units and candidates

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 17:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.core.db

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exam_rounds",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("created_at", server.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_rounds")),
        sa.UniqueConstraint("year", "kind", "number", name=op.f("uq_exam_rounds_year")),
    )
    with op.batch_alter_table("exam_rounds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exam_rounds_year"), ["year"], unique=False)

    op.create_table(
        "exam_subjects",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("round_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["exam_rounds.id"], name=op.f("fk_exam_subjects_round_id_exam_rounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_subjects")),
        sa.UniqueConstraint("round_id", "name", name=op.f("uq_exam_subjects_round_id")),
    )
    with op.batch_alter_table("exam_subjects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exam_subjects_round_id"), ["round_id"], unique=False)

    op.create_table(
        "exam_units",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("round_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("job_series", sa.String(length=64), nullable=False),
        sa.Column("grade", sa.String(length=32), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.Column("quota_disabled", sa.Integer(), nullable=True),
        sa.Column("quota_veterans", sa.Integer(), nullable=True),
        sa.Column("quota_highschool", sa.Integer(), nullable=True),
        sa.Column("applicants", sa.Integer(), nullable=True),
        sa.Column("sat", sa.Integer(), nullable=True),
        sa.Column("written_passed", sa.Integer(), nullable=True),
        sa.Column("interviewed", sa.Integer(), nullable=True),
        sa.Column("final_passed", sa.Integer(), nullable=True),
        sa.Column("final_residents", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"], ["exam_rounds.id"], name=op.f("fk_exam_units_round_id_exam_rounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_units")),
        sa.UniqueConstraint("round_id", "code", name=op.f("uq_exam_units_round_id")),
    )
    with op.batch_alter_table("exam_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exam_units_round_id"), ["round_id"], unique=False)

    op.create_table(
        "exam_candidates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("exam_no", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("residence", sa.String(length=32), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("veteran", sa.Boolean(), nullable=False),
        sa.Column("highschool", sa.Boolean(), nullable=False),
        sa.Column("sat", sa.Boolean(), nullable=True),
        sa.Column("written_passed", sa.Boolean(), nullable=True),
        sa.Column("interviewed", sa.Boolean(), nullable=True),
        sa.Column("final_passed", sa.Boolean(), nullable=True),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", server.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["exam_units.id"], name=op.f("fk_exam_candidates_unit_id_exam_units")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_exam_candidates_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_candidates")),
        sa.UniqueConstraint("unit_id", "exam_no", name=op.f("uq_exam_candidates_unit_id")),
    )
    with op.batch_alter_table("exam_candidates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exam_candidates_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "exam_question_errors",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("question_no", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("cause", sa.String(length=500), nullable=False),
        sa.Column("action", sa.String(length=500), nullable=True),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["exam_subjects.id"],
            name=op.f("fk_exam_question_errors_subject_id_exam_subjects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_question_errors")),
        sa.UniqueConstraint(
            "subject_id", "question_no", name=op.f("uq_exam_question_errors_subject_id")
        ),
    )
    with op.batch_alter_table("exam_question_errors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exam_question_errors_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "exam_stage_schedules",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("starts_at", server.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", server.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["exam_units.id"], name=op.f("fk_exam_stage_schedules_unit_id_exam_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_stage_schedules")),
        sa.UniqueConstraint("unit_id", "stage", name=op.f("uq_exam_stage_schedules_unit_id")),
    )
    with op.batch_alter_table("exam_stage_schedules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exam_stage_schedules_unit_id"), ["unit_id"], unique=False
        )

    op.create_table(
        "exam_stage_scores",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "candidate_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["exam_candidates.id"],
            name=op.f("fk_exam_stage_scores_candidate_id_exam_candidates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_stage_scores")),
        sa.UniqueConstraint(
            "candidate_id", "stage", name=op.f("uq_exam_stage_scores_candidate_id")
        ),
    )
    with op.batch_alter_table("exam_stage_scores", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exam_stage_scores_candidate_id"), ["candidate_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("exam_stage_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_stage_scores_candidate_id"))

    op.drop_table("exam_stage_scores")
    with op.batch_alter_table("exam_stage_schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_stage_schedules_unit_id"))

    op.drop_table("exam_stage_schedules")
    with op.batch_alter_table("exam_question_errors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_question_errors_subject_id"))

    op.drop_table("exam_question_errors")
    with op.batch_alter_table("exam_candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_candidates_unit_id"))

    op.drop_table("exam_candidates")
    with op.batch_alter_table("exam_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_units_round_id"))

    op.drop_table("exam_units")
    with op.batch_alter_table("exam_subjects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_subjects_round_id"))

    op.drop_table("exam_subjects")
    with op.batch_alter_table("exam_rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_rounds_year"))

    op.drop_table("exam_rounds")
