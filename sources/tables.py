"""The shapes the readers hand on: one sheet's grid of cells, and the booking rows found in it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sources.layouts import Layout
from sources.sniff import FileKind

HEADER_SCAN_ROWS = 50  # title rows, notes and blank rows above a header stay within this


@dataclass
class Grid:
    """One sheet or table: its first rows as Python values (to find the header), and a way to
    load the rows below a header as a frame of cells with the row number a person sees."""

    name: str | None
    head: Sequence[Sequence[object]]
    body: Callable[[int], tuple[pd.DataFrame, np.ndarray]]  # header index -> (cells, row numbers)
    delimiter: str = ","  # of a CSV
    repaired: frozenset[str] = frozenset()  # the texts of its head repaired (sources.repair)


@dataclass
class RawTable:
    """The booking rows of one export: one Series of raw cells per mapped field."""

    path: str
    kind: FileKind
    sheet: str | None
    layout: Layout
    header_row: int
    columns: dict[str, pd.Series]  # field -> raw cells
    headers: dict[str, str]  # field -> the header text as written in the file
    row_numbers: pd.Series  # the row number a person sees, per row
    # How many rows the whole file has, as far as is known by this chunk (a large CSV's is
    # estimated from the bytes read so far); 0 when unknown.
    rows_expected: int = 0
    repaired: tuple[str, ...] = ()  # what had text garbled by a wrong encoding: "headers", fields

    def __len__(self) -> int:
        return len(self.row_numbers)


def rows_grid(name: str | None, rows: Sequence[Sequence[object]], first_row: int = 1) -> Grid:
    """A grid of rows already parsed into Python values (an HTML table's)."""

    def body(header_index: int) -> tuple[pd.DataFrame, np.ndarray]:
        cells = rows[header_index + 1 :]
        start = first_row + header_index + 1
        return rows_frame(cells), np.arange(start, start + len(cells))

    return Grid(name, rows[:HEADER_SCAN_ROWS], body)


def rows_frame(rows: Sequence[Sequence[object]]) -> pd.DataFrame:
    widths = set(map(len, rows))
    if len(widths) > 1:  # ragged CSV lines or short HTML rows: pad, as a spreadsheet shows them
        width = max(widths)
        rows = [list(r) + [None] * (width - len(r)) for r in rows]
    return pd.DataFrame(list(rows), dtype=object) if rows else pd.DataFrame(dtype=object)
