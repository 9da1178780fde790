"""Workbooks (.xlsx, .xls) opened by fastexcel straight into Arrow, and read ahead.

Reading a large workbook is most of its ingest (about 5 s for a million rows), and fastexcel
parses without holding the GIL. So the CLI starts reading the first workbook of a run in a
background thread (`prefetch`) before it imports pandas, connects and hashes the file; the
ingest then takes the sheet already read (`take`). Nothing here imports pandas.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sources.errors import UnreadableFile
from sources.sniff import FileKind, sniff

if TYPE_CHECKING:
    import pyarrow as pa  # imported by fastexcel, in the reading thread

_HEAD = 8192  # enough for sniff to tell a workbook by its first bytes


class Workbook:
    """A workbook's sheet names, and each sheet's first row and the rows below it, loaded on
    demand. UnreadableFile when the bytes are no workbook fastexcel can open, or a sheet
    cannot be read."""

    def __init__(self, data: bytes, path: str, kind: FileKind) -> None:
        import fastexcel  # only workbooks need it; a CSV-only run starts faster without it

        # An all-empty column is read as text, which is what we want: no warning on stderr for it.
        logging.getLogger("fastexcel").setLevel(logging.ERROR)
        self.path = path
        self.what = "workbook (.xlsx)" if kind is FileKind.XLSX else "legacy Excel workbook (.xls)"
        try:
            self._book = fastexcel.read_excel(data)
            self.names = list(self._book.sheet_names)
        except Exception as err:  # the readers raise several unrelated types for damaged files
            raise UnreadableFile(
                path, f"the {self.what} is damaged or truncated and cannot be opened ({_first_line(err)})"
            ) from None
        self._loaded: dict[str, tuple[list[object], pa.Table]] = {}

    def load(self, name: str) -> None:
        """Read a sheet now, to be taken by `sheet` later."""
        self._loaded[name] = self._read(name)

    def sheet(self, name: str) -> tuple[list[object], pa.Table]:
        """The sheet's first row, and every row below it (read by `load` before, or now)."""
        loaded = self._loaded.pop(name, None)
        return loaded if loaded is not None else self._read(name)

    def _read(self, name: str) -> tuple[list[object], pa.Table]:
        """Row 0 is the sheet's row 1 (skip_rows=0 keeps leading blank rows). When every column
        holds one type of cell (all rows sampled), the columns come typed: dates, numbers. When
        any column mixes types (title rows above the header, a text cell among dates, TRUE among
        numbers), the sheet is read again with every cell as text, so no cell is coerced into
        another type."""
        import fastexcel

        try:
            try:
                loaded = self._book.load_sheet(
                    name, header_row=0, skip_rows=0, schema_sample_rows=None, dtype_coercion="strict"
                )
                return _first_row(loaded.available_columns()), loaded.to_arrow()
            except fastexcel.UnsupportedColumnTypeCombinationError:
                text = self._book.load_sheet(name, header_row=None, skip_rows=0, dtypes="string").to_arrow()
                first = list(text.slice(0, 1).to_pylist()[0].values()) if text.num_rows else []
                return first, text.slice(1)
        except Exception as err:
            raise UnreadableFile(
                self.path, f"sheet {name!r} of the {self.what} cannot be read ({_first_line(err)})"
            ) from None


class Prefetch:
    """A workbook's bytes and its first sheet, read by a background thread."""

    def __init__(self, file: Path, kind: FileKind) -> None:
        self.file = file
        self._kind = kind
        self._identity = _identity(file)
        self._done = threading.Event()
        self._result: tuple[bytes, Workbook] | None = None
        # A daemon: a run that ends early (a usage error, a file loaded before) does not wait for it.
        threading.Thread(target=self._read, name="bookingest-prefetch", daemon=True).start()

    def _read(self) -> None:
        try:
            data = self.file.read_bytes()
            book = Workbook(data, str(self.file), self._kind)
            if book.names:
                book.load(book.names[0])
            self._result = data, book
        except Exception:
            pass  # the ingest reads the file again itself, and reports what is wrong with it
        finally:
            self._done.set()

    def result(self) -> tuple[bytes, Workbook] | None:
        """The bytes and the opened workbook (waiting for the read), or None when the read failed
        or the file changed since it began: the caller then reads the file itself."""
        self._done.wait()
        try:
            unchanged = _identity(self.file) == self._identity
        except OSError:
            return None
        return self._result if unchanged else None


_pending: dict[Path, Prefetch] = {}


def prefetch(file: Path) -> None:
    """Start reading `file` in the background if it is a workbook (anything else: nothing)."""
    try:
        with file.open("rb") as f:
            kind = sniff(f.read(_HEAD), str(file))
    except (OSError, UnreadableFile):
        return  # the ingest says what is wrong with it
    if kind in (FileKind.XLSX, FileKind.XLS):
        _pending[file] = Prefetch(file, kind)


def take(file: Path) -> Prefetch | None:
    """The read begun for `file`, if any (only once: a retry reads the file itself)."""
    return _pending.pop(file, None)


def _identity(file: Path) -> tuple[int, int, int]:
    stat = os.stat(file)
    return stat.st_size, stat.st_mtime_ns, stat.st_ino


_DEDUPLICATED = re.compile(r"(.*)_\d+")


def _first_row(columns: Sequence[object]) -> list[object]:
    """A sheet's row 1 from fastexcel's column names: generated names were empty cells, and a
    name repeated in the row comes back as 'Name_1', which was 'Name'."""
    cells: list[object] = []
    for column in columns:
        name: str = getattr(column, "name")  # noqa: B009
        if getattr(column, "column_name_from") == "generated":  # noqa: B009
            cells.append(None)
            continue
        repeated = _DEDUPLICATED.fullmatch(name)
        cells.append(repeated.group(1) if repeated and repeated.group(1) in cells else name)
    return cells


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]
