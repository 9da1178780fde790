"""Turning the bytes of any export into a table of raw cells with the row numbers a person sees."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

import pandas as pd
import python_calamine as calamine

from sources.errors import NoRows, UnreadableFile, UnrecognizedLayout
from sources.layouts import LAYOUTS, Layout, header_key
from sources.sniff import FileKind, decode_text, sniff

HEADER_SCAN_ROWS = 50  # title rows, notes and blank rows above a header stay within this
_TOTAL = re.compile(r"(grand\s+)?(sub)?totals?\s*:?", re.I)


@dataclass
class Grid:
    """Cells of one sheet or table, as read; `first_row` is the row number of rows[0]."""

    name: str | None
    rows: Sequence[Sequence[object]]
    first_row: int = 1


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

    def __len__(self) -> int:
        return len(self.row_numbers)


def read_export(data: bytes, path: str, layout_name: str | None = None) -> RawTable:
    """Find the booking table in an export and return its raw cells; SourceError if there is none."""
    kind = sniff(data, path)
    layouts = [LAYOUTS[layout_name]] if layout_name else list(LAYOUTS.values())
    first_rows: list[str] = []
    for grid in _grids(data, path, kind):
        found = _find_header(grid, layouts)
        if found is not None:
            return _table(grid, path, kind, *found)
        if not first_rows:
            first_rows = [str(c) for c in _first_nonblank_row(grid)]
    if layout_name:
        raise UnrecognizedLayout(path, first_rows).forced(LAYOUTS[layout_name])
    raise UnrecognizedLayout(path, first_rows)


def _grids(data: bytes, path: str, kind: FileKind) -> Iterator[Grid]:
    if kind is FileKind.TEXT:
        yield _csv_grid(decode_text(data, path))
    elif kind is FileKind.HTML:
        tables = _HtmlTables.parse(decode_text(data, path))
        if not tables:
            raise UnreadableFile(path, "the file is an HTML page without any table")
        for i, table in enumerate(tables, start=1):
            yield Grid(f"table {i}", table)
    else:
        try:
            book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        except Exception as err:  # calamine raises several unrelated types for damaged files
            what = "workbook (.xlsx)" if kind is FileKind.XLSX else "legacy Excel workbook (.xls)"
            raise UnreadableFile(path, f"the {what} is damaged or truncated and cannot be opened ({err})") from None
        for name in book.sheet_names:
            try:
                cells = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            except Exception as err:
                raise UnreadableFile(path, f"sheet {name!r} of the workbook cannot be read ({err})") from None
            yield Grid(name, cells)


def _csv_grid(text: str) -> Grid:
    lines = text.splitlines()[:HEADER_SCAN_ROWS]
    counts = {d: sum(line.count(d) for line in lines) for d in (",", ";", "\t", "|")}
    delimiter = max(counts, key=lambda d: counts[d])
    # Quoted fields may span lines; the row number is then the record's first line, which is
    # what a spreadsheet shows when the CSV is opened.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Sequence[object]] = []
    numbers: list[int] = []
    line = 1
    for rec in reader:
        rows.append(rec)
        numbers.append(line)
        line = reader.line_num + 1
    grid = Grid(None, rows)
    grid.line_numbers = numbers  # type: ignore[attr-defined]
    return grid


class _HtmlTables(HTMLParser):
    """The text of every <tr> of every <table> in a page (Booking.com's HTML '.xls')."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    @classmethod
    def parse(cls, text: str) -> list[list[list[str]]]:
        parser = cls()
        parser.feed(text)
        parser.close()
        return [t for t in parser.tables if t]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._end_row()
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._end_cell()
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr" or tag == "table":
            self._end_row()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def _end_cell(self) -> None:
        if self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
        self._cell = None

    def _end_row(self) -> None:
        self._end_cell()
        if self._row is not None and self.tables:
            self.tables[-1].append(self._row)
        self._row = None


def _first_nonblank_row(grid: Grid) -> Sequence[object]:
    for row in grid.rows[:HEADER_SCAN_ROWS]:
        if any(str(c).strip() for c in row if c is not None):
            return [c for c in row if c is not None and str(c).strip()]
    return []


def _find_header(grid: Grid, layouts: list[Layout]) -> tuple[int, Layout, dict[str, int]] | None:
    """The first row that is a layout's header; the layout matching most headers wins."""
    for i, row in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
        keys = [header_key(c) if isinstance(c, str) else "" for c in row]
        if not any(keys):
            continue
        best: tuple[int, Layout, dict[str, int]] | None = None
        for layout in layouts:
            found = layout.match(keys)
            if found is not None and (best is None or len(found) > len(best[2])):
                best = (i, layout, found)
        if best is not None:
            return best
    return None


def _table(grid: Grid, path: str, kind: FileKind, header_index: int, layout: Layout, found: dict[str, int]) -> RawTable:
    numbers = getattr(grid, "line_numbers", None)
    body = grid.rows[header_index + 1 :]
    widths = set(map(len, body))
    if len(widths) > 1:  # ragged CSV lines or short HTML rows: pad, as a spreadsheet shows them
        width = max(widths)
        body = [list(r) + [None] * (width - len(r)) for r in body]
    frame = pd.DataFrame(list(body), dtype=object) if body else pd.DataFrame(dtype=object)
    if numbers is not None:
        frame.index = pd.Index(numbers[header_index + 1 :], dtype="int64")
        header_row = numbers[header_index]
    else:
        frame.index = pd.RangeIndex(grid.first_row + header_index + 1, grid.first_row + len(grid.rows))
        header_row = grid.first_row + header_index
    frame = frame.reindex(columns=range(max(found.values()) + 1))
    text = frame.apply(lambda col: col.where(col.notna(), "").astype(str).str.strip())
    blank = (text == "").all(axis=1)
    # A totals row ends the table; whatever follows it (notes, sums) is not bookings.
    first_cells = text.iloc[:, : min(2, text.shape[1])]
    is_total = first_cells.apply(lambda col: col.str.fullmatch(_TOTAL.pattern, case=False)).any(axis=1)
    if is_total.any():
        cut = is_total.to_numpy().argmax()
        frame, blank = frame.iloc[:cut], blank.iloc[:cut]
    frame = frame.loc[~blank.to_numpy()]
    header_cells = grid.rows[header_index]
    table = RawTable(
        path=path,
        kind=kind,
        sheet=grid.name,
        layout=layout,
        header_row=header_row,
        columns={fld: frame[col].reset_index(drop=True) for fld, col in found.items()},
        headers={fld: " ".join(str(header_cells[col]).split()) for fld, col in found.items()},
        row_numbers=pd.Series(frame.index.to_numpy(), dtype="int64"),
    )
    if len(table) == 0:
        where = f" (sheet {grid.name!r})" if kind in (FileKind.XLSX, FileKind.XLS) else ""
        raise NoRows(path, f"the {layout.title} has a header at row {header_row}{where} but no booking rows")
    return table
