"""connection reports carry jitter (the server's own media quality samples)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("connection_reports") as batch:
        batch.add_column(sa.Column("jitter_ms", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("connection_reports") as batch:
        batch.drop_column("jitter_ms")
