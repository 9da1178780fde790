"""sources.readers.read_export: layout detection, header finding, dropped rows and the row numbers a person sees."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import cast

import openpyxl
import pytest
import python_calamine
from airbnb_export import AIRBNB_SHORT_COLUMNS
from example_layouts import DECLARED

from sources.errors import NoRows, SourceError, UnrecognizedLayout
from sources.readers import read_export
from sources.sniff import FileKind

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
AIRBNB_CSV = SAMPLES / "airbnb_reservations_2025-12-01.csv"
BCOM_BIFF = SAMPLES / "booking_com_reservations_2025-12.xls"
BCOM_HTML = SAMPLES / "booking_com_reservations_2026-01.xls"
SCHEDULE_XLSX = SAMPLES / "cleaning_schedule.xlsx"
EXPORTS = sorted(p for p in SAMPLES.iterdir() if p.suffix in {".csv", ".xls", ".xlsx"})

AIRBNB_HEADER = AIRBNB_SHORT_COLUMNS


def airbnb_row(code: str, guest: str = "Ann Lee", start: str = "12/1/2025", end: str = "12/3/2025") -> list[str]:
    return [code, "Confirmed", guest, "2", start, end, "Old Town Flat", "$100.00"]


def csv_bytes(rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8", newline: str = "\r\n") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(sheets: Mapping[str, Sequence[Sequence[object]]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(row=r, column=c, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- independent readings of the samples (stdlib csv, regex over the HTML, openpyxl, raw calamine) ---


def read_airbnb_csv() -> list[tuple[int, list[str]]]:
    """(line number of the record's first line, cells) for each data record."""
    with AIRBNB_CSV.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        out = []
        line = reader.line_num + 1
        for rec in reader:
            out.append((line, rec))
            line = reader.line_num + 1
    return out


def read_html_rows(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8")
    rows = re.findall(r"<tr>(.*?)</tr>", text, re.S)
    return [[html.unescape(c) for c in re.findall(r"<t[hd]>(.*?)</t[hd]>", row, re.S)] for row in rows]


def schedule_sheet() -> tuple[int, int, list[tuple[int, dict[str, object]]]]:
    """Header row, Total row and (row, {header: value}) per booking row of the Schedule sheet, via openpyxl."""
    ws = openpyxl.load_workbook(SCHEDULE_XLSX)["Schedule"]
    header_row = next(c.row for col in ws.iter_cols(max_col=1) for c in col if c.value == "Confirmation code")
    headers = [c.value for c in ws[header_row]]
    total_row = next(c.row for col in ws.iter_cols(max_col=1) for c in col if c.value == "Total")
    rows = []
    for r in range(header_row + 1, total_row):
        values = [c.value for c in ws[r]]
        if any(v is not None for v in values):
            rows.append((r, dict(zip(headers, values, strict=True))))
    return header_row, total_row, rows


# --- the samples ----------------------------------------------------------------------------------

EXPECTED_LAYOUT = {
    AIRBNB_CSV.name: "airbnb",
    "airbnb_reservations_fr_2025-12.csv": "airbnb_fr",
    "airbnb_reservations_es_2025-12.csv": "airbnb_es",
    "airbnb_reservations_pt_2025-12.csv": "airbnb_pt",
    "booking_hr_reservations_2025-12.xls": "booking_com_hr",
    "booking_short_2025-12.csv": "booking_com_short",
    "airbnb_reservations_2026-01-10.csv": "airbnb",
    BCOM_BIFF.name: "booking_com",
    BCOM_HTML.name: "booking_com",
    SCHEDULE_XLSX.name: "cleaning_schedule",
    **{f"cleaning_schedule_v{v}.xlsx": "cleaning_schedule" for v in (1, 2, 3)},
    "airbnb_earnings_2025-12.csv": "airbnb_earnings",
    "airbnb_earnings_old_2025-11.csv": "airbnb_earnings_old",
    "airbnb_earnings_pt_br_2025-12.csv": "airbnb_earnings_pt_br",
    "airbnb_reservations_wrapped_2026-01.csv": "airbnb",
    "airbnb_reservations_fr_mojibake_2026-01.csv": "airbnb_fr",
    "example_pms_reservations_2025-12.csv": "example_pms",  # declared in data/example_layouts.toml
}


@pytest.mark.parametrize("path", EXPORTS, ids=lambda p: p.name)
def test_every_sample_reads_with_its_layout(path: Path) -> None:
    table = read_export(path.read_bytes(), str(path), declared=DECLARED)
    assert table.layout.name == EXPECTED_LAYOUT[path.name]
    assert table.path == str(path)
    assert len(table) > 0
    assert all(len(col) == len(table) for col in table.columns.values())
    assert table.row_numbers.is_monotonic_increasing
    assert table.row_numbers.is_unique
    assert (table.row_numbers > table.header_row).all()


@pytest.mark.parametrize("path", EXPORTS, ids=lambda p: p.name)
def test_every_sample_reads_when_its_layout_is_forced(path: Path) -> None:
    name = EXPECTED_LAYOUT[path.name]
    assert read_export(path.read_bytes(), str(path), name, declared=DECLARED).layout.name == name


def test_airbnb_csv_rows_and_numbers_match_the_csv_module() -> None:
    expected = read_airbnb_csv()
    table = read_export(AIRBNB_CSV.read_bytes(), AIRBNB_CSV.name)
    assert table.kind is FileKind.TEXT
    assert table.header_row == 1
    assert list(table.row_numbers) == [line for line, _ in expected]
    assert table.row_numbers.iloc[0] == 2  # the header is line 1
    assert list(table.columns["external_code"]) == [rec[0] for _, rec in expected]
    assert list(table.columns["payout"]) == [rec[12] for _, rec in expected]
    assert table.headers["external_code"] == "Confirmation code"


def test_booking_com_html_rows_match_the_table_rows() -> None:
    rows = read_html_rows(BCOM_HTML)
    header, body = rows[0], rows[1:]
    table = read_export(BCOM_HTML.read_bytes(), BCOM_HTML.name)
    assert table.kind is FileKind.HTML
    assert table.header_row == 1
    assert list(table.row_numbers) == list(range(2, 2 + len(body)))
    code = header.index("Book number")
    assert list(table.columns["external_code"]) == [r[code] for r in body]
    assert list(table.columns["gross"]) == [r[header.index("Price")] for r in body]


def test_booking_com_biff_rows_match_calamine() -> None:
    book = python_calamine.CalamineWorkbook.from_path(str(BCOM_BIFF))
    rows = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    header, body = rows[0], [r for r in rows[1:] if any(str(c).strip() for c in r)]
    table = read_export(BCOM_BIFF.read_bytes(), BCOM_BIFF.name)
    assert table.kind is FileKind.XLS
    assert table.sheet == book.sheet_names[0]
    assert table.header_row == 1
    assert len(table) == len(body)
    code = header.index("Book number")
    # The Book number is a NUMBER cell in this workbook: the raw table keeps it as the float it is.
    # (calamine types every cell as any of its cell kinds, date and time included.)
    numbers = cast(list[float], [r[code] for r in body])
    assert [float(c) for c in table.columns["external_code"]] == [float(n) for n in numbers]


def test_schedule_header_found_on_second_sheet_under_a_title() -> None:
    header_row, total_row, rows = schedule_sheet()
    table = read_export(SCHEDULE_XLSX.read_bytes(), SCHEDULE_XLSX.name)
    assert table.kind is FileKind.XLSX
    assert table.sheet == "Schedule"  # the Summary sheet comes first and is skipped
    assert table.header_row == header_row == 3
    assert len(table) == len(rows)
    # The Total row and everything after it are not bookings.
    assert table.row_numbers.max() < total_row
    assert "Total" not in set(table.columns["external_code"].dropna())


def test_schedule_row_numbers_match_openpyxl_cell_rows() -> None:
    _, _, rows = schedule_sheet()
    table = read_export(SCHEDULE_XLSX.read_bytes(), SCHEDULE_XLSX.name)
    assert list(table.row_numbers) == [r for r, _ in rows]
    by_code = {values["Confirmation code"]: r for r, values in rows if values["Confirmation code"]}
    assert "HMQ7D2KX9P" in by_code  # the double-booked Airbnb stay (make_samples.py docstring)
    seen = dict(zip(table.columns["external_code"], table.row_numbers, strict=True))
    for code, row in by_code.items():
        assert seen[code] == row, code


# --- header finding -------------------------------------------------------------------------------


def test_title_and_blank_rows_above_a_csv_header() -> None:
    data = csv_bytes(
        [["Reservations export"], ["Generated 2025-12-01", ""], [], AIRBNB_HEADER, airbnb_row("HMAAAAAAAA")]
    )
    table = read_export(data, "x.csv")
    assert table.layout.name == "airbnb"
    assert table.header_row == 4
    assert list(table.row_numbers) == [5]
    assert list(table.columns["external_code"]) == ["HMAAAAAAAA"]


def test_header_matching_ignores_case_and_extra_spaces() -> None:
    header = ["  CONFIRMATION   code ", "status", "Guest\tName", "START DATE", "end  date", " listing "]
    data = csv_bytes([header, ["HMAAAAAAAA", "Confirmed", "Ann", "12/1/2025", "12/3/2025", "Flat"]])
    table = read_export(data, "x.csv")
    assert table.layout.name == "airbnb"
    assert set(table.columns) >= {"external_code", "raw_status", "guest_name", "check_in", "check_out", "property_name"}
    assert table.columns["check_out"].iloc[0] == "12/3/2025"
    assert table.headers["external_code"] == "CONFIRMATION code"  # as written, white space collapsed


def test_bom_before_the_header_does_not_hide_it() -> None:
    data = b"\xef\xbb\xbf" + csv_bytes([AIRBNB_HEADER, airbnb_row("HMAAAAAAAA")])
    assert read_export(data, "x.csv").headers["external_code"] == "Confirmation code"


def test_workbook_header_below_title_rows_and_after_a_summary_sheet() -> None:
    data = xlsx_bytes(
        {
            "Summary": [["Cleaning summary"], ["Status", "fine"], ["Listing", 3]],
            "Bookings": [
                ["My bookings"],
                [],
                [],
                [None, *AIRBNB_HEADER],
                [None, *airbnb_row("HMAAAAAAAA")],
                [],
                [None, *airbnb_row("HMBBBBBBBB")],
            ],
        }
    )
    table = read_export(data, "book.xlsx")
    assert table.sheet == "Bookings"
    assert table.header_row == 4
    assert list(table.row_numbers) == [5, 7]
    assert list(table.columns["external_code"]) == ["HMAAAAAAAA", "HMBBBBBBBB"]


def test_html_picks_the_table_with_the_header() -> None:
    page = (
        "<html><body><table><tr><td>Menu</td><td>Logout</td></tr></table>"
        "<table><tr><th>Book number</th><th>Status</th><th>Check-in</th><th>Check-out</th></tr>"
        "<tr><td>6547074679</td><td>ok</td><td>2025-12-14</td><td>2025-12-17</td></tr></table></body></html>"
    )
    table = read_export(page.encode(), "bcom.xls")
    assert table.layout.name == "booking_com"
    assert table.sheet == "table 2"
    assert list(table.columns["external_code"]) == ["6547074679"]
    assert list(table.row_numbers) == [2]


# --- rows that are not bookings -------------------------------------------------------------------


def test_total_row_and_what_follows_are_dropped() -> None:
    rows = [
        AIRBNB_HEADER,
        airbnb_row("HMAAAAAAAA"),
        airbnb_row("HMBBBBBBBB"),
        ["Total", "", "", "4", "", "", "", "$200.00"],
        ["Printed by Marta"],
        airbnb_row("HMCCCCCCCC"),
    ]
    table = read_export(csv_bytes(rows), "x.csv")
    assert list(table.columns["external_code"]) == ["HMAAAAAAAA", "HMBBBBBBBB"]
    assert list(table.row_numbers) == [2, 3]


@pytest.mark.parametrize("label", ["Total", "TOTAL", "Totals:", "Grand total", "Subtotal"])
def test_total_label_variants_end_the_table(label: str) -> None:
    rows = [AIRBNB_HEADER, airbnb_row("HMAAAAAAAA"), [label, "", "", "2"], airbnb_row("HMBBBBBBBB")]
    table = read_export(csv_bytes(rows), "x.csv")
    assert list(table.columns["external_code"]) == ["HMAAAAAAAA"]


def test_total_in_second_column_ends_the_table() -> None:
    rows = [AIRBNB_HEADER, airbnb_row("HMAAAAAAAA"), ["", "Total", "", "2"], airbnb_row("HMBBBBBBBB")]
    table = read_export(csv_bytes(rows), "x.csv")
    assert list(table.columns["external_code"]) == ["HMAAAAAAAA"]


def test_blank_rows_are_dropped_and_numbering_keeps_counting() -> None:
    rows = [AIRBNB_HEADER, airbnb_row("HMAAAAAAAA"), [], [""] * 8, [" ", "  "], airbnb_row("HMBBBBBBBB")]
    table = read_export(csv_bytes(rows), "x.csv")
    assert list(table.columns["external_code"]) == ["HMAAAAAAAA", "HMBBBBBBBB"]
    assert list(table.row_numbers) == [2, 6]


def test_quoted_multiline_field_row_number_is_the_records_first_line() -> None:
    data = (
        b"Confirmation code,Status,Guest name,Start date,End date,Listing\r\n"
        b'HMAAAAAAAA,Confirmed,"Ann\r\nand Bob\r\nLee",12/1/2025,12/3/2025,Flat\r\n'
        b"HMBBBBBBBB,Confirmed,Cy,12/4/2025,12/6/2025,Flat\r\n"
    )
    table = read_export(data, "x.csv")
    assert list(table.row_numbers) == [2, 5]
    assert table.columns["guest_name"].iloc[0] == "Ann\r\nand Bob\r\nLee"


@pytest.mark.parametrize(("delimiter", "name"), [("\t", "tsv"), (";", "semicolon"), (",", "comma"), ("|", "pipe")])
def test_delimiters(delimiter: str, name: str) -> None:
    # The guest name and the amount carry commas, which must not split the row.
    rows = [
        AIRBNB_HEADER,
        airbnb_row("HMAAAAAAAA", guest="Müller, Anna"),
        ["HMBBBBBBBB", "Confirmed", "Lee, Bo", "1", "12/4/2025", "12/6/2025", "Flat", "$1,234.56"],
    ]
    table = read_export(csv_bytes(rows, delimiter=delimiter), f"x.{name}")
    assert table.layout.name == "airbnb"
    assert list(table.columns["guest_name"]) == ["Müller, Anna", "Lee, Bo"]
    assert list(table.columns["payout"]) == ["$100.00", "$1,234.56"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_encodings_read_to_the_same_cells(encoding: str) -> None:
    rows = [AIRBNB_HEADER, airbnb_row("HMAAAAAAAA", guest="Zoë Müller")]
    table = read_export(csv_bytes(rows, encoding=encoding), "x.csv")
    assert list(table.columns["guest_name"]) == ["Zoë Müller"]
    assert list(table.row_numbers) == [2]


# --- files with no bookings or no layout ----------------------------------------------------------


@pytest.mark.parametrize(
    "tail",
    [[], [[]], [[""] * 8], [["Total", "", "", "0"]]],
    ids=["header-only", "blank-line", "empty-cells", "total-only"],
)
def test_header_without_rows_is_no_rows(tail: list[list[str]]) -> None:
    with pytest.raises(NoRows) as info:
        read_export(csv_bytes([AIRBNB_HEADER, *tail]), "x.csv")
    message = str(info.value)
    assert "Airbnb reservations export" in message
    assert "header at row 1" in message
    assert "no booking rows" in message
    assert info.value.path == "x.csv"


def test_workbook_header_without_rows_names_the_sheet() -> None:
    data = xlsx_bytes({"Summary": [["Nothing here"]], "Bookings": [["Title"], AIRBNB_HEADER]})
    with pytest.raises(NoRows, match=r"header at row 2 \(sheet 'Bookings'\) but no booking rows"):
        read_export(data, "x.xlsx")


def test_unrecognized_layout_lists_the_headers() -> None:
    data = csv_bytes([["Reservation ID", "Guest", "Arrival Day", "Nights"], ["1", "Ann", "2025-12-01", "2"]])
    with pytest.raises(UnrecognizedLayout) as info:
        read_export(data, "mystery.csv")
    err = info.value
    assert err.headers == ["Reservation ID", "Guest", "Arrival Day", "Nights"]
    message = str(err)
    assert "no known export layout" in message
    assert "Reservation ID, Guest, Arrival Day, Nights" in message
    assert "--source" in message


def test_unrecognized_workbook_names_its_first_row() -> None:
    data = xlsx_bytes({"Sheet": [[], ["Foo", None, "Bar"], ["1", None, "2"]]})
    with pytest.raises(UnrecognizedLayout, match=r"first row: Foo, Bar\)"):
        read_export(data, "x.xlsx")


def test_html_table_without_a_layout_is_unrecognized() -> None:
    page = b"<html><table><tr><th>Name</th><th>Email</th></tr><tr><td>a</td><td>b</td></tr></table></html>"
    with pytest.raises(UnrecognizedLayout, match="Name, Email"):
        read_export(page, "x.xls")


def test_forced_layout_that_does_not_match_says_so() -> None:
    with pytest.raises(SourceError) as info:
        read_export(AIRBNB_CSV.read_bytes(), AIRBNB_CSV.name, "booking_com")
    err = info.value
    assert not isinstance(err, UnrecognizedLayout)  # the operator chose; the message is about their choice
    message = str(err)
    assert "does not have the headers of a Booking.com reservations download" in message
    assert "Confirmation code" in message
    assert err.path == AIRBNB_CSV.name


def test_forced_layout_restricts_detection() -> None:
    # The schedule workbook has Airbnb's columns too; forcing airbnb reads it as Airbnb.
    table = read_export(SCHEDULE_XLSX.read_bytes(), SCHEDULE_XLSX.name, "airbnb")
    assert table.layout.name == "airbnb"
    assert "source" not in table.columns


def test_most_specific_layout_wins() -> None:
    # Airbnb's columns plus "Booking source": both layouts match, the one matching more headers wins.
    rows = [[*AIRBNB_HEADER, "Booking source"], [*airbnb_row("HMAAAAAAAA"), "Airbnb"]]
    assert read_export(csv_bytes(rows), "x.csv").layout.name == "cleaning_schedule"
    assert read_export(csv_bytes([AIRBNB_HEADER, airbnb_row("HMAAAAAAAA")]), "x.csv").layout.name == "airbnb"


def test_excel_date_cells_reach_the_raw_table_as_iso_text() -> None:
    _, _, rows = schedule_sheet()
    table = read_export(SCHEDULE_XLSX.read_bytes(), SCHEDULE_XLSX.name)
    first = table.columns["check_in"].iloc[0]
    # Date cells arrive as ISO text (the reader keeps every cell as text, in Arrow memory).
    assert isinstance(first, str)
    start = rows[0][1]["Start date"]
    assert isinstance(start, dt.datetime)  # openpyxl reads a date cell as a datetime
    assert dt.datetime.fromisoformat(first).date() == start.date()
