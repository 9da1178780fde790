"""Comparing what the readers return (shared by tests/sources)."""

from __future__ import annotations

import pandas as pd

from sources.readers import RawTable


def assert_identical(one: RawTable, other: RawTable) -> None:
    assert (one.path, one.kind, one.sheet, one.layout, one.header_row, one.headers) == (
        other.path, other.kind, other.sheet, other.layout, other.header_row, other.headers,
    )  # fmt: skip
    pd.testing.assert_series_equal(one.row_numbers, other.row_numbers)
    assert list(one.columns) == list(other.columns)
    for fld in one.columns:
        pd.testing.assert_series_equal(one.columns[fld], other.columns[fld], obj=fld)
