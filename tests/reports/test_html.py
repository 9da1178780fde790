"""The report page, parsed back with lxml: one file with nothing to fetch, every text shown as
its characters, the same sections and charts as the workbook, phone and print styles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import report_fixture
from lxml import html

from reports.charts import charts
from reports.html import write_html
from reports.output_file import OutputError
from reports.sections import SECTIONS


@pytest.fixture(scope="module")
def page(figures: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    write_html(figures, path)
    return path


@pytest.fixture(scope="module")
def document(page: Path) -> Any:
    return html.fromstring(page.read_text("utf-8"))


@pytest.mark.parametrize("text", report_fixture.HOSTILE_TEXT)
def test_hostile_text_is_shown_as_its_characters(document: Any, text: str) -> None:
    cells = [td for td in document.iter("td") if td.text_content() == text]
    assert cells, f"{text!r} is not a cell of the page"


def test_no_markup_of_the_figures_becomes_markup(document: Any, page: Path) -> None:
    assert document.xpath("//script | //b | //iframe | //object | //embed") == []
    source = page.read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in source
    assert "Villa &lt;b&gt;Sol&lt;/b&gt; &amp; &#34;Mar&#34;" in source
    listing = 'Villa <b>Sol</b> & "Mar"'
    assert listing in [li.text_content() for li in document.xpath("//ul[@class='legend']/li")]
    assert any(listing in t.text_content() for t in document.xpath("//*[local-name()='title']"))


def test_nothing_to_fetch(document: Any, page: Path) -> None:
    assert document.xpath("//link | //img | //iframe | //source | //video | //audio") == []
    references = document.xpath(
        "//@src | //@href | //@xlink:href", namespaces={"xlink": "http://www.w3.org/1999/xlink"}
    )
    assert references and all(r.startswith("#") for r in references)  # the contents' anchors only
    styles = " ".join(s.text_content() for s in document.iter("style"))
    assert "url(" not in styles and "@import" not in styles and "@font-face" not in styles


def test_phone_and_print_styles(document: Any) -> None:
    assert document.xpath("//meta[@name='viewport']/@content") == ["width=device-width, initial-scale=1"]
    styles = " ".join(s.text_content() for s in document.iter("style"))
    assert "@media print" in styles
    assert ".table-scroll { overflow-x: auto;" in styles
    assert len(document.xpath("//div[@class='table-scroll']/table")) == len(document.xpath("//table"))


def test_the_sections_of_the_workbook(document: Any, figures: dict[str, Any]) -> None:
    headings = [h.text_content() for h in document.xpath("//h2")]
    assert headings == ["Definitions", *dict.fromkeys(s.topic or s.sheet for s in SECTIONS)]
    titles = {e.text_content() for e in document.xpath("//section/p | //section/h3")}
    assert {s.title for s in SECTIONS} <= titles
    monthly = document.xpath("//section[@id='monthly']//tbody/tr")
    assert len(monthly) == len(figures["monthly"])
    first = [td.text_content() for td in monthly[0]]
    row = figures["monthly"][0]
    assert first[:4] == [row["property"], row["month"], row["currency"], str(row["nights_sold"])]
    assert first[6] == f"{row['occupancy']:.1%}" and first[7] == f"{row['revenue']:,.2f}"


def test_every_chart_of_the_workbook_with_its_marks(document: Any, figures: dict[str, Any]) -> None:
    expected = [c for c in charts(figures) if c.has_values]
    shown = document.xpath("//figure[@class='chart']")
    assert [f.get("data-chart") for f in shown] == [c.key for c in expected]
    for figure, chart in zip(shown, expected, strict=True):
        marks = figure.xpath(".//*[local-name()='svg']//*[@class='mark']")
        assert len(marks) == sum(v is not None for s in chart.series for v in s.values), chart.key
        assert len(figure.xpath(".//ul[@class='legend']/li")) == len(chart.series)


def test_occupancy_points_are_placed_by_their_figure(document: Any, figures: dict[str, Any]) -> None:
    # A point's height on the 0-100 % axis is its occupancy: the highest point is the best month.
    points = document.xpath("//figure[@data-chart='occupancy']//*[local-name()='circle']")
    best = max(
        (r for r in figures["monthly"] if r["property"] and r["occupancy"] is not None), key=lambda r: r["occupancy"]
    )
    highest = min(points, key=lambda p: float(p.get("cy")))
    assert highest.xpath("string(.)").endswith(f"{best['occupancy']:.1%}")


def test_turnovers_are_marked(document: Any, figures: dict[str, Any]) -> None:
    rows = document.xpath("//section[@id='cleaning']//tbody/tr")
    marked = [r.get("class") == "turnover" for r in rows]
    assert marked == [c["same_day_turnover"] for c in figures["cleaning"]] and any(marked)


def test_a_report_without_rows_says_so(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    write_html({"period": {"from": "2025-01-01", "to": "2025-01-31"}, "property": "Old Town Flat"}, path)
    document = html.fromstring(path.read_text("utf-8"))
    assert document.xpath("//figure") == []
    assert len(document.xpath("//p[@class='empty']")) == len(SECTIONS) - 1  # data quality counts: blank
    assert "Old Town Flat" in document.xpath("string(//title)")


def test_a_missing_folder_is_one_sentence(tmp_path: Path, figures: dict[str, Any]) -> None:
    with pytest.raises(OutputError, match=r"^cannot write the report to .*: the folder .* does not exist$"):
        write_html(figures, tmp_path / "nowhere" / "report.html")


def test_the_occupancy_chart_of_many_properties_is_one_line_of_all_of_them() -> None:
    from reports.charts import MAX_LINES, occupancy

    def row(house: str | None, occupancy: float) -> dict[str, Any]:
        return {"property": house, "month": "2025-01", "currency": "EUR", "occupancy": occupancy}

    few = {"monthly": [row(f"House {n}", 0.5) for n in range(MAX_LINES)] + [row(None, 0.5)]}
    many = {"monthly": [row(f"House {n}", 0.5) for n in range(MAX_LINES + 1)] + [row(None, 0.25)]}

    assert [s.name for s in occupancy(few).series] == [f"House {n}" for n in range(MAX_LINES)]
    chart = occupancy(many)
    assert [(s.name, s.values) for s in chart.series] == [("All properties", (0.25,))]
    assert chart.title == f"Occupancy by month, all {MAX_LINES + 1} properties"
