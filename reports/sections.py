"""The report's tables, declared once for every output (Excel sheets, HTML sections): which rows of
the figures dict (reports.figures.report_figures) each shows, in which columns, of which kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

# How a value is shown: text as text (never a formula, never markup), counts, money (2 decimals,
# beside its currency column), ratios as percents, dates, yes/no.
Kind = Literal["text", "int", "money", "number", "ratio", "date", "bool"]

Figures = dict[str, Any]
Row = dict[str, Any]

ALL = "All properties"  # how a total row (property null) is labelled
ALL_CHANNELS = "All channels"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: Kind
    empty: str | None = None  # what a null shows, where null has a meaning ("All properties")


@dataclass(frozen=True)
class Section:
    """One table: `sheet` (Excel's 31-character limit) and `title`; `topic` groups the data
    quality tables under one heading in HTML."""

    sheet: str
    title: str
    columns: tuple[Column, ...]
    rows: Callable[[Figures], list[Row]]
    topic: str = ""

    def cells(self, row: Row) -> list[tuple[Any, Kind]]:
        """The row's values in column order with their kind; a null with a meaning is its label
        ("All properties"), as text."""
        return [
            (c.empty, "text") if row.get(c.key) is None and c.empty is not None else (row.get(c.key), c.kind)
            for c in self.columns
        ]


def _key(name: str) -> Callable[[Figures], list[Row]]:
    return lambda figures: list(figures.get(name) or [])


def _quality(name: str) -> Callable[[Figures], list[Row]]:
    return lambda figures: list((figures.get("data_quality") or {}).get(name) or [])


QUALITY_COUNTS = (
    ("files_loaded", "Files loaded"),
    ("files_rejected", "Files rejected"),
    ("files_duplicate", "Files skipped as duplicates"),
    ("bookings_without_payout", "Bookings without payout"),
)


def _quality_counts(figures: Figures) -> list[Row]:
    quality = figures.get("data_quality") or {}
    return [{"measure": label, "value": quality.get(key)} for key, label in QUALITY_COUNTS]


PROPERTY = Column("property", "Property", "text", ALL)
CHANNEL = Column("channel", "Channel", "text", ALL_CHANNELS)
MONTH = Column("month", "Month", "text")
CURRENCY = Column("currency", "Currency", "text")

SECTIONS: tuple[Section, ...] = (
    Section(
        "Monthly",
        "Occupancy and revenue by property and month",
        (
            PROPERTY,
            MONTH,
            CURRENCY,
            Column("nights_sold", "Nights sold", "int"),
            Column("nights_blocked", "Nights blocked", "int"),
            Column("nights_available", "Nights available", "int"),
            Column("occupancy", "Occupancy", "ratio"),
            Column("revenue", "Revenue", "money"),
            Column("adr", "ADR", "money"),
            Column("revpar", "RevPAR", "money"),
        ),
        _key("monthly"),
    ),
    Section(
        "Channels",
        "Channel mix by month",
        (
            PROPERTY,
            MONTH,
            CHANNEL,
            CURRENCY,
            Column("bookings", "Bookings", "int"),
            Column("nights_sold", "Nights sold", "int"),
            Column("revenue", "Revenue", "money"),
            Column("share_of_nights", "Share of nights", "ratio"),
        ),
        _key("channels"),
    ),
    Section(
        "Stays",
        "Bookings and average length of stay",
        (
            PROPERTY,
            CHANNEL,
            Column("bookings", "Bookings", "int"),
            Column("average_length_of_stay", "Average length of stay (nights)", "number"),
        ),
        _key("stays"),
    ),
    Section(
        "Lead time",
        "Booking lead time (check-in minus booking day)",
        (CHANNEL, Column("bucket", "Lead time", "text"), Column("bookings", "Bookings", "int")),
        _key("lead_time"),
    ),
    Section(
        "Cancellations",
        "Cancellations by channel (among bookings made in the period)",
        (
            Column("channel", "Channel", "text"),
            Column("booked", "Booked", "int"),
            Column("cancelled", "Cancelled", "int"),
            Column("rate", "Cancellation rate", "ratio"),
        ),
        _key("cancellations"),
    ),
    Section(
        "On the books",
        "On the books today, beside the same day one year earlier",
        (
            MONTH,
            CURRENCY,
            Column("nights", "Nights", "int"),
            Column("revenue", "Revenue", "money"),
            Column("nights_last_year", "Nights a year earlier", "int"),
            Column("revenue_last_year", "Revenue a year earlier", "money"),
        ),
        _key("on_the_books"),
    ),
    Section(
        "Cleaning",
        "Cleaning schedule, the next 14 days (same-day turnovers first)",
        (
            Column("date", "Date", "date"),
            Column("property", "Property", "text"),
            Column("kind", "Kind", "text"),
            Column("same_day_turnover", "Same-day turnover", "bool"),
            Column("status", "Status", "text"),
            Column("guest", "Guest", "text"),
            Column("booking", "Booking", "text"),
        ),
        _key("cleaning"),
    ),
    Section(
        "Double bookings",
        "Double bookings open now",
        (
            Column("property", "Property", "text"),
            Column("first", "First booking", "text"),
            Column("second", "Second booking", "text"),
            Column("from", "From", "date"),
            Column("to", "To", "date"),
        ),
        _key("double_bookings"),
    ),
    Section(
        "Data quality",
        "Files and bookings",
        (Column("measure", "Measure", "text"), Column("value", "Count", "int")),
        _quality_counts,
        "Data quality",
    ),
    Section(
        "Quarantine by reason",
        "Quarantined rows by reason",
        (Column("reason", "Reason", "text"), Column("rows", "Rows", "int")),
        _quality("quarantined_by_reason"),
        "Data quality",
    ),
    Section(
        "Quarantine by file",
        "Quarantined rows by file",
        (Column("file", "File", "text"), Column("rows", "Rows", "int")),
        _quality("quarantined_by_file"),
        "Data quality",
    ),
    Section(
        "Unknown labels",
        "Unknown status labels (add them to the status map)",
        (Column("source", "Source", "text"), Column("label", "Label", "text"), Column("rows", "Rows", "int")),
        _quality("unknown_labels"),
        "Data quality",
    ),
)


def display(value: Any, kind: Kind) -> str:
    """The value as a person reads it (the HTML page's cells, the workbook's column widths)."""
    if value is None:
        return ""
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "ratio":
        return f"{value:.1%}"
    if kind == "int":
        return f"{value:,}"
    if kind == "number":
        return f"{value:,.2f}"
    return str(value)


def cover(figures: Figures) -> list[tuple[str, str]]:
    """The cover's facts: what the report covers, from which database, made when."""
    period = figures.get("period") or {}
    return [
        ("Period", f"{period.get('from', '')} to {period.get('to', '')}"),
        ("Property", figures.get("property") or ALL),
        ("Database", str(figures.get("database") or "")),
        ("Made at", str(figures.get("generated_at") or "")),
        ("Today (on the books, cleaning)", str(figures.get("today") or "")),
    ]


def definitions(figures: Figures) -> list[tuple[str, str]]:
    return [(str(term), str(text)) for term, text in (figures.get("definitions") or {}).items()]
