"""chat retry keys

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """A chat message's retry key: one row per (class, sender, key), NULLs never clash."""
    with op.batch_alter_table("class_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_class_events_class_session_id"),
            ["class_session_id", "actor_id", "request_key"],
        )


def downgrade() -> None:
    with op.batch_alter_table("class_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_class_events_class_session_id"), type_="unique")
        batch_op.drop_column("request_key")
