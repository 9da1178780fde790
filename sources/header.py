"""Where the booking table is in a grid: the layout and its header row, and the rows below it without blank rows and totals."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sources.errors import Nearest, NoRows, SourceError, UnrecognizedLayout
from sources.layouts import LAYOUTS, Layout, header_key
from sources.sniff import FileKind
from sources.tables import Grid, RawTable

_TOTAL = re.compile(r"\s*(grand\s+)?(sub)?totals?\s*:?\s*", re.I)


def layouts_to_try(layout_name: str | None, declared: Sequence[Layout] = ()) -> list[Layout]:
    """The layout named by --source, or every layout when none is named: the built-in ones, then
    those the operator `declared` for the file (so that a built-in one wins a tie)."""
    known = {**LAYOUTS, **{layout.name: layout for layout in declared}}
    return [known[layout_name]] if layout_name else list(known.values())


def unrecognized(
    path: str, first_rows: list[str], layout_name: str | None, declared: Sequence[Layout] = ()
) -> SourceError:
    """The error for a file where no header was found, quoting its first non-blank row and
    naming the layout that comes closest to it."""
    layouts = layouts_to_try(layout_name, declared)
    nearest = _nearest(first_rows, layouts)
    if layout_name:
        return UnrecognizedLayout(path, first_rows).forced(layouts[0], nearest)
    return UnrecognizedLayout(path, first_rows, nearest)


def _nearest(row: list[str], layouts: list[Layout]) -> Nearest | None:
    """The layout with the most fields whose header is in `row` (fewest required ones missing
    on a tie); None when none has any. Only an error takes this path, so a loop is fine."""
    keys = {header_key(c) for c in row}
    best: tuple[int, int, Nearest] | None = None
    for layout in layouts:
        present = {f for f, spellings in layout.headers.items() if any(header_key(s) in keys for s in spellings)}
        missing = tuple(layout.headers[f][0] for f in layout.headers if f in layout.required - present)
        # Headers of the row, not fields: two fields may read one column (the workbook's Listing).
        seen = len({header_key(s) for f in present for s in layout.headers[f]} & keys)
        if present and (best is None or (seen, -len(missing)) > best[:2]):
            best = (seen, -len(missing), Nearest(layout.title, seen, len(layout.headers), missing))
    return best[2] if best else None


def first_nonblank_row(grid: Grid) -> Sequence[object]:
    """The non-blank cells of the grid's first row that has any (what an error quotes)."""
    for row in grid.head:
        if any(str(c).strip() for c in row if c is not None):
            return [c for c in row if c is not None and str(c).strip()]
    return []


def find_header(grid: Grid, layouts: list[Layout]) -> tuple[int, Layout, dict[str, int]] | None:
    """The first row that is a layout's header; the layout explaining most of its headers wins."""
    for i, row in enumerate(grid.head):
        keys = [header_key(c) if isinstance(c, str) else "" for c in row]
        if not any(keys):
            continue
        # The layout explaining most of the row's headers wins, not the first that fits: the
        # operator's workbook carries every Airbnb header too. On a tie the earlier layout wins.
        best: tuple[int, Layout, dict[str, int]] | None = None
        score = 0
        for layout in layouts:
            found = layout.match(keys)
            if found is not None and (best is None or layout.explains(keys, found) > score):
                best, score = (i, layout, found), layout.explains(keys, found)
        if best is not None:
            return best
    return None


def table_below(
    grid: Grid, path: str, kind: FileKind, header_index: int, layout: Layout, found: dict[str, int]
) -> RawTable:
    """The booking rows below the header of a whole grid; NoRows when there are none."""
    frame, numbers = grid.body(header_index)
    header_row = int(numbers[0]) - 1 if len(numbers) else header_index + 1
    table, _ = rows_table(frame, numbers, grid, path, kind, header_index, header_row, layout, found)
    if len(table) == 0:
        raise no_rows(path, kind, grid.name, layout, header_row)
    return table


def no_rows(path: str, kind: FileKind, sheet: str | None, layout: Layout, header_row: int) -> NoRows:
    where = f" (sheet {sheet!r})" if kind in (FileKind.XLSX, FileKind.XLS) else ""
    return NoRows(path, f"the {layout.title} has a header at row {header_row}{where} but no booking rows")


def rows_table(
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
