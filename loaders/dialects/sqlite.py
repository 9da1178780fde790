"""SQLite, the embedded default: pragmas, staging filled by executemany, ids as JSON arrays; no COPY, no statistics to keep."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    Date,
    Engine,
    Integer,
    Select,
    String,
    Table,
    Text,
    cast,
    create_engine,
    event,
    func,
    select,
    true,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import URL
from sqlalchemy.sql.elements import ColumnElement

from loaders.pg_copy import Worker
from loaders.staging import STAGED, staged, staging
from loaders.tables import source_file_keys
from schemas.tuning import Tuning


class SQLite:
    name = "sqlite"
    copies_first_load = False
    compares_in_memory = False
    defers_indexes = False
    stages_ahead = False  # one writer at a time: nothing would run meanwhile
    create_view = "CREATE VIEW IF NOT EXISTS"

    def engine(self, url: URL, tuning: Tuning, read_only: bool = False) -> Engine:
        # The busy timeout: a writer waits up to 60 s for another's transaction (then retries).
        path = _file_of(url)
        # Read-only: a file this process could write is opened as usual with query_only (its
        # -wal and -shm then go at close as after any run); one it cannot, through a mode=ro URI.
        if read_only and path is not None and _unwritable(path):
            uri = _read_only_uri(path)
            engine = create_engine(
                url, creator=lambda: sqlite3.connect(uri, uri=True, timeout=60, check_same_thread=False)
            )
        else:
            engine = create_engine(url, connect_args={"timeout": 60})
        cache_kib = int(tuning.sqlite_cache_mb) * 1024

        @event.listens_for(engine, "connect")
        def pragmas(dbapi_conn: Any, _record: object) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys = ON")
            if read_only:
                cur.execute("PRAGMA query_only = ON")  # any write is refused
            else:  # setting it is a write
                cur.execute("PRAGMA journal_mode = WAL")  # readers (reports) never block an ingest
            cur.execute("PRAGMA synchronous = NORMAL")
            cur.execute(f"PRAGMA cache_size = -{cache_kib}")  # at most, for the indexes of a large merge
            cur.close()

        return engine

    def lock_schema(self, conn: Connection) -> None:
        # The first statement of the transaction (pysqlite begins none before DDL): it takes
        # the write lock at once, so the checks that follow see what every other process made.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    def folder(self, url: URL) -> Path | None:
        path = _file_of(url)
        return path.parent if path else None

    def read_only_reason(self, engine: Engine) -> str | None:
        path = _file_of(engine.url)
        return _unwritable(path) if path else None

    def lock_merges(self, conn: Connection, tuning: Tuning, wait: bool = True) -> bool:
        return True  # SQLite serializes writers itself

    def commit_unflushed(self, conn: Connection) -> None:
        pass  # one writer at a time anyway: nothing waits behind a commit's sync

    def flushed(self, engine: Engine) -> None:
        pass

    def later(self, a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.max(a, b)  # with two arguments, SQLite's max and min are scalar

    def earlier(self, a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.min(a, b)

    def day_number(self, day: ColumnElement[Any]) -> ColumnElement[int]:
        # julianday() of a date is its noon: 1970-01-01 is 2440587.5, so the difference is whole.
        return cast(func.julianday(func.date(day)) - 2440587.5, Integer)

    def first_of_month(self, year: ColumnElement[int], month: ColumnElement[int]) -> ColumnElement[Any]:
        return func.date(func.printf("%04d-%02d-01", year, month), type_=Date)

    def month_label(self, day: ColumnElement[Any]) -> ColumnElement[str]:
        return func.strftime("%Y-%m", day, type_=String)

    orders_json_rows = False  # an aggregate's ORDER BY came with SQLite 3.44

    def json_rows(self, *pairs: ColumnElement[Any], order_by: Sequence[ColumnElement[Any]] = ()) -> ColumnElement[str]:
        return func.json_group_array(func.json_object(*pairs), type_=Text)

    snapshot_isolation = "SERIALIZABLE"  # a read transaction of SQLite reads one moment

    def read_one_moment(self, conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")  # pysqlite begins none before a SELECT: each would read its own moment

    def export_snapshot(self, conn: Connection) -> str | None:
        return None  # one process, one disk: a second reader would gain little

    def import_snapshot(self, conn: Connection, snapshot: str) -> None:
        raise NotImplementedError("SQLite exports no snapshot")

    def rounded(self, value: ColumnElement[Any], places: int) -> ColumnElement[Any]:
        return func.round(value, places)

    def code_point_order(self, text: ColumnElement[Any]) -> ColumnElement[Any]:
        return text  # BINARY, SQLite's default collation, compares UTF-8 bytes

    def insert(self, table: Table) -> Any:
        return sqlite.insert(table)

    def fill_staging(self, conn: Connection, worker: Worker, frame: pd.DataFrame) -> None:
        _insert_into_staging(conn, frame)

    def ids_aggregated(self, ids: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.json_group_array(ids)

    def ids_counted(self, listed: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.json_array_length(listed)

    def ids_listed(self, listed: Any) -> Select[Any]:
        each = func.json_each(listed).table_valued("value")
        return select(each.c.value).select_from(source_file_keys).join(each, true())

    def analyze(self, conn: Connection, inserted: int) -> None:
        pass

    def analyze_staging(self, conn: Connection) -> None:
        pass

    def drop_temporary(self, conn: Connection, *tables: Table) -> None:
        for table in tables:
            table.drop(conn)


DIALECT = SQLite()


def _file_of(url: URL) -> Path | None:
    """The database file of a SQLite URL (None: in memory)."""
    name = url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name).absolute()


def _unwritable(path: Path) -> str | None:
    """Why this process cannot write the database file `path` (None: it can). By os.access, not
    the permission bits: it answers for this process (root writes a file of mode 444; nobody
    writes on a read-only mount or an immutable file)."""
    if path.exists() and not os.access(path, os.W_OK):
        return f"the file {path} cannot be written ({_why_not_writable(path)})"
    if path.parent.is_dir() and not os.access(path.parent, os.W_OK):  # a missing one: "unable to open"
        return f"its folder {path.parent} cannot be written (SQLite keeps its journal there)"
    return None


def _why_not_writable(path: Path) -> str:
    """The system's word for it: Permission denied, Read-only file system, Operation not permitted."""
    try:
        os.close(os.open(path, os.O_WRONLY))  # opened, not written
    except OSError as err:
        return err.strerror or "not writable"
    return "not writable"


def _read_only_uri(path: Path) -> str:
    """An SQLite URI that opens `path` read-only. A write-ahead-log database needs its -shm file
    even to be read; where it is missing and its folder cannot be written, no process is writing
    it now: the file is opened as immutable."""
    uri = path.as_uri() + "?mode=ro"
    if not os.access(path.parent, os.W_OK) and not Path(f"{path}-shm").exists():
        uri += "&immutable=1"
    return uri


def _insert_into_staging(conn: Connection, frame: pd.DataFrame, batch: int = 50_000) -> None:
    """executemany of plain tuples, in the text formats SQLAlchemy stores, a batch at a
    time so that a million rows never exist as Python objects at once."""
    rows = staged(frame)
    placeholders = ", ".join("?" for _ in STAGED)
    sql = f"INSERT INTO {staging.name} ({', '.join(STAGED)}) VALUES ({placeholders})"
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for start in range(0, len(rows), batch):
            part = rows.iloc[start : start + batch]
            columns = []
            for name in STAGED:
                col = part[name]
                if name in ("check_in", "check_out"):
                    columns.append(as_text(col, "D"))
                elif name == "booked_at":
                    columns.append(as_text(col, "us"))
                else:
                    columns.append(col.astype(object).where(col.notna(), None).tolist())
            cur.executemany(sql, zip(*columns, strict=True))
    finally:
        cur.close()


def as_text(column: pd.Series, unit: Literal["D", "us"]) -> list[str | None]:
    """Dates ("D") or times ("us") as the text SQLAlchemy stores in SQLite ('2026-01-31',
    '2026-01-31 09:30:00.000000'), each distinct value formatted once, in numpy."""
    codes, uniques = pd.factorize(column)
    if not len(uniques):  # all empty
        return [None] * len(codes)
    text_ = np.datetime_as_string(uniques.to_numpy(f"datetime64[{unit}]"), unit=unit)
    if unit != "D":
        text_ = np.char.replace(text_, "T", " ", count=1)
    values = text_.tolist()
    return [None if c < 0 else values[c] for c in codes.tolist()]
