"""The limits on untrusted input (schemas.tuning) as the CSV and HTML readers apply them while
they read: rows, columns and one cell's bytes. A file over one is refused with one sentence
naming the limit, the value seen and the BOOKINGEST_ variable that raises it."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from schemas.tuning import Tuning
from sources.errors import UnreadableFile
from sources.limits import OverLimit, over_limit

# A line as io.StringIO(newline="") splits them (after CR LF, CR or LF), without the copy of
# the whole text in four bytes a character that StringIO makes.
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")


def check_rows(rows: int, path: str, tuning: Tuning) -> None:
    """OverLimit when a table has more than max_rows rows (counted so far)."""
    if rows > tuning.max_rows:
        raise over_limit(path, f"the table has at least {rows} rows", tuning.max_rows, " rows", "max_rows")


def check_width(width: int, row: int, path: str, tuning: Tuning) -> None:
    """OverLimit when row `row` (as a person counts them) has more than max_columns cells."""
    if width > tuning.max_columns:
        raise over_limit(path, f"row {row} has {width} cells", tuning.max_columns, " columns", "max_columns")


def cell_over(row: int, size: int, path: str, tuning: Tuning, exact: bool = True) -> OverLimit:
    """A cell of `size` bytes (not `exact`: at least) in row `row`."""
    seen = f"a cell of row {row} holds {'' if exact else 'at least '}{size} bytes"
    return over_limit(path, seen, tuning.max_cell_bytes, " bytes", "max_cell_bytes")


def check_cell(text: str, row: int, path: str, tuning: Tuning) -> None:
    """OverLimit when `text` takes more than max_cell_bytes in UTF-8."""
    limit = tuning.max_cell_bytes
    if len(text) * 4 > limit and (size := len(text.encode("utf-8", "surrogatepass"))) > limit:
        raise cell_over(row, size, path, tuning)


def check_arrow_cells(table: pa.Table, first_row: int, path: str, tuning: Tuning) -> None:
    """OverLimit when a cell of an Arrow table of text columns is larger than max_cell_bytes
    (row `first_row` is the table's first); vectorized, so the common case costs little."""
    for column in table.columns:
        lengths = pc.binary_length(column)
        longest = pc.max(lengths).as_py()
        if longest is not None and longest > tuning.max_cell_bytes:
            at = pc.index(lengths, longest).as_py()
            raise cell_over(first_row + at, longest, path, tuning)


def csv_records(
    text: str, delimiter: str, path: str, tuning: Tuning, first_line: int = 1
) -> Iterator[tuple[int, list[str]]]:
    """Python's csv reader under the limits: each record with the line it starts on (a quoted
    line break makes a record span lines). No cell larger than max_cell_bytes is ever built
    (the reader stops at it), nor a record wider than max_columns kept, nor more than max_rows."""
    # The reader's limit is in characters: a cell of more bytes but fewer characters is caught
    # by check_cell below.
    csv.field_size_limit(tuning.max_cell_bytes)
    reader = csv.reader((m.group() for m in _LINE.finditer(text)), delimiter=delimiter)
    line, count = first_line, first_line - 1  # the lines above: one row each
    check_cells = len(text) * 4 > tuning.max_cell_bytes  # else no cell can be over
    try:
        for rec in reader:
            check_width(len(rec), line, path, tuning)
            if check_cells:
                for cell in rec:
                    check_cell(cell, line, path, tuning)
            count += 1
            check_rows(count, path, tuning)
            yield line, rec
            line = first_line + reader.line_num
    except csv.Error as err:
        if "field larger than field limit" not in str(err):
            raise UnreadableFile(path, f"row {line} cannot be read as CSV ({err})") from None
        raise cell_over(line, tuning.max_cell_bytes + 1, path, tuning, False) from None


def check_partial_line(data: bytes | str, delimiter: str, line: int, path: str, tuning: Tuning) -> None:
    """OverLimit when the start of a line not yet ended (`data`, line `line`) already holds a
    cell larger than max_cell_bytes or more than max_columns cells: so that a huge cell is
    refused after reading little more than the limit, not after reading all of it."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    for _ in csv_records(text, delimiter, path, tuning, line):
        pass


def check_long_lines(text: str, delimiter: str, path: str, tuning: Tuning) -> None:
    """OverLimit when a line of a text decoded whole holds a cell over max_cell_bytes: each line
    long enough to hold one is parsed alone first, before Arrow parses them all (in memory)."""
    at_least = tuning.max_cell_bytes // 4 + 1  # characters: up to four bytes each
    line, counted = 1, 0
    for found in re.finditer(rf"^[^\r\n]{{{at_least}}}", text, re.M):
        start = found.start()
        line, counted = line + text.count("\n", counted, start), start
        end = text.find("\n", start)
        check_partial_line(text[start : end if end >= 0 else len(text)], delimiter, line, path, tuning)


def check_head(rows: Sequence[Sequence[object]], path: str, tuning: Tuning, first_row: int = 1) -> None:
    """OverLimit when a row of a table's head is wider than max_columns."""
    for i, row in enumerate(rows):
        check_width(len(row), first_row + i, path, tuning)
