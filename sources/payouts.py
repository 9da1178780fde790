"""An earnings export's raw table as payout lines: dates, money and kinds parsed, one key per line, and the lines that did not parse."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import cast

import pandas as pd

from schemas.booking import RowProblem
from schemas.problems import Rejected
from schemas.vocab import PAYOUT_MONEY_FIELDS, PayoutKind
from sources import parsers
from sources.layouts.base import header_key
from sources.layouts.payout_base import (
    PAYOUT_COUNT_FIELDS,
    PAYOUT_DATE_FIELDS,
    PAYOUT_TEXT_FIELDS,
    PayoutLayout,
)
from sources.mapping import RawText
from sources.tables import RawTable

# A payout line as the loader stores it (loaders.tables.payouts has these columns and more).
PAYOUT_COLUMNS = [
    "row_number", "source", "kind", *PAYOUT_TEXT_FIELDS, *PAYOUT_DATE_FIELDS, *PAYOUT_COUNT_FIELDS,
    *PAYOUT_MONEY_FIELDS, "line_key",
]  # fmt: skip
# What identifies a line whichever export (and layout) states it: what all of them carry.
_KEYED = ("source", "paid_on", "kind", "external_code", "check_in", "amount", "paid_out", "currency", "reference")


class LineKeys:
    """The key of each line of one file: a hash of what it states plus its occurrence among the
    identical lines before it (also in earlier chunks), so that two overlapping exports store a
    line once while two identical lines of one file both stay."""

    def __init__(self) -> None:
        self._seen: Counter[str] = Counter()

    def of(self, frame: pd.DataFrame) -> list[str]:
        keys = []
        for content in _contents(frame):
            self._seen[content] += 1
            keys.append(hashlib.sha256(f"{content}\x1e{self._seen[content]}".encode()).hexdigest())
        return keys


def _contents(frame: pd.DataFrame) -> list[str]:
    """Each line's identifying content as one text; the kind `other` keeps its raw label."""
    parts = []
    for fld in _KEYED:
        cells = frame[fld]
        if fld == "kind":
            cells = cells.where(cells != PayoutKind.OTHER.value, "other:" + frame["raw_type"].fillna("").str.casefold())
        if fld in PAYOUT_DATE_FIELDS:
            text = cells.dt.strftime("%Y-%m-%d")
        elif fld in PAYOUT_MONEY_FIELDS:
            text = cells.map(lambda x: "" if pd.isna(x) else f"{x:.4f}")
        else:
            text = cells.astype("str")
        parts.append(text.fillna("").tolist())
    return ["\x1f".join(line) for line in zip(*parts, strict=True)]


def payout_lines(table: RawTable, keys: LineKeys) -> tuple[pd.DataFrame, list[Rejected]]:
    """The lines of `table` that parse, keyed, and one Rejected per problem of the others."""
    layout = cast(PayoutLayout, table.layout)
    cols, raw = table.columns, RawText(table.columns)
    index = pd.RangeIndex(len(table))
    problems: list[RowProblem] = []

    def flag(bad: pd.Series, fld: str, message: str) -> None:
        for i in bad[bad.fillna(False).astype(bool)].index:
            value = raw.value(fld, int(i)) if fld in raw else None
            problems.append(RowProblem(int(i), fld, value, message.format(value=value)))

    out: dict[str, pd.Series] = {"row_number": table.row_numbers, "source": pd.Series(str(layout.source), index=index)}
    for fld in PAYOUT_TEXT_FIELDS:
        out[fld] = raw[fld] if fld in raw else pd.Series(pd.NA, index=index, dtype="str")
        has_nul = out[fld].str.contains("\x00", regex=False).fillna(False).astype(bool)
        flag(has_nul, fld, "the cell contains a NUL character, which cannot be stored; re-save the export")
    flag(out["raw_type"].isna(), "raw_type", "the type of the line is empty")
    kinds = {label: layout.kind_of(header_key(label)).value for label in out["raw_type"].dropna().unique()}
    out["kind"] = out["raw_type"].map(kinds).astype("str")
    for fld in PAYOUT_DATE_FIELDS:
        if fld in cols:
            out[fld], bad = parsers.dates(cols[fld], layout.date_format)
            flag(bad, fld, "'{value}' is not a real date (expected " + layout.date_hint + ")")
        else:
            out[fld] = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    flag(out["paid_on"].isna() & raw["paid_on"].isna(), "paid_on", "the date of the line is empty")
    for fld in PAYOUT_COUNT_FIELDS:
        if fld in cols:
            out[fld], bad = parsers.count(cols[fld])
            flag(bad, fld, "'{value}' is not a whole number")
        else:
            out[fld] = pd.Series(pd.NA, index=index, dtype="Int64")
    # The older export states no end date: the stay ends after its nights.
    if "check_out" not in cols and "check_in" in cols and "nights" in cols:
        out["check_out"] = out["check_in"] + pd.to_timedelta(out["nights"].astype("float64"), unit="D")
    stated = out["currency"].str.upper()
    for fld in PAYOUT_MONEY_FIELDS:
        if fld in cols:
            out[fld], cur, bad = parsers.money(cols[fld], layout.default_currency, layout.money_locale)
            flag(bad, fld, "'{value}' is not an amount of money")
            stated = stated.fillna(cur)
        else:
            out[fld] = pd.Series(float("nan"), index=index)
    out["currency"] = stated
    # What the table cannot hold is this line's problem, not the whole file's refusal.
    flag(stated.notna() & ~stated.str.fullmatch(r"[A-Z]{3}").fillna(False).astype(bool), "currency",
         "'{value}' is not a currency code (3 letters, like USD)")  # fmt: skip
    flag(out["external_code"].str.len().gt(64).fillna(False).astype(bool), "external_code",
         "'{value}' is too long for a booking code (64 characters at most)")  # fmt: skip
    frame = pd.DataFrame(out, index=index)
    frame = frame.drop(index=sorted({p.index for p in problems})) if problems else frame
    frame["line_key"] = keys.of(frame)
    return frame[PAYOUT_COLUMNS].reset_index(drop=True), _rejected(problems, table, raw)


def _rejected(problems: list[RowProblem], table: RawTable, raw: RawText) -> list[Rejected]:
    out = []
    for p in sorted(problems, key=lambda p: (p.index, p.column or "")):
        value = None if p.value is None or pd.isna(p.value) else str(p.value).replace("\x00", "\ufffd")  # type: ignore[call-overload]
        column = table.headers.get(p.column, p.column) if p.column else None
        out.append(Rejected(int(table.row_numbers.iloc[p.index]), column, value, p.message))
    return out
