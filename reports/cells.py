"""Text from bookings written into a spreadsheet cell as text, never as a formula."""

from __future__ import annotations

# A spreadsheet (Excel, LibreOffice, Google Sheets) reads a cell that starts with one of these
# as a formula: `=HYPERLINK(...)`, `+cmd|...`, `-2+3`, `@SUM(1)`; a leading tab or carriage
# return is stripped and what follows read the same way (OWASP "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """A spreadsheet would read this text as a formula (or a number with an operator)."""
    return text.startswith(FORMULA_STARTS)


def as_text_cell(value: object) -> object:
    """A cell of a CSV a spreadsheet opens: text that would be read as a formula gets a leading
    apostrophe (OWASP's remedy), which spreadsheets take as "this cell is text", so it is never
    evaluated; every other value (numbers, dates, None, other text) is returned unchanged. An xlsx
    writer needs no apostrophe: it writes text for which `looks_like_formula` holds as a string
    cell (xlsxwriter `write_string`), which shows exactly the characters."""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value
