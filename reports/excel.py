"""The report as an Excel workbook: a cover, a sheet per table of reports.sections (frozen header,
autofilter, formats, widths that fit) and the native charts of reports.excel_charts.

xlsxwriter writes it: native charts of every kind Excel has, in a fraction of openpyxl's time for
the same workbook (the commit that chose it has the measure). Text is only ever written with
write_string, and the workbook is told never to turn strings into formulas, numbers or links: a
guest called =HYPERLINK(...) is those characters in the cell."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from reports.excel_charts import add_charts
from reports.output_file import OutputError, replacing
from reports.sections import SECTIONS, Figures, Kind, Section, cover, definitions, display

NUMBER_FORMATS: dict[Kind, str] = {
    "int": "#,##0",
    "money": "#,##0.00",
    "number": "0.00",
    "ratio": "0.0%",
    "date": "yyyy-mm-dd",
}
HEADER_ROW = 1  # row 0 holds the table's title; the header below it is frozen with it
MIN_WIDTH, MAX_WIDTH = 8, 60


class Formats:
    """The workbook's cell formats, made once (xlsxwriter keeps every format it is given)."""

    def __init__(self, workbook: Workbook) -> None:
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.header = workbook.add_format({"bold": True, "bg_color": "#DDE4EE", "bottom": 1, "text_wrap": True})
        self.label = workbook.add_format({"bold": True, "valign": "top"})
        self.text = workbook.add_format({"valign": "top"})
        self.wrapped = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.kinds = {kind: workbook.add_format({"num_format": pattern}) for kind, pattern in NUMBER_FORMATS.items()}


def write_cell(sheet: Worksheet, row: int, col: int, value: Any, kind: Kind, formats: Formats) -> None:
    if value is None:
        sheet.write_blank(row, col, None)
    elif kind == "text":
        sheet.write_string(row, col, str(value), formats.text)
    elif kind == "bool":
        sheet.write_boolean(row, col, bool(value))
    elif kind == "date":
        sheet.write_datetime(row, col, date.fromisoformat(str(value)), formats.kinds["date"])
    else:
        sheet.write_number(row, col, value, formats.kinds[kind])


def write_table(workbook: Workbook, section: Section, figures: Figures, formats: Formats) -> Worksheet:
    sheet = workbook.add_worksheet(section.sheet)
    sheet.write_string(0, 0, section.title, formats.title)
    rows = section.rows(figures)
    widths = [len(c.header) for c in section.columns]
    for col, column in enumerate(section.columns):
        sheet.write_string(HEADER_ROW, col, column.header, formats.header)
    for number, row in enumerate(rows, start=HEADER_ROW + 1):
        for col, (value, kind) in enumerate(section.cells(row)):
            write_cell(sheet, number, col, value, kind, formats)
            widths[col] = max(widths[col], len(display(value, kind)))
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(max(width + 2, MIN_WIDTH), MAX_WIDTH))
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    # Printed: landscape, as wide as one page, the header row on every page.
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEADER_ROW)
    sheet.autofilter(HEADER_ROW, 0, HEADER_ROW + max(len(rows), 1), len(section.columns) - 1)
    return sheet


def write_cover(workbook: Workbook, figures: Figures, formats: Formats) -> None:
    sheet = workbook.add_worksheet("Cover")
    sheet.write_string(0, 0, "Bookings report", formats.title)
    row = 2
    for label, value in cover(figures):
        sheet.write_string(row, 0, label, formats.label)
        sheet.write_string(row, 1, value, formats.text)
        row += 1
    row += 1
    sheet.write_string(row, 0, "Definitions", formats.title)
    for term, text in definitions(figures):
        row += 1
        sheet.write_string(row, 0, term, formats.label)
        sheet.write_string(row, 1, text, formats.wrapped)
    sheet.set_column(0, 0, 32)
    sheet.set_column(1, 1, 100)
    sheet.activate()


def write_xlsx(figures: Figures, path: Path) -> None:
    """Write the report of `figures` (reports.figures.report_figures) to the workbook `path`."""
    options = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False, "in_memory": True}
    with replacing(path) as temporary:
        workbook = xlsxwriter.Workbook(str(temporary), options)
        formats = Formats(workbook)
        write_cover(workbook, figures, formats)
        sheets = {section.sheet: write_table(workbook, section, figures, formats) for section in SECTIONS}
        add_charts(workbook, sheets, figures)
        try:
            workbook.close()
        except FileCreateError as error:  # xlsxwriter's wrapper of the OSError
            raise OutputError(path, str(error.__context__ or error)) from None
