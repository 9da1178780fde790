"""One file's load: its record, its one transaction, and the choice of the strategy that merges its rows."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from loaders.aliases import AliasOutcome, Listings, declare
from loaders.dialects import dialect_of
from loaders.errors import DuplicateFile
from loaders.merge_lock import MergeSlot, Turn, kept_if, merged_in_turn
from loaders.pg_copy import Worker
from loaders.properties import PropertyIds
from loaders.stage_ahead import StagedAhead, abandon, hashed, stage_ahead
from loaders.staging import changes, staging, unchanged_rows
from loaders.strategies import LoadStrategy, MergeCounts, OpenFile, Strategy, now
from loaders.strategies.first_load import FirstLoad
from loaders.strategies.known_rows import KnownRowsMerge
from loaders.strategies.staged_merge import StagedMerge
from loaders.tables import bookings, rejected_rows, source_files
from schemas.aliases import DeclaredAlias
from schemas.problems import Rejected
from schemas.tuning import DEFAULT_TUNING, Tuning
from schemas.vocab import FileStatus


@dataclass(frozen=True)
class FileRecord:
    """What we know of one input file before its rows are merged."""

    sha256: str
    path: str
    layout: str
    as_of: dt.datetime
    rows_expected: int = 0  # how many rows the file is thought to have (0: unknown)
    aliases: tuple[DeclaredAlias, ...] = ()  # declared beside it (bookingest.toml): added first
    options: str | None = None  # JSON: what a replay needs to read it again as it was read
    replay_of: int | None = None  # the file whose quarantined rows this load replays


def find_loaded(engine: Engine, sha256: str) -> tuple[str, str | None, int] | None:
    """(path, layout, source_files id) under which these bytes were loaded before, if they were."""
    with engine.connect() as conn:
        row = conn.execute(
            select(source_files.c.path, source_files.c.source, source_files.c.id).where(source_files.c.sha256 == sha256)
        ).first()
    return (row.path, row.source, row.id) if row else None


@contextmanager
def loading(
    engine: Engine,
    record: FileRecord,
    tuning: Tuning = DEFAULT_TUNING,
    dry_run: bool = False,
    turn: Turn | None = None,
    ahead: list[pd.DataFrame] | None = None,
) -> Iterator[FileLoad]:
    """One file's load in ONE transaction: record the file, stage its rows (chunk by chunk),
    merge. Whatever the block raises rolls everything back, so a file never half-loads.

    With `dry_run` the transaction is rolled back when the block ends instead of committed: the
    load runs, counts and derives exactly as a real one (the block may read its effects on
    `load.conn`), and leaves the database as it was, DDL included (PostgreSQL and SQLite both
    roll back a dropped and rebuilt index). Only sequences move on: ids are never reused anyway.

    The whole transaction holds the merge lock (loaders.merge_lock: the `turn`'s timings get how
    long it waited and held it, its slot is entered around it): read and check the file before. The
    valid rows of a file read ahead (`ahead`, its chunks as they will be staged) may be staged
    before the lock (loaders.stage_ahead).

    Raises DuplicateFile when the same bytes were loaded before, also by a concurrent run.
    """
    staged: list[StagedAhead] = []

    def before_lock(conn: Connection) -> None:
        if (done := stage_ahead(engine, conn, ahead or [], record.rows_expected, tuning)) is not None:
            staged.append(done)

    try:
        with merged_in_turn(engine, tuning, turn, before_lock if ahead else None) as conn:
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
                    "loaded_at": now(),
                    "options": record.options,
                    "replay_of": record.replay_of,
                },
            ).scalar_one()
            kept_if(conn, source_files, id=file_id, sha256=record.sha256)  # if a crash loses the commit
            load = FileLoad(conn, file_id, record.as_of, record.rows_expected, tuning)
            load.adopt(declare(conn, record.aliases, now(), tuning))
            if staged:
                load.adopt_staged(staged[0])
            try:
                yield load
            finally:
                load.close()
            if dry_run:
                conn.get_transaction().rollback()  # type: ignore[union-attr]
    except IntegrityError as err:
        # Two runs raced on the same file: the unique sha256 let only one of them in.
        if "sha256" in str(err.orig):
            raise DuplicateFile(record.sha256, "a concurrent run") from None
        raise


def declare_apart(
    engine: Engine,
    aliases: tuple[DeclaredAlias, ...],
    tuning: Tuning = DEFAULT_TUNING,
    dry_run: bool = False,
    slot: MergeSlot = nullcontext,
) -> list[str]:
    """Add a folder's declared aliases in a transaction of their own (under the merge lock, as a
    load adds them), for a file that does not load (its bytes were loaded before): an alias
    declared after the folder's files were loaded still takes effect. What the summary says."""
    with merged_in_turn(engine, tuning, Turn(slot=slot)) as conn:
        outcome = declare(conn, aliases, now(), tuning)
        if dry_run:
            conn.get_transaction().rollback()  # type: ignore[union-attr]
    return outcome.notes()


class FileLoad:
    """The open transaction of one file: `stage` its valid rows and rejected rows a chunk at a
    time, `discard` staged rows found bad later, then `merge` once.

    The first chunk staged chooses the strategy (`strategy` names it): when the bookings table
    is empty and the dialect may, the rows are COPYed straight into it (first_load); a large
    PostgreSQL re-load first looks for the rows it restates unchanged in memory (known_rows);
    otherwise the rows go to a temporary staging table that `merge` merges set-based
    (staged_merge). On PostgreSQL a chunk is COPYed by a worker thread while the caller reads
    and checks the next one, so the database and Python work at the same time.
    """

    def __init__(
        self,
        conn: Connection,
        file_id: int,
        as_of: dt.datetime,
        rows_expected: int = 0,
        tuning: Tuning = DEFAULT_TUNING,
    ) -> None:
        self.conn = conn
        self.file_id = file_id
        self._file = OpenFile(conn, file_id, as_of, rows_expected, tuning, dialect_of(conn), Worker())
        self._strategy: LoadStrategy | None = None
        self._ahead = 0  # chunks still to come that were staged before the lock
        self._temporary: list[Table] = []
        # False once merge knows that no booking of this file can be part of a double booking
        # (a first load finds that in memory), so that nobody needs to ask the database.
        self.may_double_book = True
        self._property_ids = PropertyIds(conn)
        self._listings = Listings()
        self.notes: list[str] = []  # what the summary says of the aliases the load added
        self._merged: list[str] = []  # properties merged into another: their bookings may double-book
        self._declared: list[str] = []  # houses created by declared aliases

    @property
    def new_properties(self) -> list[str]:
        """The properties this load created (a name seen for the first time) and kept."""
        return [n for n in self._declared + self._property_ids.created if n not in self._merged]

    @property
    def strategy(self) -> Strategy | None:
        """How this file's rows are merged (None until a chunk with valid rows is staged)."""
        return self._strategy.name if self._strategy is not None else None

    def stage(self, frame: pd.DataFrame, rejected: list[Rejected]) -> None:
        """Add one chunk: its valid canonical rows to the strategy's table (staging, or bookings
        itself on a PostgreSQL first load), its problems to rejected_rows."""
        self._wait()
        self._reject(rejected)
        if frame.empty:
            return
        # Before the strategy is chosen: a large re-load's worker starts reading at once. From
        # here on, `property_name` is the name of the property the row lands on (an alias's
        # house): the row hash covers the property as resolved, not as the row named it.
        ids, houses = self._property_ids.of(frame)
        self._listings.add(frame, ids)
        if self._ahead:  # staged before the lock (see adopt_staged)
            self._ahead -= 1
            return
        if self._strategy is None:
            self._strategy = self._choose()
        self._strategy.store(hashed(frame, ids, houses))

    def adopt_staged(self, ahead: StagedAhead) -> None:
        """Take over the rows staged before the lock (loaders.stage_ahead) if the properties they
        assumed are still theirs: their chunks' `stage` then stages nothing. Else (an alias or a
        property merge came in between) drop them: `stage` stages anew."""
        if self._property_ids.adopt(list(ahead.resolved)) != ahead.resolved:
            abandon(self.conn)
            return
        self._temporary += [changes, staging]
        self._strategy = StagedMerge(self._file)  # bookings was not empty: nothing deletes bookings
        self._ahead = ahead.chunks

    def discard(self, source_rows: list[int], rejected: list[Rejected]) -> None:
        """Take staged rows out again (e.g. a code that a later chunk repeats) and record why."""
        self._wait()
        self._reject(rejected)
        if self._strategy is not None:
            self._strategy.discard(source_rows)

    def staged_keys(self, source_rows: list[int]) -> list[tuple[Any, ...]]:
        """(*BOOKING_KEY, source_row) of these staged rows: (source, external_code, source_row)."""
        self._wait()
        return self._strategy.staged_keys(source_rows) if self._strategy is not None else []

    def merge(self, rows: int, rejected_rows: int) -> MergeCounts:
        """Merge everything staged into bookings (with history and tasks) and complete the
        file's record: `rows` read, `rejected_rows` of them quarantined."""
        self._wait()
        counts = MergeCounts()
        if self._strategy is not None:
            counts = self._strategy.merge()
            self.may_double_book = self._strategy.may_double_book
            self._file.dialect.drop_temporary(self.conn, *reversed(self._temporary))
        self._property_ids.close()
        if aliased := self._property_ids.aliased:
            source, name, house = aliased[0]
            self.notes.append(
                f"{len(aliased)} name(s) of its rows are aliases of houses (e.g. {source} '{name}' is '{house}')"
            )
        self.adopt(self._listings.teach(self.conn, now(), self._file.tuning))
        self.may_double_book |= bool(self._merged)
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

    def adopt(self, outcome: AliasOutcome) -> None:
        """Report the aliases added for this load (declared or taught)."""
        self.notes += outcome.notes()
        self._declared += outcome.created
        self._merged += [m.other for m in outcome.merged]

    def close(self) -> None:
        """Wait for a COPY still running (its error, if any, is raised unless one already is)."""
        failed = sys.exc_info()[0] is not None
        try:
            if not failed:
                self._wait()
        finally:
            self._file.worker.close(failed)

    def _choose(self) -> LoadStrategy:
        f, conn = self._file, self.conn
        self._create(changes)
        empty = conn.execute(select(bookings.c.id).limit(1)).first() is None
        if empty and f.dialect.copies_first_load:
            return FirstLoad(f)
        self._create(staging)
        if f.dialect.compares_in_memory and f.rows_expected >= f.tuning.known_in_memory_min_rows:
            self._create(unchanged_rows)
            stored, hashed = conn.execute(select(func.count(), func.count(bookings.c.row_hash))).one()
            # Reading the table's keys costs less than joining them, and most rows can match.
            if 4 * f.rows_expected >= stored and 2 * hashed >= stored:
                return KnownRowsMerge(f)
        return StagedMerge(f, first=empty)

    def _create(self, table: Table) -> None:
        table.create(self.conn)
        self._temporary.append(table)

    def _wait(self) -> None:
        if self._strategy is not None:
            self._strategy.wait()

    def _reject(self, rejected: list[Rejected]) -> None:
        if rejected:
            self.conn.execute(insert(rejected_rows), [{"source_file_id": self.file_id, **r.__dict__} for r in rejected])
