"""Workbooks (.xlsx, .xls) checked against the limits, read by fastexcel straight into Arrow in
a child process (sources.sandbox), and read ahead.

Reading a large workbook is most of its ingest (about 5 s for a million rows). So the CLI
starts reading the first workbook of a run in a background thread (`prefetch`) before it
imports pandas, connects and hashes the file; the ingest then takes the sheets already read
(`take`). Nothing here imports pandas.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from schemas.tuning import DEFAULT_TUNING, Tuning
from sources.errors import SourceError, UnreadableFile
from sources.limits import check_extent, check_file_size, check_workbook
from sources.sandbox import read_sheets
from sources.sniff import FileKind, sniff

if TYPE_CHECKING:
    import pyarrow as pa  # imported when a sheet is mapped, in the reading thread

_HEAD = 8192  # enough for sniff to tell a workbook by its first bytes


class Workbook:
    """A workbook's sheet names, and each sheet's first row and the rows below it, read by a
    child process (sources.sandbox) after the limits' checks (sources.limits). `source`: the
    file, or its bytes. OverLimit when it is over a limit; UnreadableFile when the bytes are
    no workbook fastexcel can open, or the reader failed on them; a sheet that cannot be read
    raises UnreadableFile when it is taken."""

    def __init__(self, source: Path | bytes, path: str, kind: FileKind, tuning: Tuning = DEFAULT_TUNING) -> None:
        self.path = path
        self.what = "workbook (.xlsx)" if kind is FileKind.XLSX else "legacy Excel workbook (.xls)"
        if kind is FileKind.XLSX:
            check_workbook(source, path, tuning)
        self._sheets = {sheet.name: (sheet, rows) for sheet, rows in read_sheets(source, path, self.what, tuning)}
        self.names = list(self._sheets)
        for name, (_, rows) in self._sheets.items():  # the real extent, whatever was declared
            if rows is not None:
                check_extent(rows.num_rows + 1, rows.num_columns, f"the sheet {name!r} has", "", path, tuning)

    def load(self, name: str) -> None:
        """Nothing any more: the child read every sheet (kept for the read-ahead's callers)."""

    def sheet(self, name: str) -> tuple[list[object], pa.Table]:
        """The sheet's first row, and every row below it. Row 0 is the sheet's row 1 (leading
        blank rows are kept)."""
        sheet, rows = self._sheets[name]
        if rows is None:
            raise UnreadableFile(self.path, f"sheet {name!r} of the {self.what} cannot be read ({sheet.error})")
        return sheet.first, rows


class Prefetch:
    """A workbook's first bytes and its sheets, read by a background thread."""

    def __init__(self, file: Path, kind: FileKind, tuning: Tuning) -> None:
        self.file = file
        self._kind = kind
        self._tuning = tuning
        self._identity = _identity(file)
        self._done = threading.Event()
        self._result: tuple[bytes, Workbook] | None = None
        self._refused: SourceError | None = None  # why the file was refused: it is not read twice
        # A daemon: a run that ends early (a usage error, a file loaded before) does not wait for it.
        threading.Thread(target=self._read, name="bookingest-prefetch", daemon=True).start()

    def _read(self) -> None:
        try:
            with self.file.open("rb") as f:
                head = f.read(_HEAD)
                check_file_size(os.fstat(f.fileno()).st_size, str(self.file), self._tuning)
            self._result = head, Workbook(self.file, str(self.file), self._kind, self._tuning)
        except SourceError as err:  # over a limit, damaged, or the reader failed on it
            self._refused = err
        except Exception:
            pass  # the ingest reads the file again itself, and reports what is wrong with it
        finally:
            self._done.set()

    def result(self) -> tuple[bytes, Workbook] | None:
        """The first bytes and the workbook read (waiting for the read), or None when the read failed
        or the file changed since it began: the caller then reads the file itself. Raises what
        made the read refuse the file (over a limit, damaged, the reader failed) if it is unchanged."""
        self._done.wait()
        try:
            unchanged = _identity(self.file) == self._identity
        except OSError:
            return None
        if unchanged and self._refused is not None:
            raise self._refused
        return self._result if unchanged else None


_pending: dict[Path, Prefetch] = {}


def prefetch(file: Path, tuning: Tuning = DEFAULT_TUNING) -> None:
    """Start reading `file` in the background if it is a workbook (anything else: nothing)."""
    try:
        with file.open("rb") as f:
            kind = sniff(f.read(_HEAD), str(file))
    except (OSError, UnreadableFile):
        return  # the ingest says what is wrong with it
    if kind in (FileKind.XLSX, FileKind.XLS):
        _pending[file] = Prefetch(file, kind, tuning)


def take(file: Path) -> Prefetch | None:
    """The read begun for `file`, if any (only once: a retry reads the file itself)."""
    return _pending.pop(file, None)


def _identity(file: Path) -> tuple[int, int, int]:
    stat = os.stat(file)
    return stat.st_size, stat.st_mtime_ns, stat.st_ino
