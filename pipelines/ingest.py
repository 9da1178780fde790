"""The ingest of one file and of a whole run, as plain functions: the flows and the CLI call these."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from loaders import db
from loaders.errors import DuplicateFile, is_transient
from loaders.merge import FileRecord, Rejected, find_loaded, load_file
from pipelines.discover import FileOptions, UsageError
from pipelines.results import FileResult as FileResult
from reports.bookings import conflicts
from schemas import booking
from schemas.booking import RowProblem
from schemas.status_map import StatusMap, load_seed
from schemas.vocab import FileStatus
from sources.errors import SourceError
from sources.layouts import LAYOUTS
from sources.mapping import to_canonical
from sources.readers import read_export

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


def ingest_file(engine: Engine, path: Path, options: FileOptions, status_map: StatusMap | None = None) -> FileResult:
    """Read, map, validate, normalize and merge one file. Bad input becomes a rejected result;
    transient database errors are raised so that the caller can retry the whole file."""
    shown = str(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        return FileResult(shown, options.source, FileStatus.REJECTED, reason=f"the file cannot be read ({err.strerror})")
    sha256 = hashlib.sha256(data).hexdigest()
    previous = find_loaded(engine, sha256)
    if previous is not None:
        first_path, layout = previous
        return FileResult(shown, layout, FileStatus.DUPLICATE, reason=f"the same bytes were loaded before as {first_path}")
    try:
        table = read_export(data, shown, options.source)
        mapped = to_canonical(table, options.property)
    except SourceError as err:
        return FileResult(shown, options.source, FileStatus.REJECTED, reason=err.reason)

    # Every row goes through the status map and the schema, also those with a cell that did not
    # parse, so that a person sees all of a row's problems at once; each (row, column) once.
    frame = mapped.cells
    problems = list(mapped.problems)
    status_map = status_map or StatusMap(db.status_map_entries(engine))
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
    reported = {(p.index, p.column) for p in problems} | {(int(str(i)), "status") for i in frame.index[frame["status"].isna()]}
    problems.extend(p for p in failed if (p.index, p.column) not in reported)
    # The rows that survive: they passed parsing, the status map and the schema.
    valid = checked.loc[checked.index.isin(mapped.frame.index)]

    rejected = _rejected_rows(problems, table.row_numbers, mapped.raw, mapped.headers)
    as_of = options.as_of or dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(tzinfo=None)
    record = FileRecord(sha256=sha256, path=shown, layout=table.layout.name, as_of=as_of, rows=len(table))
    try:
        file_id, counts = load_file(engine, record, valid, rejected)
    except DuplicateFile as err:
        return FileResult(shown, table.layout.name, FileStatus.DUPLICATE, reason=str(err))
    except SQLAlchemyError as err:
        if is_transient(err):
            raise
        reason = str(getattr(err, "orig", err)).strip().splitlines()[0]
        return FileResult(shown, table.layout.name, FileStatus.REJECTED, rows=len(table),
                          reason=f"the database refused the file, nothing was loaded ({reason})")  # fmt: skip
    rejected_rows = len({r.row_number for r in rejected})
    return FileResult(
        path=shown,
        source=table.layout.name,
        status=FileStatus.LOADED,
        rows=len(table),
        inserted=counts.inserted,
        updated=counts.updated,
        unchanged=counts.unchanged,
        rejected=rejected_rows,
        problems=[_describe(r) for r in rejected[:MAX_PROBLEMS_SHOWN]],
        problems_total=len(rejected),
        conflicts=_double_bookings(engine, file_id),
    )


def _double_bookings(engine: Engine, file_id: int) -> list[str]:
    """The double bookings this file's bookings are part of. The file is committed by now: a
    failure here must not make the summary claim that nothing was loaded."""
    try:
        return [str(c) for c in retrying(lambda: conflicts(engine, file_id=file_id))]
    except SQLAlchemyError as err:
        reason = str(getattr(err, "orig", err)).strip().splitlines()[0]
        return [f"(double bookings could not be checked: {reason}; run `bookingest conflicts`)"]


def _rejected_rows(problems: list[RowProblem], row_numbers: pd.Series, raw: dict[str, pd.Series], headers: dict[str, str]) -> list[Rejected]:
    """Problems as rejected_rows records: the row a person sees, the header as written, the raw text."""
    out = []
    for p in sorted(problems, key=lambda p: (p.index, p.column or "")):
        column = p.column
        value = raw[column].iloc[p.index] if column in raw else p.value
        out.append(
            Rejected(
                row_number=int(row_numbers.iloc[p.index]),
                column=headers.get(column, column) if column else None,
                value=None if value is None or (not isinstance(value, str) and _missing(value)) else str(value),
                error=p.message,
            )
        )
    return out


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
            result = FileResult(str(path), options.source, FileStatus.REJECTED, reason=f"database error after retries, nothing was loaded ({reason})")
        except Exception as err:  # a bug must not cost the operator the other files of the run
            result = FileResult(str(path), options.source, FileStatus.REJECTED,
                                reason=f"internal error, nothing was loaded; please report it ({type(err).__name__}: {err})")  # fmt: skip
        results.append(result)
        if on_file:
            on_file(result)
    return results
