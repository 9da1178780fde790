"""schemas.booking.validate: valid rows go on untouched, each failing row gets a problem naming its column."""

from __future__ import annotations

import pandas as pd
import pytest

from schemas.booking import COLUMNS, BookingFrame, RowProblem, validate


def frame(n: int = 4, index: list[int] | None = None) -> pd.DataFrame:
    """A valid canonical frame of `n` two-night Airbnb stays, typed as to_canonical types it."""
    idx = pd.Index(index if index is not None else range(n))
    return pd.DataFrame(
        {
            "row_number": pd.Series(range(2, 2 + n), dtype="int64", index=idx),
            "source": pd.Series(["airbnb"] * n, dtype="str", index=idx),
            "external_code": pd.Series([f"HMAAAAAAA{i}" for i in range(n)], dtype="str", index=idx),
            "property_name": pd.Series(["Old Town Flat"] * n, dtype="str", index=idx),
            "listing_name": pd.Series([None] * n, dtype="str", index=idx),
            "guest_name": pd.Series(["Ann Lee"] * n, dtype="str", index=idx),
            "guest_contact": pd.Series([None] * n, dtype="str", index=idx),
            "adults": pd.Series([2] * n, dtype="Int64", index=idx),
            "children": pd.Series([0] * n, dtype="Int64", index=idx),
            "infants": pd.Series([pd.NA] * n, dtype="Int64", index=idx),
            "check_in": pd.Series(pd.to_datetime([f"2025-12-{1 + 3 * i:02d}" for i in range(n)]), index=idx).astype(
                "datetime64[ns]"
            ),
            "check_out": pd.Series(pd.to_datetime([f"2025-12-{3 + 3 * i:02d}" for i in range(n)]), index=idx).astype(
                "datetime64[ns]"
            ),
            "nights": pd.Series([2] * n, dtype="Int64", index=idx),
            "booked_at": pd.Series([pd.NaT] * n, dtype="datetime64[ns]", index=idx),
            "raw_status": pd.Series(["Confirmed"] * n, dtype="str", index=idx),
            "status": pd.Series(["confirmed"] * n, dtype="str", index=idx),
            "payout": pd.Series([100.0] * n, index=idx),
            "gross": pd.Series([float("nan")] * n, index=idx),
            "currency": pd.Series(["USD"] * n, dtype="str", index=idx),
        },
        index=idx,
    )


def test_columns_are_the_model_columns() -> None:
    assert list(frame().columns) == COLUMNS
    assert BookingFrame.check_in == "check_in"  # columns are referred to through the model


def test_valid_frame_passes_untouched() -> None:
    original = frame()
    valid, problems = validate(original.copy())
    assert problems == []
    pd.testing.assert_frame_equal(valid, original)


def test_extra_columns_are_dropped_not_errors() -> None:
    with_extra = frame().assign(**{"# of nights": [2, 2, 2, 2]})
    valid, problems = validate(with_extra)
    assert problems == []
    assert "# of nights" not in valid.columns
    assert len(valid) == 4


def test_end_before_start_one_problem_per_row_on_check_out() -> None:
    df = frame(5)
    df.loc[1, "check_out"] = pd.Timestamp("2025-11-30")
    df.loc[3, "check_out"] = pd.Timestamp("2025-12-01")
    valid, problems = validate(df)
    # one problem per failing row, although a frame-wide check fails on every column of the row
    assert sorted((p.index, p.column) for p in problems) == [(1, "check_out"), (3, "check_out")]
    by_row = {p.index: p for p in problems}
    assert by_row[1].value == pd.Timestamp("2025-11-30")
    assert by_row[3].value == pd.Timestamp("2025-12-01")
    assert all("ends on or before the day it starts" in p.message for p in problems)
    assert list(valid.index) == [0, 2, 4]
    pd.testing.assert_frame_equal(valid, df.loc[[0, 2, 4]])


def test_end_on_the_start_day_is_a_problem() -> None:
    df = frame(2)
    df.loc[0, "check_out"] = df["check_in"].loc[0]
    valid, problems = validate(df)
    assert [(p.index, p.column) for p in problems] == [(0, "check_out")]
    assert list(valid.index) == [1]


@pytest.mark.parametrize("column", ["adults", "children", "infants"])
def test_negative_count_names_its_column(column: str) -> None:
    df = frame(3)
    df.loc[2, column] = -1
    valid, problems = validate(df)
    assert problems == [RowProblem(2, column, -1, "-1 is below the smallest allowed value 0")]
    assert list(valid.index) == [0, 1]


def test_count_above_the_limit_names_its_column() -> None:
    df = frame(2)
    df.loc[0, "adults"] = 5000
    valid, problems = validate(df)
    assert [(p.index, p.column, p.value) for p in problems] == [(0, "adults", 5000)]
    assert "above the largest allowed value" in problems[0].message
    assert list(valid.index) == [1]


def test_several_failures_in_one_row_and_across_rows() -> None:
    df = frame(4)
    df.loc[0, "adults"] = -2
    df.loc[0, "check_out"] = pd.Timestamp("2025-11-01")
    df.loc[2, "children"] = -3
    valid, problems = validate(df)
    assert sorted((p.index, p.column) for p in problems) == [(0, "adults"), (0, "check_out"), (2, "children")]
    assert list(valid.index) == [1, 3]


def test_problem_index_is_the_frame_label_not_the_position() -> None:
    # to_canonical returns frames with gaps where rows were already quarantined.
    df = frame(3, index=[0, 4, 9])
    df.loc[9, "check_out"] = pd.Timestamp("2025-12-01")
    df.loc[4, "infants"] = -1
    valid, problems = validate(df)
    assert sorted((p.index, p.column) for p in problems) == [(4, "infants"), (9, "check_out")]
    assert list(valid.index) == [0]


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("status", "maybe", ["'maybe'", "not an allowed value"]),
        ("source", "expedia", ["'expedia'", "not an allowed value"]),
        ("status", None, ["is empty"]),
        ("external_code", "", ["empty or too long"]),
        ("external_code", "X" * 65, ["empty or too long"]),
        ("currency", "EURO", ["empty or too long"]),
        ("row_number", 0, ["below the smallest allowed value 1"]),
    ],
    ids=["unknown-status", "unknown-source", "no-status", "empty-code", "long-code", "currency-4", "row-zero"],
)
def test_column_checks_name_the_column(column: str, value: str | int | None, words: list[str]) -> None:
    df = frame(3)
    df.loc[1, column] = value
    valid, problems = validate(df)
    assert [(p.index, p.column) for p in problems] == [(1, column)]
    for word in words:
        assert word in problems[0].message
    assert list(valid.index) == [0, 2]


def test_missing_column_is_a_layout_bug_not_a_row_problem() -> None:
    with pytest.raises(TypeError, match="wrong shape"):
        validate(frame().drop(columns=["check_out"]))
