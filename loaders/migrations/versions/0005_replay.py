"""Replay columns: source_files.replay_of and options, rejected_rows.source, unknown_status and replayed_in.

The rows quarantined before this revision get their unknown status label from their message
(the one place it was kept), so that `bookingest status-map unknown` and `replay` see them too.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

# The message sources/normalize.py wrote for an unknown label, up to this revision.
_UNKNOWN = re.compile(r"unknown status '(?P<label>.*)' for source (?P<source>[a-z_]+); ", re.DOTALL)


def upgrade() -> None:
    op.add_column("source_files", sa.Column("replay_of", sa.Integer()))
    op.add_column("source_files", sa.Column("options", sa.Text()))
    op.add_column("rejected_rows", sa.Column("source", sa.String(20)))
    op.add_column("rejected_rows", sa.Column("unknown_status", sa.Text()))
    op.add_column("rejected_rows", sa.Column("replayed_in", sa.Integer()))
    rejected = sa.table(
        "rejected_rows", sa.column("id", sa.Integer), sa.column("error", sa.Text),
        sa.column("source", sa.String), sa.column("unknown_status", sa.Text),
    )  # fmt: skip
    conn = op.get_bind()
    found = conn.execute(sa.select(rejected.c.id, rejected.c.error).where(rejected.c.error.like("unknown status %")))
    labels = [(row.id, m) for row in found if (m := _UNKNOWN.match(row.error))]
    for row_id, m in labels:
        conn.execute(
            sa.update(rejected)
            .where(rejected.c.id == row_id)
            .values(source=m["source"], unknown_status=m["label"])
        )  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("rejected_rows") as batch:
        for name in ("replayed_in", "unknown_status", "source"):
            batch.drop_column(name)
    with op.batch_alter_table("source_files") as batch:
        for name in ("options", "replay_of"):
            batch.drop_column(name)
