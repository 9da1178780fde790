"""bookings.row_hash: a re-load finds the rows it restates unchanged in memory (empty for older rows).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows of a database made before it keep it empty: they are compared in the database until a
    # file writes them again.
    op.add_column("bookings", sa.Column("row_hash", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("bookings", "row_hash")
