"""Workbooks (.xlsx, .xls) read in a child process, so that a reader bug costs one file, never
the process: a Rust panic, an abort on a huge allocation, runaway memory or a hang.

The child is a new interpreter (`python -m sources.sandbox`: about 0.2 s to start and import
fastexcel; a fork of this process would not be safe, as it has threads, and a fork server would
re-run the operator's __main__ in every child). It limits its own address space (RLIMIT_AS,
max_reader_memory_mb) and CPU time (RLIMIT_CPU, max_seconds_per_file), reads every sheet and
writes each as an Arrow IPC file into a folder of shared memory, which the parent maps without
copying. The parent kills a child still running after max_seconds_per_file of wall time.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from schemas.tuning import Tuning
from sources.errors import UnreadableFile

if TYPE_CHECKING:
    import pyarrow as pa

_SHM = "/dev/shm"  # the sheets pass through memory where there is such a folder, else through /tmp


@dataclass(frozen=True)
class Sheet:
    """One sheet as the child read it: its name, first row, and either the rows below it (an
    Arrow IPC file in the exchange folder) or why it cannot be read."""

    name: str
    first: list[object]
    error: str | None = None


class ReaderFailed(UnreadableFile):
    """The workbook reader crashed, ran out of memory or time on this file, in its child process."""


def read_sheets(source: Path | bytes, path: str, what: str, tuning: Tuning) -> list[tuple[Sheet, pa.Table | None]]:
    """Every sheet of the workbook in `source` (a file, or its bytes): (sheet, rows below its
    first row, or None when the sheet cannot be read). UnreadableFile when the workbook cannot
    be opened; ReaderFailed when the reader's child process failed."""
    folder = Path(tempfile.mkdtemp(prefix="bookingest-", dir=_SHM if os.path.isdir(_SHM) else None))
    try:
        if isinstance(source, bytes):
            (folder / "book").write_bytes(source)
            source = folder / "book"
        sheets = _run(str(source), folder, path, what, tuning)
        return [(sheet, None if sheet.error else _mapped(folder / f"{i}.arrow")) for i, sheet in enumerate(sheets)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the mapped tables stay valid


def _run(file: str, folder: Path, path: str, what: str, tuning: Tuning) -> list[Sheet]:
    memory, seconds = memory_mb(os.path.getsize(file), tuning), tuning.max_seconds_per_file
    # -P: not the working directory first on the path, which could hold a module of the same name.
    command = [sys.executable, "-P", "-m", __name__, file, str(folder), str(memory), str(seconds)]
    with open(folder / "stderr", "wb") as err:  # Rust's abort message: for the reason, not the terminal
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stderr=err, env=child_environment(os.environ))
    try:
        exitcode = child.wait(seconds)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        exitcode = -signal.SIGXCPU
    try:
        answer = json.loads((folder / "answer.json").read_text())
    except (OSError, ValueError):  # it died without an answer
        answer = {"failed": _death(exitcode, memory, seconds, _said(folder)), "detail": _said(folder)}
    if "sheets" in answer:
        return [Sheet(name, first, error) for name, first, error in answer["sheets"]]
    if "damaged" in answer:  # opening it failed in an ordinary way
        raise UnreadableFile(path, f"the {what} is damaged or truncated and cannot be opened ({answer['damaged']})")
    how = answer["failed"].replace("out of memory", f"out of memory, over {memory} MB")
    shown = f": {answer['detail']}" if answer["detail"] else ""
    reason = f"the workbook reader failed on this file ({how}){shown}; nothing of it was loaded"
    raise ReaderFailed(path, reason)


# The reader's address space grows with the file it reads, up to max_reader_memory_mb: a
# damaged 17 KB .xls that asks for gigabytes is stopped at the base, while a workbook gets what
# its rows need. Measured: a 14 MB workbook of 200,000 rows reads within 768 MB, a 71 MB one of
# 1,000,000 rows within 2,048 MB but not 1,536 MB.
_BASE_MB = 768
_PER_FILE_MB = 24  # of address space per MB of file
# RUST_BACKTRACE: the panic's message, not pages of frames. OPENBLAS_NUM_THREADS: the child imports
# numpy (through pyarrow) and never multiplies a matrix; OpenBLAS would start a thread per core in
# every child (measured: 40 ms of CPU a workbook more, taken from the other workers' cores).
_ENV = {"RUST_BACKTRACE": "0", "OPENBLAS_NUM_THREADS": "1"}


def child_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The reader child's environment: this process's, with _ENV's settings where the operator set none."""
    return _ENV | dict(environ)


def memory_mb(size: int, tuning: Tuning) -> int:
    """The address space a reader of a file of `size` bytes runs in, in MB."""
    return min(tuning.max_reader_memory_mb, _BASE_MB + _PER_FILE_MB * -(-size >> 20))


def _death(exitcode: int, memory: int, seconds: int, said: str) -> str:
    """How the child died: killed at the time limit (by us, or SIGXCPU), out of memory (Rust
    aborts when an allocation fails; SIGKILL is the kernel's OOM killer), or another crash."""
    if exitcode == -signal.SIGXCPU:
        return f"took longer than {seconds} s"
    if "memory allocation" in said or exitcode == -signal.SIGKILL:
        return "out of memory"
    if exitcode < 0:
        return f"crashed, {signal.Signals(-exitcode).name}"
    return f"crashed, exit status {exitcode}"


def _said(folder: Path) -> str:
    """The first line the child wrote to its standard error (Rust's abort message), if any."""
    try:
        lines = (folder / "stderr").read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[0][:300] if lines else ""


def _mapped(file: Path) -> pa.Table:
    import pyarrow as pa

    with pa.memory_map(str(file)) as source:
        return pa.ipc.open_file(source).read_all()


def _child(file: str, folder: str, memory_mb: int, seconds: int) -> None:
    """In the child: limit itself, read every sheet, write each to `folder`, and answer in
    `folder`/answer.json (JSON, not pickle: the parent does not run what a reader wrote) with
    the sheets, the reason the workbook cannot be opened, or how the reader failed."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))
    # Its files (the sheets, in memory when in /dev/shm) are no larger than what it may hold.
    resource.setrlimit(resource.RLIMIT_FSIZE, (memory_mb << 20, memory_mb << 20))
    answer: dict[str, object]
    try:
        import fastexcel

        logging.getLogger("fastexcel").setLevel(logging.ERROR)  # an all-empty column is read as text
        try:
            with open(file, "rb") as f:  # the bytes: from a path, calamine would go by the extension
                book = fastexcel.read_excel(f.read())
            names = list(book.sheet_names)
        except Exception as error:  # the readers raise several unrelated types for damaged files
            answer = {"damaged": _first_line(error)}
        else:
            sheets = [_sheet(book, name, os.path.join(folder, f"{i}.arrow")) for i, name in enumerate(names)]
            answer = {"sheets": [(s.name, s.first, s.error) for s in sheets]}
    except MemoryError:
        answer = {"failed": "out of memory", "detail": ""}
    except BaseException as error:  # a Rust panic (pyo3's PanicException is no Exception)
        answer = {"failed": "crashed", "detail": _first_line(error)}
    with open(os.path.join(folder, "answer.json"), "w") as out:
        json.dump(answer, out, default=str)


def _sheet(book: object, name: str, out: str) -> Sheet:
    """Row 0 is the sheet's row 1 (skip_rows=0 keeps leading blank rows). When every column
    holds one type of cell (all rows sampled), the columns come typed: dates, numbers. When
    any column mixes types (title rows above the header, a text cell among dates, TRUE among
    numbers), the sheet is read again with every cell as text, so no cell is coerced into
    another type."""
    import fastexcel
    import pyarrow as pa

    load = getattr(book, "load_sheet")  # noqa: B009
    try:
        try:
            loaded = load(name, header_row=0, skip_rows=0, schema_sample_rows=None, dtype_coercion="strict")
            first, rows = first_row(loaded.available_columns()), loaded.to_arrow()
        except fastexcel.UnsupportedColumnTypeCombinationError:
            text = load(name, header_row=None, skip_rows=0, dtypes="string").to_arrow()
            first = list(text.slice(0, 1).to_pylist()[0].values()) if text.num_rows else []
            rows = text.slice(1)
    except Exception as error:
        return Sheet(name, [], _first_line(error))
    with pa.OSFile(out, "wb") as sink, pa.ipc.new_file(sink, rows.schema) as writer:
        writer.write(rows)
    return Sheet(name, first)


def first_row(columns: list[object]) -> list[object]:
    """A sheet's row 1 from fastexcel's column names: generated names were empty cells, and a
    name repeated in the row comes back as 'Name_1', which was 'Name'."""
    import re

    cells: list[object] = []
    for column in columns:
        name: str = getattr(column, "name")  # noqa: B009
        if getattr(column, "column_name_from") == "generated":  # noqa: B009
            cells.append(None)
            continue
        repeated = re.fullmatch(r"(.*)_\d+", name)
        cells.append(repeated.group(1) if repeated and repeated.group(1) in cells else name)
    return cells


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
