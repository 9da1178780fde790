"""The temporary tables of one file's load (its staged rows, the rows found unchanged in memory, its real changes) and the fields they carry."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import BigInteger, Column, Date, DateTime, Integer, MetaData, String, Table, Text

from loaders.tables import CODE, MONEY, bookings

# Fields compared to decide whether a stored booking really changed.
COMPARED = [
    "property_id", "guest_name", "guest_contact", "adults", "children", "infants", "check_in",
    "check_out", "nights", "booked_at", "status", "raw_status", "payout", "gross", "currency",
]  # fmt: skip
# Fields written on insert and on a real change.
WRITTEN = [*COMPARED, "row_hash", "as_of", "source_file_id", "source_row"]

_staging_meta = MetaData()
staging = Table(
    "bookingest_staging",
    _staging_meta,
    Column("source", String(20)),
    Column("external_code", CODE),  # the collation of bookings.external_code: they are joined
    Column("property_id", Integer),  # resolved a chunk at a time (loaders.properties)
    Column("guest_name", Text),
    Column("guest_contact", Text),
    Column("adults", Integer),
    Column("children", Integer),
    Column("infants", Integer),
    Column("check_in", Date),
    Column("check_out", Date),
    Column("nights", Integer),
    Column("booked_at", DateTime),
    Column("status", String(20)),
    Column("raw_status", Text),
    Column("payout", MONEY),
    Column("gross", MONEY),
    Column("currency", String(3)),
    Column("row_hash", BigInteger),
    Column("source_row", Integer),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)
STAGED = [c.name for c in staging.columns]

# The rows of a file found unchanged in memory (see strategies.known_rows), and their bookings.
unchanged_rows = Table(
    "bookingest_unchanged",
    _staging_meta,
    Column("source_row", Integer),
    Column("booking_id", Integer),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)

# The bookings a file really changes: old and new value of every compared field.
changes = Table(
    "bookingest_changes",
    _staging_meta,
    Column("booking_id", Integer, primary_key=True),
    Column("source_row", Integer),
    Column("row_hash", BigInteger),  # the new one
    *(Column(f"{age}_{c.name}", c.type) for age in ("old", "new") for c in bookings.columns if c.name in COMPARED),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


def staged(frame: pd.DataFrame) -> pd.DataFrame:
    """A canonical chunk's columns as the staging table names them."""
    return frame.rename(columns={"row_number": "source_row"})[STAGED]
