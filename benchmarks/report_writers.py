"""Why the report workbook is written with xlsxwriter: the time to write the same report with it
(reports.excel.write_xlsx) and with openpyxl (the same tables, formats and native charts, less
formatting), and the HTML page's (reports.html.write_html), for a made-up year of N properties.

    .venv/bin/python benchmarks/report_writers.py                       # 20 properties, 12 months, 5 runs
    .venv/bin/python benchmarks/report_writers.py --properties 60 --runs 3

The figures are tests/report_fixture.py's (no database: only the writers are timed)."""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.chart import BarChart, LineChart, Reference

from reports.charts import charts
from reports.excel import NUMBER_FORMATS, write_xlsx
from reports.html import write_html
from reports.sections import SECTIONS

# The tests' figures, loaded by path: tests/ on sys.path would make tests/reports/ a part of the
# package `reports`.
_spec = importlib.util.spec_from_file_location(
    "report_fixture", Path(__file__).parents[1] / "tests" / "report_fixture.py"
)
assert _spec is not None and _spec.loader is not None
report_fixture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(report_fixture)


def write_openpyxl(figures: dict[str, Any], path: Path) -> None:
    """The workbook of write_xlsx as openpyxl writes it: tables with formats, a frozen header and
    a filter, the chart data and one native chart per chart of reports.charts."""
    workbook = openpyxl.Workbook()
    workbook.active.title = "Cover"
    sheets = {}
    for section in SECTIONS:
        sheet = workbook.create_sheet(section.sheet)
        sheet.cell(1, 1, section.title)
        for col, column in enumerate(section.columns, 1):
            sheet.cell(2, col, column.header)
        for number, row in enumerate(section.rows(figures), 3):
            for col, (value, kind) in enumerate(section.cells(row), 1):
                cell = sheet.cell(number, col, value)
                if kind == "text" and value is not None:
                    cell.data_type = "s"  # never a formula
                elif kind in NUMBER_FORMATS:
                    cell.number_format = NUMBER_FORMATS[kind]
        sheet.freeze_panes = "A3"
        sheet.auto_filter.ref = sheet.dimensions
        sheets[section.sheet] = sheet
    data = workbook.create_sheet("Chart data")
    top = 1
    for chart in charts(figures):
        data.cell(top, 1, "Category")
        for col, series in enumerate(chart.series, 2):
            data.cell(top, col, series.name).data_type = "s"
        for number, category in enumerate(chart.categories, top + 1):
            data.cell(number, 1, category)
            for col, series in enumerate(chart.series, 2):
                data.cell(number, col, series.values[number - top - 1])
        native = LineChart() if chart.kind == "line" else BarChart()
        if chart.kind == "stacked":
            native.grouping, native.overlap = "stacked", 100
        last = top + len(chart.categories)
        native.add_data(
            Reference(data, min_col=2, max_col=1 + len(chart.series), min_row=top, max_row=last), titles_from_data=True
        )
        native.set_categories(Reference(data, min_col=1, min_row=top + 1, max_row=last))
        native.title = chart.title
        sheets[chart.sheet].add_chart(native, "M3")
        top = last + 2
    workbook.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--properties", type=int, default=20)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    figures = report_fixture.figures(args.properties, args.months)
    writers: dict[str, tuple[Callable[[dict[str, Any], Path], None], str]] = {
        "xlsxwriter (write_xlsx)": (write_xlsx, ".xlsx"),
        "openpyxl": (write_openpyxl, ".xlsx"),
        "html (write_html)": (write_html, ".html"),
    }
    times: dict[str, list[float]] = {name: [] for name in writers}
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs + 1):  # the first run warms imports and caches: not recorded
            for name, (write, suffix) in writers.items():
                start = time.perf_counter()
                write(figures, Path(folder) / f"report{suffix}")
                if run:
                    times[name].append(time.perf_counter() - start)
    print(f"{args.properties} properties x {args.months} months, {args.runs} runs:")
    for name, seconds in times.items():
        print(f"  {name:<24} median {statistics.median(seconds):.3f} s   min {min(seconds):.3f} s")


if __name__ == "__main__":
    main()
