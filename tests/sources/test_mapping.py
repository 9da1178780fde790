"""sources.mapping.to_canonical: every layout's raw table to the canonical frame, with one problem per bad cell."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import html
import io
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import python_calamine
from airbnb_export import AIRBNB_SHORT_COLUMNS
from example_layouts import DECLARED, seed_and_declared

from schemas.booking import COLUMNS, validate
from schemas.status_map import StatusMap, load_seed
from sources.errors import MissingOption
from sources.layouts.booking_com import BOOKING_COM
from sources.mapping import Mapped, to_canonical
from sources.readers import read_export

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
AIRBNB_CSV = SAMPLES / "airbnb_reservations_2025-12-01.csv"
BCOM_BIFF = SAMPLES / "booking_com_reservations_2025-12.xls"
BCOM_HTML = SAMPLES / "booking_com_reservations_2026-01.xls"
SCHEDULE_XLSX = SAMPLES / "cleaning_schedule.xlsx"
# The booking exports: the earnings samples hold money lines (tests/sources/test_payouts.py).
EXPORTS = sorted(
    p for p in SAMPLES.iterdir() if p.suffix in {".csv", ".xls", ".xlsx"} and not p.name.startswith("airbnb_earnings")
)
BCOM_EXPORTS = [BCOM_BIFF, BCOM_HTML]
PROPERTY = "Old Town Flat"  # what bookingest.toml supplies for the Booking.com files
# The samples whose layout names no property, with what bookingest.toml supplies for them.
NAMELESS = {BCOM_BIFF: PROPERTY, BCOM_HTML: PROPERTY, SAMPLES / "booking_hr_reservations_2025-12.xls": "Kuća Lavanda"}

# A cell as calamine or openpyxl returns it (str, float, int, date, datetime, None): the oracles
# below use each one as what the sample wrote there (a date is subtracted, a float converted).
RawCell = Any

AIRBNB_HEADER = AIRBNB_SHORT_COLUMNS
SCHEDULE_HEADER = [*AIRBNB_HEADER, "Booking source"]
BCOM_HEADER = [
    "Book number",
    "Booked by",
    "Guest name(s)",
    "Check-in",
    "Check-out",
    "Status",
    "Adults",
    "Price",
    "Commission amount",
]


def airbnb_row(
    code: str = "HMAAAAAAAA",
    *,
    guest: str = "Ann Lee",
    adults: str = "2",
    start: str = "12/1/2025",
    end: str = "12/3/2025",
    earnings: str = "$100.00",
) -> list[str]:
    return [code, "Confirmed", guest, adults, start, end, "Old Town Flat", earnings]


def csv_bytes(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def canonical(rows: list[list[str]], property_name: str | None = None) -> Mapped:
    return to_canonical(read_export(csv_bytes(rows), "inline.csv"), property_name)


@cache
def read_sample(path: Path, property_name: str | None = None) -> Mapped:
    """Cached: tests copy the frame before changing it."""
    return to_canonical(read_export(path.read_bytes(), str(path), declared=DECLARED), property_name)


def problems_by_row(mapped: Mapped) -> dict[int, list[tuple[str | None, object, str]]]:
    out: dict[int, list[tuple[str | None, object, str]]] = {}
    for p in mapped.problems:
        out.setdefault(p.index, []).append((p.column, p.value, p.message))
    return out


# --- independent readings of the samples ----------------------------------------------------------


def airbnb_records() -> list[tuple[int, dict[str, str]]]:
    with AIRBNB_CSV.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames  # reads the header line
        out = []
        line = reader.line_num + 1
        for rec in reader:
            out.append((line, rec))
            line = reader.line_num + 1
    return out


def bcom_records(path: Path) -> list[dict[str, RawCell]]:
    """The data rows of a Booking.com sample as {header: cell}: regex over the HTML, raw calamine for BIFF."""
    if path.read_bytes().lstrip().startswith(b"<"):
        text = path.read_text(encoding="utf-8")
        rows: Sequence[Sequence[RawCell]] = [
            [html.unescape(c) for c in re.findall(r"<t[hd]>(.*?)</t[hd]>", r, re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", text, re.S)
        ]
    else:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        rows = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, r, strict=True)) for r in rows[1:] if any(str(c).strip() for c in r)]


@cache
def schedule_records() -> list[tuple[int, dict[str, RawCell], dict[str, openpyxl.cell.Cell]]]:
    ws = openpyxl.load_workbook(SCHEDULE_XLSX)["Schedule"]
    rows = list(ws.iter_rows())
    header_i = next(i for i, r in enumerate(rows) if r[0].value == "Confirmation code")
    header = [c.value for c in rows[header_i]]
    out = []
    for r in rows[header_i + 1 :]:
        if r[0].value == "Total":
            break
        if any(c.value is not None for c in r):
            out.append(
                (r[0].row, {h: c.value for h, c in zip(header, r, strict=True)}, dict(zip(header, r, strict=True)))
            )
    return out


def mdy(text: str) -> pd.Timestamp:
    return pd.Timestamp(dt.datetime.strptime(text, "%m/%d/%Y"))


# --- every sample ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXPORTS, ids=lambda p: p.name)
def test_every_sample_maps_validates_and_normalizes_without_problems(path: Path) -> None:
    # data/make_samples.py: "Every row is valid data".
    mapped = read_sample(path, NAMELESS.get(path))
    assert mapped.problems == []
    frame = mapped.frame.copy()
    assert list(frame.columns) == COLUMNS
    frame["status"] = StatusMap(seed_and_declared()).map_series(frame["source"], frame["raw_status"])
    assert frame["status"].notna().all(), frame.loc[frame["status"].isna(), "raw_status"].tolist()
    valid, problems = validate(frame)
    assert problems == []
    assert len(valid) == len(frame)
    assert (valid["nights"] == (valid["check_out"] - valid["check_in"]).dt.days).all()


# --- Airbnb ---------------------------------------------------------------------------------------


def test_airbnb_sample_values_match_the_csv() -> None:
    records = airbnb_records()
    frame = read_sample(AIRBNB_CSV).frame
    assert len(frame) == len(records)
    for (line, rec), (_, row) in zip(records, frame.iterrows(), strict=True):
        assert row["row_number"] == line
        assert row["source"] == "airbnb"
        assert row["external_code"] == rec["Confirmation code"]
        assert row["raw_status"] == rec["Status"].strip()
        assert row["guest_name"] == rec["Guest name"]
        assert row["property_name"] == rec["Listing"]
        assert row["check_in"] == mdy(rec["Start date"])
        assert row["check_out"] == mdy(rec["End date"])
        assert row["booked_at"] == mdy(rec["Booked"])
        assert row["nights"] == int(rec["# of nights"])
        assert (row["adults"], row["children"], row["infants"]) == (
            int(rec["# of adults"]),
            int(rec["# of children"]),
            int(rec["# of infants"]),
        )
        assert row["payout"] == pytest.approx(float(rec["Earnings"].replace("$", "").replace(",", "")))
        assert row["currency"] == "USD"


def test_airbnb_sample_has_thousands_in_earnings() -> None:
    # Guard: the sample really exercises "$1,234.56"-style amounts.
    big = [rec for _, rec in airbnb_records() if "," in rec["Earnings"]]
    assert big
    frame = read_sample(AIRBNB_CSV).frame.set_index("external_code")
    for rec in big:
        payout = frame.at[rec["Confirmation code"], "payout"]
        assert isinstance(payout, float)
        assert payout >= 1000


def test_airbnb_money_dollars_with_thousands() -> None:
    frame = canonical([AIRBNB_HEADER, airbnb_row(earnings="$1,234.56")]).frame
    assert frame["payout"].iloc[0] == pytest.approx(1234.56)
    assert frame["currency"].iloc[0] == "USD"
    assert pd.isna(frame["gross"].iloc[0])


def test_airbnb_dates_are_month_first_and_iso_is_accepted() -> None:
    frame = canonical(
        [
            AIRBNB_HEADER,
            airbnb_row("HMAAAAAAAA", start="1/12/2026", end="2/3/2026"),
            airbnb_row("HMBBBBBBBB", start="2026-01-12", end="2026-02-03"),
        ]
    ).frame
    for _, row in frame.iterrows():
        assert row["check_in"] == pd.Timestamp(2026, 1, 12)
        assert row["check_out"] == pd.Timestamp(2026, 2, 3)
        assert row["nights"] == 22


def test_hyperlink_guest_name_stays_literal_text() -> None:
    formula = '=HYPERLINK("http://example.com","Click")'
    assert canonical([AIRBNB_HEADER, airbnb_row(guest=formula)]).frame["guest_name"].iloc[0] == formula
    # and in the sample, where the CSV has it too
    rec = next(rec for _, rec in airbnb_records() if rec["Guest name"].startswith("="))
    frame = read_sample(AIRBNB_CSV).frame.set_index("external_code")
    assert frame.at[rec["Confirmation code"], "guest_name"] == rec["Guest name"]


# --- Booking.com ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", BCOM_EXPORTS, ids=lambda p: p.name)
def test_booking_com_without_property_is_missing_option(path: Path) -> None:
    table = read_export(path.read_bytes(), str(path))
    with pytest.raises(MissingOption) as info:
        to_canonical(table)
    assert "--property" in str(info.value)
    assert "Booking.com" in str(info.value)
    assert info.value.path == str(path)


@pytest.mark.parametrize("path", BCOM_EXPORTS, ids=lambda p: p.name)
def test_booking_com_with_property_every_row_has_it(path: Path) -> None:
    frame = read_sample(path, "Lake House").frame
    assert len(frame) == len(bcom_records(path))
    assert (frame["property_name"] == "Lake House").all()
    assert (frame["source"] == "booking_com").all()


@pytest.mark.parametrize("path", BCOM_EXPORTS, ids=lambda p: p.name)
def test_booking_com_sample_values(path: Path) -> None:
    records = bcom_records(path)
    frame = read_sample(path, PROPERTY).frame
    assert len(frame) == len(records)
    for rec, (_, row) in zip(records, frame.iterrows(), strict=True):
        code = rec["Book number"]
        assert row["external_code"] == (str(int(code)) if isinstance(code, float) else code)
        assert re.fullmatch(r"\d{10}", row["external_code"])
        assert row["check_in"] == pd.Timestamp(str(rec["Check-in"]))
        assert row["check_out"] == pd.Timestamp(str(rec["Check-out"]))
        assert row["booked_at"] == pd.Timestamp(str(rec["Booked on"]))
        assert row["nights"] == int(float(rec["Duration (nights)"]))
        assert row["raw_status"] == rec["Status"]
        assert row["adults"] == int(float(rec["Adults"]))
        price, price_cur = str(rec["Price"]).split()
        commission, commission_cur = str(rec["Commission amount"]).split()
        assert price_cur == commission_cur == row["currency"] == "EUR"
        assert row["gross"] == pytest.approx(float(price))
        assert row["payout"] == pytest.approx(float(price) - float(commission))


@pytest.mark.parametrize("path", BCOM_EXPORTS, ids=lambda p: p.name)
def test_booking_com_guest_name_is_the_guest_not_the_booker(path: Path) -> None:
    # The export has "Booked by" (the booker, "Last, First") before "Guest name(s)" (who stays);
    # the layout lists "Guest name(s)" first and "Booked by" only as a fallback.
    records = bcom_records(path)
    frame = read_sample(path, PROPERTY).frame
    assert any(r["Booked by"] != r["Guest name(s)"] for r in records)
    assert list(frame["guest_name"]) == [r["Guest name(s)"] for r in records]


def test_booking_com_guest_name_inline() -> None:
    row = ["6547074679", "Brown, Emily", "Michael Brown", "2026-03-26", "2026-03-30", "ok", "2", "100 EUR", "15 EUR"]
    frame = canonical([BCOM_HEADER, row], PROPERTY).frame
    assert frame["guest_name"].iloc[0] == "Michael Brown"


def test_booking_com_booker_is_used_when_there_is_no_guest_column() -> None:
    header = [h for h in BCOM_HEADER if h != "Guest name(s)"]
    row = ["6547074679", "Brown, Emily", "2026-03-26", "2026-03-30", "ok", "2", "100 EUR", "15 EUR"]
    assert canonical([header, row], PROPERTY).frame["guest_name"].iloc[0] == "Brown, Emily"


def test_booking_com_money_and_payout() -> None:
    row = [
        "6547074679",
        "Kowalski, Anna",
        "Anna Kowalski",
        "2025-12-14",
        "2025-12-17",
        "ok",
        "2",
        "126.6314 EUR",
        "18.9947 EUR",
    ]
    frame = canonical([BCOM_HEADER, row], PROPERTY).frame
    assert frame["gross"].iloc[0] == pytest.approx(126.6314)
    assert frame["payout"].iloc[0] == pytest.approx(126.6314 - 18.9947)
    assert frame["currency"].iloc[0] == "EUR"
    assert frame["check_in"].iloc[0] == pd.Timestamp(2025, 12, 14)  # ISO dates
    assert frame["nights"].iloc[0] == 3


def test_the_payout_is_derived_as_the_layout_declares() -> None:
    # Booking.com's layout declares "payout = price less commission"; the same table under a
    # layout that declares no derivation keeps the payout empty: mapping knows no platform.
    row = ["6547074679", "Kowalski, Anna", "Anna Kowalski", "2025-12-14", "2025-12-17", "ok", "2", "100 EUR", "15 EUR"]
    table = read_export(csv_bytes([BCOM_HEADER, row]), "inline.csv")
    assert table.layout is BOOKING_COM and BOOKING_COM.payout_less == "commission"
    undeclared = dataclasses.replace(table, layout=dataclasses.replace(BOOKING_COM, payout_less=None))

    assert to_canonical(table, PROPERTY).frame["payout"].iloc[0] == pytest.approx(85.0)
    assert pd.isna(to_canonical(undeclared, PROPERTY).frame["payout"].iloc[0])
    assert to_canonical(undeclared, PROPERTY).frame["gross"].iloc[0] == pytest.approx(100.0)


def test_an_empty_commission_counts_as_none() -> None:
    row = ["6547074679", "Kowalski, Anna", "Anna Kowalski", "2025-12-14", "2025-12-17", "ok", "2", "100 EUR", ""]
    mapped = canonical([BCOM_HEADER, row], PROPERTY)
    assert mapped.problems == []
    assert mapped.frame["payout"].iloc[0] == pytest.approx(100.0)


@pytest.mark.parametrize("field", ["gross", "payout", "guest_name", "tax"])
def test_a_layout_derives_the_payout_only_less_a_deduction(field: str) -> None:
    with pytest.raises(ValueError, match="derives the payout"):
        dataclasses.replace(BOOKING_COM, payout_less=field)


def test_booking_com_book_number_float_from_the_biff_sample() -> None:
    table = read_export(BCOM_BIFF.read_bytes(), BCOM_BIFF.name)
    raw_codes = table.columns["external_code"]
    # The workbook stores NUMBER cells: the reader hands the column on as numbers (typed, as the
    # whole column agrees), and the mapping turns them into the text Excel shows.
    assert pd.api.types.is_float_dtype(raw_codes.dtype)
    assert 6547074679.0 in set(raw_codes)
    frame = to_canonical(table, PROPERTY).frame
    assert "6547074679" in set(frame["external_code"])
    assert not frame["external_code"].str.contains(".", regex=False).any()
    # The double booking of make_samples.py: 2025-12-14 -> 2025-12-17.
    row = frame.set_index("external_code").loc["6547074679"]
    assert (row["check_in"], row["check_out"]) == (pd.Timestamp(2025, 12, 14), pd.Timestamp(2025, 12, 17))


def test_booking_com_book_number_written_as_float_text() -> None:
    row = [
        "6547074679.0",
        "Kowalski, Anna",
        "Anna Kowalski",
        "2025-12-14",
        "2025-12-17",
        "ok",
        "2",
        "100 EUR",
        "15 EUR",
    ]
    mapped = canonical([BCOM_HEADER, row], PROPERTY)
    assert mapped.problems == []
    assert mapped.frame["external_code"].iloc[0] == "6547074679"


def test_booking_com_excel_date_cells_in_a_biff_workbook() -> None:
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook()
    ws = wb.add_sheet("Sheet1")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for c, h in enumerate(BCOM_HEADER):
        ws.write(0, c, h)
    values = [
        6547074679.0,
        "Kowalski, Anna",
        "Anna Kowalski",
        dt.date(2025, 12, 14),
        dt.date(2025, 12, 17),
        "ok",
        2.0,
        "126.6314 EUR",
        "18.9947 EUR",
    ]
    for c, v in enumerate(values):
        ws.write(1, c, v, date_style) if isinstance(v, dt.date) else ws.write(1, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    mapped = to_canonical(read_export(buf.getvalue(), "bcom.xls"), PROPERTY)
    assert mapped.problems == []
    row = mapped.frame.iloc[0]
    assert row["external_code"] == "6547074679"
    assert (row["check_in"], row["check_out"], row["nights"]) == (
        pd.Timestamp(2025, 12, 14),
        pd.Timestamp(2025, 12, 17),
        3,
    )
    assert row["adults"] == 2


# --- the house workbook (cleaning schedule) -------------------------------------------------------

SOURCE_OF_LABEL = {"Airbnb": "airbnb", "VRBO": "vrbo", "Direct": "direct", "Owner Staying": "owner"}


def test_schedule_rows_take_their_source_from_booking_source() -> None:
    records = schedule_records()
    assert {values["Booking source"] for _, values, _ in records} == set(SOURCE_OF_LABEL)
    frame = read_sample(SCHEDULE_XLSX).frame.set_index("row_number")
    assert len(frame) == len(records)
    for row, values, _ in records:
        assert frame.at[row, "source"] == SOURCE_OF_LABEL[values["Booking source"]], row


def test_schedule_values_match_openpyxl() -> None:
    frame = read_sample(SCHEDULE_XLSX).frame.set_index("row_number")
    for row, values, _ in schedule_records():
        got = frame.loc[row]
        if values["Confirmation code"]:
            assert got["external_code"] == values["Confirmation code"]
        assert got["guest_name"] == values["Guest name"]  # includes the =HYPERLINK(...) text, verbatim
        assert got["check_in"] == pd.Timestamp(values["Start date"])  # Excel date cells
        assert got["check_out"] == pd.Timestamp(values["End date"])
        assert got["booked_at"] == pd.Timestamp(values["Booked"])
        assert got["property_name"] == values["Listing"]
        assert got["payout"] == pytest.approx(float(values["Earnings"]))
        assert got["currency"] == "USD"


def test_schedule_hyperlink_guest_is_present() -> None:
    guests = {values["Guest name"] for _, values, _ in schedule_records()}
    formula = '=HYPERLINK("http://example.com","Click")'
    assert formula in guests
    assert formula in set(read_sample(SCHEDULE_XLSX).frame["guest_name"])


def test_schedule_nights_formatted_as_a_date_breaks_nothing() -> None:
    records = schedule_records()
    as_date = [(row, values, cells) for row, values, cells in records if cells["# of nights"].is_date]
    assert as_date, "the sample should have # of nights cells formatted as dates"
    mapped = read_sample(SCHEDULE_XLSX)
    assert mapped.problems == []
    frame = mapped.frame.set_index("row_number")
    for row, values, _ in as_date:
        nights = (values["End date"] - values["Start date"]).days
        # Excel serial n shown as a date in January 1900 is day n (n < 60).
        assert values["# of nights"].day == nights
        assert frame.at[row, "nights"] == nights
    for row, values, cells in records:
        if not cells["# of nights"].is_date:
            assert frame.at[row, "nights"] == values["# of nights"]


def test_schedule_keyless_direct_and_owner_rows_get_stable_keys() -> None:
    records = schedule_records()
    keyless = {
        row: SOURCE_OF_LABEL[values["Booking source"]] for row, values, _ in records if not values["Confirmation code"]
    }
    assert set(keyless.values()) == {"direct", "owner"}
    data = SCHEDULE_XLSX.read_bytes()
    first = to_canonical(read_export(data, "cleaning_schedule.xlsx")).frame.set_index("row_number")
    again = to_canonical(read_export(data, "copy of cleaning_schedule.xlsx")).frame.set_index("row_number")
    codes = [first.at[row, "external_code"] for row in keyless]
    assert len(set(codes)) == len(codes)
    for row, source in keyless.items():
        code = first.at[row, "external_code"]
        assert isinstance(code, str)
        assert code.startswith({"direct": "DIR-", "owner": "OWN-"}[source])
        assert again.at[row, "external_code"] == code


def keyless_code(rows: list[list[str]]) -> list[str]:
    mapped = canonical([SCHEDULE_HEADER, *rows])
    assert mapped.problems == []
    return list(mapped.frame["external_code"])


def schedule_row(
    code: str = "",
    source: str = "Direct",
    start: str = "12/18/2025",
    end: str = "12/21/2025",
    listing: str = "Old Town Flat",
    guest: str = "Helena Costa",
) -> list[str]:
    return [code, "Confirmed", guest, "2", start, end, listing, "$330.00", source]


def test_keyless_key_is_deterministic_and_depends_on_the_stay() -> None:
    base = keyless_code([schedule_row()])[0]
    # Same stay again, in another position and with another guest spelling: same key.
    assert (
        keyless_code(
            [
                schedule_row("HMAAAAAAAA", source="Airbnb", start="1/5/2026", end="1/7/2026"),
                schedule_row(guest="H. Costa"),
            ]
        )[1]
        == base
    )
    assert keyless_code([schedule_row()])[0] == base
    assert keyless_code([schedule_row(start="12/19/2025")])[0] != base
    assert keyless_code([schedule_row(end="12/22/2025")])[0] != base
    assert keyless_code([schedule_row(listing="Garden Cottage")])[0] != base
    owner = keyless_code([schedule_row(source="Owner Staying")])[0]
    assert owner.startswith("OWN-")
    assert owner != base


def test_keyless_airbnb_row_is_a_problem() -> None:
    mapped = canonical([SCHEDULE_HEADER, schedule_row(source="Airbnb"), schedule_row("HMBBBBBBBB", source="Airbnb")])
    assert [(p.index, p.column) for p in mapped.problems] == [(0, "external_code")]
    assert "empty" in mapped.problems[0].message
    assert "Confirmation code" in mapped.problems[0].message
    assert list(mapped.frame["external_code"]) == ["HMBBBBBBBB"]


def test_keyless_row_in_an_airbnb_export_is_a_problem() -> None:
    mapped = canonical([AIRBNB_HEADER, airbnb_row(""), airbnb_row("HMBBBBBBBB")])
    assert [(p.index, p.column, p.message) for p in mapped.problems] == [
        (0, "external_code", "the Confirmation code is empty")
    ]
    assert list(mapped.frame["external_code"]) == ["HMBBBBBBBB"]


@pytest.mark.parametrize(
    ("label", "source"),
    [
        ("airbnb", "airbnb"),
        (" VRBO ", "vrbo"),
        ("HomeAway", "vrbo"),
        ("DIRECT", "direct"),
        ("owner  staying", "owner"),
        ("Booking.com", "booking_com"),
    ],
)
def test_booking_source_labels_ignore_case_and_spaces(label: str, source: str) -> None:
    mapped = canonical([SCHEDULE_HEADER, schedule_row("X-1", source=label)])
    assert mapped.problems == []
    assert mapped.frame["source"].iloc[0] == source


def test_unknown_booking_source_is_a_problem_naming_the_value() -> None:
    mapped = canonical([SCHEDULE_HEADER, schedule_row("X-1", source="Expedia"), schedule_row("X-2", source="VRBO")])
    assert len(mapped.problems) == 1
    p = mapped.problems[0]
    assert (p.index, p.column, p.value) == (0, "source", "Expedia")
    assert "'Expedia' is not a booking source" in p.message
    assert "vrbo" in p.message  # the message lists what is known
    assert list(mapped.frame["external_code"]) == ["X-2"]


def test_empty_booking_source_says_it_is_empty() -> None:
    mapped = canonical([SCHEDULE_HEADER, schedule_row("X-1", source=""), schedule_row("X-2", source="VRBO")])
    sources = [p for p in mapped.problems if p.column == "source"]
    assert [p.index for p in sources] == [0]
    message = sources[0].message
    assert "empty" in message
    assert "nan" not in message.lower()  # a person never typed 'nan'
    assert list(mapped.frame["external_code"]) == ["X-2"]


# --- bad rows: one problem naming the field and the raw value, good rows survive ------------------

BAD_CELLS = [
    pytest.param(
        {"start": "2/30/2025"}, "check_in", "2/30/2025", ["not a real date", "M/D/YYYY"], id="impossible-date"
    ),
    pytest.param({"end": "31/12/2025"}, "check_out", "31/12/2025", ["not a real date"], id="day-first-date"),
    pytest.param({"adults": "two"}, "adults", "two", ["'two'", "whole number"], id="guest-count-word"),
    pytest.param({"adults": "2.5"}, "adults", "2.5", ["whole number"], id="guest-count-fraction"),
    pytest.param({"code": ""}, "external_code", None, ["Confirmation code is empty"], id="missing-identifier"),
    pytest.param(
        {"code": "HM123"},
        "external_code",
        "HM123",
        ["'HM123'", "not a valid Confirmation code", "HM followed by 8"],
        id="malformed-code-short",
    ),
    pytest.param(
        {"code": "hmaaaaaaaa"},
        "external_code",
        "hmaaaaaaaa",
        ["not a valid Confirmation code"],
        id="malformed-code-lowercase",
    ),
    pytest.param({"earnings": "free"}, "payout", "free", ["'free'", "not an amount of money"], id="money-word"),
    pytest.param({"start": ""}, "check_in", None, ["date is empty"], id="empty-date"),
]


@pytest.mark.parametrize(("change", "field", "value", "words"), BAD_CELLS)
def test_bad_cell_becomes_a_row_problem(
    change: dict[str, str], field: str, value: str | None, words: list[str]
) -> None:
    bad = airbnb_row("HMBBBBBBBB", **change) if "code" not in change else airbnb_row(change["code"])
    mapped = canonical([AIRBNB_HEADER, airbnb_row("HMAAAAAAAA"), bad, airbnb_row("HMCCCCCCCC")])
    assert len(mapped.problems) == 1, mapped.problems
    p = mapped.problems[0]
    assert p.index == 1
    assert p.column == field
    if value is None:
        assert p.value is None or pd.isna(p.value)  # type: ignore[call-overload]  # the stubs take scalars, not object
    else:
        assert p.value == value
    for word in words:
        assert word in p.message, (word, p.message)
    assert list(mapped.frame["external_code"]) == ["HMAAAAAAAA", "HMCCCCCCCC"]
    assert list(mapped.frame["row_number"]) == [2, 4]
    if value is not None:
        assert mapped.raw[field].iloc[1] == value  # the text a person typed, for the quarantine


def test_empty_status_is_a_problem() -> None:
    row = airbnb_row("HMBBBBBBBB")
    row[1] = "  "
    mapped = canonical([AIRBNB_HEADER, airbnb_row("HMAAAAAAAA"), row])
    assert [(p.index, p.column, p.message) for p in mapped.problems] == [(1, "raw_status", "the status is empty")]
    assert list(mapped.frame["external_code"]) == ["HMAAAAAAAA"]


def test_several_bad_cells_in_one_row_each_get_a_problem() -> None:
    mapped = canonical([AIRBNB_HEADER, airbnb_row("HMAAAAAAAA", adults="two", start="2/30/2025", earnings="lots")])
    assert sorted((p.column for p in mapped.problems), key=str) == ["adults", "check_in", "payout"]
    assert {p.index for p in mapped.problems} == {0}
    assert mapped.frame.empty


def test_end_before_start_passes_mapping_and_is_caught_by_the_schema() -> None:
    mapped = canonical(
        [AIRBNB_HEADER, airbnb_row("HMAAAAAAAA"), airbnb_row("HMBBBBBBBB", start="12/5/2025", end="12/3/2025")]
    )
    assert mapped.problems == []
    frame = mapped.frame.copy()
    frame["status"] = StatusMap(load_seed()).map_series(frame["source"], frame["raw_status"])
    valid, problems = validate(frame)
    assert [(p.index, p.column) for p in problems] == [(1, "check_out")]
    assert problems[0].value == pd.Timestamp(2025, 12, 3)
    assert "ends on or before" in problems[0].message
    assert list(valid["external_code"]) == ["HMAAAAAAAA"]


def test_mapping_keeps_every_row_of_a_repeated_code_for_the_file_level_check() -> None:
    # Which of two rows with one code wins is decided once every check has run (pipelines.ingest),
    # so that a later row the status map or the schema refuses cannot displace a good one.
    rows = [AIRBNB_HEADER, airbnb_row("HMAAAAAAAA", guest="First"), airbnb_row("HMAAAAAAAA", guest="Second")]
    mapped = canonical(rows)
    assert mapped.problems == []
    assert list(mapped.frame["guest_name"]) == ["First", "Second"]


def test_mapped_frame_keeps_raw_positions_and_raw_text() -> None:
    mapped = canonical(
        [AIRBNB_HEADER, airbnb_row("HMAAAAAAAA"), airbnb_row("bad"), airbnb_row("HMCCCCCCCC", earnings="$1,234.56")]
    )
    assert list(mapped.frame.index) == [0, 2]
    assert mapped.raw["payout"].iloc[2] == "$1,234.56"
    assert mapped.headers["payout"] == "Earnings"
    assert mapped.headers["external_code"] == "Confirmation code"


def test_negative_guest_count_passes_mapping_and_the_schema_message_reads_like_the_cell() -> None:
    mapped = canonical([AIRBNB_HEADER, airbnb_row("HMAAAAAAAA", adults="-1"), airbnb_row("HMBBBBBBBB")])
    assert mapped.problems == []  # ranges belong to the schema
    frame = mapped.frame.copy()
    frame["status"] = StatusMap(load_seed()).map_series(frame["source"], frame["raw_status"])
    valid, problems = validate(frame)
    assert [(p.index, p.column, p.value) for p in problems] == [(0, "adults", -1)]
    assert problems[0].message == "-1 is below the smallest allowed value 0"  # what a person typed, not a numpy repr
    assert list(valid["external_code"]) == ["HMBBBBBBBB"]
