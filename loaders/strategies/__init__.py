"""The ways one file's rows reach bookings (one module each), and what they share: the open file
they work in, the steps each takes (store, discard, staged_keys, merge) and the counts they return."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

import pandas as pd
from sqlalchemy import Connection, Table, select

from loaders.dialects import Dialect
from loaders.pg_copy import Worker
from schemas.tuning import Tuning
from schemas.vocab import BOOKING_KEY


class Strategy(StrEnum):
    FIRST_LOAD = "first_load"  # PostgreSQL, bookings empty: COPY straight into it, indexes built after
    STAGED_MERGE = "staged_merge"  # a staging table, merged set-based (SQLite's first load too)
    KNOWN_ROWS = "known_rows"  # PostgreSQL, a large re-load: the rows it restates found in memory first


@dataclass(frozen=True)
class MergeCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class OpenFile:
    """One file's transaction as its strategy sees it."""

    conn: Connection
    file_id: int
    as_of: dt.datetime
    rows_expected: int  # how many rows the file is thought to have (0: unknown)
    tuning: Tuning
    dialect: Dialect
    worker: Worker

    @property
    def raw(self) -> Any:
        """The transaction's driver connection (for COPY)."""
        return self.conn.connection.driver_connection


class LoadStrategy:
    """The steps every strategy takes. `table` holds the staged rows (`source_row` says where in
    the file each stands); `may_double_book` is False once `merge` knows that no booking of the
    file can be part of a double booking, so that nobody needs to ask the database."""

    name: ClassVar[Strategy]
    table: ClassVar[Table]

    def __init__(self, file: OpenFile) -> None:
        self.file = file
        self.may_double_book = True

    def store(self, frame: pd.DataFrame) -> None:
        """Stage one hashed chunk (`key_hash`, `row_hash`); the caller waited for the last one."""
        raise NotImplementedError

    def wait(self) -> None:
        """Until the worker is done with the connection."""
        self.file.worker.wait()

    def discard(self, source_rows: list[int]) -> None:
        for part in batches(source_rows):
            self._discard(part)

    def staged_keys(self, source_rows: list[int]) -> list[tuple[Any, ...]]:
        """(*BOOKING_KEY, source_row) of these staged rows."""
        found: list[tuple[Any, ...]] = []
        for part in batches(source_rows):
            found += self._staged_keys(part)
        return found

    def merge(self) -> MergeCounts:
        """Everything staged into bookings, with history and tasks."""
        raise NotImplementedError

    def _discard(self, part: list[int]) -> None:
        self.file.conn.execute(self.table.delete().where(*self._staged_rows(part)))

    def _staged_keys(self, part: list[int]) -> list[tuple[Any, ...]]:
        t = self.table.c
        query = select(*(t[k] for k in BOOKING_KEY), t.source_row).where(*self._staged_rows(part))
        return [tuple(r) for r in self.file.conn.execute(query)]

    def _staged_rows(self, source_rows: list[int]) -> list[Any]:
        return [self.table.c.source_row.in_(source_rows)]


def batches(values: list[int], size: int = 10_000) -> Iterator[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
