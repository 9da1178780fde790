"""The report's charts (reports.charts) as native Excel charts: each chart's figures are a block
of the "Chart data" sheet, which its series reference, and the chart sits beside the table of
its topic. Series names and categories are references to cells too, never strings: xlsxwriter
would read a name starting with "=" as a formula."""

from __future__ import annotations

from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from reports.charts import Chart, charts
from reports.sections import SECTIONS, Figures

DATA_SHEET = "Chart data"
AXIS_FORMATS = {"ratio": "0%", "money": "#,##0", "int": "#,##0", "number": "0.0"}
CHART_ROWS = 18  # the rows a chart covers, at the default size below
SIZE = {"width": 720, "height": 340}


def _data_block(data: Worksheet, chart: Chart, top: int, bold: Any, number: Any) -> int:
    """Write `chart`'s figures from row `top`: its title, a header row (the category's name, then
    one column per series), a row per category. Returns the first row of the categories."""
    data.write_string(top, 0, chart.title, bold)
    data.write_string(top + 1, 0, "Category", bold)
    for col, series in enumerate(chart.series, start=1):
        data.write_string(top + 1, col, series.name, bold)
    for row, category in enumerate(chart.categories, start=top + 2):
        data.write_string(row, 0, category)
        for col, series in enumerate(chart.series, start=1):
            value = series.values[row - top - 2]
            if value is None:
                data.write_blank(row, col, None)
            else:
                data.write_number(row, col, value, number)
    return top + 2


def _native(workbook: Workbook, chart: Chart, first: int) -> Any:
    subtype = {"subtype": "stacked"} if chart.kind == "stacked" else {}
    native = workbook.add_chart({"type": "line" if chart.kind == "line" else "column", **subtype})
    last = first + len(chart.categories) - 1
    for col, _ in enumerate(chart.series, start=1):
        options: dict[str, Any] = {
            "name": [DATA_SHEET, first - 1, col],
            "categories": [DATA_SHEET, first, 0, last, 0],
            "values": [DATA_SHEET, first, col, last, col],
        }
        if chart.kind == "line":
            options["marker"] = {"type": "circle", "size": 4}
        native.add_series(options)
    # The title is a plain string that cannot start with "=" (it is ours, not the data's).
    native.set_title({"name": chart.title, "name_font": {"size": 12}})
    native.set_y_axis({"name": chart.axis, "num_format": AXIS_FORMATS[chart.value_kind], "min": 0})
    native.set_legend({"position": "bottom"})
    native.set_size(SIZE)
    return native


def add_charts(workbook: Workbook, sheets: dict[str, Worksheet], figures: Figures) -> None:
    """Write the chart data sheet and put each chart with values on its topic's sheet, to the
    right of the table, one below the other."""
    data = workbook.add_worksheet(DATA_SHEET)
    bold = workbook.add_format({"bold": True})
    cell_formats = {k: workbook.add_format({"num_format": f.replace("0%", "0.0%")}) for k, f in AXIS_FORMATS.items()}
    widths = {s.sheet: len(s.columns) for s in SECTIONS}
    placed: dict[str, int] = {}
    top = 0
    for chart in charts(figures):
        if not chart.has_values:
            continue
        first = _data_block(data, chart, top, bold, cell_formats[chart.value_kind])
        top = first + len(chart.categories) + 1
        row = placed.get(chart.sheet, 1)
        sheets[chart.sheet].insert_chart(row, widths[chart.sheet] + 1, _native(workbook, chart, first))
        placed[chart.sheet] = row + CHART_ROWS
    data.set_column(0, 0, 44)
    data.set_column(1, 30, 16)
