"""A large PostgreSQL re-load: the rows it restates unchanged are found in memory by key and row hash; only the others are staged and merged."""

from __future__ import annotations

import io
from concurrent.futures import Future
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import delete, select, text

from loaders.pg_copy import arrow_encoding, copy_frame, driver_errors_wrapped
from loaders.staging import staged, staging, unchanged_rows
from loaders.strategies import OpenFile, Strategy
from loaders.strategies.staged_merge import StagedMerge
from loaders.tables import bookings
from schemas.keys import key_hashes
from schemas.vocab import BOOKING_KEY


class KnownRowsMerge(StagedMerge):
    """While the worker reads the stored rows, the first chunk waits for them (the caller reads
    on); then each chunk's rows found unchanged go to unchanged_rows instead of staging."""

    name = Strategy.KNOWN_ROWS

    def __init__(self, file: OpenFile) -> None:
        super().__init__(file)
        self._fetching: Future[KnownRows] | None = file.worker.submit(KnownRows.fetch, file.raw)
        self._known: KnownRows | None = None
        self._held: list[pd.DataFrame] = []
        self.in_memory = 0  # rows in unchanged_rows

    def store(self, frame: pd.DataFrame) -> None:
        if self._fetching is not None:
            self._held.append(frame)  # stored once the stored rows are read; the caller reads on
            return
        assert self._known is not None
        ids = self._known.unchanged(frame["key_hash"].to_numpy("uint64"), frame["row_hash"].to_numpy("int64"))
        self.in_memory += int((ids >= 0).sum())
        self.file.worker.copy(_copy_sorted, self.file.raw, frame.assign(booking_id=ids))

    def wait(self) -> None:
        """Until the worker is done with the connection: its reading of the stored rows (then
        the chunk held back for them is stored) and its COPY."""
        if self._fetching is not None:
            fetching, self._fetching = self._fetching, None
            self._known = fetching.result()
            held, self._held = self._held, []
            for frame in held:
                self.wait()
                self.store(frame)
        super().wait()

    def unchanged_elsewhere(self) -> int:
        return self.in_memory

    def list_unchanged_elsewhere(self) -> None:
        if self.in_memory:
            self.file.conn.execute(
                text(
                    "INSERT INTO source_file_keys (source_file_id, booking_ids) "
                    f"SELECT :file, array_agg(booking_id) FROM {unchanged_rows.name} "
                    "ON CONFLICT (source_file_id) DO UPDATE SET booking_ids = source_file_keys.booking_ids || EXCLUDED.booking_ids"
                ),
                {"file": self.file.file_id},
            )

    def _discard(self, part: list[int]) -> None:
        super()._discard(part)
        u = unchanged_rows.c
        self.in_memory -= self.file.conn.execute(delete(unchanged_rows).where(u.source_row.in_(part))).rowcount

    def _staged_keys(self, part: list[int]) -> list[tuple[Any, ...]]:
        found = super()._staged_keys(part)
        # Rows found unchanged in memory: their key is their booking's.
        b, u = bookings.c, unchanged_rows.c
        query = select(*(b[k] for k in BOOKING_KEY), u.source_row).join_from(
            unchanged_rows, bookings, b.id == u.booking_id
        )
        return found + [tuple(r) for r in self.file.conn.execute(query.where(u.source_row.in_(part)))]


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
        stored = f"SELECT id, {', '.join(BOOKING_KEY)}, row_hash FROM bookings WHERE row_hash IS NOT NULL"
        query = f"COPY ({stored}) TO STDOUT"
        buffer = io.BytesIO()
        with driver_errors_wrapped(raw, query), raw.cursor() as cur, cur.copy(query + " WITH (FORMAT csv)") as copy:
            for block in copy:
                buffer.write(block)
        if not buffer.tell():  # no booking has a row hash yet
            return cls(np.empty(0, dtype="uint64"), np.empty(0, dtype="int64"), np.empty(0, dtype="int64"))
        names = ["id", *BOOKING_KEY, "row_hash"]
        table = pa_csv.read_csv(
            pa.BufferReader(buffer.getbuffer()),
            read_options=pa_csv.ReadOptions(column_names=names, encoding=arrow_encoding(raw.info.encoding)),
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


def _copy_sorted(raw: Any, frame: pd.DataFrame) -> None:
    """COPY the chunk's rows found unchanged (booking_id >= 0) into unchanged_rows and the
    others into staging. Runs on the worker thread."""
    same = frame["booking_id"].to_numpy() >= 0
    if same.any():
        found = frame.loc[same, ["row_number", "booking_id"]].rename(columns={"row_number": "source_row"})
        copy_frame(raw, found, unchanged_rows)
    if not same.all():
        copy_frame(raw, staged(frame[~same]), staging)
