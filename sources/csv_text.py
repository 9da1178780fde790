"""CSV/TSV text: the delimiter and first lines, the common case parsed by Arrow, the rest by Python's csv."""

from __future__ import annotations

import codecs
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from schemas.tuning import DEFAULT_TUNING, Tuning
from sources.sniff import decode_text
from sources.tables import HEADER_SCAN_ROWS, Grid, rows_frame
from sources.text_limits import check_arrow_cells, check_head, check_long_lines, check_rows, csv_records
from sources.wrapped import unwrap

HEAD_BYTES = 1 << 18
DELIMITERS = (",", ";", "\t", "|")


def csv_grid(data: bytes, path: str, tuning: Tuning = DEFAULT_TUNING) -> Grid:
    """A CSV's grid: its delimiter (the most frequent of DELIMITERS in its first lines), those
    lines as the head, and a body read by Arrow when it can, else by Python's csv, both under
    the limits of `tuning` (sources.text_limits). A file re-saved with every line wrapped in
    one quoted field is unwrapped first (sources.wrapped)."""
    data = unwrap(data)
    utf8 = utf8_body(data)
    # The header is looked for in the first lines only; a UTF-8 file is never decoded whole.
    text = decode_text(whole_lines(utf8[:HEAD_BYTES]), path) if utf8 is not None else decode_text(data, path)
    lines = text.splitlines()[:HEADER_SCAN_ROWS]
    counts = {d: sum(line.count(d) for line in lines) for d in DELIMITERS}
    delimiter = max(counts, key=lambda d: counts[d])
    head = [rec for _, rec in csv_records("\n".join(lines), delimiter, path, tuning)]
    check_head(head, path, tuning)

    def body(header_index: int) -> tuple[pd.DataFrame, np.ndarray]:
        if utf8 is None:  # decoded whole: a huge cell is refused before Arrow holds a copy
            check_long_lines(text, delimiter, path, tuning)
        encoded = utf8 if utf8 is not None else text_all().encode("utf-8")
        fast = _arrow_csv(encoded, delimiter, header_index, head, path, tuning)
        return fast if fast is not None else python_csv(text_all(), delimiter, header_index, path, tuning)

    def text_all() -> str:
        return decode_text(data, path) if utf8 is not None else text

    return Grid(None, head, body, delimiter)


def whole_lines(head: bytes) -> bytes:
    """The head of a file up to its last line end, so that no character is cut in two."""
    end = head.rfind(b"\n")
    return head[: end + 1] if 0 < end < len(head) - 1 else head


def utf8_body(data: bytes) -> bytes | None:
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
    data: bytes, delimiter: str, header_index: int, head: list[list[str]], path: str, tuning: Tuning
) -> tuple[pd.DataFrame, np.ndarray] | None:
    """The common case, in Arrow's multi-threaded reader: one record per line below the header.

    Returns None when that does not hold (a quoted value spanning lines, blank lines, ragged
    rows, title rows that the line-based count cannot place, or bytes that are not UTF-8): the
    Python reader then keeps the row numbers exact.
    """
    data = data.rstrip(b"\r\n") + b"\n"  # blank lines at the very end are common and harmless
    if any(len(r) == 0 for r in head[: header_index + 1]):
        return None
    offset = line_offset(data, header_index + 1)
    if offset is None:
        return None
    frame = arrow_rows(data[offset:], delimiter, len(head[header_index]), path, tuning, header_index + 2)
    if frame is None:
        return None
    return frame, np.arange(header_index + 2, header_index + 2 + len(frame))


def line_offset(data: bytes, lines: int) -> int | None:
    """Where the line after the first `lines` lines starts; None if there are not that many."""
    offset = 0
    for _ in range(lines):
        offset = data.find(b"\n", offset) + 1
        if offset == 0:
            return None
    return offset


def arrow_rows(
    body: bytes, delimiter: str, width: int, path: str, tuning: Tuning, first_row: int
) -> pd.DataFrame | None:
    """Lines of CSV (each ending in a line feed) as a frame of text cells, one row per line
    (the first is row `first_row`); None when the lines are not exactly one record each (blank
    lines, a quoted line break, ragged rows, bare CR line ends, bytes that are not UTF-8).
    OverLimit when the rows reach past max_rows or a cell is larger than max_cell_bytes."""
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
    check_rows(first_row - 2 + table.num_rows, path, tuning)
    check_arrow_cells(table, first_row, path, tuning)
    frame = table.to_pandas()
    frame.columns = range(width)
    return frame


def python_csv(
    text: str, delimiter: str, header_index: int, path: str, tuning: Tuning, first_line: int = 1
) -> tuple[pd.DataFrame, np.ndarray]:
    """The records below the header at `header_index` (-1: all of them), `text` starting at
    line `first_line`, under the limits (sources.text_limits.csv_records)."""
    # Quoted fields may span lines; the row number is then the record's first line, which is
    # what a spreadsheet shows when the CSV is opened.
    rows: list[Sequence[object]] = []
    numbers: list[int] = []
    for line, rec in csv_records(text, delimiter, path, tuning, first_line):
        rows.append(rec)
        numbers.append(line)
    return rows_frame(rows[header_index + 1 :]), np.array(numbers[header_index + 1 :], dtype="int64")
