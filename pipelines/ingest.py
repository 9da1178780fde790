"""The ingest of one file and of a whole run, as plain functions: the flows and the CLI call these."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from loaders import db
from loaders.errors import DuplicateFile, GaveUp, file_failure, first_line, is_transient
from loaders.file_load import FileRecord, declare_apart, loading
from loaders.merge_lock import MergeSlot, Timings, Turn
from loaders.retry import retrying
from loaders.strategies import MergeCounts
from pipelines import payouts_ingest
from pipelines.declared import status_map_for
from pipelines.discover import FileOptions
from pipelines.opening import Chunks, ReadAhead, claim_file, not_loaded, open_file
from pipelines.results import MAX_PROBLEMS_SHOWN, describe
from pipelines.results import FileResult as FileResult
from reports.bookings import conflicts
from schemas.status_map import StatusMap, load_seed
from schemas.tuning import DEFAULT_TUNING, Tuning
from schemas.vocab import FileStatus
from sources.errors import SourceError
from sources.repair import repair_note
from sources.repeats import Tally


def open_database(url: str, tuning: Tuning = DEFAULT_TUNING, read_only: bool = False) -> Engine:
    """Connect, build an empty database's schema and seed the status map (DatabaseUnavailable if we cannot);
    `read_only` for a command that only reads (see loaders.db.open_database)."""
    return db.open_database(url, load_seed(), tuning, read_only)


def ingest_file(
    engine: Engine,
    path: Path,
    options: FileOptions,
    status_map: StatusMap | None = None,
    tuning: Tuning = DEFAULT_TUNING,
    dry_run: bool = False,
    merge_slot: MergeSlot = nullcontext,
    meanwhile: Callable[[], object] | None = None,
    read: ReadAhead | None = None,
) -> FileResult:
    """One file through DESIGN.md's flow: claim (hash, duplicate check), read, then map, validate
    and normalize (sources.normalize), then merge and derive (the load's strategy, in one
    transaction), then report its double bookings. Bad input becomes a rejected result;
    transient database errors are raised so that the caller can retry the whole file.

    A file of up to `tuning.read_ahead_max_rows` rows is read, mapped and validated whole before
    its transaction begins, so that concurrent ingests (many workers, one database) take turns
    only for the merge itself; `merge_slot` is entered around exactly that part (the merge lock,
    loaders.merge_lock), and `meanwhile` is what the worker does if another merge holds the lock
    (e.g. `read_ahead` its next file). `read`: this file as `read_ahead` claimed and read it (once:
    a retry reads it anew). A larger file is read, checked and staged a chunk at a time inside
    the transaction, so memory stays bounded and a bad chunk still loads nothing of the file.
    The result's `timings` say how long each phase took.

    A `dry_run` does all of this, its double bookings included, in the file's transaction and
    rolls it back: the result is the real run's against the database as it is, marked dry_run.
    `merge_slot` is e.g. a Prefect concurrency limit on the merges that hit the database at once.
    """
    timings, started = (read.timings if read else Timings()), time.perf_counter()
    turn = Turn(timings, merge_slot, meanwhile)
    result = _ingest_file(engine, path, options, status_map, tuning, dry_run, turn, read)
    timings.total = time.perf_counter() - started + (read.seconds if read else 0.0)
    # A dry run's file id was rolled back with it.
    return replace(result, dry_run=dry_run, file_id=None if dry_run else result.file_id, timings=timings.as_dict())


def _ingest_file(
    engine: Engine,
    path: Path,
    options: FileOptions,
    status_map: StatusMap | None,
    tuning: Tuning,
    dry_run: bool,
    turn: Turn,
    read: ReadAhead | None,
) -> FileResult:
    claim = read.claim if read else claim_file(engine, path, options, tuning)
    if isinstance(claim, FileResult):  # unreadable, or a duplicate: its folder's aliases still count
        if claim.status == FileStatus.DUPLICATE and options.aliases:
            return replace(claim, notes=declare_apart(engine, options.aliases, tuning, dry_run, turn.slot))
        return claim
    opened = read.opened if read else None
    if opened is None:
        status_map = status_map or status_map_for(engine, [(path, options)], dry_run)
        opened = open_file(path, options, status_map, claim, tuning, turn.timings)
    if isinstance(opened, FileResult):
        return opened
    record, tally = opened.record, opened.tally
    try:
        if opened.payouts is not None:  # an earnings export: money lines, never bookings
            return payouts_ingest.ingest(engine, record, opened.payouts, tuning, dry_run, turn)
        merged = _merge(engine, record, opened.chunks, tally, tuning, dry_run, turn, opened.whole)
    except SQLAlchemyError as err:
        if is_transient(err):
            raise
        return not_loaded(err, record.path, record.layout, tally)
    except (SourceError, OSError, DuplicateFile) as err:
        return not_loaded(err, record.path, record.layout, tally)
    if merged.conflicts is not None:
        conflicts = merged.conflicts
    else:
        conflicts = double_bookings_of(engine, merged.file_id, tuning) if merged.may_double_book else []
    notes = ([repair_note(list(opened.repaired))] if opened.repaired else []) + merged.notes
    return replace(_loaded(record.path, record.layout, tally, merged, conflicts), notes=notes)


@dataclass(frozen=True)
class _Merged:
    counts: MergeCounts
    file_id: int
    may_double_book: bool
    strategy: str | None
    conflicts: list[str] | None = None  # a dry run's, read before its rollback
    notes: list[str] = field(default_factory=list)  # of the aliases it added (loaders.aliases)
    new_properties: list[str] = field(default_factory=list)


def _merge(
    engine: Engine,
    record: FileRecord,
    chunks: Chunks,
    tally: Tally,
    tuning: Tuning,
    dry_run: bool,
    turn: Turn,
    whole: bool = False,
) -> _Merged:
    """Stage every chunk, take out the rows whose code a later chunk lists again, merge: one
    transaction. `whole`: every chunk was read and checked before (a bad file never asks for
    the lock), and its rows may be staged before the lock (loaders.stage_ahead)."""
    ahead = [valid for valid, _ in chunks] if whole else None
    with loading(engine, record, tuning, dry_run, turn, ahead) as load:
        for valid, rejected in chunks:
            load.stage(valid, rejected)
        load.discard(*tally.repeated(load.staged_keys))
        counts = load.merge(tally.rows, len(tally.rejected_rows))
        found = None
        if dry_run:  # after the rollback, the file's bookings are gone
            found = [str(c) for c in conflicts(load.conn, file_id=load.file_id)] if load.may_double_book else []
        return _Merged(
            counts, load.file_id, load.may_double_book, load.strategy, found, load.notes, load.new_properties
        )


def _loaded(shown: str, layout: str | None, tally: Tally, merged: _Merged, conflicts: list[str]) -> FileResult:
    counts = merged.counts
    problems = sorted(tally.problems, key=lambda r: r.row_number)
    return FileResult(
        path=shown,
        source=layout,
        status=FileStatus.LOADED,
        rows=tally.rows,
        inserted=counts.inserted,
        updated=counts.updated,
        unchanged=counts.unchanged,
        rejected=len(tally.rejected_rows),
        problems=[describe(r) for r in problems[:MAX_PROBLEMS_SHOWN]],
        problems_total=len(problems),
        conflicts=conflicts,
        strategy=merged.strategy,
        new_properties=merged.new_properties,
        file_id=merged.file_id,
    )


def double_bookings_of(engine: Engine, file_id: int, tuning: Tuning) -> list[str]:
    """The double bookings this file's bookings are part of. The file is committed by now: a
    failure here must not make the summary claim that nothing was loaded."""
    try:
        return [str(c) for c in retrying(lambda: conflicts(engine, file_id=file_id), tuning)]
    except (SQLAlchemyError, GaveUp) as err:
        reason = str(err) if isinstance(err, GaveUp) else first_line(err)
        return [f"(double bookings could not be checked: {reason}; run `bookingest conflicts`)"]


def ingest_paths(
    engine: Engine,
    files: list[tuple[Path, FileOptions]],
    on_file: Callable[[FileResult], None] | None = None,
    tuning: Tuning = DEFAULT_TUNING,
    dry_run: bool = False,
) -> list[FileResult]:
    """Ingest files one after another without Prefect; one bad file never stops the others.
    A `dry_run` checks each file against the database as it is: a file does not see the files
    before it in the same run, which a real run would have committed."""
    status_map = retrying(lambda: status_map_for(engine, files, dry_run), tuning)  # and the declared layouts' labels
    results = []
    for path, options in files:
        try:
            result = retrying(lambda p=path, o=options: ingest_file(engine, p, o, status_map, tuning, dry_run), tuning)  # type: ignore[misc]
        except (SQLAlchemyError, GaveUp) as err:  # gave up, or an error before the file's load began
            result = FileResult(str(path), options.source, FileStatus.REJECTED, reason=file_failure(err))
        except Exception as err:  # a bug must not cost the operator the other files of the run
            result = FileResult.internal_error(path, options.source, err)
        results.append(replace(result, dry_run=dry_run))
        if on_file:
            on_file(result)
    return results
