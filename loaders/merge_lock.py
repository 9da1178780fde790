"""The merge lock of one file's transaction: taken in ONE place (`merged_in_turn`), inside the slot a
caller may wrap around it (a Prefect concurrency limit), and timed: how long a file waited for it and held it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, Select, Table, literal, select

from loaders.dialects import Dialect, dialect_of
from loaders.errors import GaveUp, MergeLost, MergeUnconfirmed
from loaders.retry import retrying
from schemas.tuning import Tuning

# What a caller wraps around exactly the part of a load that holds the merge lock: entered
# before the lock is asked for, left after the commit (or the rollback).
MergeSlot = Callable[[], AbstractContextManager[object]]
T = TypeVar("T")
# Each open merge's kept_if query, by its connection (never in Connection.info: a connection the
# server dropped refuses to be touched until rolled back).
_PROOFS: WeakKeyDictionary[Connection, Select[Any]] = WeakKeyDictionary()


@dataclass
class Timings:
    """Seconds one file spent in each phase. `read` (reading, mapping, validating) is outside
    the lock for a file read ahead, inside it for one streamed; `locked` runs from the moment
    the lock is held to the commit, and `waited` is the time until then (slot included)."""

    read: float = 0.0
    staged: float = 0.0  # staging before the lock, in its transaction (loaders.stage_ahead)
    waited: float = 0.0
    meanwhile: float = 0.0  # on the next file while the lock was busy (Turn.meanwhile), not in `waited`
    locked: float = 0.0
    total: float = 0.0

    def reading(self, items: Iterable[T]) -> Iterator[T]:
        """The items, the time spent making each (reading, mapping, validating) added to `read`."""
        found = iter(items)
        while True:
            started = time.perf_counter()
            try:
                item = next(found)
            except StopIteration:
                return
            finally:
                self.read += time.perf_counter() - started
            yield item

    def as_dict(self) -> dict[str, float]:
        """Rounded to the millisecond (what --json prints), with the fraction spent holding the lock."""
        out = {name: round(value, 3) for name, value in vars(self).items()}
        out["locked_fraction"] = round(self.locked / self.total, 3) if self.total > 0 else 0.0
        return out


@dataclass(frozen=True)
class Turn:
    """How one file takes its turn at the merge lock: the clock of its phases, the slot entered
    around the lock, and what its worker may do while another merge holds the lock (`meanwhile`:
    e.g. read its next file; called at most once, before the transaction waits for the lock)."""

    timings: Timings = field(default_factory=Timings)
    slot: MergeSlot = nullcontext
    meanwhile: Callable[[], object] | None = None


@contextmanager
def merged_in_turn(
    engine: Engine,
    tuning: Tuning,
    turn: Turn | None = None,
    before: Callable[[Connection], None] | None = None,
) -> Iterator[Connection]:
    """A transaction that holds the merge lock from its start to its commit (the lock ends with
    it): concurrent merges take turns, so they cannot deadlock on each other's rows and the
    counts each one reports are exact. Only what must be serialized belongs in it: read and
    check a file before (see pipelines.ingest). The block gets the connection; roll back on
    `conn.get_transaction()` to write nothing. `before` runs in the transaction before it asks
    for the lock (its time is `staged`, not `waited`): it must take no lock a merge waits for.

    The commit does not wait for the disk holding the lock: once the lock is released, the
    context waits until the transaction is on disk, so a file whose merge returned is durable.
    That wait is retried while the database is away (a lost connection, a restart). Then the
    block's `kept_if` query (if it named one) must find its row: if not, a crash of the server
    lost the commit, MergeLost, which the file's own retry loads again."""
    turn = turn if turn is not None else Turn()
    timings = turn.timings
    asked, dialect, committing, proof = time.perf_counter(), dialect_of(engine), False, None
    with turn.slot():
        held = None
        try:
            with engine.connect() as conn, conn.begin() as transaction:
                if before is not None:
                    began = time.perf_counter()
                    before(conn)
                    spent = time.perf_counter() - began
                    timings.staged += spent
                    asked += spent  # the wait for the lock starts now
                asked += _lock(conn, dialect, tuning, turn)
                dialect.commit_unflushed(conn)
                held = time.perf_counter()
                timings.waited += held - asked
                try:
                    yield conn
                    committing = transaction.is_active  # not rolled back by the block
                finally:
                    proof = _PROOFS.pop(conn, None)
        finally:
            if held is None:
                timings.waited += time.perf_counter() - asked
            else:
                timings.locked += time.perf_counter() - held
    if committing:  # on disk before the caller reports it loaded, or files it away
        try:
            kept = retrying(lambda: _flushed(engine, dialect, proof), tuning)
        except GaveUp as err:
            raise MergeUnconfirmed(err.seconds, err.tries, err.cause, err.unreachable) from err
        if not kept:
            raise MergeLost()


def kept_if(conn: Connection, table: Table, **values: object) -> None:
    """Name, in a merge's transaction, a row only this transaction writes (its columns' values):
    once the commit is on disk, a server that restarted meanwhile has it if it has the row."""
    _PROOFS[conn] = select(literal(1)).select_from(table).where(*(table.c[k] == v for k, v in values.items()))


def _flushed(engine: Engine, dialect: Dialect, proof: Select[Any] | None) -> bool:
    dialect.flushed(engine)
    if proof is None:
        return True
    with engine.connect() as conn:
        return conn.execute(proof).first() is not None


def _lock(conn: Connection, dialect: Dialect, tuning: Tuning, turn: Turn) -> float:
    """Take the merge lock; if it is busy and the turn has something to do meanwhile, do that
    first. The seconds that took (added to `meanwhile`)."""
    if turn.meanwhile is None:
        dialect.lock_merges(conn, tuning)
        return 0.0
    if dialect.lock_merges(conn, tuning, wait=False):
        return 0.0
    began = time.perf_counter()
    turn.meanwhile()
    spent = time.perf_counter() - began
    turn.timings.meanwhile += spent
    dialect.lock_merges(conn, tuning)
    return spent
