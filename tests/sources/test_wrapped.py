"""sources.wrapped: a CSV re-saved with every line as one quoted field reads as the CSV it wraps."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from airbnb_export import airbnb_csv, airbnb_row
from raw_tables import assert_identical

from schemas.tuning import Tuning
from sources.readers import read_export, read_export_chunks
from sources.wrapped import unwrap

DAY = dt.date(2026, 1, 1)


def plain(n: int = 3, newline: str = "\n") -> bytes:
    rows = [
        airbnb_row(
            f"HM{i:08d}", "Confirmed", f'Guest "{i}", Jr.', DAY, DAY + dt.timedelta(days=2), "Loft", Decimal(1000 + i)
        )
        for i in range(n)
    ]
    return airbnb_csv(rows, newline=newline)


def wrapped(data: bytes, newline: str = "\n") -> bytes:
    """What a spreadsheet saves after reading the file as one column: each line one quoted field."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator=newline, quoting=csv.QUOTE_ALL)
    writer.writerows([line] for line in data.decode().splitlines())
    return buf.getvalue().encode()


def test_the_issue_example_unwraps() -> None:
    data = b'"HMABCD1234,""Statut"",""97,35 \xe2\x82\xac"""\n"HMABCD5678,ok,"""""\n'
    assert unwrap(data) == b'HMABCD1234,"Statut","97,35 \xe2\x82\xac"\nHMABCD5678,ok,""\n'


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
def test_a_wrapped_export_unwraps_to_the_bytes_it_wraps(newline: str, bom: bool) -> None:
    original = plain(newline=newline)
    prefix = codecs.BOM_UTF8 if bom else b""
    assert b'""' in wrapped(original, newline)  # the guests' quotes and the money's comma
    assert unwrap(prefix + wrapped(original, newline)) == prefix + original


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b'"Confirmation code","Status"\n"HM00000001","Confirmed"\n', id="every-field-quoted"),
        pytest.param(b'"Confirmation code,Status"\nHM00000001,Confirmed\n', id="only-the-header-wrapped"),
        pytest.param(b'Confirmation code,Status\n"HM00000001,Confirmed"\n', id="only-a-row-wrapped"),
        pytest.param(b'"Name"\n"Ann"\n', id="one-quoted-column"),
        pytest.param(b'"a,"b"\n', id="a-lone-quote-inside"),
    ],
)
def test_files_not_wholly_wrapped_are_left_as_they_are(data: bytes) -> None:
    assert unwrap(data) is data


def test_a_wrapped_export_reads_as_the_plain_one() -> None:
    original = plain()
    one, other = read_export(wrapped(original), "x.csv"), read_export(original, "x.csv")
    assert_identical(one, other)
    assert one.columns["guest_name"].iloc[0] == 'Guest "0", Jr.'


def test_a_large_wrapped_export_is_read_whole_and_reads_as_the_plain_one(tmp_path: Path) -> None:
    original = plain(400)
    (tmp_path / "plain.csv").write_bytes(original)
    (tmp_path / "wrapped.csv").write_bytes(wrapped(original))
    tuning = Tuning(chunk_bytes=4096, chunk_rows=100, first_chunk_rows=100)
    chunks = {
        name: list(read_export_chunks(tmp_path / f"{name}.csv", "x.csv", tuning=tuning))
        for name in ("plain", "wrapped")
    }
    assert len(chunks["wrapped"]) == 4
    for name in chunks:
        pd.testing.assert_series_equal(
            pd.concat([c.row_numbers for c in chunks[name]], ignore_index=True), pd.Series(range(2, 402), dtype="int64")
        )
    codes = {name: pd.concat([c.columns["external_code"] for c in chunks[name]]).tolist() for name in chunks}
    assert codes["wrapped"] == codes["plain"] == [f"HM{i:08d}" for i in range(400)]
