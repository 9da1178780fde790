"""The knobs of a load (chunk sizes, thresholds, retries): one frozen object, built by the settings and passed down."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    """Sizes and thresholds every stage reads from here, never from module globals; tests pass
    their own values. The defaults are the measured ones (see the README's Performance)."""

    # A large CSV is read about 16 MB (some 150,000 bookings) at a time.
    chunk_bytes: int = 1 << 24
    # A workbook is read whole, then checked and stored this many rows at a time.
    chunk_rows: int = 150_000
    # The first chunk is small, so that the first COPY starts sooner.
    first_chunk_rows: int = 20_000
    first_chunk_bytes: int = 2 << 20
    # A PostgreSQL re-load of at least this many rows (and a quarter of the table or more) first
    # looks for the rows it restates unchanged in memory, by key and row hash.
    known_in_memory_min_rows: int = 50_000
    # A load of at least this many new rows, and as many as the table holds, builds the table's
    # indexes after the rows instead of maintaining them row by row (PostgreSQL).
    deferred_index_min_rows: int = 50_000
    # Below this many bookings, the task rules look up their neighbours' days only.
    few_bookings: int = 100_000
    # A file of up to this many rows (as its first chunk estimates) is read, mapped and validated
    # whole before its transaction asks for the merge lock, so that concurrent ingests take turns
    # only for the merge; a larger one streams a chunk at a time inside the transaction (its
    # memory stays bounded, its COPYs overlap its reading). See the README's "Scale, measured".
    read_ahead_max_rows: int = 200_000
    # PostgreSQL memory of one file's transaction: for the hash joins and sorts of a million-row
    # merge (work_mem), and for building the indexes of a bulk load (maintenance_work_mem).
    pg_work_mem_mb: int = 256
    pg_maintenance_work_mem_mb: int = 512
    # SQLite's page cache, for the key indexes of a large merge.
    sqlite_cache_mb: int = 256
    # Transient database errors (a refused or lost connection, serialization failures, deadlocks,
    # a locked SQLite file): a file is tried again after pauses that start at retry_first_delay and
    # double (to at most 8 s, or a 32nd of the time), for retry_for_seconds of pauses in all:
    # long enough to outlast a restart of the database server.
    retry_for_seconds: float = 30
    retry_first_delay: float = 0.5

    # Limits on untrusted input (issue 12): a file over one is rejected with a sentence naming
    # the limit and its BOOKINGEST_ variable. The defaults let a real 1M-row export through
    # (and the operator's workbook, whose priority sheet is some 1,450 columns wide).
    max_file_mb: int = 1024  # the file's own size
    max_uncompressed_mb: int = 4096  # a workbook's zip: all members together, as declared and as read
    max_zip_members: int = 10_000
    max_zip_ratio: int = 200  # uncompressed / compressed size of one zip member
    max_rows: int = 5_000_000  # rows of one table (a sheet's declared extent too)
    max_columns: int = 4096  # columns of one table (a sheet's declared extent too)
    max_cell_bytes: int = 1 << 20  # one cell's text
    max_seconds_per_file: int = 900  # reading one file
    max_reader_memory_mb: int = 6144  # the address space of a reader that runs apart from the process

    def retry_delays(self) -> list[float]:
        """The pauses between the tries, in seconds (one fewer than the tries); they add up to
        retry_for_seconds, the last one shortened to fit."""
        longest = max(8.0, self.retry_for_seconds / 32)
        delays: list[float] = []
        delay, left = self.retry_first_delay, self.retry_for_seconds
        while left > 1e-9:
            delays.append(min(delay, longest, left))
            left -= delays[-1]
            delay *= 2
        return delays


DEFAULT_TUNING = Tuning()
