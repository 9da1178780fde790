"""sources.parsers: cell text, guest counts, dates and money, each with the mask of cells it could not parse."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from sources import parsers


def cells(*values: object) -> pd.Series:
    return pd.Series(list(values), dtype=object)


# --- text -----------------------------------------------------------------------------------------


def test_text_trims_and_turns_empty_into_na() -> None:
    out = parsers.text(cells("  Ann Lee ", "", "   ", None, float("nan"), "x"))
    assert out.iloc[0] == "Ann Lee"
    assert out.iloc[5] == "x"
    assert out.iloc[1:5].isna().all()


def test_text_whole_floats_lose_their_point_zero() -> None:
    out = parsers.text(cells(6547074679.0, 2.0, 1.5, 3, "6547074679"))
    assert list(out) == ["6547074679", "2", "1.5", "3", "6547074679"]


def test_text_keeps_formula_looking_text_literally() -> None:
    formula = '=HYPERLINK("http://example.com","Click")'
    assert parsers.text(cells(formula)).iloc[0] == formula


# --- count ----------------------------------------------------------------------------------------


def test_count_parses_whole_numbers_and_flags_the_rest() -> None:
    values, bad = parsers.count(cells("2", " 3 ", "2.0", 4.0, 5, "", None, "two", "2.5", "1 adult"))
    assert list(bad) == [False, False, False, False, False, False, False, True, True, True]
    assert list(values.iloc[:5]) == [2, 3, 2, 4, 5]
    assert values.iloc[5:].isna().all()  # empty is empty, not zero; bad cells are not guessed
    assert str(values.dtype) == "Int64"


def test_count_leaves_negative_numbers_to_the_schema() -> None:
    values, bad = parsers.count(cells("-1"))
    assert values.iloc[0] == -1
    assert not bad.iloc[0]


# --- dates ----------------------------------------------------------------------------------------


def test_dates_month_first_format() -> None:
    values, bad = parsers.dates(cells("12/1/2025", "1/12/2026", "02/03/2025", "9/30/2025"), "%m/%d/%Y")
    assert list(values) == [
        pd.Timestamp(2025, 12, 1),
        pd.Timestamp(2026, 1, 12),
        pd.Timestamp(2025, 2, 3),
        pd.Timestamp(2025, 9, 30),
    ]
    assert not bad.any()


def test_dates_accept_iso_text_and_date_cells_whatever_the_format() -> None:
    values, bad = parsers.dates(
        cells(
            "2025-12-14",
            dt.date(2025, 12, 14),
            dt.datetime(2025, 12, 14, 0, 0),
            dt.datetime(2025, 12, 14, 15, 30),
            pd.Timestamp("2025-12-14"),
        ),
        "%m/%d/%Y",
    )
    assert not bad.any()
    assert (values == pd.Timestamp(2025, 12, 14)).all()  # time of day dropped: a stay date is a day
    assert str(values.dtype) == "datetime64[ns]"


def test_dates_without_a_layout_format_read_iso() -> None:
    values, bad = parsers.dates(cells("2025-10-17", "2026-03-30"), None)
    assert list(values) == [pd.Timestamp(2025, 10, 17), pd.Timestamp(2026, 3, 30)]
    assert not bad.any()


@pytest.mark.parametrize("value", ["2/30/2025", "13/1/2025", "2025-02-30", "tomorrow", "12/1"])
def test_impossible_or_unreadable_dates_are_flagged(value: str) -> None:
    values, bad = parsers.dates(cells("12/1/2025", value), "%m/%d/%Y")
    assert list(bad) == [False, True]
    assert values.iloc[0] == pd.Timestamp(2025, 12, 1)
    assert pd.isna(values.iloc[1])


def test_empty_date_is_na_but_not_flagged_as_unreadable() -> None:
    values, bad = parsers.dates(cells("", None), "%m/%d/%Y")
    assert values.isna().all()
    assert not bad.any()


def test_datetimes_keep_the_time() -> None:
    values, bad = parsers.datetimes(
        cells("2025-09-02 18:41:07", "9/14/2025", dt.datetime(2025, 10, 1, 7, 55, 12), "soon"), "%m/%d/%Y"
    )
    assert list(bad) == [False, False, False, True]
    assert values.iloc[0] == pd.Timestamp(2025, 9, 2, 18, 41, 7)
    assert values.iloc[1] == pd.Timestamp(2025, 9, 14)
    assert values.iloc[2] == pd.Timestamp(2025, 10, 1, 7, 55, 12)


# --- money ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "amount", "currency"),
    [
        ("$1,234.56", 1234.56, "USD"),
        ("$450.08", 450.08, "USD"),
        ("$0.00", 0.0, "USD"),
        ("126.6314 EUR", 126.6314, "EUR"),
        ("18.9947 EUR", 18.9947, "EUR"),
        ("€12.50", 12.5, "EUR"),
        ("£99", 99.0, "GBP"),
        ("US$7.25", 7.25, "USD"),
        ("1,000 CHF", 1000.0, "CHF"),
        ("250 pln", 250.0, "PLN"),
    ],
)
def test_money_amount_and_currency(raw: str, amount: float, currency: str) -> None:
    values, cur, bad = parsers.money(cells(raw), None)
    assert values.iloc[0] == pytest.approx(amount)
    assert cur.iloc[0] == currency
    assert not bad.iloc[0]


@pytest.mark.parametrize(
    ("raw", "amount", "currency"),
    [
        ("1.234,56 €", 1234.56, "EUR"),  # both separators: the last one is the decimal point
        ("12,50 €", 12.5, "EUR"),  # a comma followed by two digits is not a thousands separator
        ("1 234,50 zł", 1234.5, "PLN"),  # the Polish format of a currency the parser names
    ],
    ids=["dot-thousands-comma-decimal", "comma-decimal", "space-thousands-comma-decimal"],
)
def test_money_decimal_comma_is_not_read_as_a_thousands_separator(raw: str, amount: float, currency: str) -> None:
    values, cur, bad = parsers.money(cells(raw), None)
    assert not bad.iloc[0]
    assert cur.iloc[0] == currency
    assert values.iloc[0] == pytest.approx(amount)


def test_money_plain_numbers_take_the_default_currency() -> None:
    values, cur, bad = parsers.money(cells(1047.6, 0, "560", "$12.00"), "USD")
    assert list(values) == pytest.approx([1047.6, 0.0, 560.0, 12.0])
    assert list(cur) == ["USD"] * 4
    assert not bad.any()


def test_money_without_default_currency_leaves_currency_empty() -> None:
    values, cur, bad = parsers.money(cells("126.5"), None)
    assert values.iloc[0] == 126.5
    assert pd.isna(cur.iloc[0])
    assert not bad.iloc[0]


def test_money_bad_cells_are_flagged_and_empty_is_not() -> None:
    values, cur, bad = parsers.money(cells("$10.00", "free", "", None, "12 ducks"), "USD")
    assert list(bad) == [False, True, False, False, True]
    assert values.iloc[0] == 10.0
    assert values.iloc[1:].isna().all()
    assert cur.iloc[1:].isna().all()


# --- the fast paths give what the general parsers give ----------------------------------------

from decimal import Decimal  # noqa: E402

import pyarrow as pa  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

AMOUNTS = st.decimals(min_value=0, max_value=Decimal("9999999.99"), places=2)


@settings(max_examples=60, derandomize=True)
@given(
    amounts=st.lists(st.one_of(st.none(), AMOUNTS), min_size=1, max_size=30),
    symbol=st.sampled_from(["$", "€", "£", ""]),
    grouped=st.booleans(),
    default=st.sampled_from([None, "EUR"]),
)
def test_plain_amounts_read_as_the_general_parser_reads_them(
    amounts: list[Decimal | None], symbol: str, grouped: bool, default: str | None
) -> None:
    written = cells(*(None if a is None else f"{symbol}{a:,}" if grouped else f"{symbol}{a}" for a in amounts))
    fast = parsers.money(written, default)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(parsers, "_plain_amounts", lambda arr: None)
        general = parsers.money(written, default)
    if any(a is not None for a in amounts):  # the fast path really is the one taken
        assert parsers._plain_amounts(pa.array(parsers.text(written), type=pa.string(), from_pandas=True)) is not None
    for got, want in zip(fast, general, strict=True):
        assert (
            got.astype(object).where(got.notna(), None).tolist()
            == want.astype(object).where(want.notna(), None).tolist()
        )


@settings(max_examples=60, derandomize=True)
@given(
    values=st.lists(st.one_of(st.none(), st.integers(min_value=-999, max_value=999_999_999)), min_size=1, max_size=30)
)
def test_plain_integers_read_as_the_general_parser_reads_them(values: list[int | None]) -> None:
    written = cells(*(None if v is None else str(v) for v in values))
    fast = parsers.count(written)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(parsers, "_plain_integers", lambda arr: None)
        general = parsers.count(written)
    assert fast[0].tolist() == general[0].tolist() == [pd.NA if v is None else v for v in values]
    assert fast[1].tolist() == general[1].tolist()
