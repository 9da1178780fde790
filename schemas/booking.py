"""The canonical booking frame: the Pandera model every source produces and every loader accepts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors
from pandera.typing import Series

from schemas.vocab import Source, Status

MAX_AMOUNT = 9_999_999_999.9999


class BookingFrame(pa.DataFrameModel):
    """One row per booking as read from one export row, in canonical units and vocabulary."""

    row_number: Series[int] = pa.Field(ge=1)
    source: Series[str] = pa.Field(isin=[s.value for s in Source])
    external_code: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 64})
    property_name: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 200})
    # A platform's name for that house, where the row states both (it teaches the alias).
    listing_name: Series[str] = pa.Field(nullable=True, str_length={"min_value": 1, "max_value": 200})
    guest_name: Series[str] = pa.Field(nullable=True)
    guest_contact: Series[str] = pa.Field(nullable=True)
    adults: Series[pd.Int64Dtype] = pa.Field(ge=0, le=1000, nullable=True)
    children: Series[pd.Int64Dtype] = pa.Field(ge=0, le=1000, nullable=True)
    infants: Series[pd.Int64Dtype] = pa.Field(ge=0, le=1000, nullable=True)
    check_in: Series[pa.DateTime]
    check_out: Series[pa.DateTime]
    # Derived from the dates, which their own checks cover (empty only when a date is).
    nights: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    booked_at: Series[pa.DateTime] = pa.Field(nullable=True)
    raw_status: Series[str]
    status: Series[str] = pa.Field(isin=[s.value for s in Status])
    # NUMERIC(14, 4) in the database: ten digits before the point, also once rounded to four
    # decimals (9,999,999,999.99999 would round to 1e10 and overflow).
    payout: Series[float] = pa.Field(nullable=True, ge=-MAX_AMOUNT, le=MAX_AMOUNT)
    gross: Series[float] = pa.Field(nullable=True, ge=-MAX_AMOUNT, le=MAX_AMOUNT)
    currency: Series[str] = pa.Field(nullable=True, str_length={"min_value": 3, "max_value": 3})

    @pa.dataframe_check(name="check_out_after_check_in")
    @classmethod
    def check_out_after_check_in(cls, df: pd.DataFrame) -> pd.Series:
        # A missing date is the not-null check's to report, not this one's.
        return (df["check_out"] > df["check_in"]) | df["check_in"].isna() | df["check_out"].isna()

    class Config:
        strict = "filter"  # extra columns a layout carries are dropped, not errors
        ordered = False


# Column names through the model, so a rename happens in one place.
COLUMNS: list[str] = list(BookingFrame.to_schema().columns)


@dataclass(frozen=True)
class RowProblem:
    """One reason one row was quarantined: `column` is a canonical field name or None."""

    index: int
    column: str | None
    value: object
    message: str


# The column a person should look at when a frame-wide check fails.
_FRAME_CHECK_COLUMN = {"check_out_after_check_in": "check_out"}

_CHECK_MESSAGES = {
    "not_nullable": "is empty",
    "check_out_after_check_in": "the stay ends on or before the day it starts",
}


def _describe(check: str, value: object) -> str:
    if check in _CHECK_MESSAGES:
        return _CHECK_MESSAGES[check]
    if check.startswith("greater_than_or_equal_to"):
        return f"{value!r} is below the smallest allowed value {check.split('(')[1].rstrip(')')}"
    if check.startswith(("less_than(", "greater_than(")):
        return f"{value!r} is out of range (at most ten digits before the decimal point)"
    if check.startswith("less_than_or_equal_to"):
        return f"{value!r} is above the largest allowed value {check.split('(')[1].rstrip(')')}"
    if check.startswith("str_length"):
        return f"{value!r} is empty or too long"
    if check.startswith("isin"):
        return f"{value!r} is not an allowed value"
    return f"{value!r} fails the check {check}"


def validate(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[RowProblem]]:
    """Validate lazily; return the valid rows and one problem per failing (row, check)."""
    try:
        return BookingFrame.validate(frame, lazy=True), []
    except SchemaErrors as err:
        cases = err.failure_cases
    problems: list[RowProblem] = []
    whole_frame: list[str] = []
    # A frame-wide check fails once per column of a failing row; one problem per row is enough.
    frame_checks = cases["check"].isin(list(_FRAME_CHECK_COLUMN))
    cases = pd.concat([cases[~frame_checks], cases[frame_checks].drop_duplicates(subset=["check", "index"])])
    for rec in cases.itertuples(index=False):
        idx = rec.index
        if idx is None or (isinstance(idx, float) and pd.isna(idx)):
            # A failure not tied to a row (wrong dtype, missing column) is a bug in a layout.
            whole_frame.append(f"{rec.column}: {rec.check} ({rec.failure_case})")
            continue
        column = rec.column if isinstance(rec.column, str) and rec.column in COLUMNS else None
        value = rec.failure_case
        if isinstance(value, np.generic):  # a person should read -1, not np.int64(-1)
            value = value.item()
        if rec.check in _FRAME_CHECK_COLUMN:
            column = _FRAME_CHECK_COLUMN[str(rec.check)]
            value = frame.at[idx, column]
        problems.append(RowProblem(int(idx), column, value, _describe(str(rec.check), value)))
    if whole_frame:
        raise TypeError("canonical booking frame has the wrong shape: " + "; ".join(whole_frame))
    bad = {p.index for p in problems}
    valid = frame.loc[~frame.index.isin(list(bad))]
    return BookingFrame.validate(valid, lazy=True) if bad else valid, problems
