"""The report workbook, read back with openpyxl (another library than the one that wrote it):
text is text and never a formula, every sheet has its frozen header, filter and formats, and the
native charts plot the figures of the dict."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest
import report_fixture

from reports.excel import write_xlsx
from reports.output_file import OutputError

NS = {
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
}
TOPIC_SHEETS = [
    "Monthly",
    "Channels",
    "Stays",
    "Lead time",
    "Cancellations",
    "On the books",
    "Cleaning",
    "Double bookings",
    "Data quality",
    "Quarantine by reason",
    "Quarantine by file",
    "Unknown labels",
]


@pytest.fixture(scope="module")
def workbook_path(figures: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / "report.xlsx"
    write_xlsx(figures, path)
    return path


@pytest.fixture(scope="module")
def workbook(workbook_path: Path) -> Any:
    return openpyxl.load_workbook(workbook_path)


def test_a_sheet_per_topic_after_the_cover(workbook: Any) -> None:
    assert workbook.sheetnames == ["Cover", *TOPIC_SHEETS, "Chart data"]


def test_the_cover_names_period_database_time_and_definitions(workbook: Any, figures: dict[str, Any]) -> None:
    cells = {row[0]: row[1] for row in workbook["Cover"].iter_rows(values_only=True) if row[0]}
    assert cells["Period"] == "2025-01-01 to 2025-12-31"
    assert cells["Database"] == "postgresql+psycopg://analyst:***@db.example:5432/bookings"
    assert cells["Made at"] == figures["generated_at"]
    assert cells["Property"] == "All properties"
    for term, text in figures["definitions"].items():
        assert cells[term] == text


@pytest.mark.parametrize("text", report_fixture.HOSTILE_TEXT)
def test_hostile_text_is_a_string_cell_with_exactly_its_characters(workbook: Any, text: str) -> None:
    found = [cell for ws in workbook for row in ws.iter_rows() for cell in row if cell.value == text]
    assert found, f"{text!r} is not in the workbook"
    assert {cell.data_type for cell in found} == {"s"}


def test_no_formula_anywhere(workbook: Any, workbook_path: Path) -> None:
    assert [c.coordinate for ws in workbook for row in ws.iter_rows() for c in row if c.data_type == "f"] == []
    with zipfile.ZipFile(workbook_path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 1 + len(TOPIC_SHEETS) + 1
        for name in sheets:
            assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name


def test_listing_names_with_markup_and_equals_are_text_too(workbook: Any) -> None:
    properties = {row[0] for row in workbook["Monthly"].iter_rows(min_row=3, values_only=True)}
    assert {'Villa <b>Sol</b> & "Mar"', "=1+1 Cottage", "All properties"} <= properties


@pytest.mark.parametrize("sheet", TOPIC_SHEETS)
def test_every_table_has_a_frozen_header_and_a_filter(workbook: Any, sheet: str) -> None:
    ws = workbook[sheet]
    assert ws.freeze_panes == "A3"
    assert ws["A1"].font.b
    assert ws.auto_filter.ref == f"A2:{ws.cell(2, ws.max_column).column_letter}{max(ws.max_row, 3)}"
    assert all(ws.cell(2, col).font.b for col in range(1, ws.max_column + 1))
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$2:$2"
    # One page wide (fitToWidth 1 is the default, so not written), as many pages high as it takes.
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)
    assert int(ws.page_setup.fitToHeight) == 0


def test_monthly_rows_are_the_figures_with_their_formats(workbook: Any, figures: dict[str, Any]) -> None:
    ws = workbook["Monthly"]
    rows = list(ws.iter_rows(min_row=3))
    assert len(rows) == len(figures["monthly"])
    for cells, figure in zip(rows, figures["monthly"], strict=True):
        assert cells[0].value == (figure["property"] or "All properties")
        assert [c.value for c in cells[1:]] == [
            figure[k]
            for k in (
                "month",
                "currency",
                "nights_sold",
                "nights_blocked",
                "nights_available",
                "occupancy",
                "revenue",
                "adr",
                "revpar",
            )
        ]
    first = rows[0]
    assert first[6].number_format == "0.0%"
    assert [c.number_format for c in first[7:10]] == ["#,##0.00"] * 3
    assert first[3].number_format == "#,##0"


def test_dates_are_dates_and_turnovers_booleans(workbook: Any, figures: dict[str, Any]) -> None:
    ws = workbook["Cleaning"]
    first = next(ws.iter_rows(min_row=3, max_row=3))
    assert first[0].value == datetime.fromisoformat(figures["cleaning"][0]["date"])
    assert first[0].number_format == "yyyy-mm-dd"
    assert first[3].value is True and first[3].data_type == "b"


def test_columns_are_wide_enough_for_their_text(workbook: Any) -> None:
    ws = workbook["Cleaning"]
    guests = [row[5] for row in ws.iter_rows(min_row=3, values_only=True)]
    assert ws.column_dimensions["F"].width >= max(len(g) for g in guests)
    assert ws.column_dimensions["D"].width >= len("Same-day turnover")


def _charts(path: Path) -> dict[str, ElementTree.Element]:
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        trees = [ElementTree.fromstring(archive.read(n)) for n in names]
    return {"".join(t.find(".//c:title", NS).itertext()): t for t in trees}  # type: ignore[union-attr]


def _cell(workbook: Any, reference: str) -> Any:
    sheet, cell = reference.rsplit("!", 1)
    return workbook[sheet.strip("'")][cell.replace("$", "")].value


def _series(workbook: Any, chart: ElementTree.Element) -> dict[str, dict[str, Any]]:
    """Each series of a chart XML: its name (from the cell it references) -> category -> value,
    read from the ranges it references."""
    result = {}
    for ser in chart.iterfind(".//c:ser", NS):
        name = _cell(workbook, ser.findtext("c:tx/c:strRef/c:f", namespaces=NS) or "")
        categories = ser.findtext("c:cat/c:strRef/c:f", namespaces=NS) or ""
        values = ser.findtext("c:val/c:numRef/c:f", namespaces=NS) or ""
        sheet = workbook[categories.rsplit("!", 1)[0].strip("'")]
        cats = [c.value for row in sheet[categories.rsplit("!", 1)[1].replace("$", "")] for c in row]
        vals = [c.value for row in sheet[values.rsplit("!", 1)[1].replace("$", "")] for c in row]
        result[name] = dict(zip(cats, vals, strict=True))
    return result


def test_native_charts_plot_the_figures(workbook: Any, workbook_path: Path, figures: dict[str, Any]) -> None:
    charts = _charts(workbook_path)
    assert set(charts) == {
        "Occupancy by month",
        "Revenue by month and channel (EUR)",
        "Revenue by month and channel (USD)",
        "Booking lead time",
        "Booking pace: nights on the books vs a year earlier (EUR)",
        "Booking pace: nights on the books vs a year earlier (USD)",
    }
    assert charts["Occupancy by month"].find(".//c:lineChart", NS) is not None
    assert charts["Revenue by month and channel (EUR)"].find(".//c:grouping", NS).get("val") == "stacked"  # type: ignore[union-attr]

    occupancy = _series(workbook, charts["Occupancy by month"])
    houses = [r for r in figures["monthly"] if r["property"] is not None]
    assert set(occupancy) == {r["property"] for r in houses}  # one line per house, not the total
    for r in houses:
        assert occupancy[r["property"]][r["month"]] == r["occupancy"]

    revenue = _series(workbook, charts["Revenue by month and channel (USD)"])
    totals = [r for r in figures["channels"] if r["property"] is None and r["currency"] == "USD"]
    assert {(c, m): v for c, s in revenue.items() for m, v in s.items()} == {
        (r["channel"], r["month"]): r["revenue"] for r in totals
    }

    lead = _series(workbook, charts["Booking lead time"])
    assert lead == {"All channels": {r["bucket"]: r["bookings"] for r in figures["lead_time"] if r["channel"] is None}}

    pace = _series(workbook, charts["Booking pace: nights on the books vs a year earlier (EUR)"])
    eur = [r for r in figures["on_the_books"] if r["currency"] == "EUR"]
    assert pace == {
        "Nights on the books": {r["month"]: r["nights"] for r in eur},
        "A year earlier": {r["month"]: r["nights_last_year"] for r in eur},
    }


def test_each_chart_sits_on_its_topic_sheet(workbook: Any) -> None:
    counts = {ws.title: len(ws._charts) for ws in workbook}
    assert {k: v for k, v in counts.items() if v} == {"Monthly": 1, "Channels": 2, "Lead time": 1, "On the books": 2}


def test_a_report_without_rows_has_its_sheets_and_no_charts(tmp_path: Path) -> None:
    empty = {"period": {"from": "2025-01-01", "to": "2025-01-31"}, "property": "Old Town Flat", "data_quality": {}}
    path = tmp_path / "empty.xlsx"
    write_xlsx(empty, path)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Cover", *TOPIC_SHEETS, "Chart data"]
    assert sum(len(ws._charts) for ws in workbook) == 0
    assert workbook["Monthly"]["A2"].value == "Property"


def test_a_missing_folder_is_one_sentence_and_leaves_nothing(tmp_path: Path, figures: dict[str, Any]) -> None:
    target = tmp_path / "no such folder" / "report.xlsx"
    with pytest.raises(OutputError, match=r"^cannot write the report to .*report\.xlsx: the folder .* does not exist$"):
        write_xlsx(figures, target)
    assert not target.parent.exists()


def test_a_failed_write_keeps_the_previous_report(tmp_path: Path, figures: dict[str, Any]) -> None:
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"yesterday")
    broken = {**figures, "monthly": [{**figures["monthly"][0], "nights_sold": "many"}]}
    with pytest.raises(TypeError):
        write_xlsx(broken, target)
    assert target.read_bytes() == b"yesterday"
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]
