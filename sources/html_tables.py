"""HTML pages holding tables (Booking.com's HTML '.xls'): every table's rows as a grid of text cells.

The page goes through libxml2's HTML parser (lxml) a block at a time, as events (a tag starts,
text, a tag ends) that keep the rows' text and build no tree: time is linear in the page's
size, closed tags or not, and memory holds the cells' text only. The limits of `tuning`
(sources.text_limits) are checked as the cells and rows come, so a page over one is refused
after reading about the limit of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
from lxml import etree

from schemas.tuning import DEFAULT_TUNING, Tuning
from sources.errors import UnreadableFile
from sources.sniff import decode_text
from sources.tables import HEADER_SCAN_ROWS, Grid, rows_frame
from sources.text_limits import cell_over, check_cell, check_rows, check_width

_BLOCK = 1 << 20
_BATCH_ROWS = 16_384  # rows below the head kept as Python lists until they go into Arrow
_CELLS = frozenset(("td", "th"))


def html_grids(data: bytes, path: str, tuning: Tuning = DEFAULT_TUNING) -> Iterator[Grid]:
    """One grid per non-empty table of the page, named "table 1", "table 2", ..."""
    tables = html_tables(decode_text(data, path), path, tuning)
    if not tables:
        raise UnreadableFile(path, "the file is an HTML page without any table")
    for i, table in enumerate(tables, start=1):
        yield table.grid(f"table {i}")


class TableRows:
    """One table's rows: the first HEADER_SCAN_ROWS as lists of text (the header is looked for
    there), the rest in Arrow tables of text columns, some 12 bytes a short cell instead of 60
    as Python strings: a page of tiny cells stays well within memory."""

    def __init__(self) -> None:
        self.head: list[list[str]] = []
        self.count = 0
        self._pending: list[list[str]] = []
        self._batches: list[pa.Table] = []

    def append(self, row: list[str]) -> None:
        self.count += 1
        if len(self.head) < HEADER_SCAN_ROWS:
            self.head.append(row)
            return
        self._pending.append(row)
        if len(self._pending) >= _BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        rows, self._pending = self._pending, []
        if rows:
            width = max(map(len, rows))
            columns = [pa.array([r[i] if i < len(r) else None for r in rows], pa.string()) for i in range(width)]
            self._batches.append(pa.table(columns, names=[str(i) for i in range(width)]))

    def grid(self, name: str) -> Grid:
        self._flush()

        def body(header_index: int) -> tuple[pd.DataFrame, np.ndarray]:
            frame = rows_frame(self.head[header_index + 1 :])
            if self._batches:  # ragged rows: the cells a row lacks are None, as rows_frame pads
                rows = pa.concat_tables(self._batches, promote_options="default")
                below = rows.to_pandas().astype(object)
                below.columns = range(rows.num_columns)
                frame = pd.concat([frame, below], ignore_index=True) if len(frame) else below
                frame = frame.where(frame.notna(), None)
            start = header_index + 2
            return frame, np.arange(start, start + len(frame))

        return Grid(name, self.head, body)

    def rows(self) -> list[list[object]]:
        """Every row as a list (the shorter ones padded with None)."""
        frame, _ = self.grid("").body(-1)
        return [list(r) for r in frame.itertuples(index=False)]


def html_tables(text: str, path: str, tuning: Tuning = DEFAULT_TUNING) -> list[TableRows]:
    """The text of every <tr> of every <table> of a page, a row's cells being its <td> and <th>
    (white space collapsed, a <br> a space); the tables without rows left out. A row belongs
    to the innermost table it is in; rows outside any table, and comments, are ignored."""
    tables = _Tables(path, tuning)
    # A target need not have all of the stubs' ParserTarget methods: lxml calls those it has.
    target = cast("etree.ParserTarget[None]", tables)
    # Fed text, decoded once by decode_text: its rules, never a <meta> tag's.
    parser = etree.HTMLParser(target=target, no_network=True)
    for start in range(0, len(text), _BLOCK):
        parser.feed(text[start : start + _BLOCK])
    parser.close()
    fatal = [e for e in parser.error_log if e.level == etree.ErrorLevels.FATAL]
    if fatal:
        raise UnreadableFile(path, f"the HTML page cannot be read past line {fatal[0].line} ({fatal[0].message})")
    return [t for t in tables.tables if t.count]


class _Tables:
    """lxml's parser target: the rows of the tables, as the parser's events come."""

    def __init__(self, path: str, tuning: Tuning) -> None:
        self.path, self.tuning = path, tuning
        self.tables: list[TableRows] = []
        self._open: list[TableRows] = []  # the tables started and not yet ended, innermost last
        self._outer: list[tuple[list[str] | None, list[str] | None, int]] = []  # their outer rows and cells
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._cell_chars = 0
        self._rows = 0

    def start(self, tag: str, attrib: object) -> None:
        if tag in _CELLS and self._row is not None:
            if self._cell is not None:  # the cell before was left open
                self._end_cell()
            if len(self._row) >= self.tuning.max_columns:
                check_width(len(self._row) + 1, self._rows + 1, self.path, self.tuning)
            self._cell, self._cell_chars = [], 0
        elif tag == "tr" and self._open:
            self._end_row()
            self._row = []
        elif tag == "table":  # a table in a cell: the outer row goes on after it
            self._outer.append((self._row, self._cell, self._cell_chars))
            self._row, self._cell = None, None
            self._open.append(TableRows())
            self.tables.append(self._open[-1])
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def end(self, tag: str) -> None:
        if tag in _CELLS:
            self._end_cell()
        elif tag == "tr":
            self._end_row()
        elif tag == "table" and self._open:
            self._end_row()
            self._open.pop()
            self._row, self._cell, self._cell_chars = self._outer.pop()

    def data(self, text: str) -> None:
        if self._cell is not None:
            self._cell.append(text)
            self._cell_chars += len(text)
            if self._cell_chars > self.tuning.max_cell_bytes:  # never held much past the limit
                raise cell_over(self._rows + 1, self._cell_chars, self.path, self.tuning, exact=False)

    def comment(self, text: str) -> None:
        pass

    def close(self) -> None:
        while self._open:  # tables left open at the end of the page
            self.end("table")

    # Each ends its cell or row before checking it: after a refusal, lxml still closes the
    # elements left open, which must not count them again.
    def _end_cell(self) -> None:
        cell, self._cell = self._cell, None
        if cell is not None and self._row is not None:
            text = cell[0] if len(cell) == 1 else "".join(cell)
            if self._cell_chars * 4 > self.tuning.max_cell_bytes:
                check_cell(text, self._rows + 1, self.path, self.tuning)
            self._row.append(" ".join(text.split()))

    def _end_row(self) -> None:
        self._end_cell()
        row, self._row = self._row, None
        if row is not None and self._open:
            self._rows += 1
            check_rows(self._rows, self.path, self.tuning)
            self._open[-1].append(row)
