"""Replaying a loaded file's quarantined rows once the status map (or an alias) is fixed: the ingest's read, checks and merge again."""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from loaders import quarantine
from loaders.dialects import dialect_of
from loaders.errors import DuplicateFile
from loaders.file_load import FileRecord, loading
from loaders.quarantine import StoredFile
from pipelines.declared import status_map_for
from pipelines.discover import UsageError
from pipelines.ingest import double_bookings_of
from pipelines.reading import normalized_chunks, read_chunks
from pipelines.recorded import Recorded
from schemas.problems import Rejected
from schemas.tuning import DEFAULT_TUNING, Tuning
from schemas.vocab import BOOKING_KEY, FileStatus
from sources.errors import SourceError
from sources.layouts import LAYOUTS
from sources.limits import OverLimit, file_sha256
from sources.repeats import Tally


class ReplayError(UsageError):
    """A file that cannot be replayed (gone, changed, not a loaded export), in one sentence."""


@dataclass
class ReplayResult:
    """What the replay of one file did; `replay_id` is the source_files entry it loaded its rows as."""

    file_id: int
    path: str
    quarantined: int = 0  # rows quarantined before the replay
    replayed: int = 0  # of them, rows that pass now and were loaded
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0  # e.g. a newer export wrote that booking already
    still: int = 0  # rows still quarantined
    reasons_changed: int = 0  # of them, rows whose reasons are new (stored)
    replay_id: int | None = None
    conflicts: list[str] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict[str, object]:
        return asdict(self)


class _NothingLeft(Exception):
    """Under the lock, another replay had loaded the rows already: roll back the empty entry."""


def replay_file(engine: Engine, file_id: int, tuning: Tuning = DEFAULT_TUNING) -> ReplayResult:
    """Read the file again as it was read (its layout, --property, declared layouts), from where
    the inbox archived it or else where it was loaded from, after checking that its bytes are
    the same; check every row again with today's status map and aliases, as its ingest did
    (repeated codes are judged over the whole file, as then), and load the quarantined rows that
    pass now, in one transaction, as a new source_files entry that names the file (`replay_of`)
    and keeps its as-of: a newer export of a booking still wins. The rows still failing keep
    their problems, replaced where they changed. A second replay changes nothing."""
    stored = _replayable(engine, file_id)
    with engine.connect() as conn:
        before = quarantine.pending(conn, file_id)
    result = ReplayResult(file_id, stored.path, quarantined=len(before))
    if not before:
        return result
    path = _bytes_of(stored, tuning)
    problems, passing = _checked_again(engine, stored, path, set(before), tuning)
    loaded: list[int] = []
    try:
        if passing:
            loaded = _load(engine, stored, path, passing, problems, result, tuning)
        else:
            with engine.connect() as conn, conn.begin():
                dialect_of(conn).lock_merges(conn, tuning)
                result.reasons_changed = len(quarantine.update_reasons(conn, file_id, problems))
    except _NothingLeft:
        pass
    except DuplicateFile:
        raise ReplayError(
            f"file {file_id} was replayed by another run at the same time; run the replay again"
        ) from None
    result.replayed = len(loaded)
    result.still = result.quarantined - len(loaded)
    if result.replay_id is not None:
        result.conflicts = double_bookings_of(engine, result.replay_id, tuning)
    return result


def is_earnings(layout: str | None) -> bool:
    """Whether a file's layout is an earnings export's: its quarantined lines (bad dates or
    amounts) depend on no status map or alias, so a replay cannot load them."""
    return layout in LAYOUTS and LAYOUTS[layout].kind == "payouts"


def _replayable(engine: Engine, file_id: int) -> StoredFile:
    stored = quarantine.stored_file(engine, file_id)
    if stored is None:
        raise UsageError(f"no file with id {file_id} (`bookingest rejected` lists the files with quarantined rows)")
    if stored.replay_of is not None:
        raise ReplayError(f"file {file_id} is a replay of file {stored.replay_of}; replay file {stored.replay_of}")
    if is_earnings(stored.layout):
        raise ReplayError(
            f"file {file_id} is an earnings export: its quarantined lines do not depend on the status map or "
            "aliases; correct them in the export and ingest it again"
        )
    if stored.status != FileStatus.LOADED.value:
        raise ReplayError(f"file {file_id} was not loaded ({stored.status}), so no row of it is quarantined")
    return stored


def _bytes_of(stored: StoredFile, tuning: Tuning) -> Path:
    """Where the file is now (archived, else where it was loaded from), its bytes checked."""
    places = list(
        dict.fromkeys(p for p in (stored.archived_path, Recorded.from_json(stored.options).path, stored.path) if p)
    )
    path = next((Path(p) for p in places if Path(p).is_file()), None)
    if path is None:
        raise ReplayError(
            f"file {stored.id} is gone: it is not at {' nor at '.join(places)}; put it back there to replay it"
        )
    try:
        sha256 = file_sha256(path, tuning)
    except OSError as err:
        raise ReplayError(f"file {stored.id} cannot be read at {path} ({err.strerror})") from None
    except OverLimit as err:
        raise ReplayError(f"file {stored.id} at {path} cannot be read: {err.reason}") from None
    if sha256 != stored.sha256:
        raise ReplayError(
            f"file {stored.id} at {path} has changed since it was loaded (its SHA-256 is not the one recorded); "
            "put the original back, or ingest the new file as a new export"
        )
    return path


def _checked_again(
    engine: Engine, stored: StoredFile, path: Path, rows: set[int], tuning: Tuning
) -> tuple[dict[int, set[Rejected]], list[pd.DataFrame]]:
    """Each quarantined row's problems now, and the chunks of those that pass (no problem left)."""
    options = Recorded.from_json(stored.options).options(stored.layout)
    status_map = status_map_for(engine, [(path, options)])
    tally = Tally()
    kept: list[pd.DataFrame] = []
    keys: list[pd.DataFrame] = []  # of every valid row: the repeats across chunks are judged over the file
    try:
        first, rest = read_chunks(path, options, None, tuning)
        for valid, _ in normalized_chunks(itertools.chain([first], rest), options, status_map, tally, {}):
            keys.append(valid[[*BOOKING_KEY, "row_number"]])
            kept.append(valid[valid["row_number"].isin(rows)])
    except (SourceError, OSError) as err:
        why = err.reason if isinstance(err, SourceError) else err.strerror
        raise ReplayError(f"file {stored.id} at {path} cannot be read again: {why}") from None
    every = pd.concat(keys) if keys else pd.DataFrame(columns=[*BOOKING_KEY, "row_number"])
    tally.repeated(lambda wanted: list(every[every["row_number"].isin(wanted)].itertuples(index=False, name=None)))
    problems: dict[int, set[Rejected]] = {row: set() for row in rows}
    for problem in tally.problems:
        if problem.row_number in problems:
            problems[problem.row_number].add(problem)
    passing = [c[~c["row_number"].isin(tally.rejected_rows)] for c in kept]
    return problems, [c for c in passing if not c.empty]


def _load(
    engine: Engine,
    stored: StoredFile,
    path: Path,
    passing: list[pd.DataFrame],
    problems: dict[int, set[Rejected]],
    result: ReplayResult,
    tuning: Tuning,
) -> list[int]:
    """The passing rows merged as the replay's file entry, in one transaction under the merge
    lock, with the rows still quarantined then (a concurrent replay may have loaded some)."""
    with engine.connect() as conn:
        sha256 = quarantine.replay_sha256(conn, stored)
    rows = sum(len(c) for c in passing)
    record = FileRecord(sha256, str(path), stored.layout or "", stored.as_of, rows, (), stored.options, stored.id)
    with loading(engine, record, tuning=tuning) as load:
        still = quarantine.pending(load.conn, stored.id)
        chunks = [c[c["row_number"].isin(still)] for c in passing]
        loaded = [int(n) for c in chunks for n in c["row_number"]]
        if not loaded:
            raise _NothingLeft
        for chunk in chunks:
            load.stage(chunk, [])  # the rows still failing stay with the file they came from
        counts = load.merge(len(loaded), 0)
        quarantine.mark_replayed(load.conn, stored.id, loaded, load.file_id)
        failing = {row: p for row, p in problems.items() if row in still and row not in set(loaded)}
        result.reasons_changed = len(quarantine.update_reasons(load.conn, stored.id, failing))
        result.replay_id = load.file_id
        result.inserted, result.updated, result.unchanged = counts.inserted, counts.updated, counts.unchanged
    return loaded
