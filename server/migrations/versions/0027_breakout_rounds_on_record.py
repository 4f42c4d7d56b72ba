"""breakout rounds on record: the plan, the warnings and the last countdown, so a round
can be put back in the live state from the record after Redis lost it

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("breakout_rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closing_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("warnings", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("plan", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("breakout_rounds", schema=None) as batch_op:
        batch_op.drop_column("plan")
        batch_op.drop_column("warnings")
        batch_op.drop_column("closing_at")
