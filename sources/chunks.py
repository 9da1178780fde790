"""Cutting an export into chunks: a large CSV's bytes at line ends, a table read whole into slices of rows."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import BinaryIO

import numpy as np
import pandas as pd

from schemas.tuning import Tuning
from sources.csv_text import arrow_rows, python_csv
from sources.sniff import decode_text
from sources.tables import Grid, RawTable
from sources.text_limits import check_partial_line


def slices(table: RawTable, tuning: Tuning) -> Iterator[RawTable]:
    """The table in slices of `tuning.chunk_rows` rows, the first of at most `first_chunk_rows`."""
    if not len(table):
        return
    rows = tuning.chunk_rows
    starts = [0, *range(min(rows, tuning.first_chunk_rows), len(table), rows)]
    for start, stop in zip(starts, [*starts[1:], len(table)], strict=True):
        part = slice(start, stop)
        columns = {fld: cells.iloc[part].reset_index(drop=True) for fld, cells in table.columns.items()}
        numbers = table.row_numbers.iloc[part].reset_index(drop=True)
        yield dataclasses.replace(table, columns=columns, row_numbers=numbers, rows_expected=len(table))


def csv_pieces(
    f: BinaryIO, path: str, grid: Grid, header_index: int, tuning: Tuning
) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """The lines below the header in pieces of about `tuning.chunk_bytes` (the first of at most
    `first_chunk_bytes`), parsed by Arrow. From the first piece Arrow cannot read line by line
    (a quoted line break, blank lines, another encoding), the rest of the file goes through the
    Python reader as one piece. Both apply the limits of `tuning` (sources.text_limits); a line
    not yet ended is checked each time it doubles, so a huge cell costs about the limit to refuse."""
    delimiter = grid.delimiter
    width = len(grid.head[header_index])
    line = header_index + 2  # the row number of the next line
    carry = b""
    chunk_bytes = tuning.chunk_bytes
    size = min(chunk_bytes, tuning.first_chunk_bytes)
    checked = tuning.max_cell_bytes  # a line not yet ended is checked once longer than this
    while True:
        block = f.read(size)
        size = chunk_bytes
        data = carry + block
        if block:
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                carry = data
                if len(carry) > checked:
                    check_partial_line(carry, delimiter, line, path, tuning)
                    checked = 2 * len(carry)
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
        frame = arrow_rows(piece, delimiter, width, path, tuning, line)
        if frame is None:
            rest = piece + carry + f.read()
            if rest.strip():  # not just white space left over at the end
                yield python_csv(decode_text(rest, path), delimiter, -1, path, tuning, line)
            return
        yield frame, np.arange(line, line + len(frame))
        line += len(frame)
        if not block:
            return
