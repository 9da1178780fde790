"""v_stay_months kept as a table (`stay_nights`), so that a report reads its stays' nights by month
instead of pricing and splitting every stay again.

The rows are v_stay_months' own (the same query, loaders.analytics.stays), stored per booking.
Whatever changes a booking's stay (a file's merge, earnings lines, a merge of two properties)
names the booking in `stay_nights_stale` in its own transaction; `refresh` computes those
bookings' rows again, under the merge lock, before a report reads them. So the table is never
read out of date, and a merge pays only for naming what it changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    CompoundSelect,
    Connection,
    Date,
    Engine,
    Index,
    Integer,
    Numeric,
    Select,
    String,
    Table,
    delete,
    exists,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import FromClause

from loaders.analytics.stays import calendar, stay_months_query, stays_query
from loaders.dialects import dialect_of
from loaders.errors import is_read_only
from loaders.merge_lock import merged_in_turn
from loaders.tables import MONEY, bookings, metadata, properties
from schemas.tuning import DEFAULT_TUNING, Tuning

# v_stay_months' columns but the property's name (read from properties: a house renamed or merged
# keeps its rows right).
stay_nights = Table(
    "stay_nights",
    metadata,
    Column("booking_id", Integer, nullable=False),
    Column("property_id", Integer, nullable=False),
    Column("channel", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("sold", Integer, nullable=False),
    Column("blocked", Integer, nullable=False),
    Column("check_in", Date, nullable=False),
    Column("check_out", Date, nullable=False),
    Column("nights", Integer),
    Column("booked_on", Date),
    Column("lead_days", Integer),
    Column("currency", String(3)),
    Column("revenue", MONEY),
    Column("left_on", Date),
    Column("month", String(7), nullable=False),
    Column("month_start", Date, nullable=False),
    Column("arrives", Integer, nullable=False),
    Column("nights_in_month", Integer, nullable=False),
    Column("revenue_in_month", Numeric),
    Index(None, "booking_id"),
    Index(None, "month_start"),
)

# The bookings whose rows in stay_nights are to be computed again (a booking named twice is
# computed once). Written by every change of a stay, emptied by `refresh`.
stay_nights_stale = Table("stay_nights_stale", metadata, Column("booking_id", Integer, nullable=False))

_COLUMNS = [c.name for c in stay_nights.c]


def mark_stale(conn: Connection, ids: Select[Any] | CompoundSelect[Any]) -> None:
    """Name the bookings whose ids `ids` selects as changed: their rows are computed again."""
    conn.execute(insert(stay_nights_stale).from_select(["booking_id"], ids))


def is_current(conn: Connection) -> bool:
    """Whether stay_nights holds every booking's rows as v_stay_months computes them now."""
    return not conn.execute(select(exists().select_from(stay_nights_stale))).scalar()


def refresh(conn: Connection) -> int:
    """Compute the rows of the bookings named stale again; how many bookings that was. The caller
    holds the merge lock (loaders.merge_lock.merged_in_turn): no change of a stay runs meanwhile."""
    stale = conn.execute(select(func.count(func.distinct(stay_nights_stale.c.booking_id)))).scalar_one()
    if not stale:
        return 0
    dialect = dialect_of(conn)
    everyone = stale * 2 >= conn.execute(select(func.count()).select_from(bookings)).scalar_one()
    if everyone:  # most of the table: all of it again, without looking up who is stale
        conn.execute(delete(stay_nights))
        stays = stays_query(dialect).subquery("stays")
    else:
        ids = select(stay_nights_stale.c.booking_id)
        conn.execute(delete(stay_nights).where(stay_nights.c.booking_id.in_(ids)))
        stays = stays_query(dialect, of=ids).subquery("stays")
    rows = stay_months_query(dialect, stays, calendar(dialect, stays)).subquery("rows")
    conn.execute(insert(stay_nights).from_select(_COLUMNS, select(*(rows.c[name] for name in _COLUMNS))))
    conn.execute(delete(stay_nights_stale))
    if stale > 10_000:  # statistics for the report's plans now, not when autovacuum comes by
        conn.execute(text(f"ANALYZE {stay_nights.name}"))  # (the same statement on SQLite)
    return int(stale)


def stored_stay_months(*conditions: Any) -> FromClause:
    """v_stay_months' columns from stay_nights (of the rows of `conditions` on it), the property's
    name joined."""
    return (
        select(stay_nights, properties.c.name.label("property"))
        .select_from(stay_nights.join(properties, properties.c.id == stay_nights.c.property_id))
        .where(*conditions)
        .subquery()
    )


def bring_up_to_date(engine: Engine, tuning: Tuning = DEFAULT_TUNING) -> bool:
    """Refresh stay_nights if a change named bookings stale since it last was. A report's engine
    may only read: it refreshes through one opened for writing. False when the database may only
    be read by this process at all: the report's figures are then computed from the bookings."""
    with engine.connect() as conn:
        if is_current(conn):
            return True
    if _refreshed(engine, tuning):
        return True
    writer = dialect_of(engine).engine(engine.url, tuning)
    try:
        return _refreshed(writer, tuning)
    finally:
        writer.dispose()


def _refreshed(engine: Engine, tuning: Tuning) -> bool:
    try:
        with merged_in_turn(engine, tuning) as conn:
            refresh(conn)
    except DBAPIError as exc:
        if is_read_only(exc):
            return False
        raise
    return True
