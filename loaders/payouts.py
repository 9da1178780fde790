"""Storing an earnings export's lines in `payouts` (each line once), and the payout_lines view that links them to bookings."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, Date, Integer, String, Text, and_, column, func, select, table, tuple_, update
from sqlalchemy.engine import make_url

from loaders.analytics.stored import mark_stale
from loaders.dialects import Dialect, dialect_of
from loaders.strategies import MergeCounts
from loaders.tables import MONEY, bookings, payouts, properties, source_files

_DATES = ("paid_on", "arriving_by", "booked_on", "check_in", "check_out")
_INTEGERS = ("source_row", "nights", "earnings_year")
# What a later export may add to a stored line (never its provenance or key).
_COMPLETED = [c.name for c in payouts.c if c.name not in ("id", "source_file_id", "source_row", "line_key")]


def store_lines(conn: Connection, file_id: int, frame: pd.DataFrame) -> int:
    """Insert the lines whose key is not stored yet. A line an earlier export stored is
    completed with what this one states and it lacked (an older export has no booking date
    or gross): whichever order overlapping exports come in, the lines end the same. Returns
    how many stored lines were completed."""
    if frame.empty:
        return 0
    columns = [c.name for c in payouts.c if c.name not in ("id", "source_file_id")]
    lines = frame.rename(columns={"row_number": "source_row"})[columns].to_dict("records")
    records = [{"source_file_id": file_id, **{str(k): _stored(str(k), v) for k, v in line.items()}} for line in lines]
    stored: dict[str, Any] = {}
    keys = [str(r["line_key"]) for r in records]
    for start in range(0, len(keys), 500):  # within every database's limit of bound parameters
        query = select(payouts).where(payouts.c.line_key.in_(keys[start : start + 500]))
        stored.update((row.line_key, row) for row in conn.execute(query).mappings())
    new = [r for r in records if r["line_key"] not in stored]
    if new:
        conn.execute(dialect_of(conn).insert(payouts).on_conflict_do_nothing(index_elements=["line_key"]), new)
    completed = 0
    for r in records:
        old = stored.get(str(r["line_key"]))
        if old is None:
            continue
        gained = {c: r[c] for c in _COMPLETED if old[c] is None and r[c] is not None}
        if gained:
            conn.execute(update(payouts).where(payouts.c.id == old["id"]).values(**gained))
            completed += 1
    codes = sorted({(str(r["source"]), str(r["external_code"])) for r in records if r["external_code"] is not None})
    b = bookings.c
    for start in range(0, len(codes), 500):  # their bookings' revenue may have changed
        mark_stale(conn, select(b.id).where(tuple_(b.source, b.external_code).in_(codes[start : start + 500])))
    return completed


def _stored(name: str, value: object) -> object:
    """A cell as the database driver takes it: None for a missing one, dates as dates."""
    if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if name in _DATES:
        return pd.Timestamp(value).date()  # type: ignore[arg-type]
    return int(value) if name in _INTEGERS else value  # type: ignore[call-overload]


def count_lines(conn: Connection, file_id: int, valid: int, completed: int) -> MergeCounts:
    """How many of the file's `valid` lines it added, and of the others (stored by an earlier
    export) how many it `completed`, recorded on its source_files row."""
    inserted = conn.execute(select(func.count()).where(payouts.c.source_file_id == file_id)).scalar_one()
    counts = MergeCounts(inserted=inserted, updated=completed, unchanged=valid - inserted - completed)
    conn.execute(
        update(source_files)
        .where(source_files.c.id == file_id)
        .values(inserted=counts.inserted, updated=counts.updated, unchanged=counts.unchanged)
    )
    return counts


def payout_lines_view_sql(dialect: Dialect) -> str:
    """DDL of the payout_lines view: every payout line with the booking of its (source, code)
    where one is known, so a booking loaded after its payouts is linked without any update."""
    query = (
        select(
            payouts,
            bookings.c.id.label("booking_id"),
            properties.c.name.label("booking_property"),
            bookings.c.check_in.label("booking_check_in"),
            bookings.c.check_out.label("booking_check_out"),
            bookings.c.status.label("booking_status"),
        )
        .select_from(payouts)
        .outerjoin(
            bookings, and_(bookings.c.source == payouts.c.source, bookings.c.external_code == payouts.c.external_code)
        )
        .outerjoin(properties, properties.c.id == bookings.c.property_id)
    )
    compiled = query.compile(
        dialect=make_url(f"{dialect.name}://").get_dialect()(), compile_kwargs={"literal_binds": True}
    )
    return f"{dialect.create_view} payout_lines AS\n{compiled}"


# The payout_lines view (payout_lines_view_sql above), declared for queries: payouts joined
# with their booking by (source, code).
payout_lines_view = table(
    "payout_lines",
    column("id", Integer),
    column("paid_on", Date),
    column("kind", String),
    column("raw_type", Text),
    column("source", String),
    column("external_code", String),
    column("amount", MONEY),
    column("paid_out", MONEY),
    column("currency", String),
    column("booking_id", Integer),
    column("booking_property", Text),
    column("booking_check_in", Date),
)
