"""The tables analysts query; the same definitions on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY

from schemas.vocab import (
    BOOKING_KEY,
    PAYOUT_MONEY_FIELDS,
    TASK_KINDS,
    ClaimOutcome,
    FileStatus,
    PayoutKind,
    Source,
    Status,
    TaskStatus,
)

# Stable constraint names, so that later migrations can name what they alter.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _one_of(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


STATUSES = [s.value for s in Status]
SOURCES = [s.value for s in Source]
MONEY = Numeric(14, 4)  # Booking.com states amounts to four decimals
# A booking code compares byte by byte on PostgreSQL (COLLATE "C"): equality, and so the unique
# booking key, is the same under every deterministic collation, while the key's index is built
# about twice as fast as under a locale's collation (a first load of 1M rows builds it once).
CODE = String(64).with_variant(String(64, collation="C"), "postgresql")

properties = Table(
    "properties",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
)

# Each platform's name for a house (an Airbnb listing title, a Vrbo unit name): the second
# mapping table beside status_map. `alias` is as written; it is matched as `alias_key`
# (schemas.aliases.name_key: case and repeated white space ignored), on which the uniqueness
# stands, so that two spellings of one name cannot point at two houses.
property_aliases = Table(
    "property_aliases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(20), nullable=False),
    Column("alias", String(200), nullable=False),
    Column("alias_key", Text, nullable=False),
    Column("property_id", Integer, ForeignKey("properties.id"), nullable=False, index=True),
    UniqueConstraint("source", "alias_key"),
    CheckConstraint(_one_of("source", SOURCES), name="source"),
)

source_files = Table(
    "source_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("path", Text, nullable=False),
    Column("source", String(40)),  # the layout that read it
    Column("as_of", DateTime, nullable=False),
    Column("status", String(20), nullable=False),
    Column("rows", Integer, nullable=False, default=0),
    Column("inserted", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("loaded_at", DateTime, nullable=False),
    Column("archived_path", Text),  # where the inbox filed it (pipelines.inbox), which replay reads
    CheckConstraint(_one_of("status", [s.value for s in FileStatus]), name="status"),
)

bookings = Table(
    "bookings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(20), nullable=False),
    Column("external_code", CODE, nullable=False),
    # No FOREIGN KEYs on the high-volume tables: PostgreSQL checks each with a per-row trigger
    # (about 12 µs a row, a second per 100k rows). The merge is their only writer, runs under a
    # lock, and never deletes, so the references hold by construction; tests check them.
    Column("property_id", Integer, nullable=False),
    Column("guest_name", Text),
    Column("guest_contact", Text),
    Column("adults", Integer),
    Column("children", Integer),
    Column("infants", Integer),
    Column("check_in", Date, nullable=False),
    Column("check_out", Date, nullable=False),
    Column("nights", Integer, nullable=False),
    Column("booked_at", DateTime),
    Column("status", String(20), nullable=False),
    Column("raw_status", Text, nullable=False),
    Column("payout", MONEY),
    Column("gross", MONEY),
    Column("currency", String(3)),
    Column("as_of", DateTime, nullable=False),  # the moment the export that last wrote it describes
    Column("source_file_id", Integer, nullable=False),  # the file that last changed it
    Column("source_row", Integer, nullable=False),
    Column("first_file_id", Integer, nullable=False),  # the file that created it
    Column("first_as_of", DateTime, nullable=False),
    # A 64-bit hash of the row as the file that last wrote it stated it (the key and every
    # compared field): a re-load finds the rows it restates unchanged in memory, by key and this
    # hash, instead of joining them with the table. Empty for rows of older versions.
    Column("row_hash", BigInteger),
    # The booking key, code first: a code nearly decides the key alone, while the source repeats
    # (the index builds and probes about 30% faster than with source first).
    UniqueConstraint(*reversed(BOOKING_KEY)),
    CheckConstraint("check_out > check_in", name="stay_has_nights"),
    CheckConstraint(
        "(adults IS NULL OR adults >= 0) AND (children IS NULL OR children >= 0) AND (infants IS NULL OR infants >= 0)",
        name="counts_not_negative",
    ),
    CheckConstraint("nights > 0", name="nights_positive"),
    CheckConstraint(_one_of("status", STATUSES), name="status"),
    CheckConstraint(_one_of("source", SOURCES), name="source"),
    Index(None, "property_id", "check_in"),
)

status_map = Table(
    "status_map",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(20), nullable=False),
    Column("raw_status", Text, nullable=False),
    Column("status", String(20), nullable=False),
    UniqueConstraint("source", "raw_status"),
    CheckConstraint(_one_of("status", STATUSES), name="status"),
)

rejected_rows = Table(
    "rejected_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_file_id", Integer, ForeignKey("source_files.id"), nullable=False, index=True),
    Column("row_number", Integer, nullable=False),  # the row a person sees in Excel or the CSV
    Column("column", Text),  # the header as written in the file
    Column("value", Text),
    Column("error", Text, nullable=False),
)

# The known bookings each loaded file listed without changing them (PostgreSQL: an int array;
# SQLite: a JSON array). A late, older export may change a booking only if no newer file listed
# it; this is how we know, without rewriting every booking each time an export restates it.
source_file_keys = Table(
    "source_file_keys",
    metadata,
    Column("source_file_id", Integer, primary_key=True),
    Column("booking_ids", Text().with_variant(ARRAY(Integer), "postgresql"), nullable=False),
)

# One row per field a merge changed, written in the merge's transaction. Creation is not
# repeated here: bookings.first_file_id/first_as_of record it, and the booking_history view
# shows both as one timeline.
CHANGE_KINDS = [
    "created", "dates_moved", "cancelled", "reinstated", "status_progressed",
    "status_label", "guest_corrected", "payout_corrected", "property_changed",
]  # fmt: skip
booking_changes = Table(
    "booking_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("booking_id", Integer, nullable=False),
    Column("source_file_id", Integer, nullable=False),
    Column("changed_at", DateTime, nullable=False),  # the as-of of the export that reported it
    Column("recorded_at", DateTime, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("field", String(40)),
    Column("old_value", Text),
    Column("new_value", Text),
    CheckConstraint(_one_of("kind", CHANGE_KINDS), name="kind"),
    Index(None, "booking_id", "id"),
)

TASK_STATUSES = [s.value for s in TaskStatus]
tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("booking_id", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("same_day_turnover", Boolean, nullable=False, default=False),
    Column("locked", Boolean, nullable=False, default=False),  # a person pinned it: imports never touch it
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    # One task per booking and kind: a re-run, or two concurrent runs, cannot duplicate it.
    UniqueConstraint("booking_id", "kind"),
    CheckConstraint(_one_of("status", TASK_STATUSES), name="status"),
    CheckConstraint(_one_of("kind", list(TASK_KINDS)), name="kind"),
    # No index on due_date: a schedule query scans a million tasks in a fraction of a second,
    # while the index would cost every import a few seconds per million tasks.
)


# One line of an earnings export: money, never a booking. Linked to its booking by (source,
# external_code) in the payout_lines view (loaders.payouts), so the link never drifts. A line
# that two overlapping exports both state has one line_key and is stored once.
payouts = Table(
    "payouts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_file_id", Integer, ForeignKey("source_files.id"), nullable=False, index=True),
    Column("source_row", Integer, nullable=False),
    Column("source", String(20), nullable=False),  # the platform that paid
    Column("kind", String(20), nullable=False),
    Column("raw_type", Text, nullable=False),  # the type as the export wrote it
    Column("paid_on", Date, nullable=False),  # the line's date
    Column("arriving_by", Date),
    Column("external_code", CODE),  # the booking's code, when the line is for one
    Column("booked_on", Date),
    Column("check_in", Date),
    Column("check_out", Date),
    Column("nights", Integer),
    Column("guest_name", Text),
    Column("property_name", Text),
    Column("details", Text),
    Column("reference", Text),
    Column("currency", String(3)),
    *(Column(name, MONEY) for name in PAYOUT_MONEY_FIELDS),
    Column("earnings_year", Integer),
    Column("line_key", String(64), nullable=False, unique=True),
    CheckConstraint(_one_of("kind", [k.value for k in PayoutKind]), name="kind"),
    CheckConstraint(_one_of("source", SOURCES), name="source"),
    Index(None, "external_code", "source"),
)

# One row per inbox entry (its path relative to the inbox): the worker that claimed it last and
# the lease it holds until then (loaders.claims). A worker that dies leaves its lease to expire.
file_claims = Table(
    "file_claims",
    metadata,
    Column("key", Text, primary_key=True),
    Column("worker", String(200), nullable=False),
    Column("claimed_at", DateTime, nullable=False),
    Column("lease_until", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("outcome", String(20)),
    Column("attempts", Integer, nullable=False),
    Column("source_file_id", Integer, ForeignKey("source_files.id")),
    Column("moved_to", Text),  # where the file went (archive or rejected folder)
    CheckConstraint(_one_of("outcome", [o.value for o in ClaimOutcome]), name="outcome"),
)

# The booking_history view (created by loaders.db.ensure_schema), declared for queries.
booking_history = Table(
    "booking_history",
    MetaData(),  # not in `metadata`: create_all must not make it a table
    Column("booking_id", Integer),
    Column("source_file_id", Integer),
    Column("changed_at", DateTime),
    Column("kind", String(20)),
    Column("field", String(40)),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("seq", Integer),
)
