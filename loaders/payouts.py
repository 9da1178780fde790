"""Storing an earnings export's lines in `payouts` (each line once), and the payout_lines view that links them to bookings."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, and_, func, select, update
from sqlalchemy.engine import make_url

from loaders.dialects import Dialect, dialect_of
from loaders.strategies import MergeCounts
from loaders.tables import bookings, payouts, properties, source_files

_DATES = ("paid_on", "arriving_by", "booked_on", "check_in", "check_out")
_INTEGERS = ("source_row", "nights", "earnings_year")


def store_lines(conn: Connection, file_id: int, frame: pd.DataFrame) -> None:
    """Insert the lines whose key is not stored yet; a line an earlier export stated stays as it was."""
    if frame.empty:
        return
    columns = [c.name for c in payouts.c if c.name not in ("id", "source_file_id")]
    lines = frame.rename(columns={"row_number": "source_row"})[columns].to_dict("records")
    records = [{"source_file_id": file_id, **{str(k): _stored(str(k), v) for k, v in line.items()}} for line in lines]
    stmt = dialect_of(conn).insert(payouts).on_conflict_do_nothing(index_elements=["line_key"])
    conn.execute(stmt, records)


def _stored(name: str, value: object) -> object:
    """A cell as the database driver takes it: None for a missing one, dates as dates."""
    if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if name in _DATES:
        return pd.Timestamp(value).date()  # type: ignore[arg-type]
    return int(value) if name in _INTEGERS else value  # type: ignore[call-overload]


def count_lines(conn: Connection, file_id: int, valid: int) -> MergeCounts:
    """How many of the file's `valid` lines it added (the others were stored by an earlier
    export), recorded on its source_files row."""
    inserted = conn.execute(select(func.count()).where(payouts.c.source_file_id == file_id)).scalar_one()
    counts = MergeCounts(inserted=inserted, unchanged=valid - inserted)
    conn.execute(
        update(source_files)
        .where(source_files.c.id == file_id)
        .values(inserted=counts.inserted, unchanged=counts.unchanged)
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
