"""Booking codes compare byte by byte on PostgreSQL (COLLATE "C"); nothing to do on SQLite.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from loaders.dialects import dialect_of
from loaders.dialects.postgresql import code_collation
from loaders.payouts import payout_lines_view_sql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CODES = ("bookings", "payouts")  # the tables whose external_code is a booking code


def upgrade() -> None:
    """The key's index is rebuilt (the rows stay as they are). payout_lines reads bookings'
    codes, so it is made again around the change. Where something of the operator's stands in the
    way (a view of theirs that reads the column), the columns stay as they are: merges still work
    (an equality of the database's default and "C" is decided in "C"), without the faster index."""
    conn = op.get_bind()
    if conn.dialect.name != "postgresql" or all(code_collation(conn, t) == "C" for t in CODES):
        return
    try:
        with conn.begin_nested():
            conn.execute(text("DROP VIEW IF EXISTS payout_lines"))
            for table in CODES:
                conn.execute(text(f'ALTER TABLE {table} ALTER COLUMN external_code TYPE varchar(64) COLLATE "C"'))
            conn.execute(text(payout_lines_view_sql(dialect_of(conn))))
    except DBAPIError:  # the codes stay; payout_lines is there all the same (later views read it)
        conn.execute(text(payout_lines_view_sql(dialect_of(conn))))


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    op.execute("DROP VIEW IF EXISTS payout_lines")
    for table in CODES:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN external_code TYPE varchar(64) COLLATE "default"')
    op.execute(payout_lines_view_sql(dialect_of(conn)))
