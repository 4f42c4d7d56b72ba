"""breakout rounds on record: the warnings already given before the round's current end, so a
round put back from the record after Redis lost it does not give them again

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("breakout_rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("warned", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("breakout_rounds", schema=None) as batch_op:
        batch_op.drop_column("warned")
