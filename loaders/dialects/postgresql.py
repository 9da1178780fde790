"""PostgreSQL, the production database: binary COPY on a worker thread, arrays of ids, fresh statistics, bulk loads."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import (
    Connection,
    Date,
    Engine,
    Integer,
    Numeric,
    Select,
    String,
    Table,
    Text,
    cast,
    create_engine,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.engine import URL
from sqlalchemy.sql.elements import ColumnElement

from loaders.pg_copy import Worker, copy_frame
from loaders.staging import staged, staging
from loaders.tables import metadata
from schemas.tuning import Tuning
from schemas.vocab import BOOKING_KEY

# What the merge, task and conflict queries join and filter on: the statistics they need
# after a large load (the text columns' are the costly ones to gather, and unused).
ANALYZED = ", ".join(["id", *BOOKING_KEY, "property_id", "check_in", "check_out", "status"])
_MERGE_LOCK = 0x626B6E67  # any constant: all bookingest merges into one database take turns
_SCHEMA_LOCK = 0x626B7363  # another: all changes of bookingest's schema take turns


class PostgreSQL:
    name = "postgresql"
    copies_first_load = True
    compares_in_memory = True
    defers_indexes = True
    stages_ahead = True
    create_view = "CREATE OR REPLACE VIEW"

    def engine(self, url: URL, tuning: Tuning, read_only: bool = False) -> Engine:
        # pool_pre_ping: after a server restart the pool hands out no dead connection. A server
        # that does not answer is given up on after 10 s (then retried as a lost connection).
        args: dict[str, Any] = {"connect_timeout": 10}
        if read_only:
            # jit off: the report views' plans cost enough for PostgreSQL to JIT-compile them, and
            # compiling took longer than running (EXPLAIN ANALYZE at 1M bookings: 9.5 of 16 s).
            # work_mem: a report's one statement (reports.together) keeps its stays, split by month,
            # in memory instead of temporary files.
            args["options"] = (
                f"-c default_transaction_read_only=on -c jit=off -c work_mem={int(tuning.pg_work_mem_mb)}MB"
            )
        return create_engine(url, pool_pre_ping=True, connect_args=args)

    def lock_schema(self, conn: Connection) -> None:
        # Held until the transaction ends; two first ingests on an empty database would
        # otherwise both CREATE TABLE (a UniqueViolation on pg_type for the second).
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})

    def folder(self, url: URL) -> Path | None:
        return None  # the server's disk: it names a full one itself (disk_full, 53100)

    def read_only_reason(self, engine: Engine) -> str | None:
        with engine.connect() as conn:
            return _read_only_reason(conn)

    def lock_merges(self, conn: Connection, tuning: Tuning, wait: bool = True) -> bool:
        # Concurrent ingests then cannot deadlock on each other's rows, and the counts each one
        # reports are exact (SQLite serializes writers itself).
        if wait:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MERGE_LOCK})
        elif not conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _MERGE_LOCK}).scalar_one():
            return False
        # Room for the hash joins and sorts of a million-row merge (this transaction only).
        conn.execute(text(f"SET LOCAL work_mem = '{int(tuning.pg_work_mem_mb)}MB'"))
        return True

    def commit_unflushed(self, conn: Connection) -> None:
        # The commit's WAL flush (some 20 to 40 ms here) would otherwise be waited for holding the
        # merge lock. Visibility and order stay as they are: a later commit's WAL follows this
        # one's, so a crash can lose only the last commits, never one before a kept one.
        conn.execute(text("SET LOCAL synchronous_commit = off"))

    def flushed(self, engine: Engine) -> None:
        # A synchronous commit flushes the WAL up to its own commit record, so every earlier one
        # with it; only a transaction that wrote WAL flushes, hence the (transactional) message.
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_logical_emit_message(true, 'bookingest', 'flushed')"))

    def later(self, a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.greatest(a, b)

    def earlier(self, a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.least(a, b)

    def day_number(self, day: ColumnElement[Any]) -> ColumnElement[int]:
        # date - date is a whole number of days in PostgreSQL.
        return cast(cast(day, Date) - literal_column("DATE '1970-01-01'"), Integer)

    def first_of_month(self, year: ColumnElement[int], month: ColumnElement[int]) -> ColumnElement[Any]:
        return func.make_date(year, month, 1, type_=Date)

    def month_label(self, day: ColumnElement[Any]) -> ColumnElement[str]:
        return func.to_char(day, "YYYY-MM", type_=String)

    orders_json_rows = True

    def json_rows(self, *pairs: ColumnElement[Any], order_by: Sequence[ColumnElement[Any]] = ()) -> ColumnElement[str]:
        row = func.json_build_object(*pairs)
        return cast(func.json_agg(aggregate_order_by(row, *order_by) if order_by else row), Text)

    snapshot_isolation = "REPEATABLE READ"

    def read_one_moment(self, conn: Connection) -> None:
        pass  # REPEATABLE READ: the snapshot is taken by the first statement

    def export_snapshot(self, conn: Connection) -> str | None:
        return str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())

    def import_snapshot(self, conn: Connection, snapshot: str) -> None:
        conn.execute(text(f"SET TRANSACTION ISOLATION LEVEL {self.snapshot_isolation}"))
        if not re.fullmatch(r"[0-9A-F-]+", snapshot):  # written inline: SET takes no parameter
            raise ValueError(f"not a snapshot id: {snapshot!r}")
        conn.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))

    def rounded(self, value: ColumnElement[Any], places: int) -> ColumnElement[Any]:
        return func.round(cast(value, Numeric), places)  # round(double precision, int) does not exist

    def code_point_order(self, text: ColumnElement[Any]) -> ColumnElement[Any]:
        return text.collate("C")  # UTF-8 bytes compare as their code points

    def insert(self, table: Table) -> Any:
        return postgresql.insert(table)

    def fill_staging(self, conn: Connection, worker: Worker, frame: pd.DataFrame) -> None:
        # The caller waited for the previous COPY: at most one chunk waits.
        worker.copy(_copy_into_staging, conn.connection.driver_connection, frame)

    def ids_aggregated(self, ids: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.array_agg(ids)

    def ids_counted(self, listed: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.cardinality(listed)

    def ids_listed(self, listed: Any) -> Select[Any]:
        return select(func.unnest(listed))

    def analyze(self, conn: Connection, inserted: int) -> None:
        """Fresh statistics after a large insert (over 10,000 rows), not when autovacuum comes by: the task and
        conflict queries that follow in this transaction, and the next file's merge, then get hash
        joins rather than plans for an empty table (with the properties counted as a few hundred,
        the next merge probed the key index a million times instead of hashing: twice as slow)."""
        if inserted <= 10_000:
            return
        conn.execute(text(f"ANALYZE bookings ({ANALYZED})"))
        conn.execute(text("ANALYZE properties"))

    def analyze_staging(self, conn: Connection) -> None:
        # Temporary tables are never auto-analyzed; without statistics the planner
        # picks nested loops over a million rows.
        # Only the columns the merge joins on: the row count comes with any ANALYZE.
        joined = ", ".join([*BOOKING_KEY, "source_row"])
        conn.execute(text(f"ANALYZE {staging.name} ({joined})"))

    def drop_temporary(self, conn: Connection, *tables: Table) -> None:
        pass  # they are ON COMMIT DROP


DIALECT = PostgreSQL()


def _copy_into_staging(raw: Any, frame: pd.DataFrame) -> None:
    """COPY a chunk into the staging table. Runs on the worker thread."""
    copy_frame(raw, staged(frame), staging)


def code_collation(conn: Connection, table: str = "bookings") -> str | None:
    """The collation of the booking codes `table` holds, its external_code (None: the database's default)."""
    return conn.execute(
        text(
            "SELECT collation_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = :table AND column_name = 'external_code'"
        ),
        {"table": table},
    ).scalar()


def _read_only_reason(conn: Connection) -> str | None:
    setting, standby, user = conn.execute(
        text("SELECT current_setting('transaction_read_only'), pg_is_in_recovery(), current_user")
    ).one()
    if standby:
        return "the server is a standby (in recovery)"
    if setting == "on":
        return "its transactions are read-only (default_transaction_read_only is on)"
    names = list(metadata.tables)
    found = conn.execute(
        text(
            "SELECT c.relname, has_table_privilege(c.oid, 'INSERT') AND has_table_privilege(c.oid, 'UPDATE') "
            "AND has_table_privilege(c.oid, 'DELETE') FROM pg_class c "
            "WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY(:names)"
        ),
        {"names": names},
    ).all()
    denied = sorted(name for name, allowed in found if not allowed)
    if denied:
        return f"the role {user} may not write the table {denied[0]}"
    creates = conn.execute(text("SELECT has_schema_privilege(current_schema(), 'CREATE')")).scalar()
    if len(found) < len(names) and not creates:
        return f"the role {user} may not create the tables it lacks"
    return None
