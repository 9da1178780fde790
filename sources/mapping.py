"""One generic function from any layout's raw table to the canonical booking frame."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from schemas.booking import COLUMNS, RowProblem
from sources import parsers
from sources.errors import MissingOption
from sources.layouts.base import (
    CHECK_DATE_FIELDS,
    COUNT_FIELDS,
    DATE_FIELDS,
    DATETIME_FIELDS,
    MONEY_FIELDS,
    header_key,
)
from sources.tables import RawTable


class RawText(Mapping[str, pd.Series]):
    """Each mapped field's cells as trimmed text, converted when first asked for: typed
    workbook columns (dates, numbers) are parsed as they are and shown as text only to quote
    a cell that failed a check."""

    def __init__(self, cells: Mapping[str, pd.Series]) -> None:
        self._cells = cells
        self._text: dict[str, pd.Series] = {}

    def __getitem__(self, fld: str) -> pd.Series:
        if fld not in self._text:
            self._text[fld] = parsers.text(self._cells[fld])
        return self._text[fld]

    def __iter__(self) -> Iterator[str]:
        return iter(self._cells)

    def __len__(self) -> int:
        return len(self._cells)

    def value(self, fld: str, i: int) -> object:
        """The text of one cell (row position i), without converting the whole column."""
        if fld in self._text:
            return self._text[fld].iloc[i]
        return parsers.text(self._cells[fld].iloc[i : i + 1]).iloc[0]


@dataclass
class Mapped:
    """Canonical rows that parsed, plus one problem per cell that did not.

    `frame` is indexed 0..n-1 like the raw table; rows with a problem are already removed.
    `cells` is every row, with the cells that did not parse left empty, so that later checks
    (status map, schema) can report all of a row's problems at once, not one per re-run.
    It also holds the dates kept only for checks between columns (a cancellation date).
    `raw` keeps each field's raw text so a later stage can quote the value a person typed.
    """

    frame: pd.DataFrame
    problems: list[RowProblem]
    cells: pd.DataFrame
    raw: RawText = field(default_factory=lambda: RawText({}))
    headers: dict[str, str] = field(default_factory=dict)


def to_canonical(table: RawTable, property_name: str | None = None) -> Mapped:
    """Parse every mapped column of `table` as its field demands and build the canonical frame."""
    layout = table.layout
    cols = table.columns
    n = len(table)
    index = pd.RangeIndex(n)
    problems: list[RowProblem] = []
    raw = RawText(cols)
    out: dict[str, pd.Series] = {"row_number": table.row_numbers}

    def flag(bad: pd.Series, fld: str, message: str) -> None:
        _flag(problems, raw, bad, fld, message)

    def empty() -> pd.Series:
        return pd.Series(pd.NA, index=index, dtype="str")

    for fld in ("guest_name", "guest_contact", "raw_status"):
        out[fld] = raw[fld] if fld in raw else empty()
    flag(out["raw_status"].isna(), "raw_status", "the status is empty")

    # Source: fixed by the layout, or one per row from a column such as "Booking source".
    if layout.source is not None:
        out["source"] = pd.Series(layout.source.value, index=index, dtype="str")
    else:
        out["source"] = _sources(table, raw, index, flag)

    # Property: a column, or the operator's --property for single-property exports.
    if "property_name" in raw:
        prop = raw["property_name"]
        if property_name:
            prop = prop.fillna(property_name)
        flag(prop.isna(), "property_name", "the listing/property name is empty")
        out["property_name"] = prop
    elif property_name:
        out["property_name"] = pd.Series(property_name, index=index, dtype="str")
    else:
        raise MissingOption(
            table.path,
            f"a {layout.title} names no property; pass --property NAME "
            "(or set property in the folder's bookingest.toml)",
        )
    # The platform's name for the house, where a column other than the house's states it.
    listing_apart = table.headers.get("listing_name") != table.headers.get("property_name")
    out["listing_name"] = raw["listing_name"] if "listing_name" in raw and listing_apart else empty()

    for fld in COUNT_FIELDS:
        if fld in cols:
            out[fld], bad = parsers.count(cols[fld])
            flag(bad, fld, "'{value}' is not a whole number of guests")
        else:
            out[fld] = pd.Series(pd.NA, index=index, dtype="Int64")
    for fld in DATE_FIELDS:
        out[fld], bad = parsers.dates(cols[fld], layout.date_format)
        flag(bad, fld, "'{value}' is not a real date (expected " + layout.date_hint + ")")
        flag(out[fld].isna() & ~bad, fld, "the date is empty")
    for fld in DATETIME_FIELDS:
        if fld in cols:
            out[fld], bad = parsers.datetimes(cols[fld], layout.booked_format or layout.date_format)
            flag(bad, fld, "'{value}' is not a real date/time")
        else:
            out[fld] = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    for fld in CHECK_DATE_FIELDS:  # not stored: checked against the status (sources/normalize.py)
        if fld in cols:
            out[fld], bad = parsers.dates(cols[fld], layout.date_format)
            flag(bad, fld, "'{value}' is not a real date (expected " + layout.date_hint + ")")

    amounts: dict[str, pd.Series] = {}
    currency = pd.Series(pd.NA, index=index, dtype="str")
    for fld in MONEY_FIELDS:
        if fld in cols:
            amounts[fld], cur, bad = parsers.money(cols[fld], layout.default_currency, layout.money_locale)
            flag(bad, fld, "'{value}' is not an amount of money")
            currency = currency.fillna(cur)
    # A layout may derive the payout from the gross and a deduction (Booking.com's commission).
    less = layout.payout_less
    if less is not None and less in amounts and "gross" in amounts:
        amounts.setdefault("payout", amounts["gross"] - amounts[less].fillna(0))
    out["payout"] = amounts.get("payout", pd.Series(float("nan"), index=index))
    out["gross"] = amounts.get("gross", pd.Series(float("nan"), index=index))
    if "currency" in raw:  # a column naming the currency (Booking.com's short export) wins over a symbol
        stated = raw["currency"].str.upper()
        odd = stated.notna() & ~stated.str.fullmatch(r"[A-Z]{3}").fillna(False).astype(bool)
        flag(odd, "currency", "'{value}' is not a currency code (three letters, such as EUR)")
        currency = stated.mask(odd).fillna(currency)
    out["currency"] = currency

    out["external_code"] = _codes(table, raw, out, problems)
    out["nights"] = ((out["check_out"] - out["check_in"]).dt.days).astype("Int64")
    out["status"] = empty()
    # A NUL character cannot be stored in a text column (PostgreSQL refuses it): the row is
    # quarantined on every database alike, the rest of the file loads.
    for fld in ("external_code", "guest_name", "guest_contact", "raw_status", "property_name", "listing_name"):
        if fld in raw:
            has_nul = out[fld].str.contains("\x00", regex=False).fillna(False).astype(bool)
            flag(has_nul, fld, "the cell contains a NUL character, which cannot be stored; re-save the export")

    cells = pd.DataFrame(out, index=index)[COLUMNS + [f for f in CHECK_DATE_FIELDS if f in out]]
    frame = cells[COLUMNS].drop(index=sorted({p.index for p in problems})) if problems else cells[COLUMNS]
    return Mapped(frame, problems, cells, raw, dict(table.headers))


def _flag(problems: list[RowProblem], raw: RawText, bad: pd.Series, fld: str, message: str) -> None:
    """One problem per True in `bad`; `{value}` in the message is the cell's raw text."""
    for i in bad[bad.fillna(False).astype(bool)].index:
        value = raw.value(fld, int(i)) if fld in raw else None
        problems.append(RowProblem(int(i), fld, value, message.format(value=value)))


def _sources(
    table: RawTable, raw: RawText, index: pd.RangeIndex, flag: Callable[[pd.Series, str, str], None]
) -> pd.Series:
    """Each row's source from its label in the source column; where it states none, from the
    words in its code cell (`Owner staying`) or the shape of its code (`HA-` + 6: vrbo)."""
    layout = table.layout
    source = pd.Series(pd.NA, index=index, dtype="str")
    if "source" in raw:
        labels = raw["source"].map(header_key, na_action="ignore")
        source = labels.map({k: v.value for k, v in layout.source_labels.items()}).astype("str")
        known = ", ".join(sorted({k for k in layout.source_labels}))
        flag(
            source.isna() & raw["source"].notna(), "source", "'{value}' is not a booking source we know (" + known + ")"
        )
    stated = raw["source"].notna() if "source" in raw else pd.Series(False, index=index)
    codes = raw["external_code"] if "external_code" in raw else pd.Series(pd.NA, index=index, dtype="str")
    if layout.placeholder_codes and source.isna().any():
        implied = {k: v.value for k, v in layout.placeholder_codes.items()}
        source = source.fillna(_words(codes).map(implied).astype("str"))
    for pattern, shaped in layout.code_sources:
        todo = source.isna()
        if todo.any():  # only the rows that state no source, in Arrow: no Python per row
            fits = codes[todo].str.fullmatch(pattern).fillna(False).astype(bool)
            source = source.mask(fits.reindex(index, fill_value=False), shaped.value)
    unknown = source.isna() & ~stated
    header = table.headers.get("external_code", "code")
    shapes = f" ({layout.code_sources_hint})" if layout.code_sources else ""
    if "source" in raw:
        why = f", and the {header} fits no known shape{shapes}" if layout.code_sources else ""
        flag(unknown, "source", "the booking source is empty" + why)
    else:
        where = f"the {layout.title} has no booking source column"
        flag(
            unknown & codes.notna(),
            "external_code",
            f"{where}, and the {header} '{{value}}' fits no known shape{shapes}",
        )
        flag(unknown & codes.isna(), "external_code", f"{where}, and the row has no {header} to tell it by")
    return source


def _words(cells: pd.Series) -> pd.Series:
    """Text cells as `header_key` compares them (case and repeated white space do not matter),
    in Arrow compute: a million codes in a few hundredths of a second, not a second of Python."""
    arr = pa.array(cells, type=pa.string(), from_pandas=True)
    spaced = (
        pc.replace_substring_regex(arr, r"\s+", " ") if pc.any(pc.match_substring_regex(arr, r"\s\s")).as_py() else arr
    )
    words = pc.utf8_lower(pc.utf8_trim_whitespace(spaced))
    return pd.Series(words.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get), index=cells.index)


def _codes(table: RawTable, raw: RawText, out: dict[str, pd.Series], problems: list[RowProblem]) -> pd.Series:
    layout = table.layout
    index = pd.RangeIndex(len(table))
    codes = raw.get("external_code", pd.Series(pd.NA, index=index, dtype="str"))
    codes = codes.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)  # 6547074679.0 written as text
    missing = codes.isna()
    if layout.placeholder_codes:
        # "Owner staying" or "Directly" in the code cell is no code: key the row like a code-less one.
        placeholder = _words(codes).isin(list(layout.placeholder_codes)).fillna(False).astype(bool)
        codes = codes.mask(placeholder)
        missing |= placeholder
    keyless = missing & out["source"].isin([s.value for s in layout.keyless_sources])
    if keyless.any():
        # Rows without a code get a key from what identifies the stay, so importing the same
        # sheet again matches the same rows.
        parts = pd.DataFrame(
            {
                "s": out["source"][keyless],
                "p": out["property_name"][keyless].fillna(""),
                "i": out["check_in"][keyless].dt.strftime("%Y-%m-%d"),
                "o": out["check_out"][keyless].dt.strftime("%Y-%m-%d"),
            }
        ).fillna("")
        codes = codes.copy()
        codes.loc[keyless] = [  # type: ignore[call-overload]
            f"{s[:3].upper()}-" + hashlib.sha256(f"{s}|{p.casefold()}|{i}|{o}".encode()).hexdigest()[:12]
            for s, p, i, o in parts.itertuples(index=False)
        ]
    header = table.headers.get("external_code", "identifier")
    _flag(problems, raw, missing & ~keyless, "external_code", f"the {header} is empty")
    if layout.code_pattern:
        malformed = codes.notna() & ~keyless & ~codes.str.fullmatch(layout.code_pattern).fillna(False).astype(bool)
        _flag(
            problems, raw, malformed, "external_code", "'{value}' is not a valid " + header + f" ({layout.code_hint})"
        )
    return codes
