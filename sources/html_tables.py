"""HTML pages holding tables (Booking.com's HTML '.xls'): every table's rows as a grid of text cells."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser

from sources.errors import UnreadableFile
from sources.sniff import decode_text
from sources.tables import Grid, rows_grid


def html_grids(data: bytes, path: str) -> Iterator[Grid]:
    """One grid per non-empty table of the page, named "table 1", "table 2", ..."""
    tables = HtmlTables.parse(decode_text(data, path))
    if not tables:
        raise UnreadableFile(path, "the file is an HTML page without any table")
    for i, table in enumerate(tables, start=1):
        yield rows_grid(f"table {i}", table)


class HtmlTables(HTMLParser):
    """The text of every <tr> of every <table> in a page (Booking.com's HTML '.xls')."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    @classmethod
    def parse(cls, text: str) -> list[list[list[str]]]:
        parser = cls()
        parser.feed(text)
        parser.close()
        return [t for t in parser.tables if t]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._end_row()
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._end_cell()
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr" or tag == "table":
            self._end_row()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def _end_cell(self) -> None:
        if self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
        self._cell = None

    def _end_row(self) -> None:
        self._end_cell()
        if self._row is not None and self.tables:
            self.tables[-1].append(self._row)
        self._row = None
