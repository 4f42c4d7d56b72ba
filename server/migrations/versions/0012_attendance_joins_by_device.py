"""attendance joins by device

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 14:29:14.752618
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attendance_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attendance_kind_session_user_device",
            ["kind", "class_session_id", "user_id", "device_class"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("attendance_events", schema=None) as batch_op:
        batch_op.drop_index("ix_attendance_kind_session_user_device")
