"""The ingest of one file and of a whole run, as plain functions: the flows and the CLI call these."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from loaders import db
from loaders.errors import DuplicateFile, is_transient
from loaders.file_load import FileLoad, FileRecord, find_loaded, loading
from pipelines.discover import FileOptions, UsageError
from pipelines.results import FileResult as FileResult
from reports.bookings import conflicts
from schemas import booking
from schemas.booking import RowProblem
from schemas.keys import key_hashes
from schemas.problems import Rejected
from schemas.status_map import StatusMap, load_seed
from schemas.tuning import DEFAULT_TUNING, Tuning
from schemas.vocab import BOOKING_KEY, FileStatus
from sources import workbooks
from sources.errors import SourceError
from sources.layouts import LAYOUTS
from sources.mapping import RawText, to_canonical
from sources.readers import RawTable, read_export_chunks

T = TypeVar("T")
MAX_PROBLEMS_SHOWN = 20  # per file in the summary; all of them are in rejected_rows


def open_database(url: str) -> Engine:
    """Connect, create missing tables and seed the status map (DatabaseUnavailable if we cannot)."""
    engine = db.connect(url)
    retrying(lambda: db.ensure_schema(engine, load_seed()))
    return engine


def check_source(name: str | None) -> None:
    if name is not None and name not in LAYOUTS:
        raise UsageError(f"unknown --source {name!r}; choose one of: {', '.join(LAYOUTS)}")


def ingest_file(
    engine: Engine,
    path: Path,
    options: FileOptions,
    status_map: StatusMap | None = None,
    *,
    tuning: Tuning = DEFAULT_TUNING,
) -> FileResult:
    """Read, map, validate, normalize and merge one file. Bad input becomes a rejected result;
    transient database errors are raised so that the caller can retry the whole file.

    A large CSV is read, checked and staged a chunk at a time inside the file's one
    transaction, so memory stays bounded and a bad chunk still loads nothing of the file.
    """
    shown = str(path)
    ahead = workbooks.take(path)  # a read begun in the background (by the CLI), if any
    try:
        sha256 = file_sha256(path)
        as_of = options.as_of or dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(tzinfo=None)
    except OSError as err:
        return FileResult(
            shown, options.source, FileStatus.REJECTED, reason=f"the file cannot be read ({err.strerror})"
        )
    previous = find_loaded(engine, sha256)
    if previous is not None:
        first_path, layout = previous
        return FileResult(
            shown, layout, FileStatus.DUPLICATE, reason=f"the same bytes were loaded before as {first_path}"
        )
    status_map = status_map or StatusMap(db.status_map_entries(engine))
    chunks = read_export_chunks(path, shown, options.source, ahead=ahead)
    layout = options.source
    tally = _Tally()
    try:
        first = next(chunks)
        layout = first.layout.name
        with loading(engine, FileRecord(sha256, shown, layout, as_of, first.rows_expected), tuning) as load:
            for table in itertools.chain([first], chunks):
                valid, rejected = _checked(table, options.property, status_map)
                load.stage(tally.add(table, valid, rejected), rejected)
            load.discard(*tally.repeated(load))
            counts = load.merge(tally.rows, len(tally.rejected_rows))
            file_id, may_double_book, strategy = load.file_id, load.may_double_book, load.strategy
    except SourceError as err:
        return FileResult(shown, layout, FileStatus.REJECTED, reason=_nothing_loaded(err.reason, tally))
    except OSError as err:
        return FileResult(
            shown, layout, FileStatus.REJECTED, reason=f"the file cannot be read ({err.strerror}), nothing was loaded"
        )
    except DuplicateFile as err:
        return FileResult(shown, layout, FileStatus.DUPLICATE, reason=str(err))
    except SQLAlchemyError as err:
        if is_transient(err):
            raise
        reason = str(getattr(err, "orig", err)).strip().splitlines()[0]
        return FileResult(shown, layout, FileStatus.REJECTED, rows=tally.rows,
                          reason=f"the database refused the file, nothing was loaded ({reason})")  # fmt: skip
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
        problems=[_describe(r) for r in problems[:MAX_PROBLEMS_SHOWN]],
        problems_total=len(problems),
        conflicts=_double_bookings(engine, file_id) if may_double_book else [],
        strategy=strategy,
    )


def file_sha256(path: Path) -> str:
    """The SHA-256 of the file's bytes, read a block at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def _nothing_loaded(reason: str, tally: _Tally) -> str:
    # A problem found in a later chunk of a large file: the earlier chunks were rolled back.
    return f"{reason} (at row {tally.last_row + 1} or later; nothing was loaded)" if tally.rows else reason


def _checked(table: RawTable, property_name: str | None, status_map: StatusMap) -> tuple[pd.DataFrame, list[Rejected]]:
    """The rows of `table` that pass parsing, the status map and the schema, and one Rejected per
    problem of the others. Every row goes through the status map and the schema, also those
    with a cell that did not parse, so that a person sees all of a row's problems at once;
    each (row, column) once."""
    mapped = to_canonical(table, property_name)
    frame = mapped.cells
    problems = list(mapped.problems)
    frame["status"] = status_map.map_series(frame["source"], frame["raw_status"])
    unknown = frame["status"].isna() & frame["source"].notna() & frame["raw_status"].notna()
    for i, rec in frame[unknown].iterrows():
        problems.append(
            RowProblem(
                int(str(i)),
                "raw_status",
                rec["raw_status"],
                f"unknown status '{rec['raw_status']}' for source {rec['source']}; add it to the status map "
                "(schemas/status_map.csv, or the status_map table)",
            )
        )
    checked, failed = booking.validate(frame)
    # A row without a status (empty, unknown, or of an unknown source) is reported already.
    reported = {(p.index, p.column) for p in problems} | {
        (int(str(i)), "status") for i in frame.index[frame["status"].isna()]
    }
    problems.extend(p for p in failed if (p.index, p.column) not in reported)
    # The rows that survive: they passed parsing, the status map and the schema.
    valid = checked.loc[checked.index.isin(mapped.frame.index)]
    return valid, _rejected_rows(problems, table.row_numbers, mapped.raw, mapped.headers)


class _Tally:
    """What the chunks of one file add up to: rows, rejected rows, problems, and the codes
    listed more than once. Repeats are judged among the rows that passed every check, so a
    broken later row never displaces a good one: the last valid row of a code wins, the
    earlier ones are rejected. Across chunks, a 64-bit hash of every valid key finds them in
    little memory."""

    def __init__(self) -> None:
        self.rows = 0
        self.last_row = 0
        self.rejected_rows: set[int] = set()
        self.problems: list[Rejected] = []
        self._hashes: list[np.ndarray] = []
        self._key_rows: list[np.ndarray] = []
        self._repeats: dict[int, tuple[str, int]] = {}  # row -> (code, the later row of that code)
        self._code_header = "identifier"

    def add(self, table: RawTable, valid: pd.DataFrame, rejected: list[Rejected]) -> pd.DataFrame:
        """Count one chunk; return its valid rows without those whose code it lists again, with
        their key hashes (key_hash)."""
        self.rows += len(table)
        self.last_row = int(table.row_numbers.iloc[-1])
        self.rejected_rows.update(r.row_number for r in rejected)
        self.problems.extend(rejected)
        self._code_header = table.headers.get("external_code", self._code_header)
        key = list(BOOKING_KEY)
        repeated = valid.duplicated(subset=key, keep="last")
        if repeated.any():
            last_row = valid.groupby(key)["row_number"].transform("max")[repeated]
            codes = valid["external_code"][repeated]
            for row, code, later in zip(valid["row_number"][repeated], codes, last_row, strict=True):
                self._repeats[int(row)] = (str(code), int(later))
            valid = valid[~repeated]
        hashes = key_hashes(valid)
        self._hashes.append(hashes)
        self._key_rows.append(valid["row_number"].to_numpy(dtype="int32"))
        return valid.assign(key_hash=hashes)  # the merge starts its row hashes from them

    def repeated(self, load: FileLoad) -> tuple[list[int], list[Rejected]]:
        """The staged rows to take out again (their code comes again in a later chunk), and a
        Rejected for every repeated row of the file, naming the row that was used. Rows whose
        key hashes collide are compared by their real keys, read back from the staging table."""
        staged_losers: list[int] = []
        if len(self._hashes) > 1:
            hashes = np.concatenate(self._hashes)
            order = np.argsort(hashes, kind="stable")
            same = hashes[order][1:] == hashes[order][:-1]
            if same.any():
                candidates = np.concatenate(self._key_rows)[order][np.r_[same, False] | np.r_[False, same]]
                keys = pd.DataFrame(load.staged_keys([int(r) for r in candidates]), columns=["source", "code", "row"])
                keys["later"] = keys.groupby(["source", "code"])["row"].transform("max")
                for code, row, later in keys[keys["row"] != keys["later"]][["code", "row", "later"]].itertuples(
                    index=False
                ):
                    self._repeats[int(row)] = (str(code), int(later))
                    staged_losers.append(int(row))
        # A row repeated within its chunk names the row that finally won, in whichever chunk.
        winner = {row: later for row, (_, later) in self._repeats.items()}
        rejected = []
        for row in sorted(self._repeats):
            code, later = self._repeats[row]
            while later in winner:
                later = winner[later]
            message = f"the same code appears again at row {later}; that row was used"
            rejected.append(Rejected(row, self._code_header, code, message))
        self.rejected_rows.update(self._repeats)
        self.problems.extend(rejected)
        self._hashes, self._key_rows = [], []  # settled: not held through the merge
        return staged_losers, rejected


def _double_bookings(engine: Engine, file_id: int) -> list[str]:
    """The double bookings this file's bookings are part of. The file is committed by now: a
    failure here must not make the summary claim that nothing was loaded."""
    try:
        return [str(c) for c in retrying(lambda: conflicts(engine, file_id=file_id))]
    except SQLAlchemyError as err:
        reason = str(getattr(err, "orig", err)).strip().splitlines()[0]
        return [f"(double bookings could not be checked: {reason}; run `bookingest conflicts`)"]


def _rejected_rows(
    problems: list[RowProblem], row_numbers: pd.Series, raw: RawText, headers: dict[str, str]
) -> list[Rejected]:
    """Problems as rejected_rows records: the row a person sees, the header as written, the raw text."""
    out = []
    for p in sorted(problems, key=lambda p: (p.index, p.column or "")):
        column = p.column
        value = raw.value(column, p.index) if column and column in raw else p.value
        out.append(
            Rejected(
                row_number=int(row_numbers.iloc[p.index]),
                column=headers.get(column, column) if column else None,
                value=_stored_text(value),
                error=p.message,
            )
        )
    return out


def _stored_text(value: object) -> str | None:
    """A cell as rejected_rows keeps it: text, with NUL (which no text column takes) as U+FFFD."""
    if value is None or (not isinstance(value, str) and _missing(value)):
        return None
    return str(value).replace("\x00", "\ufffd")


def _missing(value: object) -> bool:
    return value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def _describe(r: Rejected) -> str:
    where = f"row {r.row_number}" + (f", {r.column}" if r.column else "")
    return f"{where}: {r.error}"


def retrying(fn: Callable[[], T], attempts: int = 5, first_delay: float = 0.5) -> T:
    """Call `fn`, retrying transient database errors with exponential back-off."""
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except Exception as err:
            if attempt == attempts or not is_transient(err):
                raise
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


def ingest_paths(
    engine: Engine,
    files: list[tuple[Path, FileOptions]],
    on_file: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Ingest files one after another without Prefect; one bad file never stops the others."""
    status_map = StatusMap(db.status_map_entries(engine))
    results = []
    for path, options in files:
        try:
            result = retrying(lambda p=path, o=options: ingest_file(engine, p, o, status_map))  # type: ignore[misc]
        except SQLAlchemyError as err:
            reason = str(getattr(err, "orig", err)).strip().splitlines()[0]
            result = FileResult(
                str(path),
                options.source,
                FileStatus.REJECTED,
                reason=f"database error after retries, nothing was loaded ({reason})",
            )
        except Exception as err:  # a bug must not cost the operator the other files of the run
            result = FileResult(str(path), options.source, FileStatus.REJECTED,
                                reason=f"internal error, nothing was loaded; please report it ({type(err).__name__}: {err})")  # fmt: skip
        results.append(result)
        if on_file:
            on_file(result)
    return results
