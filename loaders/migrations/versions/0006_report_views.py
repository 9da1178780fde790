"""The report views (issue 14), from v_stays to v_data_quality.

Made: v_stays, v_stay_months, v_months, v_occupancy_monthly, v_channel_mix, v_length_of_stay,
v_lead_time, v_cancellations, v_on_the_books, v_cleaning_schedule, v_data_quality.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

from loaders.analytics.views import drop_report_views_sql, report_views_sql
from loaders.dialects import dialect_of

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # From the functions the product compiles them with (each figure defined once); they read
    # payout_lines (0001), so they come after it.
    for view_sql in report_views_sql(dialect_of(op.get_bind())):
        op.execute(view_sql)


def downgrade() -> None:
    for drop in drop_report_views_sql():
        op.execute(drop)
