"""stay_nights: v_stay_months kept as a table for the reports; the report views made again.

The table is loaders.analytics.stored's; v_stay_months and the views over it now carry each
stay's lead time.

Every booking is named stale: the first report computes the rows.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from loaders.analytics.views import drop_report_views_sql, report_views_sql
from loaders.dialects import dialect_of

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stay_nights",
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("sold", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Integer(), nullable=False),
        sa.Column("check_in", sa.Date(), nullable=False),
        sa.Column("check_out", sa.Date(), nullable=False),
        sa.Column("nights", sa.Integer(), nullable=True),
        sa.Column("booked_on", sa.Date(), nullable=True),
        sa.Column("lead_days", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("revenue", sa.Numeric(14, 4), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("month_start", sa.Date(), nullable=False),
        sa.Column("arrives", sa.Integer(), nullable=False),
        sa.Column("nights_in_month", sa.Integer(), nullable=False),
        sa.Column("revenue_in_month", sa.Numeric(), nullable=True),
    )
    op.create_index(op.f("ix_stay_nights_booking_id"), "stay_nights", ["booking_id"])
    op.create_index(op.f("ix_stay_nights_month_start"), "stay_nights", ["month_start"])
    op.create_table("stay_nights_stale", sa.Column("booking_id", sa.Integer(), nullable=False))
    op.execute("INSERT INTO stay_nights_stale (booking_id) SELECT id FROM bookings")
    for drop in drop_report_views_sql():  # SQLite cannot replace a view: dropped, then made
        op.execute(drop)
    for view_sql in report_views_sql(dialect_of(op.get_bind())):
        op.execute(view_sql)


def downgrade() -> None:
    # The views of today compute what 0007's did, with one more column: they stay.
    op.drop_table("stay_nights_stale")
    op.drop_index(op.f("ix_stay_nights_month_start"), table_name="stay_nights")
    op.drop_index(op.f("ix_stay_nights_booking_id"), table_name="stay_nights")
    op.drop_table("stay_nights")
