"""records performance: indexes the completion report reads alone, in the order it groups

- enrolments (cohort_id, status, completed_at): by cohort, without visiting a row;
- enrolments (user_id, cohort_id, status, completed_at): by person, in person order (no sort);
- attendance_events (kind, user_id, device_class, class_session_id): joins by person and
  device in that order (no sort of 300,000 joins).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 16:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


INDEXES = (
    ("enrolments", "ix_enrolments_cohort_state", ["cohort_id", "status", "completed_at"]),
    ("enrolments", "ix_enrolments_user_state", ["user_id", "cohort_id", "status", "completed_at"]),
    ("attendance_events", "ix_attendance_kind_user_device",
     ["kind", "user_id", "device_class", "class_session_id"]),
)  # fmt: skip


def upgrade() -> None:
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    for table, name, _ in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
