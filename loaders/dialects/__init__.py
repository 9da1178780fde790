"""What differs between the databases a load runs on, behind one interface: one object per dialect
(postgresql.py, sqlite.py, with the same roles), chosen once from the connection's dialect name."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
from sqlalchemy import Connection, Engine, Select, Table
from sqlalchemy.engine import URL
from sqlalchemy.sql.elements import ColumnElement

from loaders.dialects import postgresql, sqlite  # neither imports this module: no cycle
from loaders.pg_copy import Worker
from schemas.tuning import Tuning


class Dialect(Protocol):
    name: str
    orders_json_rows: bool  # json_rows orders its rows (else the caller sorts them)
    snapshot_isolation: str  # the isolation level of a transaction whose reads are all of one moment
    # A first load into an empty bookings table may COPY straight into it (see strategies.first_load).
    copies_first_load: bool
    # A large re-load may read the stored keys and row hashes to compare in memory (strategies.known_rows).
    compares_in_memory: bool
    # A large insert may drop a table's indexes and build them again after the rows (see bulk).
    defers_indexes: bool
    # A file's rows may be COPYed into its staging table before it asks for the merge lock (loaders.stage_ahead).
    stages_ahead: bool
    # How a migration creates a view (loaders/migrations): replaced where the database can, else kept.
    create_view: str

    def engine(self, url: URL, tuning: Tuning, read_only: bool = False) -> Engine:
        """A new engine for this database, set up as bookingest needs it (`read_only`: one that never writes)."""
        ...

    def lock_schema(self, conn: Connection) -> None:
        """Begin this transaction by taking the schema lock: whatever creates or changes the schema
        (loaders.db.schema_lock) takes turns with every other process doing so."""
        ...

    def folder(self, url: URL) -> Path | None:
        """The folder that holds the database's files, where this process sees it (SQLite's)."""
        ...

    def read_only_reason(self, engine: Engine) -> str | None:
        """Why this process cannot write this database (None: it can)."""
        ...

    def lock_merges(self, conn: Connection, tuning: Tuning, wait: bool = True) -> bool:
        """Make this transaction's merge wait for any other's (the lock ends with the transaction),
        and give its joins and sorts the memory `tuning` allows. Without `wait`, only if no other
        merge holds the lock: False (and nothing done) if one does."""
        ...

    def commit_unflushed(self, conn: Connection) -> None:
        """Let this transaction's commit return (and its locks end) before it is on disk;
        `flushed` then waits for that, once the lock is released."""
        ...

    def flushed(self, engine: Engine) -> None:
        """Until every transaction committed so far, by any session, is on disk."""
        ...

    def later(self, a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
        """The later of two dates of one row."""
        ...

    def earlier(self, a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
        """The earlier of two dates of one row."""
        ...

    def day_number(self, day: ColumnElement[Any]) -> ColumnElement[int]:
        """The date (of a date or a timestamp) as a whole number of days since 1970-01-01: the
        difference of two is the nights between them."""
        ...

    def first_of_month(self, year: ColumnElement[int], month: ColumnElement[int]) -> ColumnElement[Any]:
        """The date of the first day of this month (1..12) of this year."""
        ...

    def month_label(self, day: ColumnElement[Any]) -> ColumnElement[str]:
        """The month of a date as 'YYYY-MM' text."""
        ...

    def json_rows(self, *pairs: ColumnElement[Any], order_by: Sequence[ColumnElement[Any]] = ()) -> ColumnElement[str]:
        """An aggregate: the rows as one JSON array (text) of objects of (key, value, key, value, ...),
        in the order `order_by` where the database orders an aggregate's input (`orders_json_rows`)."""
        ...

    def read_one_moment(self, conn: Connection) -> None:
        """Begin `conn`'s transaction (opened at `snapshot_isolation`) so that all its reads, from
        the first, see one moment of the database."""
        ...

    def export_snapshot(self, conn: Connection) -> str | None:
        """The snapshot of `conn`'s transaction (opened at `snapshot_isolation`), for another
        connection to read the same database state in parallel; None where that cannot be."""
        ...

    def import_snapshot(self, conn: Connection, snapshot: str) -> None:
        """Make `conn`'s new transaction read `snapshot` (its first statement)."""
        ...

    def rounded(self, value: ColumnElement[Any], places: int) -> ColumnElement[Any]:
        """`value` rounded to `places` decimals (half away from zero on PostgreSQL's exact numbers)."""
        ...

    def code_point_order(self, text: ColumnElement[Any]) -> ColumnElement[Any]:
        """Text to ORDER BY as Python orders str (by code point), whatever the database's collation."""
        ...

    def insert(self, table: Table) -> Any:
        """An INSERT that can say what to do on a conflict (`on_conflict_do_nothing`, ...)."""
        ...

    def fill_staging(self, conn: Connection, worker: Worker, frame: pd.DataFrame) -> None:
        """Add one hashed canonical chunk to the staging table (perhaps on the worker)."""
        ...

    def ids_aggregated(self, ids: ColumnElement[Any]) -> ColumnElement[Any]:
        """The ids of a group as one value of source_file_keys.booking_ids."""
        ...

    def ids_counted(self, listed: ColumnElement[Any]) -> ColumnElement[Any]:
        """How many ids a booking_ids value holds."""
        ...

    def ids_listed(self, listed: Any) -> Select[Any]:
        """One row per id of the booking_ids column `listed` (a query still to be filtered)."""
        ...

    def analyze(self, conn: Connection, inserted: int) -> None:
        """Fresh statistics of bookings and properties after an insert of that many rows, if large."""
        ...

    def analyze_staging(self, conn: Connection) -> None:
        """Statistics of the staging table before the merge joins it."""
        ...

    def drop_temporary(self, conn: Connection, *tables: Table) -> None:
        """Drop a load's temporary tables before its commit (where commit does not)."""
        ...


def dialect_of(bind: Connection | Engine) -> Dialect:
    """The dialect of this connection or engine."""
    return dialect_named(bind.dialect.name)


def dialect_named(name: str) -> Dialect:
    """The dialect called `name` (SQLAlchemy's backend name); KeyError for one we do not support."""
    return DIALECTS[name]


DIALECTS: dict[str, Dialect] = {"sqlite": sqlite.DIALECT, "postgresql": postgresql.DIALECT}
