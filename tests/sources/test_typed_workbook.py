"""Workbooks whose columns are typed (date cells, number cells): read as dates and numbers, not
as text, yet every cell a person typed is still checked, quoted and numbered as before."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from airbnb_export import AIRBNB_HEADER

from sources.errors import UnrecognizedLayout
from sources.mapping import to_canonical
from sources.readers import read_export

HEADER = AIRBNB_HEADER.split(",")
ROOT = Path(__file__).resolve().parents[2]


def booking(i: int, start: object = None, adults: object = 2, earnings: object = None) -> list[object]:
    day = dt.datetime(2026, 1, 1) + dt.timedelta(days=3 * (i % 100))
    return [
        f"HM{i:08d}", "Confirmed", f"Guest {i}", "+1 555 0100", adults, 0, 0,
        day if start is None else start, day + dt.timedelta(days=2), 2, dt.datetime(2025, 11, 1, 9, 30),
        f"Listing {i // 100}", 120.5 + i if earnings is None else earnings,
    ]  # fmt: skip


def workbook(rows: Sequence[Sequence[object]], above: Sequence[Sequence[object]] = ()) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [*above, HEADER, *rows]:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_typed_columns_are_parsed_as_dates_and_numbers() -> None:
    table = read_export(workbook([booking(i) for i in range(5)]), "typed.xlsx")
    assert pd.api.types.is_datetime64_dtype(table.columns["check_in"].dtype)
    assert pd.api.types.is_float_dtype(table.columns["payout"].dtype)
    mapped = to_canonical(table)
    assert mapped.problems == []
    frame = mapped.frame
    assert list(frame["row_number"]) == [2, 3, 4, 5, 6]
    assert frame["check_in"].iloc[1] == pd.Timestamp(2026, 1, 4)
    assert frame["booked_at"].iloc[0] == pd.Timestamp(2025, 11, 1, 9, 30)
    assert frame["payout"].iloc[2] == 122.5 and frame["currency"].iloc[2] == "USD"
    assert frame["adults"].iloc[0] == 2 and str(frame["adults"].dtype) == "Int64"


@pytest.mark.slow
def test_an_odd_cell_far_down_a_date_column_is_reported_not_lost() -> None:
    # Column types are inferred from every row: text in row 1,502 of a date column makes the
    # column text, so the cell is quoted in the problem, and all the other dates still parse.
    rows = [booking(i) for i in range(2000)]
    rows[1500] = booking(1500, start="TBD")
    mapped = to_canonical(read_export(workbook(rows), "late.xlsx"))
    [problem] = mapped.problems
    assert (problem.index, problem.column, problem.value) == (1500, "check_in", "TBD")
    assert "'TBD' is not a real date" in problem.message
    assert len(mapped.frame) == 1999
    assert mapped.frame["check_in"].iloc[0] == pd.Timestamp(2026, 1, 1)


def test_number_cells_that_are_not_whole_guests_are_quoted_as_excel_shows_them() -> None:
    rows = [booking(0), booking(1, adults=2.5), booking(2, adults=3.0)]
    mapped = to_canonical(read_export(workbook(rows), "guests.xlsx"))
    [problem] = mapped.problems
    assert (problem.index, problem.column) == (1, "adults")
    assert problem.value == "2.5" and "'2.5' is not a whole number" in problem.message
    assert list(mapped.frame["adults"]) == [2, 3]
    assert mapped.raw["adults"].tolist() == ["2", "2.5", "3"]  # whole numbers lose Excel's '.0'


def test_title_rows_above_the_header() -> None:
    # Title and blank rows above the header make its columns text, as before.
    above = [["Reservations export"], [], ["Notes", "Notes"]]
    rows = [booking(0), booking(1)]
    table = read_export(workbook(rows, above), "titled.xlsx")
    assert table.header_row == 4
    assert list(table.row_numbers) == [5, 6]
    mapped = to_canonical(table)
    assert mapped.problems == []
    assert list(mapped.frame["check_in"]) == [pd.Timestamp(2026, 1, 1), pd.Timestamp(2026, 1, 4)]


def test_row_one_is_read_back_as_written() -> None:
    # fastexcel names columns after row 1: an empty cell gets a generated name and a repeated
    # one a suffix; the header scan and the messages see the cells as written.
    book = openpyxl.Workbook()
    for row in (["Foo", None, "Foo", "Bar"], [1, 2, 3, 4]):
        book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    with pytest.raises(UnrecognizedLayout) as err:
        read_export(buf.getvalue(), "foo.xlsx")
    assert err.value.headers == ["Foo", "Foo", "Bar"]


def test_true_among_number_cells_is_not_read_as_one_guest() -> None:
    # A column that mixes types is read as text: TRUE stays 'TRUE' (and is quarantined), it is
    # not coerced into the number 1.
    rows = [booking(0), booking(1, adults=True), booking(2, adults=3)]
    mapped = to_canonical(read_export(workbook(rows), "bool.xlsx"))
    [problem] = mapped.problems
    assert (problem.index, problem.column) == (1, "adults")
    assert "is not a whole number of guests" in problem.message
    assert str(problem.value).lower() == "true"
    assert list(mapped.frame["adults"]) == [2, 3]


def test_a_date_cell_beyond_what_a_timestamp_holds_is_an_impossible_date() -> None:
    rows = [booking(0), booking(1, start=dt.datetime(3025, 1, 1)), booking(2)]
    mapped = to_canonical(read_export(workbook(rows), "far.xlsx"))
    [problem] = mapped.problems
    assert (problem.index, problem.column) == (1, "check_in")
    assert "3025-01-01" in str(problem.value) and "is not a real date" in problem.message
    assert len(mapped.frame) == 2


def test_an_empty_column_is_read_without_noise_on_stderr(tmp_path: Path) -> None:
    # In a process of its own: pytest's log capture would hide what a user's terminal shows.
    rows = [[*booking(i), None] for i in range(3)]  # a last column with no value at all
    book = openpyxl.Workbook()
    for row in [[*HEADER, "Notes"], *rows]:
        book.active.append(row)
    path = tmp_path / "notes.xlsx"
    book.save(path)
    code = f"from pathlib import Path; from sources.readers import read_export; print(len(read_export(Path({str(path)!r}).read_bytes(), 'notes.xlsx')))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "3", "")
