"""Text garbled by a wrong encoding on the way (UTF-8 read as Mac Roman or Windows-1252), repaired by ftfy."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

import ftfy
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sources.layouts.base import MONEY_FIELDS, TEXT_FIELDS
from sources.tables import Grid, RawTable


def _telltale() -> str:
    """A regex of what UTF-8 looks like when read in one of these encodings: a character that a
    UTF-8 lead byte becomes, then one that a continuation byte becomes, in the SAME encoding
    ("Ã©", "√©", "‚Ç¨"). Pairs mixing two encodings are not mojibake: French money
    ("97,35\u00a0€") has a no-break space, a lead byte in Mac Roman, before "€", a continuation
    byte in Windows-1252. Only values with such a pair go to ftfy, which decides; the rest cost
    one Arrow pass."""
    pairs = []
    for encoding in ("cp1252", "latin-1", "mac_roman"):
        leads = {bytes([b]).decode(encoding, "ignore") for b in range(0xC2, 0xF5)} - {""}
        continuations = {bytes([b]).decode(encoding, "ignore") for b in range(0x80, 0xC0)} - {""}
        pairs.append(f"[{re.escape(''.join(sorted(leads)))}][{re.escape(''.join(sorted(continuations)))}]")
    return "|".join(pairs)


TELLTALE = _telltale()
_TELLTALE = re.compile(TELLTALE)


def repair(value: str) -> str:
    """One value repaired if it is mojibake (ftfy.fix_encoding: it undoes only a wrong
    decoding, and only when the result is less odd), else the value itself."""
    return ftfy.fix_encoding(value) if not value.isascii() and _TELLTALE.search(value) else value


def repaired_rows(rows: Sequence[Sequence[object]]) -> tuple[list[list[object]], frozenset[str]]:
    """A grid's first rows (where the header is looked for) with their text repaired, and the
    repaired texts (white space normalized, as RawTable.headers has them). A few hundred cells
    at most: one call per cell is fine."""
    fixed = [[repair(c) if isinstance(c, str) else c for c in row] for row in rows]
    changed = {
        " ".join(str(b).split())
        for old, new in zip(rows, fixed, strict=True)
        for a, b in zip(old, new, strict=True)
        if a != b
    }
    return fixed, frozenset(changed)


def repaired_cells(cells: pd.Series) -> pd.Series | None:
    """The column with its garbled values repaired, each distinct one once; None when none is
    (the common case, found by one or two Arrow passes: all ASCII, or no telltale pair)."""
    if not (cells.dtype == object or pd.api.types.is_string_dtype(cells.dtype)):
        return None  # numbers and dates of a workbook
    try:
        arr = pa.array(cells, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # a workbook column that mixes text and numbers: no mojibake to match on
    if pc.all(pc.string_is_ascii(arr)).as_py() is not False:
        return None
    suspect = pc.fill_null(pc.match_substring_regex(arr, TELLTALE), False).to_numpy(zero_copy_only=False)
    if not suspect.any():
        return None
    fixes = {v: repair(v) for v in pd.unique(cells[suspect])}
    fixes = {v: f for v, f in fixes.items() if f != v}
    if not fixes:
        return None
    out = cells.astype(object)
    sub = out[suspect]
    out[suspect] = sub.map(fixes).where(sub.isin(list(fixes)), sub)  # a hash lookup, not Python per row
    return out.astype(cells.dtype)


def repaired_grid(grid: Grid) -> Grid:
    """The grid with its first rows repaired, so that a garbled header still matches its layout."""
    head, changed = repaired_rows(grid.head)
    return dataclasses.replace(grid, head=head, repaired=changed) if changed else grid


def repaired_table(table: RawTable, grid: Grid) -> RawTable:
    """The table with its garbled text cells repaired (statuses, names, money with its symbol),
    and in `repaired` what was: "headers" and the fields."""
    # Counts and dates are digits: only text and money cells can carry a garbled letter or symbol.
    texts = {f: cells for f, cells in table.columns.items() if f in TEXT_FIELDS or f in MONEY_FIELDS}
    fixed = {f: c for f, c in ((f, repaired_cells(cells)) for f, cells in texts.items()) if c is not None}
    what = (("headers",) if grid.repaired & set(table.headers.values()) else ()) + tuple(fixed)
    return dataclasses.replace(table, columns={**table.columns, **fixed}, repaired=what) if what else table


def repair_note(what: Sequence[str]) -> str:
    """What a file's summary says of the repair."""
    return f"repaired text garbled by a wrong encoding (UTF-8 read as Mac Roman or Windows-1252) in: {', '.join(what)}"
