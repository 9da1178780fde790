"""The inbox: claims on inbox entries with leases (file_claims), and where each loaded file was filed.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OUTCOMES = ("loaded", "duplicate", "rejected", "vanished", "released")  # schemas.vocab.ClaimOutcome, as of 0004


def upgrade() -> None:
    op.create_table(
        "file_claims",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("worker", sa.String(200), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("source_file_id", sa.Integer(), nullable=True),
        sa.Column("moved_to", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "outcome IN (" + ", ".join(repr(o) for o in OUTCOMES) + ")", name=op.f("ck_file_claims_outcome")
        ),
        sa.ForeignKeyConstraint(
            ["source_file_id"], ["source_files.id"], name=op.f("fk_file_claims_source_file_id_source_files")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_file_claims")),
    )
    with op.batch_alter_table("source_files") as batch:  # batch: SQLite's ALTER TABLE is limited
        batch.add_column(sa.Column("archived_path", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source_files") as batch:
        batch.drop_column("archived_path")
    op.drop_table("file_claims")
