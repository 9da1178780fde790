"""The report views made again from today's queries.

v_stays prices only the bookings a query asks for, v_stay_months splits the stays of one month
apart from the others, and v_data_quality counts the files the inbox rejected or skipped as
duplicates. The views made by 0006 are replaced, since a database keeps the SQL of the day its
views were made: a later change to a report view's query adds a revision like this one.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

from loaders.analytics.views import drop_report_views_sql, report_views_sql
from loaders.dialects import dialect_of

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for drop in drop_report_views_sql():  # SQLite cannot replace a view: dropped, then made
        op.execute(drop)
    for view_sql in report_views_sql(dialect_of(op.get_bind())):
        op.execute(view_sql)


def downgrade() -> None:
    # The views of 0006 compute the same figures: those of today stay (0006's downgrade drops them).
    pass
