"""sources.readers.read_export_chunks: a large CSV read in pieces gives exactly what read_export
gives for the same bytes (rows, cells, row numbers a person sees), and more than one piece."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from airbnb_export import AIRBNB_HEADER, airbnb_row
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from raw_tables import assert_identical

from schemas.tuning import DEFAULT_TUNING, Tuning
from sources.errors import NoRows, SourceError, UnrecognizedLayout
from sources.readers import HEAD_BYTES, RawTable, read_export, read_export_chunks

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
FIRST_NIGHT = dt.date(2026, 1, 1)
TOTAL = ["Total", "", "", "", "", "", "", "", "", "", "", "", "$99,999.00"]
JUNK = ["Report generated 12/1/2025 by Airbnb", "Payouts are shown in USD,,,", "Page 1 of 1"]


def code(i: int) -> str:
    return f"HM{i:08d}"


def booking(i: int, guest: str | None = None) -> list[str]:
    check_in = FIRST_NIGHT + dt.timedelta(days=i % 300)
    return airbnb_row(
        code(i), "Confirmed", guest or f"Guest {i}", check_in, check_in + dt.timedelta(days=3), "Old Town Flat",
        Decimal(100 + i),
    )  # fmt: skip


@dataclass
class Export:
    """An Airbnb CSV built line by line, with what an independent reading says it holds."""

    newline: str = "\n"
    parts: list[str] = field(default_factory=list)
    expected: list[tuple[int, str]] = field(default_factory=list)  # (row number, code) per booking row

    def __post_init__(self) -> None:
        self.parts.append(AIRBNB_HEADER + self.newline)

    @property
    def next_row(self) -> int:
        """The row number a person sees for the next record: one more than the lines so far."""
        return "".join(self.parts).count("\n") + 1

    def record(self, cells: list[str]) -> int:
        row = self.next_row
        buf = io.StringIO(newline="")
        csv.writer(buf, lineterminator=self.newline).writerow(cells)
        self.parts.append(buf.getvalue())
        return row

    def booking(self, i: int, guest: str | None = None) -> int:
        row = self.record(booking(i, guest))
        self.expected.append((row, code(i)))
        return row

    def bookings(self, start: int, stop: int) -> None:
        for i in range(start, stop):
            self.booking(i)

    def raw(self, text: str) -> None:
        self.parts.append(text)

    def encode(self, encoding: str = "utf-8", bom: bool = False) -> bytes:
        return ("\ufeff" if bom else "").encode() + "".join(self.parts).encode(encoding)


def read_both(
    data: bytes, chunk_bytes: int, folder: Path, first_chunk_bytes: int = DEFAULT_TUNING.first_chunk_bytes
) -> tuple[RawTable, list[RawTable]]:
    path = folder / "export.csv"
    path.write_bytes(data)
    tuning = Tuning(chunk_bytes=chunk_bytes, first_chunk_bytes=first_chunk_bytes)
    return read_export(data, "export.csv"), list(read_export_chunks(path, "export.csv", tuning=tuning))


def values(cells: pd.Series) -> list[object]:
    """Cell values whatever the dtype (Arrow pieces give str, the Python reader object)."""
    return [None if v is None or (isinstance(v, float) and v != v) else v for v in cells.astype(object)]


def assert_same_rows(whole: RawTable, chunks: list[RawTable]) -> None:
    """The pieces, put together, are the table read_export gives."""
    assert chunks, "no chunk at all"
    assert all(len(c) > 0 for c in chunks), [len(c) for c in chunks]
    numbers = [int(n) for c in chunks for n in c.row_numbers]
    assert numbers == [int(n) for n in whole.row_numbers]
    assert numbers == sorted(set(numbers)), "row numbers must increase from chunk to chunk"
    for c in chunks:
        assert (c.path, c.kind, c.sheet, c.layout, c.header_row, c.headers) == (
            whole.path, whole.kind, whole.sheet, whole.layout, whole.header_row, whole.headers,
        )  # fmt: skip
        assert set(c.columns) == set(whole.columns)
        assert all(len(cells) == len(c) for cells in c.columns.values())
    for fld, cells in whole.columns.items():
        assert [v for c in chunks for v in values(c.columns[fld])] == values(cells), fld


def assert_expected(table: RawTable, export: Export) -> None:
    """What the reader found agrees with how the file was written (not only with read_export)."""
    assert list(zip(table.row_numbers.astype(int), values(table.columns["external_code"]), strict=True)) == (
        export.expected
    )


def chunk_of(chunks: list[RawTable], row: int) -> int:
    [index] = [i for i, c in enumerate(chunks) if row in set(c.row_numbers.astype(int))]
    return index


# --- the cases the chunking must get right ---------------------------------------------------------


def test_plain_export_in_many_chunks(tmp_path: Path) -> None:
    export = Export()
    export.bookings(0, 400)

    whole, chunks = read_both(export.encode(), 4096, tmp_path)

    assert len(chunks) > 5
    assert_same_rows(whole, chunks)
    assert_expected(whole, export)
    assert [int(c.row_numbers.iloc[0]) for c in chunks[1:]] == [int(c.row_numbers.iloc[-1]) + 1 for c in chunks[:-1]]


@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
def test_trailing_blank_lines_with_crlf_are_ignored(tmp_path: Path, bom: bool) -> None:
    export = Export(newline="\r\n")
    export.bookings(0, 300)
    export.raw("\r\n" * 5)

    whole, chunks = read_both(export.encode(bom=bom), 4096, tmp_path)

    assert len(chunks) > 1
    assert_same_rows(whole, chunks)
    assert_expected(whole, export)
    assert int(chunks[-1].row_numbers.iloc[-1]) == 301


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_quoted_line_break_in_a_late_chunk_keeps_exact_row_numbers(tmp_path: Path, newline: str) -> None:
    export = Export(newline=newline)
    export.bookings(0, 250)
    multi = export.booking(250, guest=f"Ann{newline}and Bob{newline}Lee")
    export.bookings(251, 400)

    whole, chunks = read_both(export.encode(), 4096, tmp_path)

    assert len(chunks) > 2
    assert chunk_of(chunks, multi) > 0, "the quoted line break must be in a later chunk"
    assert_same_rows(whole, chunks)
    assert_expected(whole, export)
    # The record after the three-line one is three lines further down.
    assert export.expected[251][0] == multi + 3
    guests = [v for c in chunks for v in values(c.columns["guest_name"])]
    assert guests[250] == f"Ann{newline}and Bob{newline}Lee"


@pytest.mark.parametrize("blank_before_junk", [False, True], ids=["junk", "blank-then-junk"])
def test_totals_row_in_a_late_chunk_ends_the_table(tmp_path: Path, blank_before_junk: bool) -> None:
    export = Export()
    export.bookings(0, 350)
    total_row = export.record(TOTAL)
    if blank_before_junk:
        export.raw("\n")
    for line in JUNK:
        export.raw(line + "\n")
    # A booking-like line after the totals row is not a booking either.
    export.record(booking(9999))

    whole, chunks = read_both(export.encode(), 4096, tmp_path)

    assert len(chunks) > 5
    assert total_row > int(chunks[0].row_numbers.iloc[-1]), "the totals row must be in a later chunk"
    assert_same_rows(whole, chunks)
    assert_expected(whole, export)
    assert int(chunks[-1].row_numbers.iloc[-1]) == total_row - 1


@pytest.mark.slow
def test_windows_1252_byte_only_in_a_late_chunk(tmp_path: Path) -> None:
    export = Export(newline="\r\n")
    n = HEAD_BYTES // 100 + 300
    export.bookings(0, n - 20)
    special = export.booking(n - 20, guest="Zoë Müller")
    export.bookings(n - 19, n)
    data = export.encode(encoding="cp1252")
    first_non_ascii = next(i for i, b in enumerate(data) if b >= 0x80)
    assert first_non_ascii > HEAD_BYTES, "the head of the file must look like UTF-8"

    whole, chunks = read_both(data, 8192, tmp_path)

    assert len(chunks) > 5
    assert chunk_of(chunks, special) > 0
    assert_same_rows(whole, chunks)
    assert_expected(whole, export)
    guests = [v for c in chunks for v in values(c.columns["guest_name"])]
    assert guests[n - 20] == "Zoë Müller"


def test_windows_1252_byte_in_the_head_reads_the_file_whole(tmp_path: Path) -> None:
    export = Export()
    export.booking(0, guest="Zoë Müller")
    export.bookings(1, 300)

    whole, chunks = read_both(export.encode(encoding="cp1252"), 4096, tmp_path)

    assert len(chunks) == 1
    assert_same_rows(whole, chunks)
    assert_expected(whole, export)
    assert values(chunks[0].columns["guest_name"])[0] == "Zoë Müller"


def test_blank_lines_in_the_middle_keep_exact_row_numbers(tmp_path: Path) -> None:
    export = Export()
    export.bookings(0, 200)
    export.raw("\n\n")
    export.raw(",,,,,,,,,,,,\n")
    export.bookings(200, 350)

    whole, chunks = read_both(export.encode(), 4096, tmp_path)

    assert len(chunks) > 2
    assert_same_rows(whole, chunks)
    assert_expected(whole, export)


def test_a_small_file_is_one_chunk_identical_to_read_export(tmp_path: Path) -> None:
    export = Export()
    export.bookings(0, 20)
    data = export.encode()
    assert len(data) <= 8192

    whole, chunks = read_both(data, 8192, tmp_path)

    assert len(chunks) == 1
    assert_identical(chunks[0], whole)
    assert_expected(whole, export)


@pytest.mark.parametrize("name", ["cleaning_schedule.xlsx", "booking_com_reservations_2025-12.xls"])
def test_a_workbook_is_one_chunk_identical_to_read_export(tmp_path: Path, name: str) -> None:
    data = (SAMPLES / name).read_bytes()
    path = tmp_path / name
    path.write_bytes(data)
    assert len(data) > 1024

    chunks = list(read_export_chunks(path, name, tuning=Tuning(chunk_bytes=1024)))

    assert len(chunks) == 1
    assert_identical(chunks[0], read_export(data, name))


@pytest.mark.parametrize("name", ["cleaning_schedule.xlsx", "booking_com_reservations_2025-12.xls"])
def test_a_workbook_is_handed_on_in_slices_the_first_one_smaller(tmp_path: Path, name: str) -> None:
    tuning = Tuning(chunk_rows=4, first_chunk_rows=3)
    data = (SAMPLES / name).read_bytes()
    path = tmp_path / name
    path.write_bytes(data)
    whole = read_export(data, name)
    assert len(whole) > 7

    chunks = list(read_export_chunks(path, name, tuning=tuning))

    sizes = [len(c) for c in chunks]
    assert sizes[0] == 3 and set(sizes[1:-1]) == {4} and 0 < sizes[-1] <= 4, sizes
    assert_same_rows(whole, chunks)


def test_a_large_csv_starts_with_a_smaller_piece(tmp_path: Path) -> None:
    export = Export()
    export.bookings(0, 400)
    whole, chunks = read_both(export.encode(), 8192, tmp_path, first_chunk_bytes=1024)

    assert len(chunks) > 3
    assert len(chunks[0]) < len(chunks[1]) / 4, [len(c) for c in chunks]
    assert_same_rows(whole, chunks)


# --- whitespace at the very end ---------------------------------------------------------------


def test_a_last_line_of_spaces_without_a_line_break_is_ignored(tmp_path: Path) -> None:
    """read_export drops a last line of only spaces as a blank row; the chunks must too."""
    export = Export()
    export.bookings(0, 300)
    export.raw("   ")  # e.g. an editor's trailing indentation, no final line break

    data = export.encode()
    whole = read_export(data, "export.csv")
    assert_expected(whole, export)
    _, chunks = read_both(data, 4096, tmp_path)

    assert len(chunks) > 1
    assert_same_rows(whole, chunks)


def test_a_last_line_of_spaces_is_ignored_wherever_a_chunk_ends(tmp_path: Path) -> None:
    """Whether the file reads must not depend on where the chunk boundaries fall: here the last
    read block is exactly the final line of spaces."""
    tail = "   \n"
    for n in range(300, 400):
        export = Export()
        export.bookings(0, n)
        body = len(export.encode()) - len(AIRBNB_HEADER) - 1
        size = next((body // k for k in range(4, 16) if body % k == 0 and 2048 <= body // k <= 8192), None)
        if size:
            break
    assert size is not None
    export.raw(tail)
    data = export.encode()
    whole = read_export(data, "export.csv")
    assert_expected(whole, export)

    _, chunks = read_both(data, size, tmp_path)

    assert len(chunks) > 1
    assert_same_rows(whole, chunks)


# --- errors like read_export's ----------------------------------------------------------------


def big_unrecognized() -> bytes:
    return b"Name,Email,Phone\n" + b"".join(b"Ann %d,ann%d@example.com,+1 555 0100\n" % (i, i) for i in range(400))


def big_without_bookings() -> bytes:
    export = Export()
    export.record(TOTAL)
    for i in range(400):
        export.raw(f"note {i},,,\n")
    return export.encode()


@pytest.mark.parametrize(
    ("make", "error"),
    [(big_unrecognized, UnrecognizedLayout), (big_without_bookings, NoRows)],
    ids=["layout", "no-rows"],
)
def test_a_large_file_without_bookings_raises_like_read_export(
    tmp_path: Path, make: Callable[[], bytes], error: type[SourceError]
) -> None:
    data = make()
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    assert len(data) > 4096
    with pytest.raises(SourceError) as whole:
        read_export(data, "export.csv")

    with pytest.raises(SourceError) as chunked:
        list(read_export_chunks(path, "export.csv", tuning=Tuning(chunk_bytes=4096)))

    assert type(chunked.value) is type(whole.value) is error
    assert chunked.value.reason == whole.value.reason


def test_chunk_bytes_defaults_to_the_default_tuning(tmp_path: Path) -> None:
    export = Export()
    export.bookings(0, 300)
    path = tmp_path / "export.csv"
    path.write_bytes(export.encode())
    assert len(list(read_export_chunks(path, "export.csv"))) == 1

    chunks = list(read_export_chunks(path, "export.csv", tuning=Tuning(chunk_bytes=4096)))
    assert len(chunks) > 5
    assert_same_rows(read_export(export.encode(), "export.csv"), chunks)


# --- property: any mix of the above, any chunk size -------------------------------------------

SETTINGS = dict(
    deadline=None,
    database=None,
    # The same examples on every run, so that CI is reproducible; HYPOTHESIS_RANDOMIZE=1 explores.
    derandomize=os.environ.get("HYPOTHESIS_RANDOMIZE", "") in ("", "0"),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
EVENTS = st.sampled_from(["multiline", "blank", "empty-cells", "spaces", "total", "cp1252"])


@pytest.mark.slow
@settings(max_examples=40, **SETTINGS)  # type: ignore[arg-type]
@given(
    n=st.integers(80, 400),
    chunk_bytes=st.integers(2048, 8192),
    newline=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
    events=st.dictionaries(st.integers(0, 399), EVENTS, max_size=4),
    trailing_blanks=st.integers(0, 3),
)
def test_chunks_put_together_are_read_export(
    n: int, chunk_bytes: int, newline: str, bom: bool, events: dict[int, str], trailing_blanks: int
) -> None:
    export = Export(newline=newline)
    encoding = "utf-8"
    for i in range(n):
        event = events.get(i)
        if event == "multiline":
            export.booking(i, guest=f"Ann{newline}Lee")
        elif event == "blank":
            export.raw(newline)
            export.booking(i)
        elif event == "empty-cells":
            export.raw("," * 12 + newline)
            export.booking(i)
        elif event == "spaces":
            export.raw("  " + newline)
            export.booking(i)
        elif event == "total":
            export.record(TOTAL)
            export.raw(JUNK[0] + newline)
            break
        elif event == "cp1252" and not bom:
            encoding = "cp1252"
            export.booking(i, guest="Zoë")
        else:
            export.booking(i)
    export.raw(newline * trailing_blanks)
    data = export.encode(encoding=encoding, bom=bom)
    if not export.expected:
        return
    with tempfile.TemporaryDirectory() as folder:
        whole, chunks = read_both(data, chunk_bytes, Path(folder))

    assert_same_rows(whole, chunks)
    assert_expected(whole, export)
    if not events and len(data) > 2 * chunk_bytes:
        assert len(chunks) > 1


@pytest.mark.slow
def test_a_quoted_line_break_in_the_last_column_across_every_possible_cut(tmp_path: Path) -> None:
    # A value with a line break in the last column: wherever a piece ends (also right after
    # the break, inside the quotes), the rows are those of the whole-file read.
    header = AIRBNB_HEADER + ",Notes\n"
    lines = []
    for i in range(40):
        note = '"Late arrival\nneeds key box"' if i in (11, 23) else "none"
        lines.append(",".join(f'"{c}"' if "," in c else c for c in booking(i)) + "," + note + "\n")
    data = (header + "".join(lines)).encode()
    whole = read_export(data, "export.csv")
    assert len(whole) == 40
    cut_inside_quotes = 0
    for chunk_bytes in range(300, 1400, 7):
        _, chunks = read_both(data, chunk_bytes, tmp_path)
        assert_same_rows(whole, chunks)
        start = len(header)
        while start < len(data):  # does a piece of this size end between the two quotes?
            end = data.rfind(b"\n", 0, start + chunk_bytes) + 1
            if end <= start:
                break
            cut_inside_quotes += data[start:end].count(b'"') % 2
            start = end
    assert cut_inside_quotes, "no chunk size cut inside a quoted value: the test shows nothing"
