"""Turning the bytes of any export into a table of raw cells with the row numbers a person sees."""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from schemas.tuning import Tuning
from sources.errors import NoRows, SourceError, UnreadableFile, UnrecognizedLayout
from sources.layouts import LAYOUTS, Layout, header_key
from sources.sniff import FileKind, decode_text, sniff
from sources.workbooks import Prefetch, Workbook

CHUNK_BYTES = 1 << 24  # a large CSV is read about 16 MB (some 150,000 bookings) at a time
CHUNK_ROWS = 150_000  # a workbook is read whole, then checked and stored this many rows at a time
# The first chunk is smaller, so that storing (on PostgreSQL, a worker's COPY) starts sooner.
FIRST_CHUNK_ROWS = 20_000
FIRST_CHUNK_BYTES = 2 << 20
HEADER_SCAN_ROWS = 50  # title rows, notes and blank rows above a header stay within this
_TOTAL = re.compile(r"\s*(grand\s+)?(sub)?totals?\s*:?\s*", re.I)


@dataclass
class Grid:
    """One sheet or table: its first rows as Python values (to find the header), and a way to
    load the rows below a header as a frame of cells with the row number a person sees."""

    name: str | None
    head: Sequence[Sequence[object]]
    body: Callable[[int], tuple[pd.DataFrame, np.ndarray]]  # header index -> (cells, row numbers)
    delimiter: str = ","  # of a CSV


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

    def __len__(self) -> int:
        return len(self.row_numbers)


def read_export(data: bytes, path: str, layout_name: str | None = None, book: Workbook | None = None) -> RawTable:
    """Find the booking table in an export and return its raw cells; SourceError if there is none.
    `book`: the workbook already opened from these bytes, if it is one."""
    kind = sniff(data, path)
    first_rows: list[str] = []
    for grid in _grids(data, path, kind, book):
        found = _find_header(grid, _layouts(layout_name))
        if found is not None:
            return _table(grid, path, kind, *found)
        if not first_rows:
            first_rows = [str(c) for c in _first_nonblank_row(grid)]
    raise _unrecognized(path, first_rows, layout_name)


def _layouts(layout_name: str | None) -> list[Layout]:
    return [LAYOUTS[layout_name]] if layout_name else list(LAYOUTS.values())


def _unrecognized(path: str, first_rows: list[str], layout_name: str | None) -> SourceError:
    error = UnrecognizedLayout(path, first_rows)
    return error.forced(LAYOUTS[layout_name]) if layout_name else error


def read_export_chunks(
    file: Path,
    path: str,
    layout_name: str | None = None,
    chunk_bytes: int | None = None,
    ahead: Prefetch | None = None,
    tuning: Tuning | None = None,
) -> Iterator[RawTable]:
    """The booking rows of the export in `file`, a chunk at a time, so that memory stays bounded.

    A UTF-8 CSV larger than `chunk_bytes` with one record per line is read in pieces of about
    that size, cut at line ends, each with its true row numbers; workbooks, small files and
    other encodings are read whole and handed on in slices of CHUNK_ROWS rows. Raises SourceError like `read_export`, also
    from a later chunk (so a caller loading chunk by chunk must be able to undo the earlier
    ones); NoRows when no chunk had a booking row. `chunk_bytes` defaults to CHUNK_BYTES.
    `ahead`: the workbook's read begun in the background (sources.workbooks.prefetch), if any.
    `tuning`: accepted, not read yet (the readers' tuning comes with their split).
    """
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    read = ahead.result() if ahead is not None else None
    if read is not None:
        data, book = read
        yield from _slices(read_export(data, path, layout_name, book), CHUNK_ROWS)
        return
    with file.open("rb") as f:
        head = f.read(HEAD_BYTES)
        utf8 = _utf8_body(head) if head else None
        if file.stat().st_size <= chunk_bytes or utf8 is None or sniff(head, path) is not FileKind.TEXT:
            # Read whole, but handed on in slices: the caller stores one while it checks the next.
            yield from _slices(read_export(head + f.read(), path, layout_name), CHUNK_ROWS)
            return
        grid = _csv_grid(head, path)
        found = _find_header(grid, _layouts(layout_name))
        if found is None:
            raise _unrecognized(path, [str(c) for c in _first_nonblank_row(grid)], layout_name)
        header_index, layout, columns = found
        offset = _line_offset(utf8, header_index + 1)
        if offset is None or any(len(r) == 0 for r in grid.head[: header_index + 1]):
            f.seek(0)
            yield from _slices(read_export(f.read(), path, layout_name), CHUNK_ROWS)
            return
        body = len(head) - len(utf8) + offset
        f.seek(body)
        size = file.stat().st_size
        read_any, lines = False, 0
        for frame, numbers in _csv_pieces(f, path, grid, header_index, chunk_bytes):
            table, ended = _rows_table(
                frame, numbers, grid, path, FileKind.TEXT, header_index, header_index + 1, layout, columns
            )
            lines += len(frame)
            table.rows_expected = max(len(table), lines * (size - body) // max(f.tell() - body, 1))
            if len(table):
                read_any = True
                yield table
            if ended:
                break
        if not read_any:
            raise _no_rows(path, FileKind.TEXT, None, layout, header_index + 1)


def _slices(table: RawTable, rows: int) -> Iterator[RawTable]:
    """The table in slices of `rows` rows, the first of at most FIRST_CHUNK_ROWS."""
    if not len(table):
        return
    starts = [0, *range(min(rows, FIRST_CHUNK_ROWS), len(table), rows)]
    for start, stop in zip(starts, [*starts[1:], len(table)], strict=True):
        part = slice(start, stop)
        columns = {fld: cells.iloc[part].reset_index(drop=True) for fld, cells in table.columns.items()}
        numbers = table.row_numbers.iloc[part].reset_index(drop=True)
        yield dataclasses.replace(table, columns=columns, row_numbers=numbers, rows_expected=len(table))


def _csv_pieces(
    f: BinaryIO, path: str, grid: Grid, header_index: int, chunk_bytes: int
) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """The lines below the header in pieces of about `chunk_bytes`, parsed by Arrow. From the
    first piece Arrow cannot read line by line (a quoted line break, blank lines, another
    encoding), the rest of the file goes through the Python reader as one piece."""
    delimiter = grid.delimiter
    width = len(grid.head[header_index])
    line = header_index + 2  # the row number of the next line
    carry = b""
    size = min(chunk_bytes, FIRST_CHUNK_BYTES)
    while True:
        block = f.read(size)
        size = chunk_bytes
        data = carry + block
        if block:
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                carry = data
                continue
            # Blank lines wait for the next piece: they may be the harmless ones that end the file.
            last = len(data[:cut].rstrip(b"\r\n"))
            if last == 0:
                carry = data
                continue
            end = data.index(b"\n", last) + 1
            piece, carry = data[:end], data[end:]
        else:
            piece, carry = data.rstrip(b"\r\n") + b"\n", b""  # blank lines at the very end are harmless
            if piece == b"\n":
                return
        frame = _arrow_rows(piece, delimiter, width)
        if frame is None:
            rest = piece + carry + f.read()
            if rest.strip():  # not just white space left over at the end
                frame, numbers = _python_csv(decode_text(rest, path), delimiter, -1)
                yield frame, numbers + (line - 1)
            return
        yield frame, np.arange(line, line + len(frame))
        line += len(frame)
        if not block:
            return


def _grids(data: bytes, path: str, kind: FileKind, book: Workbook | None = None) -> Iterator[Grid]:
    if kind is FileKind.TEXT:
        yield _csv_grid(data, path)
    elif kind is FileKind.HTML:
        tables = _HtmlTables.parse(decode_text(data, path))
        if not tables:
            raise UnreadableFile(path, "the file is an HTML page without any table")
        for i, table in enumerate(tables, start=1):
            yield _rows_grid(f"table {i}", table)
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


def _csv_grid(data: bytes, path: str) -> Grid:
    utf8 = _utf8_body(data)
    # The header is looked for in the first lines only; a UTF-8 file is never decoded whole.
    text = decode_text(_whole_lines(utf8[:HEAD_BYTES]), path) if utf8 is not None else decode_text(data, path)
    lines = text.splitlines()[:HEADER_SCAN_ROWS]
    counts = {d: sum(line.count(d) for line in lines) for d in DELIMITERS}
    delimiter = max(counts, key=lambda d: counts[d])
    head = list(csv.reader(io.StringIO("\n".join(lines), newline=""), delimiter=delimiter))

    def body(header_index: int) -> tuple[pd.DataFrame, np.ndarray]:
        encoded = utf8 if utf8 is not None else text_all().encode("utf-8")
        fast = _arrow_csv(encoded, delimiter, header_index, head)
        return fast if fast is not None else _python_csv(text_all(), delimiter, header_index)

    def text_all() -> str:
        return decode_text(data, path) if utf8 is not None else text

    return Grid(None, head, body, delimiter)


HEAD_BYTES = 1 << 18


def _whole_lines(head: bytes) -> bytes:
    """The head of a file up to its last line end, so that no character is cut in two."""
    end = head.rfind(b"\n")
    return head[: end + 1] if 0 < end < len(head) - 1 else head


DELIMITERS = (",", ";", "\t", "|")


def _utf8_body(data: bytes) -> bytes | None:
    """The bytes without a UTF-8 BOM when the file looks like UTF-8 (its start decodes as such);
    None for UTF-16 and legacy encodings, which are decoded whole instead."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:4]:
        return None
    head = data[:HEAD_BYTES]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # not just a character cut in two by the slice
            return None
    return data


def _arrow_csv(
    data: bytes, delimiter: str, header_index: int, head: list[list[str]]
) -> tuple[pd.DataFrame, np.ndarray] | None:
    """The common case, in Arrow's multi-threaded reader: one record per line below the header.

    Returns None when that does not hold (a quoted value spanning lines, blank lines, ragged
    rows, title rows that the line-based count cannot place, or bytes that are not UTF-8): the
    Python reader then keeps the row numbers exact.
    """
    data = data.rstrip(b"\r\n") + b"\n"  # blank lines at the very end are common and harmless
    if any(len(r) == 0 for r in head[: header_index + 1]):
        return None
    offset = _line_offset(data, header_index + 1)
    if offset is None:
        return None
    frame = _arrow_rows(data[offset:], delimiter, len(head[header_index]))
    if frame is None:
        return None
    return frame, np.arange(header_index + 2, header_index + 2 + len(frame))


def _line_offset(data: bytes, lines: int) -> int | None:
    """Where the line after the first `lines` lines starts; None if there are not that many."""
    offset = 0
    for _ in range(lines):
        offset = data.find(b"\n", offset) + 1
        if offset == 0:
            return None
    return offset


def _arrow_rows(body: bytes, delimiter: str, width: int) -> pd.DataFrame | None:
    """Lines of CSV (each ending in a line feed) as a frame of text cells, one row per line;
    None when the lines are not exactly one record each (blank lines, a quoted line break,
    ragged rows, bare CR line ends, bytes that are not UTF-8)."""
    if b"\n\n" in body or b"\n\r\n" in body or body.startswith((b"\n", b"\r")):
        return None
    if body.count(b'"') % 2:  # a quoted value left open: it goes on past these lines
        return None
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(column_names=[str(i) for i in range(width)], block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys((str(i) for i in range(width)), pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if table.num_rows != body.count(b"\n"):  # e.g. a quoted line break, or bare CR line ends
        return None
    frame = table.to_pandas()
    frame.columns = range(width)
    return frame


def _python_csv(text: str, delimiter: str, header_index: int) -> tuple[pd.DataFrame, np.ndarray]:
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
    return _frame(rows[header_index + 1 :]), np.array(numbers[header_index + 1 :], dtype="int64")


def _rows_grid(name: str | None, rows: Sequence[Sequence[object]], first_row: int = 1) -> Grid:
    def body(header_index: int) -> tuple[pd.DataFrame, np.ndarray]:
        cells = rows[header_index + 1 :]
        start = first_row + header_index + 1
        return _frame(cells), np.arange(start, start + len(cells))

    return Grid(name, rows[:HEADER_SCAN_ROWS], body)


def _frame(rows: Sequence[Sequence[object]]) -> pd.DataFrame:
    widths = set(map(len, rows))
    if len(widths) > 1:  # ragged CSV lines or short HTML rows: pad, as a spreadsheet shows them
        width = max(widths)
        rows = [list(r) + [None] * (width - len(r)) for r in rows]
    return pd.DataFrame(list(rows), dtype=object) if rows else pd.DataFrame(dtype=object)


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
    for row in grid.head:
        if any(str(c).strip() for c in row if c is not None):
            return [c for c in row if c is not None and str(c).strip()]
    return []


def _find_header(grid: Grid, layouts: list[Layout]) -> tuple[int, Layout, dict[str, int]] | None:
    """The first row that is a layout's header; the layout matching most headers wins."""
    for i, row in enumerate(grid.head):
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
    frame, numbers = grid.body(header_index)
    header_row = int(numbers[0]) - 1 if len(numbers) else header_index + 1
    table, _ = _rows_table(frame, numbers, grid, path, kind, header_index, header_row, layout, found)
    if len(table) == 0:
        raise _no_rows(path, kind, grid.name, layout, header_row)
    return table


def _no_rows(path: str, kind: FileKind, sheet: str | None, layout: Layout, header_row: int) -> NoRows:
    where = f" (sheet {sheet!r})" if kind in (FileKind.XLSX, FileKind.XLS) else ""
    return NoRows(path, f"the {layout.title} has a header at row {header_row}{where} but no booking rows")


def _rows_table(
    frame: pd.DataFrame, numbers: np.ndarray, grid: Grid, path: str, kind: FileKind,
    header_index: int, header_row: int, layout: Layout, found: dict[str, int],
) -> tuple[RawTable, bool]:  # fmt: skip
    """The booking rows among `frame` (numbered `numbers`): blank rows dropped, and everything
    from a totals row on; True with it when such a row ended the table."""
    frame.index = pd.Index(numbers, dtype="int64")
    frame = frame.reindex(columns=range(max(max(found.values()) + 1, frame.shape[1] if len(frame) else 0)))
    blank = pd.Series(True, index=frame.index)
    for col in frame.columns:
        blank &= _is_blank(frame[col])
    # A totals row ends the table; whatever follows it (notes, sums) is not bookings.
    is_total = pd.Series(False, index=frame.index)
    for col in list(frame.columns)[:2]:
        if not _textual(frame[col]):
            continue  # a "Total" label would have made its column text
        cells = pa.array(_as_text(frame[col]), type=pa.string(), from_pandas=True)
        matched = pc.fill_null(pc.match_substring_regex(cells, f"^{_TOTAL.pattern}$", ignore_case=True), False)
        is_total |= np.asarray(matched)
    ended = bool(is_total.any())
    if ended:
        cut = int(is_total.to_numpy().argmax())
        frame, blank = frame.iloc[:cut], blank.iloc[:cut]
    frame = frame.loc[~blank.to_numpy()]
    header_cells = list(grid.head[header_index])
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
    return table, ended


def _as_text(cells: pd.Series) -> pd.Series:
    if not pd.api.types.is_string_dtype(cells.dtype) or cells.dtype == object:
        cells = cells.astype(object).where(cells.notna(), "").astype(str)
    return cells.fillna("")


def _textual(cells: pd.Series) -> bool:
    return cells.dtype == object or pd.api.types.is_string_dtype(cells.dtype)


def _is_blank(cells: pd.Series) -> pd.Series:
    if not _textual(cells):  # a typed column (dates, numbers): only a missing cell is blank
        return cells.isna()
    text = _as_text(cells)
    # Vectorized in Arrow for string columns: no stripped copy of every cell.
    return (text.str.len() == 0) | text.str.isspace()
