"""The idempotent per-file merge: staging table, set-based upsert, exact counts, one transaction."""

from __future__ import annotations

import codecs
import ctypes
import datetime as dt
import io
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError

from loaders import bulk, history, locking, rules
from loaders.errors import DuplicateFile
from loaders.rules import overlaps
from loaders.rules import tasks as task_rules
from loaders.tables import CODE, MONEY, bookings, properties, rejected_rows, source_file_keys, source_files, tasks
from schemas.keys import MIX as _MIX
from schemas.keys import key_hashes
from schemas.problems import Rejected
from schemas.vocab import BOOKING_KEY, FileStatus

# Fields compared to decide whether a stored booking really changed.
COMPARED = [
    "property_id", "guest_name", "guest_contact", "adults", "children", "infants", "check_in",
    "check_out", "nights", "booked_at", "status", "raw_status", "payout", "gross", "currency",
]  # fmt: skip
# What the merge, task and conflict queries join and filter on: the statistics they need
# after a large load (the text columns' are the costly ones to gather, and unused).
ANALYZED = "id, source, external_code, property_id, check_in, check_out, status"
# Fields written on insert and on a real change.
WRITTEN = [*COMPARED, "row_hash", "as_of", "source_file_id", "source_row"]
# A PostgreSQL re-load of at least this many rows, and a quarter of the table or more, first
# looks for the rows it restates unchanged in memory, by key and row hash (see KnownRows).
KNOWN_IN_MEMORY_MIN_ROWS = 50_000

_staging_meta = MetaData()
staging = Table(
    "bookingest_staging",
    _staging_meta,
    Column("source", String(20)),
    Column("external_code", CODE),  # the collation of bookings.external_code: they are joined
    Column("property_name", String(200)),
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
_HASHED = [n for n in STAGED if n not in ("row_hash", "source_row", *BOOKING_KEY)]  # besides the key

# The rows of a file found unchanged in memory (see KnownRows), and their bookings.
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


@dataclass(frozen=True)
class FileRecord:
    """What we know of one input file before its rows are merged."""

    sha256: str
    path: str
    layout: str
    as_of: dt.datetime
    rows_expected: int = 0  # how many rows the file is thought to have (0: unknown)


@dataclass(frozen=True)
class MergeCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def find_loaded(engine: Engine, sha256: str) -> tuple[str, str | None] | None:
    """(path, layout) under which these bytes were loaded before, if they were."""
    with engine.connect() as conn:
        row = conn.execute(
            select(source_files.c.path, source_files.c.source).where(source_files.c.sha256 == sha256)
        ).first()
    return (row.path, row.source) if row else None


@contextmanager
def loading(engine: Engine, record: FileRecord) -> Iterator[FileLoad]:
    """One file's load in ONE transaction: record the file, stage its rows (chunk by chunk),
    merge. Whatever the block raises rolls everything back, so a file never half-loads.

    Raises DuplicateFile when the same bytes were loaded before, also by a concurrent run.
    """
    try:
        with engine.begin() as conn:
            locking.lock_merges(conn)
            previous = conn.execute(select(source_files.c.path).where(source_files.c.sha256 == record.sha256)).scalar()
            if previous is not None:
                raise DuplicateFile(record.sha256, previous)
            file_id = conn.execute(
                insert(source_files).returning(source_files.c.id),
                {
                    "sha256": record.sha256,
                    "path": record.path,
                    "source": record.layout,
                    "as_of": record.as_of,
                    "status": FileStatus.LOADED.value,
                    "rows": 0,
                    "rejected": 0,
                    "loaded_at": _now(),
                },
            ).scalar_one()
            load = FileLoad(conn, file_id, record.as_of, record.rows_expected)
            try:
                yield load
            finally:
                load.close()
    except IntegrityError as err:
        # Two runs raced on the same file: the unique sha256 let only one of them in.
        if "sha256" in str(err.orig):
            raise DuplicateFile(record.sha256, "a concurrent run") from None
        raise


class FileLoad:
    """The open transaction of one file: `stage` its valid rows and rejected rows a chunk at a
    time, `discard` staged rows found bad later, then `merge` once.

    On PostgreSQL a chunk is COPYed by a worker thread while the caller reads and checks the
    next one, so the database and Python work at the same time; at most one chunk waits. When
    the bookings table is empty (a first load: every row is new, nothing to compare), the rows
    are COPYed straight into it, whose unique constraint and indexes are built once at the end;
    otherwise into a temporary staging table that `merge` merges set-based.
    """

    def __init__(self, conn: Connection, file_id: int, as_of: dt.datetime, rows_expected: int = 0) -> None:
        self.conn = conn
        self.file_id = file_id
        self.as_of = as_of
        self.rows_expected = rows_expected
        self.dialect = conn.dialect.name
        self._target: Table | None = None  # staging, or bookings itself on a first load
        # First load: what the task rules (PostgreSQL) and the double-booking check need of each booking.
        self._stays: list[dict[str, np.ndarray]] = []
        self._restore_indexes: Callable[[], None] | None = None
        self._property_ids: dict[str, int] = {}
        self._property_numbers: dict[str, int] = {}  # SQLite first load: see _numbered
        self._first_load = False
        # A large PostgreSQL re-load: the stored bookings' keys and row hashes; the rows found
        # unchanged by them go to unchanged_rows instead of staging.
        self._known: KnownRows | None = None
        self._in_memory = 0  # rows in unchanged_rows
        # While the worker reads the stored rows, the first chunk waits here for them.
        self._fetching: Future[KnownRows] | None = None
        self._held: list[pd.DataFrame] = []
        self._copying: Future[None] | None = None
        self._worker: ThreadPoolExecutor | None = None
        # False once merge knows that no booking of this file can be part of a double booking
        # (a first load finds that in memory), so that nobody needs to ask the database.
        self.may_double_book = True

    def stage(self, frame: pd.DataFrame, rejected: list[Rejected]) -> None:
        """Add one chunk: its valid canonical rows to the staging table, its problems to rejected_rows."""
        self._wait()
        self._reject(rejected)
        if frame.empty:
            return
        if self._target is None:
            self._target = self._start()
        if "key_hash" not in frame:  # the ingest's tally hashed the keys already
            frame = frame.assign(key_hash=key_hashes(frame))
        frame = frame.assign(row_hash=row_hashes(frame))
        if self._fetching is not None:
            self._held.append(frame)  # stored once the stored rows are read; the caller reads on
            return
        self._store(frame)

    def _store(self, frame: pd.DataFrame) -> None:
        if self._known is not None:
            ids = self._known.unchanged(frame["key_hash"].to_numpy("uint64"), frame["row_hash"].to_numpy("int64"))
            self._in_memory += int((ids >= 0).sum())
            self._copy(_copy_sorted, frame.assign(booking_id=ids))
        elif self._target is bookings:
            rows = frame.assign(
                property_id=self._properties(frame["property_name"]), id=self._reserve_ids(bookings, len(frame))
            )
            self._stays.append(_stays(rows))
            self._copy(_copy_direct, rows)
        elif self.dialect == "postgresql":
            self._copy(_copy_into_staging, frame)
        else:
            if self._first_load:  # the double-booking check, in memory (property numbers will do)
                self._stays.append(_stays(frame.assign(id=0, property_id=self._numbered(frame))))
            _insert_into_staging(self.conn, frame)

    def discard(self, source_rows: list[int], rejected: list[Rejected]) -> None:
        """Take staged rows out again (e.g. a code that a later chunk repeats) and record why."""
        self._wait()
        self._reject(rejected)
        for part in _batches(source_rows):
            self.conn.execute(self._target_table().delete().where(*self._staged_rows(part)))
            if self._known is not None:
                u = unchanged_rows.c
                self._in_memory -= self.conn.execute(delete(unchanged_rows).where(u.source_row.in_(part))).rowcount
        if self._stays:
            gone = np.asarray(source_rows, dtype="int64")
            kept = [~np.isin(s["row"], gone) for s in self._stays]
            self._stays = [{k: v[keep] for k, v in s.items()} for s, keep in zip(self._stays, kept, strict=True)]

    def staged_keys(self, source_rows: list[int]) -> list[tuple[str, str, int]]:
        """(source, external_code, source_row) of these staged rows."""
        self._wait()
        t = self._target_table().c
        found: list[tuple[str, str, int]] = []
        for part in _batches(source_rows):
            query = select(t.source, t.external_code, t.source_row).where(*self._staged_rows(part))
            found += [(r.source, r.external_code, r.source_row) for r in self.conn.execute(query)]
            if self._known is not None:  # rows found unchanged in memory: their key is their booking's
                b, u = bookings.c, unchanged_rows.c
                query = select(b.source, b.external_code, u.source_row).join_from(
                    unchanged_rows, bookings, b.id == u.booking_id
                )
                found += [tuple(r) for r in self.conn.execute(query.where(u.source_row.in_(part)))]
        return found

    def merge(self, rows: int, rejected_rows: int) -> MergeCounts:
        """Merge everything staged into bookings (with history and tasks) and complete the
        file's record: `rows` read, `rejected_rows` of them quarantined."""
        self._wait()
        counts = MergeCounts()
        if self._target is bookings:
            assert self._restore_indexes is not None
            # A rebuilt unique constraint that finds a duplicate fails (and rolls back) the file.
            self._restore_indexes()
            inserted = sum(len(s["id"]) for s in self._stays)
            if inserted > 1_000_000:
                _give_back_freed_memory()
            if inserted > 10_000:
                _analyze(self.conn)
            counts = MergeCounts(inserted=inserted)
            stays = self._all_stays()  # a first load staged at least one chunk
            self.may_double_book = overlaps.any_overlap(stays)
            self._first_load_tasks(stays)  # nothing changed: no history
        elif self._target is staging:
            if self.dialect == "postgresql":
                # Temporary tables are never auto-analyzed; without statistics the planner
                # picks nested loops over a million rows.
                # Only the columns the merge joins on: the row count comes with any ANALYZE.
                self.conn.execute(text(f"ANALYZE {staging.name} (source, external_code, property_name, source_row)"))
            counts, last_id = _merge_from_staging(self.conn, self.file_id, self.as_of, self.dialect, self._in_memory)
            # Bookings this file neither inserted nor changed were checked when they were written.
            self.may_double_book = counts.inserted + counts.updated > 0
            if self._first_load:
                self.may_double_book = overlaps.any_overlap(self._all_stays())
            history.record_history(self.conn, changes, self.file_id, self.as_of, _now())
            task_rules.apply_task_rules(self.conn, changes, last_id, _now())
        if self._target is not None and self.dialect != "postgresql":  # PostgreSQL drops them at commit
            staging.drop(self.conn)
            changes.drop(self.conn)
        self.conn.execute(
            update(source_files)
            .where(source_files.c.id == self.file_id)
            .values(
                rows=rows,
                rejected=rejected_rows,
                inserted=counts.inserted,
                updated=counts.updated,
                unchanged=counts.unchanged,
            )
        )
        return counts

    def close(self) -> None:
        """Wait for a COPY still running (its error, if any, is raised unless one already is)."""
        try:
            if sys.exc_info()[0] is None:
                self._wait()
            elif self._copying is not None:
                wait([self._copying])
        finally:
            if self._worker is not None:
                self._worker.shutdown(wait=True)

    def _start(self) -> Table:
        changes.create(self.conn)
        self._first_load = self.conn.execute(select(bookings.c.id).limit(1)).first() is None
        if self.dialect == "postgresql" and self._first_load:
            self._restore_indexes = bulk.drop_indexes(self.conn, bookings)
            return bookings
        staging.create(self.conn)
        if self.dialect == "postgresql" and self.rows_expected >= KNOWN_IN_MEMORY_MIN_ROWS:
            unchanged_rows.create(self.conn)
            stored, hashed = self.conn.execute(select(func.count(), func.count(bookings.c.row_hash))).one()
            # Reading the table's keys costs less than joining them, and most rows can match.
            if 4 * self.rows_expected >= stored and 2 * hashed >= stored:
                self._fetching = self._pool().submit(KnownRows.fetch, self.conn.connection.driver_connection)
        return staging

    def _reserve_ids(self, table: Table, n: int) -> np.ndarray:
        """n consecutive ids from the table's sequence (the table is locked: no other insert
        takes ids meanwhile): tasks can name their bookings without a join, and PostgreSQL is
        spared a sequence call per row."""
        last = self.conn.execute(
            text("SELECT setval(pg_get_serial_sequence(:t, 'id'), nextval(pg_get_serial_sequence(:t, 'id')) + :n - 1)"),
            {"t": table.name, "n": n},
        ).scalar_one()
        return np.arange(last - n + 1, last + 1, dtype="int64")

    def _first_load_tasks(self, stays: pd.DataFrame) -> None:
        """The tasks of a first load, derived in memory and COPYed (the same rules as
        `task_rules.apply_task_rules`, which a first load does not need: nothing existed before)."""
        active = int(stays["active"].sum())
        existing = self.conn.execute(select(func.coalesce(func.max(tasks.c.id), 0))).scalar_one()
        raw = self.conn.connection.driver_connection
        # Reserved ids are new and distinct: the primary key too is built once, at the end.
        with bulk.indexes_deferred(self.conn, tasks, bulk.worth_it(self.conn, active, existing), primary_key=True):
            for part in task_rules.first_load_tasks(stays, _now()):
                _copy(raw, part.assign(id=self._reserve_ids(tasks, len(part))), tasks)

    def _target_table(self) -> Table:
        return self._target if self._target is not None else staging

    def _staged_rows(self, source_rows: list[int]) -> list[Any]:
        t = self._target_table().c
        mine = [t.source_file_id == self.file_id] if self._target is bookings else []
        return [*mine, t.source_row.in_(source_rows)]

    def _properties(self, names: pd.Series) -> np.ndarray:
        """The property id of every name, creating the properties not seen before (PostgreSQL:
        one statement for all new names, however many)."""
        codes, uniques = pd.factorize(names)
        new = [n for n in uniques if n not in self._property_ids]
        if new:
            self.conn.execute(
                text(
                    "INSERT INTO properties (name) SELECT unnest(CAST(:names AS text[])) ON CONFLICT (name) DO NOTHING"
                ),
                {"names": new},
            )
            found = self.conn.execute(
                text("SELECT name, id FROM properties WHERE name = ANY(CAST(:names AS text[]))"), {"names": new}
            )
            self._property_ids.update((r.name, r.id) for r in found)
        ids = np.fromiter((self._property_ids[n] for n in uniques), dtype="int64", count=len(uniques))
        return ids[codes]

    def _numbered(self, frame: pd.DataFrame) -> np.ndarray:
        """A number per property name, the same in every chunk (not its id: none is made yet)."""
        codes, uniques = pd.factorize(frame["property_name"])
        numbers = self._property_numbers
        known = np.fromiter((numbers.setdefault(n, len(numbers)) for n in uniques), dtype="int64", count=len(uniques))
        return known[codes]

    def _all_stays(self) -> pd.DataFrame:
        """The stays of every chunk as one frame; each column's pieces are let go as soon as
        it is joined, so that a 5M-row load does not hold them twice."""
        parts, self._stays = self._stays, []
        columns = {name: np.concatenate([part.pop(name) for part in parts]) for name in list(parts[0])}
        return pd.DataFrame(columns, copy=False)

    def _pool(self) -> ThreadPoolExecutor:
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bookingest-copy")
        return self._worker

    def _copy(self, fn: Callable[..., None], frame: pd.DataFrame) -> None:
        raw = self.conn.connection.driver_connection
        self._copying = self._pool().submit(fn, raw, frame, self.file_id, self.as_of)

    def _wait(self) -> None:
        """Until the worker is done with the connection: its reading of the stored rows (then
        the chunk held back for them is stored) and its COPY."""
        if self._fetching is not None:
            fetching, self._fetching = self._fetching, None
            self._known = fetching.result()
            held, self._held = self._held, []
            for frame in held:
                self._wait()
                self._store(frame)
        if self._copying is not None:
            copying, self._copying = self._copying, None
            copying.result()

    def _reject(self, rejected: list[Rejected]) -> None:
        if rejected:
            self.conn.execute(insert(rejected_rows), [{"source_file_id": self.file_id, **r.__dict__} for r in rejected])


def _give_back_freed_memory() -> None:
    """Hand the heap memory freed while the chunks were read back to the system (glibc keeps
    it otherwise, scattered), so that a large first load's task arrays do not come on top of
    it: a 5M-row CSV peaked some 60 to 90 MB lower. Elsewhere than glibc, nothing happens."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _stays(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """What the first-load task rules need of each booking, in 21 bytes a row."""
    return {
        "id": rows["id"].to_numpy("int32"),
        "property_id": rows["property_id"].to_numpy("int32"),
        "check_in": rows["check_in"].to_numpy("datetime64[D]").astype("int32"),
        "check_out": rows["check_out"].to_numpy("datetime64[D]").astype("int32"),
        "active": rules.active_mask(rows["status"]),
        "row": rows["row_number"].to_numpy("int32"),
    }


def _batches(values: list[int], size: int = 10_000) -> Iterator[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _merge_from_staging(
    conn: Connection, file_id: int, as_of: dt.datetime, dialect: str, in_memory: int = 0
) -> tuple[MergeCounts, int]:
    """Merge staging into bookings; return the counts and the last booking id from before.

    Set-based, touching only what changes: record the really changed rows (old and new
    values) in a small temporary table; record the unchanged known ids for the late-export
    rule (which also counts the known rows); insert the new keys, if any, with an anti-join;
    update the changed rows from that table. Unchanged rows are never written.
    `in_memory`: how many of the file's rows were found unchanged in memory (in unchanged_rows,
    not staged).
    """
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    s, b, p = staging.c, bookings.c, properties.c
    conn.execute(
        dialect_insert(properties)
        .from_select(["name"], select(s.property_name).distinct().where(true()))
        .on_conflict_do_nothing(index_elements=["name"])
    )
    incoming = {name: (p.id if name == "property_id" else s[name]) for name in COMPARED}
    as_of_param = literal(as_of, DateTime)
    with_property = staging.join(properties, p.name == s.property_name)
    same_key = and_(*(b[k] == s[k] for k in BOOKING_KEY))
    matched = with_property.join(bookings, same_key)
    changed = or_(*(b[name].is_distinct_from(incoming[name]) for name in COMPARED))

    applies = [b.as_of <= as_of_param, changed]
    if conn.execute(select(exists().where(source_files.c.as_of > as_of_param, source_files.c.id != file_id))).scalar():
        # A late export: a booking listed by any newer file keeps that file's values.
        applies.append(not_(b.id.in_(_listed_by_files_newer_than(conn, as_of_param, file_id))))
    updated = conn.execute(
        insert(changes).from_select(
            ["booking_id", "source_row", "row_hash", *(f"old_{n}" for n in COMPARED), *(f"new_{n}" for n in COMPARED)],
            select(b.id, s.source_row, s.row_hash, *(b[n] for n in COMPARED), *(incoming[n] for n in COMPARED))
            .select_from(matched)
            .where(*applies),
        ),
        execution_options={"preserve_rowcount": True},
    ).rowcount
    total = conn.execute(select(func.count()).select_from(staging)).scalar_one() + in_memory
    last_id = conn.execute(select(func.coalesce(func.max(b.id), 0))).scalar_one()
    file_param = literal(file_id, Integer)
    new_rows = (
        select(
            *(s[k] for k in BOOKING_KEY),
            *(incoming[n] for n in COMPARED),
            s.row_hash,
            as_of_param,
            file_param,
            s.source_row,
            file_param,
            as_of_param,
        )
        .select_from(with_property)
        .where(~exists().where(same_key))
    )
    # The known bookings this file lists but does not change: a later-arriving older export
    # must not change them either (new and changed rows carry this file's as_of already).
    # Recorded before the insert, the list also tells how many of the file's rows are known.
    ids: Any
    if dialect == "postgresql":
        ids, size = func.array_agg(b.id), func.cardinality(source_file_keys.c.booking_ids)
    else:
        ids, size = func.json_group_array(b.id), func.json_array_length(source_file_keys.c.booking_ids)
    listed = select(file_param, ids).select_from(staging.join(bookings, same_key))
    unchanged = (
        conn.execute(
            insert(source_file_keys)
            .from_select(
                ["source_file_id", "booking_ids"],
                listed.where(b.id.not_in(select(changes.c.booking_id))).having(func.count() > 0),
            )
            .returning(size)
        ).scalar_one_or_none()
        or 0
    )
    if in_memory:
        conn.execute(
            text(
                "INSERT INTO source_file_keys (source_file_id, booking_ids) "
                f"SELECT :file, array_agg(booking_id) FROM {unchanged_rows.name} "
                "ON CONFLICT (source_file_id) DO UPDATE SET booking_ids = source_file_keys.booking_ids || EXCLUDED.booking_ids"
            ),
            {"file": file_id},
        )
        unchanged += in_memory
    known = unchanged + updated
    if total > known:
        # A plain INSERT: the anti-join already excludes known keys and merges hold a lock, while
        # ON CONFLICT's speculative insertion would cost PostgreSQL nearly twice the time. A file
        # with at least as many new rows as the table holds builds the indexes after the rows.
        with bulk.indexes_deferred(conn, bookings, bulk.worth_it(conn, total - known, last_id)):
            conn.execute(
                insert(bookings).from_select([*BOOKING_KEY, *WRITTEN, "first_file_id", "first_as_of"], new_rows)
            )
    if dialect == "postgresql" and total - known > 10_000:
        _analyze(conn)
    if updated:
        c = changes.c
        conn.execute(
            update(bookings)
            .where(b.id == c.booking_id)
            .values(
                {n: c[f"new_{n}"] for n in COMPARED}
                | {
                    "row_hash": c.row_hash,
                    "as_of": as_of_param,
                    "source_file_id": file_param,
                    "source_row": c.source_row,
                }
            )
        )
    return MergeCounts(inserted=total - known, updated=updated, unchanged=known - updated), last_id


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of each canonical row as it would be staged: its key and every compared
    field (the property by name), not where in the file it stands. Starts from the key's hash
    (the frame's `key_hash` column, see key_hashes)."""
    hashed = frame["key_hash"].to_numpy("uint64")
    for name in _HASHED:
        # Text that repeats (statuses, properties, names) is hashed once per distinct value;
        # an empty value hashes apart from every text (uncategorized, it would hash as "nan").
        unique = name == "guest_contact"  # few repeats: hashed value by value
        column = pd.util.hash_pandas_object(frame[name], index=False, categorize=not unique).to_numpy()
        if unique:
            column = np.where(frame[name].isna().to_numpy(), _EMPTY, column)
        hashed = (hashed * _MIX) ^ column
    return hashed.view("int64")  # as PostgreSQL's BIGINT holds it


_EMPTY = np.uint64(0xE3B0C44298FC1C14)  # the hash of an empty value where text is hashed value by value


class KnownRows:
    """The stored bookings' ids and row hashes, ordered by a hash of their keys: a re-load's
    row whose key and row hash match a stored booking's restates it unchanged, without a trip
    through staging and the merge's joins (two 1M-row joins cost PostgreSQL some 2 s).

    A match needs the key's hash (a collision among the stored keys makes those keys
    unmatchable) and the row's, which covers the key too, to agree; any other row is staged and
    compared in the database as before. Bookings without a row hash (from older versions) are
    not here. This rests on the merge being the only writer of bookings."""

    def __init__(self, keys: np.ndarray, ids: np.ndarray, hashes: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        keys, ids, hashes = keys[order], ids[order], hashes[order]
        collided = np.zeros(len(keys), dtype=bool)
        if len(keys) > 1:
            same = keys[1:] == keys[:-1]
            collided[1:] |= same
            collided[:-1] |= same
        self.keys, self.ids, self.hashes = keys[~collided], ids[~collided], hashes[~collided]

    @classmethod
    def fetch(cls, raw: Any) -> KnownRows:
        """Read every stored booking's id, key and row hash (PostgreSQL, this transaction)."""
        query = "COPY (SELECT id, source, external_code, row_hash FROM bookings WHERE row_hash IS NOT NULL) TO STDOUT"
        buffer = io.BytesIO()
        with _driver_errors_wrapped(raw, query), raw.cursor() as cur, cur.copy(query + " WITH (FORMAT csv)") as copy:
            for block in copy:
                buffer.write(block)
        if not buffer.tell():  # no booking has a row hash yet
            return cls(np.empty(0, dtype="uint64"), np.empty(0, dtype="int64"), np.empty(0, dtype="int64"))
        names = ["id", *BOOKING_KEY, "row_hash"]
        table = pa_csv.read_csv(
            pa.BufferReader(buffer.getbuffer()),
            read_options=pa_csv.ReadOptions(column_names=names, encoding=_arrow_encoding(raw.info.encoding)),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types={"id": pa.int64(), "row_hash": pa.int64(), **dict.fromkeys(BOOKING_KEY, pa.string())},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        frame = table.to_pandas()
        return cls(key_hashes(frame), frame["id"].to_numpy("int64"), frame["row_hash"].to_numpy("int64"))

    def unchanged(self, keys: np.ndarray, hashes: np.ndarray) -> np.ndarray:
        """Per row, the id of the stored booking it restates unchanged, or -1."""
        if not len(self.keys):
            return np.full(len(keys), -1, dtype="int64")
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        same = (self.keys[at] == keys) & (self.hashes[at] == hashes)
        return np.where(same, self.ids[at], -1)


def _arrow_encoding(python_codec: str) -> str:
    """Arrow's name for the connection's encoding ("utf8" is read without transcoding)."""
    return "utf8" if codecs.lookup(python_codec).name == "utf-8" else python_codec


def _analyze(conn: Connection) -> None:
    """Fresh statistics after a large insert, not when autovacuum comes by: the task and
    conflict queries that follow in this transaction, and the next file's merge, then get hash
    joins rather than plans for an empty table (with the properties counted as a few hundred,
    the next merge probed the key index a million times instead of hashing: twice as slow)."""
    conn.execute(text(f"ANALYZE bookings ({ANALYZED})"))
    conn.execute(text("ANALYZE properties"))


def _listed_by_files_newer_than(conn: Connection, as_of: Any, file_id: int) -> Any:
    newer = select(source_files.c.id).where(source_files.c.as_of > as_of, source_files.c.id != file_id)
    k = source_file_keys.c
    if conn.dialect.name == "postgresql":
        return select(func.unnest(k.booking_ids)).where(k.source_file_id.in_(newer))
    each = func.json_each(k.booking_ids).table_valued("value")
    return select(each.c.value).select_from(source_file_keys).join(each, true()).where(k.source_file_id.in_(newer))


def _copy_into_staging(raw: Any, frame: pd.DataFrame, file_id: int, as_of: dt.datetime) -> None:
    """PostgreSQL: COPY a chunk into the staging table. Runs on the worker thread."""
    _copy(raw, _staged(frame), staging)


def _copy_sorted(raw: Any, frame: pd.DataFrame, file_id: int, as_of: dt.datetime) -> None:
    """PostgreSQL re-load: COPY the chunk's rows found unchanged (booking_id >= 0) into
    unchanged_rows and the others into staging. Runs on the worker thread."""
    same = frame["booking_id"].to_numpy() >= 0
    if same.any():
        found = frame.loc[same, ["row_number", "booking_id"]].rename(columns={"row_number": "source_row"})
        _copy(raw, found, unchanged_rows)
    if not same.all():
        _copy(raw, _staged(frame[~same]), staging)


def _copy_direct(raw: Any, frame: pd.DataFrame, file_id: int, as_of: dt.datetime) -> None:
    """PostgreSQL, first load: COPY a chunk (with its property ids) straight into bookings."""
    rows = frame.rename(columns={"row_number": "source_row"}).assign(
        as_of=as_of, source_file_id=file_id, first_file_id=file_id, first_as_of=as_of
    )
    _copy(raw, rows[["id", *BOOKING_KEY, *WRITTEN, "first_file_id", "first_as_of"]], bookings)


def _copy(raw: Any, frame: pd.DataFrame, target: Table) -> None:
    """COPY the frame in PostgreSQL's binary format, encoded from Arrow columns typed after the
    target's columns (pgpq): no per-row Python, and nothing for the server to parse. Runs on the
    transaction's driver connection (psycopg's are thread-safe; the caller waits for it)."""
    import pgpq  # only PostgreSQL loads need it

    columns = pa.Table.from_pandas(frame, preserve_index=False)
    table = pa.table(
        [_arrow_cast(columns.column(n), target.c[n].type) for n in frame.columns], names=list(frame.columns)
    )
    encoder = pgpq.ArrowToPostgresBinaryEncoder(table.schema)
    statement = f"COPY {target.name} ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT binary)"
    with _driver_errors_wrapped(raw, statement), raw.cursor() as cur, cur.copy(statement) as copy:
        copy.write(encoder.write_header())
        for batch in table.to_batches(max_chunksize=50_000):
            copy.write(encoder.write_batch(batch))
        copy.write(encoder.finish())


@contextmanager
def _driver_errors_wrapped(raw: Any, statement: str) -> Iterator[None]:
    """The raw driver's errors, wrapped as SQLAlchemy wraps every other statement's
    (IntegrityError for a violated constraint, OperationalError, ...)."""
    try:
        yield
    except Exception as err:
        if getattr(err, "sqlstate", None) is None:
            raise
        raise DBAPIError.instance(statement, None, err, type(raw).Error) from err


def _arrow_cast(column: pa.ChunkedArray, sql_type: Any) -> pa.ChunkedArray:
    """A column in the Arrow type whose binary COPY form is that of the SQL column."""
    if isinstance(sql_type, Date):
        return column.cast(pa.timestamp("us")).cast(pa.date32())
    if isinstance(sql_type, DateTime):  # PostgreSQL keeps microseconds: finer digits are cut
        return column.cast(pa.timestamp("us"), safe=False)
    if isinstance(sql_type, BigInteger):
        return column.cast(pa.int64())
    if isinstance(sql_type, Integer):
        return column.cast(pa.int32())
    if isinstance(sql_type, Boolean):
        return column.cast(pa.bool_())
    if isinstance(sql_type, Numeric):
        return column.cast(pa.decimal128(sql_type.precision or 38, sql_type.scale or 0))
    return column.cast(pa.string())


def _insert_into_staging(conn: Connection, frame: pd.DataFrame, batch: int = 50_000) -> None:
    """SQLite: executemany of plain tuples, in the text formats SQLAlchemy stores, a batch at a
    time so that a million rows never exist as Python objects at once."""
    staged = _staged(frame)
    placeholders = ", ".join("?" for _ in STAGED)
    sql = f"INSERT INTO {staging.name} ({', '.join(STAGED)}) VALUES ({placeholders})"
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for start in range(0, len(staged), batch):
            part = staged.iloc[start : start + batch]
            columns = []
            for name in STAGED:
                col = part[name]
                if name in ("check_in", "check_out"):
                    columns.append(_as_text(col, "D"))
                elif name == "booked_at":
                    columns.append(_as_text(col, "us"))
                else:
                    columns.append(col.astype(object).where(col.notna(), None).tolist())
            cur.executemany(sql, zip(*columns, strict=True))
    finally:
        cur.close()


def _as_text(column: pd.Series, unit: Literal["D", "us"]) -> list[str | None]:
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


def _staged(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns={"row_number": "source_row"})[STAGED]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
