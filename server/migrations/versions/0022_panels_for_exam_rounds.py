"""interview panels for exam rounds (candidate org units)

Candidates get their current org unit (현 소속), a panel assignment the exam round it was built
from, and the panels' own read log is folded into the audit log, where the exams package logs
its reads (action ``read``, entity ``exam_candidates``, entity_id ``what:ref``): its rows are
copied there (count unknown) and the table dropped. Downgrade recreates the table and moves
the reads that are not the exams core's (``unit:``/``candidate:``) back into it.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.core.db

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("exam_candidates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("org_unit", sa.String(length=100), nullable=True))

    with op.batch_alter_table("exam_panel_assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("round_id", ID, nullable=True))
        batch_op.create_index(
            batch_op.f("ix_exam_panel_assignments_round_id"), ["round_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_exam_panel_assignments_round_id_exam_rounds"),
            "exam_rounds",
            ["round_id"],
            ["id"],
        )

    # the panels' reads join the exams read log (oldest first, so ids keep their order)
    op.execute(
        "INSERT INTO audit_log (at, actor_id, action, entity, entity_id, before, after, "
        "request_id) "
        "SELECT at, actor_id, 'read', 'exam_candidates', "
        "CASE WHEN ref IS NULL THEN what ELSE what || ':' || ref END, NULL, NULL, NULL "
        "FROM exam_panel_reads ORDER BY id"
    )
    with op.batch_alter_table("exam_panel_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_panel_reads_at"))
        batch_op.drop_index(batch_op.f("ix_exam_panel_reads_actor_id"))
    op.drop_table("exam_panel_reads")


def downgrade() -> None:
    op.create_table(
        "exam_panel_reads",
        sa.Column("id", ID, nullable=False),
        sa.Column("at", server.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", ID, nullable=True),
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

    audit = sa.table(
        "audit_log",
        sa.column("id", ID),
        sa.column("at", server.core.db.UTCDateTime(timezone=True)),
        sa.column("actor_id", ID),
        sa.column("action", sa.String),
        sa.column("entity", sa.String),
        sa.column("entity_id", sa.String),
    )
    reads = sa.table(
        "exam_panel_reads",
        sa.column("at", server.core.db.UTCDateTime(timezone=True)),
        sa.column("actor_id", ID),
        sa.column("what", sa.String),
        sa.column("ref", sa.String),
    )
    bind = op.get_bind()
    panel_reads = (
        sa.select(audit.c.id, audit.c.at, audit.c.actor_id, audit.c.entity_id)
        .where(
            audit.c.action == "read",
            audit.c.entity == "exam_candidates",
            sa.not_(audit.c.entity_id.like("unit:%")),
            sa.not_(audit.c.entity_id.like("candidate:%")),
        )
        .order_by(audit.c.id)
    )
    rows = bind.execute(panel_reads).all()
    moved = []
    for _id, at, actor_id, entity_id in rows:
        what, _, ref = entity_id.partition(":")
        moved.append({"at": at, "actor_id": actor_id, "what": what[:32], "ref": ref or None})
    if moved:
        bind.execute(sa.insert(reads), moved)
        bind.execute(sa.delete(audit).where(audit.c.id.in_([r[0] for r in rows])))

    with op.batch_alter_table("exam_panel_assignments", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_exam_panel_assignments_round_id_exam_rounds"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_exam_panel_assignments_round_id"))
        batch_op.drop_column("round_id")

    with op.batch_alter_table("exam_candidates", schema=None) as batch_op:
        batch_op.drop_column("org_unit")
