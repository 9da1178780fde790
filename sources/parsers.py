"""Vectorized cell parsers: each returns the parsed column and a mask of cells it could not parse."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from babel.numbers import NumberFormatError, get_decimal_symbol, get_group_symbol, parse_decimal

_SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "CHF": "CHF", "zł": "PLN", "kr": "SEK"}
# An amount written in a locale: sign, symbol before or after, digits grouped by any kind of
# space (U+00A0, U+202F) or the locale's separators; babel says what the separators mean.
_LOCAL_MONEY = re.compile(
    r"(?P<sign>[-\u2212])?\s*(?P<pre>[^\d\s.,+\-\u2212]*)\s*(?P<num>[-\u2212]?\d(?:[\d\s.,']*\d)?)\s*(?P<post>[^\d\s]*)"
)
_MONEY = r"^(?P<sign>[-+])?\s*(?P<pre>[^\d\-+.,\s]*)\s*(?P<num>[-+]?[\d.,' ]*\d)\s*(?P<post>[A-Za-z]{3}|[^\d\s]{1,3})?$"


def text(cells: pd.Series) -> pd.Series:
    """Cells as trimmed text, <NA> where empty. Whole-number floats lose their '.0' (Excel's
    habit with identifiers: 6547074679.0 is the booking 6547074679)."""
    if not (cells.dtype == object or pd.api.types.is_string_dtype(cells.dtype)):
        cells = cells.astype(object)  # a typed workbook column (numbers, dates) shown as text
    if cells.dtype == object:
        is_float = cells.map(type).isin([float, np.float64]).to_numpy()
        if is_float.any():
            cells = cells.copy()
            floats = cells[is_float].astype("float64")
            whole = (floats == floats.round()) & floats.notna()
            cells[is_float] = floats.where(~whole, floats.round().astype("Int64").astype(str)).astype(str)  # type: ignore[index, arg-type]
    missing = cells.isna().to_numpy()
    out = cells.astype("str").str.strip()
    return out.where(~missing & (out != "").to_numpy())


def count(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Whole numbers (range checks belong to the schema) as Int64, parsed in Arrow compute."""
    if _numeric(cells):  # number cells of a workbook
        values = cells.to_numpy("float64", na_value=np.nan)
        whole = (values == np.round(values)) & (np.abs(values) < 1e9)
        parsed = pd.Series(
            pd.arrays.IntegerArray(np.where(whole, values, 0).astype("int64"), ~whole), index=cells.index
        )
        return parsed, pd.Series(~np.isnan(values) & ~whole, index=cells.index)
    txt = text(cells)
    arr = pa.array(txt, type=pa.string(), from_pandas=True)
    plain = _plain_integers(arr)
    if plain is not None:  # the common case: every cell a plain integer, one cast
        return pd.Series(plain.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get), index=txt.index), pd.Series(
            False, index=txt.index
        )
    whole = pc.fill_null(pc.match_substring_regex(arr, r"^[-+]?\d{1,9}(\.0*)?$"), False)
    digits = pc.replace_substring_regex(arr, r"\.0*$", "")
    values = pc.cast(pc.if_else(whole, digits, pa.scalar(None, pa.string())), pa.int64())
    parsed = pd.Series(
        pd.arrays.IntegerArray(np.asarray(pc.fill_null(values, 0)), np.asarray(pc.is_null(values))), index=txt.index
    )
    bad = txt.notna() & ~pd.Series(np.asarray(whole), index=txt.index)
    return parsed, bad


def dates(cells: pd.Series, fmt: str | None) -> tuple[pd.Series, pd.Series]:
    """Calendar dates from date cells or text in `fmt` (or ISO 8601) as datetime64 at midnight."""
    parsed, bad = datetimes(cells, fmt)
    return parsed.dt.normalize(), bad


def datetimes(cells: pd.Series, fmt: str | None) -> tuple[pd.Series, pd.Series]:
    """Moments from date/datetime cells, text in `fmt`, or ISO 8601 (workbook date cells)."""
    if pd.api.types.is_datetime64_dtype(cells.dtype):  # date cells of a workbook, already typed
        typed = _in_range(cells)
        return typed, cells.notna() & typed.isna()
    txt = text(_iso_for_dates(cells))
    formats = [f for f in (fmt, "ISO8601") if f]
    first = txt.dropna().head(1)
    if fmt and len(first) and re.match(r"\d{4}-", first.iloc[0]):
        formats.reverse()  # a workbook's date cells: try ISO first, not a million misses
    parsed = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns]")
    todo = txt.notna()
    for f in formats:
        if todo.any():
            parsed[todo] = _in_range(pd.to_datetime(txt[todo], format=f, errors="coerce"))
            todo = txt.notna() & parsed.isna()
    parsed = parsed.astype("datetime64[ns]")
    return parsed, txt.notna() & parsed.isna()


def _in_range(moments: pd.Series) -> pd.Series:
    """Moments as datetime64[ns]; those it cannot hold (before 1677, after 2262) become NaT, so
    that they are reported as impossible dates rather than overflowing."""
    inside = moments.isna() | ((moments >= pd.Timestamp.min) & (moments <= pd.Timestamp.max))
    return moments.where(inside).astype("datetime64[ns]")


def money(
    cells: pd.Series, default_currency: str | None, locale: str | None = None
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Amounts like "$1,234.56", "126.6314 EUR", "12,50 €" or numeric cells: (amount, currency, bad).

    Runs in Arrow compute (RE2), not in Python per cell; with a `locale`, see `_localized`.
    """
    if _numeric(cells):  # number cells of a workbook: amounts in the layout's currency
        amount = pd.Series(cells.to_numpy("float64", na_value=np.nan), index=cells.index)
        currency = pd.Series(default_currency, index=cells.index, dtype="str").where(amount.notna())
        return amount, currency, pd.Series(False, index=cells.index)
    txt = text(cells)
    if locale is not None:
        return _localized(txt, default_currency, locale)
    arr = pa.array(txt, type=pa.string(), from_pandas=True)
    plain = _plain_amounts(arr)
    if plain is not None:  # the common case: one symbol (or none) and grouped digits, one cast
        return _one_cast(txt, plain, default_currency)
    parts = pc.extract_regex(arr, _MONEY)
    sign, pre, num, post = (pc.struct_field(parts, n) for n in ("sign", "pre", "num", "post"))
    index = txt.index
    amount = pd.Series(pc.cast(_decimal_point(num), pa.float64()).to_numpy(zero_copy_only=False), index=index)
    negative = pd.Series(pc.fill_null(pc.equal(sign, "-"), False).to_numpy(zero_copy_only=False), index=index)
    amount = amount.where(~negative, -amount)
    marker = pd.Series(
        pc.if_else(pc.equal(pre, ""), post, pre).to_numpy(zero_copy_only=False), index=index, dtype=object
    )
    marker = marker.where(marker.notna() & (marker != ""))
    known = {m: _SYMBOLS.get(m, m.upper() if len(m) == 3 else None) for m in marker.dropna().unique()}
    currency = marker.map(known).where(marker.notna(), default_currency)
    bad = txt.notna() & (amount.isna() | (marker.notna() & currency.isna()))
    keep = (txt.notna() & ~bad).to_numpy()
    return amount.where(keep), currency.astype("str").where(keep), bad


def _one_cast(
    txt: pd.Series, plain: tuple[pa.Array, str], default_currency: str | None
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The amounts, currencies and (no) errors of a column read in one cast: one symbol for all."""
    amounts, symbol = plain
    code = _SYMBOLS.get(symbol, default_currency) if symbol else default_currency
    return (
        pd.Series(amounts.to_numpy(zero_copy_only=False), index=txt.index),
        pd.Series(code, index=txt.index, dtype="str").where(txt.notna()),
        pd.Series(False, index=txt.index),
    )


def _localized(txt: pd.Series, default_currency: str | None, locale: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Amounts in a locale's notation ("1\u202f023,64\u00a0€" in fr_FR), read with the locale's
    separators from babel's CLDR data rather than rules of our own: in one Arrow cast when every
    cell has the plain shape, otherwise each distinct text once by babel."""
    arr = pa.array(txt, type=pa.string(), from_pandas=True)
    plain = _plain_local_amounts(arr, locale)
    if plain is not None:
        return _one_cast(txt, plain, default_currency)
    # A million rows hold far fewer distinct amounts; babel sees each of them once.
    codes, uniques = pd.factorize(txt)
    group = get_group_symbol(locale)
    spaced = group in " \u00a0\u202f"  # where CLDR groups by a space, any kind of space groups
    amounts_ = np.full(len(uniques) + 1, np.nan)  # the extra last slot: empty cells (code -1)
    currencies = np.full(len(uniques) + 1, None, dtype=object)
    for k, value in enumerate(uniques):
        parts = _LOCAL_MONEY.fullmatch(value)
        if parts is None:
            continue
        marker = parts["pre"] or parts["post"]
        currency = _SYMBOLS.get(marker, marker.upper() if len(marker) == 3 else None) if marker else default_currency
        num = parts["num"].replace("\u2212", "-")
        try:
            # Strict: digits grouped against the locale's rule ("1,234.56" in es_AR, where "." groups)
            # are not an amount; lenient babel would read them as 1.23456.
            number = float(
                parse_decimal(re.sub(r"[ \u00a0\u202f]", group, num) if spaced else num, locale, strict=True)
            )
        except NumberFormatError:
            continue
        if currency is not None:
            amounts_[k] = -number if parts["sign"] else number
            currencies[k] = currency
    amount = pd.Series(amounts_[codes], index=txt.index)
    currency = pd.Series(currencies[codes], index=txt.index, dtype="str")
    return amount, currency, txt.notna() & amount.isna()


def _plain_local_amounts(arr: pa.Array, locale: str) -> tuple[pa.Array, str] | None:
    """(amounts, symbol) when every non-empty cell is digits grouped by the locale's separator
    (any kind of space where CLDR says a space), its decimal symbol, and the same currency
    symbol (or none) after or before them: "1\u202f023,64\u00a0€" in fr_FR, "$\u00a01.234,56"
    and "-$\u00a050,00" in es_AR."""
    present = arr.drop_null()
    if len(present) == 0:
        return None
    group, decimal = get_group_symbol(locale), get_decimal_symbol(locale)
    spaces = "[ \u00a0\u202f]"
    grouping = spaces if group in " \u00a0\u202f" else re.escape(group)
    first = _LOCAL_MONEY.fullmatch(present[0].as_py())
    pre = first["pre"] if first is not None else ""
    symbol = pre or (first["post"] if first is not None else "")
    before = re.escape(pre) + f"{spaces}*" if pre else ""
    after = f"{spaces}*" + re.escape(symbol) if symbol and not pre else ""
    pattern = f"^-?{before}(\\d{{1,3}}({grouping}\\d{{3}})+|\\d+)({re.escape(decimal)}\\d+)?{after}$"
    if not pc.all(pc.match_substring_regex(present, pattern)).as_py():
        return None
    marks = "|".join([grouping] + ([before] if pre else []) + ([after + "$"] if after else []))
    digits = pc.replace_substring_regex(arr, marks, "")
    return pc.cast(pc.replace_substring(digits, decimal, "."), pa.float64()), symbol


def _numeric(cells: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(cells.dtype) and not pd.api.types.is_bool_dtype(cells.dtype)


def _plain_integers(arr: pa.Array) -> pa.Array | None:
    """All non-empty cells as int64 when every one is a plain integer of at most nine digits."""
    present = arr.drop_null()
    if len(present) == 0 or not pc.all(pc.match_substring_regex(present, r"^-?\d{1,9}$")).as_py():
        return None
    return pc.cast(arr, pa.int64())


def _plain_amounts(arr: pa.Array) -> tuple[pa.Array, str] | None:
    """(amounts, symbol) when every non-empty cell is one currency symbol (the same for all, or
    none) and digits grouped by commas with a decimal point: "$1,234.56", "701.33"."""
    present = arr.drop_null()
    if len(present) == 0:
        return None
    first = present[0].as_py()[:1]
    symbol = first if first in ("$", "€", "£") else ""
    pattern = "^" + re.escape(symbol) + r"(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$"
    if not pc.all(pc.match_substring_regex(present, pattern)).as_py():
        return None
    digits = pc.replace_substring(pc.replace_substring(arr, symbol, "") if symbol else arr, ",", "")
    return pc.cast(digits, pa.float64()), symbol


def _decimal_point(num: pa.Array) -> pa.Array:
    """Numbers written with either separator convention, as plain '1234.56'.

    With both separators the last one is the decimal point ("1.234,56", "1,234.56"); a lone
    comma before one or two final digits is a decimal comma ("12,50"); otherwise commas and
    repeated dots group thousands ("1,234", "1.234.567"). A lone dot is a decimal point:
    Booking.com writes four decimals ("126.6314").
    """
    num = pc.replace_substring_regex(num, r"[' ]", "")
    both = pc.and_(pc.match_substring(num, ","), pc.match_substring(num, "."))
    comma_last = pc.match_substring_regex(num, r",[^.]*$")
    lone_comma = pc.match_substring_regex(num, r"^[-+]?\d+,\d{1,2}$")
    comma_decimal = pc.or_(pc.and_(both, comma_last), pc.and_(pc.invert(both), lone_comma))
    grouped_dots = pc.and_(pc.invert(comma_decimal), pc.match_substring_regex(num, r"\..*\."))
    plain = pc.if_else(grouped_dots, pc.replace_substring(num, ".", ""), pc.replace_substring(num, ",", ""))
    european = pc.replace_substring(pc.replace_substring(num, ".", ""), ",", ".")
    out = pc.if_else(comma_decimal, european, plain)
    # Anything a cast would choke on becomes null, so that it is reported, not raised.
    return pc.if_else(pc.match_substring_regex(out, r"^[-+]?\d+(\.\d+)?$"), out, pa.scalar(None, pa.string()))


def _iso_for_dates(cells: pd.Series) -> pd.Series:
    """Date objects from a workbook become ISO text, so one text parser handles every source."""
    if cells.dtype != object:
        return cells
    is_date = cells.map(lambda v: isinstance(v, dt.date)).to_numpy()
    if not is_date.any():
        return cells
    out = cells.copy()
    out[is_date] = [v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v.isoformat() for v in cells[is_date]]
    return out
