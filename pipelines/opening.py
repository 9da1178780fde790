"""A file on its way to its transaction: its identity (the hash of its bytes, the duplicate check),
its rows read, mapped and validated (whole, or chunk by chunk as its load takes them), and the
result of a file that ends before: unreadable, a duplicate, or bad rows that load nothing."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from loaders.errors import DuplicateFile, file_failure
from loaders.file_load import FileRecord, find_loaded
from loaders.merge_lock import Timings
from pipelines.discover import FileOptions
from pipelines.reading import normalized_chunks, read_chunks
from pipelines.recorded import Recorded
from pipelines.results import FileResult
from schemas.problems import Rejected
from schemas.status_map import StatusMap
from schemas.tuning import DEFAULT_TUNING, Tuning
from schemas.vocab import FileStatus
from sources import workbooks
from sources.errors import SourceError
from sources.limits import OverLimit, file_sha256
from sources.repeats import Tally
from sources.tables import RawTable


@dataclass(frozen=True)
class ReadAhead:
    """A file claimed by its bytes and read before its turn (`read_ahead`): its identity or why
    it ends there, and, if it got that far, its rows read and checked or why it loads nothing."""

    timings: Timings
    seconds: float  # all it took
    claim: Claim | FileResult
    opened: Opened | FileResult | None = None


def read_ahead(
    engine: Engine, path: Path, options: FileOptions, status_map: StatusMap, tuning: Tuning = DEFAULT_TUNING
) -> ReadAhead:
    """What `ingest_file` does with a file before its transaction: its hash and duplicate check,
    and (a file of at most `tuning.read_ahead_max_rows` rows) its rows read, mapped and
    validated. For a worker whose previous file waits for the merge lock; hand the result to
    `ingest_file(read=)`. Raises what the duplicate check's query raises."""
    timings, started = Timings(), time.perf_counter()
    claim = claim_file(engine, path, options, tuning)
    opened = None
    if not isinstance(claim, FileResult):
        opened = open_file(path, options, status_map, claim, tuning, timings)
    return ReadAhead(timings, time.perf_counter() - started, claim, opened)


Chunks = Iterable[tuple[pd.DataFrame, list[Rejected]]]


@dataclass(frozen=True)
class Opened:
    """A file's rows on their way to its transaction: each chunk's valid rows and problems (a
    list when read `whole` before it), or an earnings export's tables (`payouts`)."""

    record: FileRecord
    chunks: Chunks
    tally: Tally
    repaired: dict[str, None]  # what any chunk repaired, in order (sources.repair)
    whole: bool = False
    payouts: Iterable[RawTable] | None = None


def open_file(
    path: Path, options: FileOptions, status_map: StatusMap, claim: Claim, tuning: Tuning, timings: Timings
) -> Opened | FileResult:
    """Read the file's first chunk and choose its layout; map, validate and normalize every chunk
    now if the file is small enough (tuning.read_ahead_max_rows), else as its load takes them.
    The result of a file that loads nothing when that fails here."""
    tally, layout = Tally(), options.source
    repaired: dict[str, None] = {}
    try:
        reading = time.perf_counter()
        first, rest = read_chunks(path, options, workbooks.take(path), tuning)  # a read begun by the CLI, if any
        timings.read += time.perf_counter() - reading
        layout = first.layout.name
        record = FileRecord(claim.sha256, str(path), layout, claim.as_of, first.rows_expected, options.aliases,
                            Recorded.of(path, options).to_json())  # fmt: skip
        tables = itertools.chain([first], rest)
        if first.layout.kind == "payouts":
            return Opened(record, [], tally, repaired, payouts=timings.reading(tables))
        chunks = timings.reading(normalized_chunks(tables, options, status_map, tally, repaired))
        if first.rows_expected <= tuning.read_ahead_max_rows:
            return Opened(record, list(chunks), tally, repaired, whole=True)
        return Opened(record, chunks, tally, repaired)
    except (SourceError, OSError) as err:
        return not_loaded(err, str(path), layout, tally)


@dataclass(frozen=True)
class Claim:
    sha256: str
    as_of: dt.datetime


def claim_file(engine: Engine, path: Path, options: FileOptions, tuning: Tuning) -> Claim | FileResult:
    """The file's identity (the SHA-256 of its bytes) and as-of time, or the result that ends
    it here: unreadable, or these bytes were loaded before."""
    try:
        sha256 = file_sha256(path, tuning)  # its size checked first: a file over the limit is not read
        as_of = options.as_of or dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(tzinfo=None)
    except OSError as err:
        return FileResult(
            str(path), options.source, FileStatus.REJECTED, reason=f"the file cannot be read ({err.strerror})"
        )
    except OverLimit as err:
        return FileResult(str(path), options.source, FileStatus.REJECTED, reason=err.reason)
    previous = find_loaded(engine, sha256)
    if previous is not None:
        first_path, layout, first_id = previous
        return FileResult(
            str(path),
            layout,
            FileStatus.DUPLICATE,
            reason=f"the same bytes were loaded before as {first_path}",
            file_id=first_id,  # the file it repeats
        )
    return Claim(sha256, as_of)


def not_loaded(err: Exception, shown: str, layout: str | None, tally: Tally) -> FileResult:
    """The result of a file that loaded nothing, in a sentence a person understands."""
    if isinstance(err, SourceError):
        return FileResult(shown, layout, FileStatus.REJECTED, reason=_nothing_loaded(err.reason, tally))
    if isinstance(err, OSError):
        return FileResult(
            shown, layout, FileStatus.REJECTED, reason=f"the file cannot be read ({err.strerror}), nothing was loaded"
        )
    if isinstance(err, DuplicateFile):
        return FileResult(shown, layout, FileStatus.DUPLICATE, reason=str(err))
    return FileResult(shown, layout, FileStatus.REJECTED, rows=tally.rows, reason=file_failure(err))


def _nothing_loaded(reason: str, tally: Tally) -> str:
    # A problem found in a later chunk of a large file: the earlier chunks were rolled back.
    return f"{reason} (at row {tally.last_row + 1} or later; nothing was loaded)" if tally.rows else reason
