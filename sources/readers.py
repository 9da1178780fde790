"""Turning the bytes of any export into a table of raw cells with the row numbers a person sees.

The two entry points: `read_export` (a file's bytes, read whole) and `read_export_chunks` (a
file read a chunk at a time). The work is done by `csv_text` (CSV/TSV), `html_tables` (HTML
pages), the workbook grids below (fastexcel), `header` (finding the table) and `chunks`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from schemas.tuning import DEFAULT_TUNING, Tuning
from sources.chunks import csv_pieces, slices
from sources.csv_text import HEAD_BYTES, csv_grid, line_offset, utf8_body, whole_lines
from sources.header import (
    find_header,
    first_nonblank_row,
    layouts_to_try,
    no_rows,
    rows_table,
    table_below,
    unrecognized,
)
from sources.html_tables import html_grids
from sources.layouts import Layout
from sources.limits import check_file_size
from sources.repair import repaired_grid, repaired_table
from sources.sniff import FileKind, sniff
from sources.tables import HEADER_SCAN_ROWS, Grid, RawTable
from sources.workbooks import Prefetch, Workbook
from sources.wrapped import unwrap

__all__ = ["HEAD_BYTES", "Grid", "RawTable", "read_export", "read_export_chunks"]


def read_export(
    data: bytes,
    path: str,
    layout_name: str | None = None,
    book: Workbook | None = None,
    declared: Sequence[Layout] = (),
    tuning: Tuning = DEFAULT_TUNING,
) -> RawTable:
    """Find the booking table in an export and return its raw cells; SourceError if there is none.
    `book`: the workbook already opened from these bytes, if it is one; `declared`: the layouts
    the operator declared for the file, tried after the built-in ones; `tuning`: the limits."""
    kind = sniff(data, path)
    first_rows: list[str] = []
    for grid in map(repaired_grid, _grids(data, path, kind, book, tuning)):
        found = find_header(grid, layouts_to_try(layout_name, declared))
        if found is not None:
            return repaired_table(table_below(grid, path, kind, *found), grid)
        if not first_rows:
            first_rows = [str(c) for c in first_nonblank_row(grid)]
    raise unrecognized(path, first_rows, layout_name, declared)


def read_export_chunks(
    file: Path,
    path: str,
    layout_name: str | None = None,
    ahead: Prefetch | None = None,
    *,
    tuning: Tuning = DEFAULT_TUNING,
    declared: Sequence[Layout] = (),
) -> Iterator[RawTable]:
    """The booking rows of the export in `file`, a chunk at a time, so that memory stays bounded.

    A UTF-8 CSV larger than `tuning.chunk_bytes` with one record per line is read in pieces of
    about that size, cut at line ends, each with its true row numbers; workbooks, small files
    and other encodings are read whole and handed on in slices of `tuning.chunk_rows` rows.
    Raises SourceError like `read_export`, also from a later chunk (so a caller loading chunk
    by chunk must be able to undo the earlier ones); NoRows when no chunk had a booking row.
    `ahead`: the workbook's read begun in the background (sources.workbooks.prefetch), if any;
    `declared`: as for `read_export`.
    """
    read = ahead.result() if ahead is not None else None
    if read is not None:
        data, book = read
        yield from slices(read_export(data, path, layout_name, book, declared, tuning), tuning)
        return
    with file.open("rb") as f:
        check_file_size(os.fstat(f.fileno()).st_size, path, tuning)
        head = f.read(HEAD_BYTES)
        kind = sniff(head, path) if head else None
        if kind in (FileKind.XLSX, FileKind.XLS):  # read by a child process, from the file
            book = Workbook(file, path, kind, tuning)
            yield from slices(read_export(head, path, layout_name, book, declared), tuning)
            return
        utf8 = utf8_body(head) if head else None
        # A wrapped file (sources.wrapped) is read whole: its unwrapped bytes are not the file's.
        if (
            file.stat().st_size <= tuning.chunk_bytes
            or utf8 is None
            or kind is not FileKind.TEXT
            or _wrapped(whole_lines(utf8))
        ):
            # Read whole, but handed on in slices: the caller stores one while it checks the next.
            yield from slices(read_export(head + f.read(), path, layout_name, None, declared, tuning), tuning)
            return
        grid = repaired_grid(csv_grid(head, path, tuning))
        found = find_header(grid, layouts_to_try(layout_name, declared))
        if found is None:
            raise unrecognized(path, [str(c) for c in first_nonblank_row(grid)], layout_name, declared)
        header_index, layout, columns = found
        offset = line_offset(utf8, header_index + 1)
        if offset is None or any(len(r) == 0 for r in grid.head[: header_index + 1]):
            f.seek(0)
            yield from slices(read_export(f.read(), path, layout_name, None, declared, tuning), tuning)
            return
        body = len(head) - len(utf8) + offset
        f.seek(body)
        size = file.stat().st_size
        read_any, lines = False, 0
        for frame, numbers in csv_pieces(f, path, grid, header_index, tuning):
            table, ended = rows_table(
                frame, numbers, grid, path, FileKind.TEXT, header_index, header_index + 1, layout, columns
            )
            lines += len(frame)
            table.rows_expected = max(len(table), lines * (size - body) // max(f.tell() - body, 1))
            if len(table):
                read_any = True
                yield repaired_table(table, grid)
            if ended:
                break
        if not read_any:
            raise no_rows(path, FileKind.TEXT, None, layout, header_index + 1)


def _wrapped(head: bytes) -> bool:
    return unwrap(head) is not head


def _grids(data: bytes, path: str, kind: FileKind, book: Workbook | None, tuning: Tuning) -> Iterator[Grid]:
    if kind is FileKind.TEXT:
        yield csv_grid(data, path, tuning)
    elif kind is FileKind.HTML:
        yield from html_grids(data, path, tuning)
    else:
        yield from _workbook_grids(data, path, kind, book)


def _workbook_grids(data: bytes, path: str, kind: FileKind, book: Workbook | None = None) -> Iterator[Grid]:
    """Sheets read by fastexcel straight into Arrow: no Python object per cell. `book`: the
    workbook already opened from these bytes (see sources.workbooks.prefetch)."""
    book = book or Workbook(data, path, kind)
    for name in book.names:
        first, rest = book.sheet(name)  # parsed once: the header scan looks at its first rows

        def body(header_index: int, rest: pa.Table = rest) -> tuple[pd.DataFrame, np.ndarray]:
            rows = rest.slice(header_index)  # rest's row i is head row i + 1
            frame = rows.rename_columns([str(i) for i in range(rows.num_columns)]).to_pandas()
            frame.columns = range(rows.num_columns)
            return frame, np.arange(header_index + 2, header_index + 2 + rows.num_rows)

        head = [first, *(list(r.values()) for r in rest.slice(0, HEADER_SCAN_ROWS - 1).to_pylist())]
        yield Grid(name, head, body)
