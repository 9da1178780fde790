"""The operator's workbook as real ones are: detection by the headers each layout explains, the
house from `Properties`, placeholder words in the code cell, and the source told by the code's
shape when the workbook states none."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from airbnb_export import AIRBNB_COLUMNS

from schemas.status_map import StatusMap, load_seed
from sources.mapping import Mapped, to_canonical
from sources.normalize import checked
from sources.readers import read_export

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
CHECKS = ["Walk Through before guest check in", "Clean up after guests check out"]
TAIL = ["Check 1", "Check for conflicts"]


def header(source_header: str | None) -> list[str]:
    """Row 1 of a real workbook: column A empty, Airbnb's headers, Properties, two blank-headed
    columns, the checklists, the source column (if any), the checks."""
    source = [source_header] if source_header else []
    return ["", *AIRBNB_COLUMNS, "Properties", "", "", *CHECKS, *source, *TAIL]


def row(code: str, status: str, house: str, source: str | None, listing: str = "") -> list[str]:
    cells = dict.fromkeys(AIRBNB_COLUMNS, "")
    cells.update({"Confirmation code": code, "Status": status, "Guest name": "Ann Lee"})
    cells.update({"Start date": "1/10/2026", "End date": "1/14/2026", "Listing": listing})
    tail = [source] if source is not None else []
    return ["", *cells.values(), house, "", "", "", "", *tail, "4", "OK"]


def read(rows: list[list[str]]) -> Mapped:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return to_canonical(read_export(buf.getvalue().encode(), "schedule.csv"))


@pytest.mark.parametrize("source_header", ["Booking source", "Airbnb/VRBO", "Source", "Channel", "Platform"])
def test_a_sheet_with_properties_and_a_source_column_is_the_cleaning_schedule(source_header: str) -> None:
    rows = [header(source_header), row("HMAAAAAAAA", "Confirmed", "Lakeside", "AIRBNB", "Lakeside cabin")]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    table = read_export(buf.getvalue().encode(), "x.csv")
    assert table.layout.name == "cleaning_schedule"
    assert table.headers["source"] == source_header
    assert table.headers["property_name"] == "Properties"


@pytest.mark.parametrize("version", [1, 2, 3])
def test_every_workbook_version_is_detected_as_the_cleaning_schedule(version: int) -> None:
    path = SAMPLES / f"cleaning_schedule_v{version}.xlsx"
    table = read_export(path.read_bytes(), path.name)
    assert table.layout.name == "cleaning_schedule"
    assert table.headers["source"] == ("Booking source" if version == 1 else "Airbnb/VRBO")


def test_a_plain_airbnb_export_stays_airbnb() -> None:
    buf = io.StringIO()
    cells = dict.fromkeys(AIRBNB_COLUMNS, "")
    cells.update({"Confirmation code": "HMAAAAAAAA", "Status": "Confirmed", "Listing": "Loft"})
    cells.update({"Start date": "1/10/2026", "End date": "1/14/2026"})
    csv.writer(buf, lineterminator="\r\n").writerows([AIRBNB_COLUMNS, list(cells.values())])
    assert read_export(buf.getvalue().encode(), "x.csv").layout.name == "airbnb"


def test_the_house_is_properties_not_the_airbnb_listing() -> None:
    mapped = read([header("Airbnb/VRBO"), row("HMAAAAAAAA", "Confirmed", "Lakeside", "AIRBNB", "Lakeside cabin")])
    assert mapped.problems == []
    assert list(mapped.frame["property_name"]) == ["Lakeside"]


def test_source_labels_of_real_workbooks() -> None:
    labels = {
        "Airbnb": "airbnb",
        "AIRBNB": "airbnb",
        "VRBO": "vrbo",
        "Vrbo": "vrbo",
        "HomeAway": "vrbo",
        "Booking.com": "booking_com",
        "Direct": "direct",
        "Directly": "direct",
        "Owner": "owner",
        "Owner stay": "owner",
        "Owner staying": "owner",
    }
    rows = [row(f"X-{i}", "Booked", "Lakeside", label) for i, label in enumerate(labels)]
    mapped = read([header("Booking source"), *rows])
    assert mapped.problems == []
    assert list(mapped.frame["source"]) == list(labels.values())


def test_placeholder_words_are_not_codes_and_key_the_stay_deterministically() -> None:
    rows = [
        row("Owner staying", "Owner staying", "Pine Lodge", "Owner staying"),
        row("Directly", "Booked", "Maple Studio", "Directly"),
    ]
    first = read([header("Booking source"), *rows])
    assert first.problems == []
    codes = list(first.frame["external_code"])
    assert [c[:4] for c in codes] == ["OWN-", "DIR-"]
    # The next version: the column renamed, the rows moved down: the same keys.
    again = read([header("Airbnb/VRBO"), row("HMAAAAAAAA", "Confirmed", "Lakeside", "AIRBNB"), *rows])
    assert list(again.frame["external_code"])[1:] == codes
    # Another house or other dates: another key.
    other = read([header("Booking source"), row("Owner staying", "Owner staying", "Lakeside", "Owner staying")])
    assert list(other.frame["external_code"]) != codes[:1]


def test_without_a_source_column_the_code_tells_the_source() -> None:
    rows = [
        row("HMAAAAAAAA", "Confirmed", "Lakeside", None),
        row("HA-DDT8R4", "Booked", "Lakeside", None),
        row("6547074679", "ok", "Lakeside", None),
        row("Owner staying", "Owner staying", "Pine Lodge", None),
        row("Directly", "Booked", "Maple Studio", None),
    ]
    mapped = read([header(None), *rows])
    assert mapped.problems == []
    assert list(mapped.frame["source"]) == ["airbnb", "vrbo", "booking_com", "owner", "direct"]


def test_a_code_of_no_known_shape_and_no_source_is_quarantined_saying_so() -> None:
    mapped = read(
        [header(None), row("HMAAAAAAAA", "Confirmed", "Lakeside", None), row("ZZ-42", "Booked", "Lakeside", None)]
    )
    assert list(mapped.frame["external_code"]) == ["HMAAAAAAAA"]
    [problem] = mapped.problems
    assert (problem.index, problem.column, problem.value) == (1, "external_code", "ZZ-42")
    assert "no booking source column" in problem.message
    assert "'ZZ-42' fits no known shape" in problem.message
    assert "HA- + 6: vrbo" in problem.message


def test_a_row_whose_source_no_code_tells_is_reported_once_after_the_schema() -> None:
    rows = [header(None), row("HMAAAAAAAA", "Confirmed", "Lakeside", None), row("ZZ-42", "Booked", "Lakeside", None)]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    valid, rejected = checked(read_export(buf.getvalue().encode(), "schedule.csv"), None, StatusMap(load_seed()))
    assert list(valid["external_code"]) == ["HMAAAAAAAA"]
    [problem] = rejected  # not also "source: is empty" from the schema
    assert (problem.row_number, problem.column, problem.value) == (3, "Confirmation code", "ZZ-42")
    assert "fits no known shape" in problem.error


def test_an_empty_source_cell_is_told_by_the_code_or_quarantined() -> None:
    mapped = read(
        [header("Booking source"), row("HA-DDT8R4", "Booked", "Lakeside", ""), row("ZZ-42", "Booked", "Lakeside", "")]
    )
    assert list(mapped.frame["source"]) == ["vrbo"]
    [problem] = mapped.problems
    assert (problem.index, problem.column) == (1, "source")
    assert "the booking source is empty" in problem.message and "fits no known shape" in problem.message
