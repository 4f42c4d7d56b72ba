"""course reports and frozen reports

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 13:55:00.000000

Enrolments get the time a completion was recorded (reports count completions up to their as-of
date); frozen reports get their table, and database triggers that refuse any UPDATE or DELETE
of a frozen report on SQLite and PostgreSQL alike.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

PG_FUNCTION = """
CREATE FUNCTION frozen_reports_never_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'frozen reports never change';
END;
$$ LANGUAGE plpgsql
"""
PG_TRIGGER = """
CREATE TRIGGER frozen_reports_never_change BEFORE UPDATE OR DELETE ON frozen_reports
FOR EACH ROW EXECUTE FUNCTION frozen_reports_never_change()
"""
SQLITE_TRIGGERS = [
    f"""
CREATE TRIGGER frozen_reports_no_{what} BEFORE {what.upper()} ON frozen_reports
BEGIN
    SELECT RAISE(ABORT, 'frozen reports never change');
END
"""
    for what in ("update", "delete")
]


def upgrade() -> None:
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "frozen_reports",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("author_id", ID, nullable=False),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("audit_mark", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_frozen_reports_author_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frozen_reports")),
    )
    with op.batch_alter_table("frozen_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_frozen_reports_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_frozen_reports_name"), ["name"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS frozen_reports_never_change ON frozen_reports")
        op.execute("DROP FUNCTION IF EXISTS frozen_reports_never_change()")
    else:
        op.execute("DROP TRIGGER IF EXISTS frozen_reports_no_update")
        op.execute("DROP TRIGGER IF EXISTS frozen_reports_no_delete")
    with op.batch_alter_table("frozen_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_frozen_reports_name"))
        batch_op.drop_index(batch_op.f("ix_frozen_reports_author_id"))
    op.drop_table("frozen_reports")

    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_column("completed_at")
