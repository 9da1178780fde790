"""A PostgreSQL first load: bookings is empty, so every row is new and nothing is compared; the rows are
COPYed straight into it (ids reserved, indexes built once at the end) and their tasks derived in memory."""

from __future__ import annotations

import ctypes
import datetime as dt
from contextlib import suppress
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table, func, select, text

from loaders import bulk
from loaders.analytics import stored
from loaders.pg_copy import copy_frame
from loaders.rules import overlaps
from loaders.rules import tasks as task_rules
from loaders.staging import WRITTEN
from loaders.strategies import LoadStrategy, MergeCounts, OpenFile, Strategy, now
from loaders.strategies.stays import Stays
from loaders.tables import bookings, tasks
from schemas.vocab import BOOKING_KEY


class FirstLoad(LoadStrategy):
    """Rows COPYed by the worker straight into bookings, whose unique constraint and indexes are
    dropped now and built once by `merge` (a duplicate key then fails the file)."""

    name = Strategy.FIRST_LOAD
    table = bookings

    def __init__(self, file: OpenFile) -> None:
        super().__init__(file)
        self._restore_indexes = bulk.drop_indexes(file.conn, bookings, file.tuning)
        # What the task rules and the double-booking check need of each booking.
        self.stays = Stays()

    def store(self, frame: pd.DataFrame) -> None:
        f = self.file
        rows = frame.assign(id=reserve_ids(f.conn, bookings, len(frame)))
        self.stays.add(rows)
        f.worker.copy(_copy_direct, f.raw, rows, f.file_id, f.as_of)

    def discard(self, source_rows: list[int]) -> None:
        super().discard(source_rows)
        self.stays.discard(source_rows)

    def merge(self) -> MergeCounts:
        # A rebuilt unique constraint that finds a duplicate fails (and rolls back) the file.
        self._restore_indexes()
        inserted = len(self.stays)
        if inserted > 1_000_000:
            _give_back_freed_memory()
        self.file.dialect.analyze(self.file.conn, inserted)
        stays = self.stays.frame()  # a first load staged at least one chunk
        self.may_double_book = overlaps.any_overlap(stays)
        self._tasks(stays)  # nothing changed: no history
        stored.mark_stale(self.file.conn, select(bookings.c.id).where(bookings.c.source_file_id == self.file.file_id))
        return MergeCounts(inserted=inserted)

    def _staged_rows(self, source_rows: list[int]) -> list[Any]:
        return [bookings.c.source_file_id == self.file.file_id, *super()._staged_rows(source_rows)]

    def _tasks(self, stays: pd.DataFrame) -> None:
        """The tasks of a first load, derived in memory and COPYed (the same rules as
        `rules.tasks.apply_task_rules`, which a first load does not need: nothing existed before)."""
        conn = self.file.conn
        active = int(stays["active"].sum())
        existing = conn.execute(select(func.coalesce(func.max(tasks.c.id), 0))).scalar_one()
        # Reserved ids are new and distinct: the primary key too is built once, at the end.
        with bulk.indexes_deferred(conn, tasks, active, existing, self.file.tuning, primary_key=True):
            for part in task_rules.first_load_tasks(stays, now()):
                copy_frame(self.file.raw, part.assign(id=reserve_ids(conn, tasks, len(part))), tasks)


def reserve_ids(conn: Connection, table: Table, n: int) -> np.ndarray:
    """n consecutive ids from the table's sequence (the table is locked: no other insert
    takes ids meanwhile): tasks can name their bookings without a join, and PostgreSQL is
    spared a sequence call per row."""
    last = conn.execute(
        text("SELECT setval(pg_get_serial_sequence(:t, 'id'), nextval(pg_get_serial_sequence(:t, 'id')) + :n - 1)"),
        {"t": table.name, "n": n},
    ).scalar_one()
    return np.arange(last - n + 1, last + 1, dtype="int64")


def _copy_direct(raw: Any, frame: pd.DataFrame, file_id: int, as_of: dt.datetime) -> None:
    """COPY a chunk (with its property ids) straight into bookings. Runs on the worker thread."""
    rows = frame.rename(columns={"row_number": "source_row"}).assign(
        as_of=as_of, source_file_id=file_id, first_file_id=file_id, first_as_of=as_of
    )
    copy_frame(raw, rows[["id", *BOOKING_KEY, *WRITTEN, "first_file_id", "first_as_of"]], bookings)


def _give_back_freed_memory() -> None:
    """Hand the heap memory freed while the chunks were read back to the system (glibc keeps
    it otherwise, scattered), so that a large first load's task arrays do not come on top of
    it: a 5M-row CSV peaked some 60 to 90 MB lower. Elsewhere than glibc, nothing happens."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
