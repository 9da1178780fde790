"""PostgreSQL's binary COPY of a frame (via pgpq), and the one worker thread that runs it while the caller reads on."""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Any, TypeVar

import pandas as pd
import pyarrow as pa
from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, Numeric, Table
from sqlalchemy.exc import DBAPIError

T = TypeVar("T")


class Worker:
    """One thread that works on the transaction's driver connection (psycopg's are thread-safe)
    while the caller reads and checks the next chunk, so the database and Python work at the
    same time; at most one COPY waits. Made only when a load needs it."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._copying: Future[None] | None = None

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bookingest-copy")
        return self._pool.submit(fn, *args)

    def copy(self, fn: Callable[..., None], *args: Any) -> None:
        """Start a COPY (the caller waited for the previous one)."""
        self._copying = self.submit(fn, *args)

    def wait(self) -> None:
        """Until the COPY running, if any, is done; its error is raised here."""
        if self._copying is not None:
            copying, self._copying = self._copying, None
            copying.result()

    def close(self, failed: bool) -> None:
        """Wait for a COPY still running (its error is raised unless the load `failed` already)."""
        try:
            if not failed:
                self.wait()
            elif self._copying is not None:
                wait([self._copying])
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)


def copy_frame(raw: Any, frame: pd.DataFrame, target: Table) -> None:
    """COPY the frame in PostgreSQL's binary format, encoded from Arrow columns typed after the
    target's columns (pgpq): no per-row Python, and nothing for the server to parse. Runs on the
    transaction's driver connection (psycopg's are thread-safe; the caller waits for it)."""
    import pgpq  # only PostgreSQL loads need it

    columns = pa.Table.from_pandas(frame, preserve_index=False)
    table = pa.table(
        [arrow_cast(columns.column(n), target.c[n].type) for n in frame.columns], names=list(frame.columns)
    )
    encoder = pgpq.ArrowToPostgresBinaryEncoder(table.schema)
    statement = f"COPY {target.name} ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT binary)"
    with driver_errors_wrapped(raw, statement), raw.cursor() as cur, cur.copy(statement) as copy:
        copy.write(encoder.write_header())
        for batch in table.to_batches(max_chunksize=50_000):
            copy.write(encoder.write_batch(batch))
        copy.write(encoder.finish())


@contextmanager
def driver_errors_wrapped(raw: Any, statement: str) -> Iterator[None]:
    """The raw driver's errors, wrapped as SQLAlchemy wraps every other statement's
    (IntegrityError for a violated constraint, OperationalError, ...)."""
    try:
        yield
    except Exception as err:
        if getattr(err, "sqlstate", None) is None:
            raise
        raise DBAPIError.instance(statement, None, err, type(raw).Error) from err


def arrow_cast(column: pa.ChunkedArray, sql_type: Any) -> pa.ChunkedArray:
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


def arrow_encoding(python_codec: str) -> str:
    """Arrow's name for the connection's encoding ("utf8" is read without transcoding)."""
    return "utf8" if codecs.lookup(python_codec).name == "utf-8" else python_codec
