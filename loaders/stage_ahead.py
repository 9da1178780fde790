"""A file's rows COPYed into its staging table before its transaction asks for the merge lock: the
property of each row resolved ahead, and checked again under the lock (staged anew there if it changed)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, insert, select, text

from loaders.dialects import dialect_of
from loaders.hashing import row_hashes
from loaders.pg_copy import Worker
from loaders.properties import assigned, names, pairs_of, resolution
from loaders.staging import changes, staging
from loaders.tables import bookings
from schemas.aliases import name_key
from schemas.keys import key_hashes
from schemas.tuning import Tuning

Resolved = dict[tuple[str, str], tuple[int, str]]  # (source, name) -> (property id, house)


@dataclass(frozen=True)
class StagedAhead:
    """What was staged before the lock: how many chunks, and the properties their rows assumed."""

    chunks: int
    resolved: Resolved


def stage_ahead(
    engine: Engine, conn: Connection, frames: list[pd.DataFrame], rows_expected: int, tuning: Tuning
) -> StagedAhead | None:
    """Stage the file's valid rows (`frames`: its chunks, read ahead) in its transaction `conn`
    before the merge lock, when the load will be a staged merge (bookings is not empty, and the
    file too small for the comparison in memory) and every row names a property that exists;
    else None, and the load stages under the lock. Before the lock the transaction writes only
    its own temporary tables and reads only properties and aliases, on which no merge takes a
    lock that waits for readers: it holds nothing the merge in turn could wait for. Whether
    bookings is empty (a first load drops its indexes) is asked on another connection."""
    frames = [f for f in frames if not f.empty]
    dialect = dialect_of(conn)
    if not frames or not dialect.stages_ahead:
        return None
    if dialect.compares_in_memory and rows_expected >= tuning.known_in_memory_min_rows:
        return None
    with engine.connect() as other:
        if other.execute(select(bookings.c.id).limit(1)).first() is None:
            return None
    pairs = sorted({pair for frame in frames for pair in pairs_of(frame)[1]})
    names.create(conn)
    conn.execute(insert(names), [{"source": s, "name": n, "name_key": name_key(n)} for s, n in pairs])
    resolved: Resolved = {(r.source, r.name): (r.id, r.house) for r in conn.execute(resolution(names))}
    if len(resolved) < len(pairs):  # a new property: created by the merge, in turn
        conn.execute(text(f"DROP TABLE {names.name}"))
        return None
    changes.create(conn)
    staging.create(conn)
    worker = Worker()
    try:
        for frame in frames:
            rows = hashed(frame, *assigned(frame, resolved))
            worker.wait()
            dialect.fill_staging(conn, worker, rows)
        worker.wait()
    finally:
        worker.close(failed=True)  # waited for already; an error is on its way
    return StagedAhead(len(frames), resolved)


def hashed(frame: pd.DataFrame, ids: np.ndarray, houses: pd.Series) -> pd.DataFrame:
    """A chunk as it is staged: on the properties it resolves to (`property_name` the house's
    name: the row hash covers the property as resolved, not as the row named it), hashed."""
    frame = frame.assign(property_id=ids, property_name=houses)
    if "key_hash" not in frame:  # the ingest's tally hashed the keys already
        frame = frame.assign(key_hash=key_hashes(frame))
    return frame.assign(row_hash=row_hashes(frame))


def abandon(conn: Connection) -> None:
    """Drop the rows staged ahead (their properties changed meanwhile): the load stages anew."""
    conn.execute(text(f"DROP TABLE {staging.name}, {changes.name}"))
