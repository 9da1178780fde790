"""The report's charts, declared once for every output (native Excel charts, inline SVG): what
each plots from the figures dict. Nothing is computed here but picking and arranging the figures:
currencies are never added (one revenue and one pace chart per currency)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from reports.sections import ALL, ALL_CHANNELS, Figures, Kind, Row

ChartKind = Literal["line", "column", "stacked"]


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Chart:
    """`key` names the chart (and its place: `sheet`, the table it belongs to)."""

    key: str
    title: str
    kind: ChartKind
    sheet: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    value_kind: Kind
    axis: str

    @property
    def has_values(self) -> bool:
        return any(v is not None for s in self.series for v in s.values)


def _ordered(values: Iterable[str | None]) -> list[str | None]:
    return list(dict.fromkeys(values))


def _grid(
    rows: list[Row], category: str, series: str, value: str, label: str | None = None
) -> tuple[tuple[str, ...], tuple[Series, ...]]:
    """rows -> (categories, one series per distinct `series` value), in the order they appear
    (categories sorted: they are months or fixed buckets). A missing cell is None."""
    categories = sorted({str(r[category]) for r in rows})
    names = _ordered(r.get(series) for r in rows)
    cells: dict[tuple[str | None, str], float | None] = {}
    for r in rows:
        cells[(r.get(series), str(r[category]))] = r.get(value)
    built = tuple(
        Series(str(name) if name is not None else (label or ""), tuple(cells.get((name, c)) for c in categories))
        for name in names
    )
    return tuple(categories), built


def _totals_or_all(rows: list[Row], key: str) -> list[Row]:
    """The all-properties (or all-channels) rows where the figures have them (report_figures always
    does), else every row: the figures of a single property."""
    totals = [r for r in rows if r.get(key) is None]
    return totals or rows


MAX_LINES = 12  # more lines than this cannot be told apart: the occupancy chart shows the total


def occupancy(figures: Figures) -> Chart:
    # One line per property, up to MAX_LINES (Excel draws at most 255 series, and nobody reads
    # 5,000 lines): beyond, one line of all properties. A property with stays in two currencies
    # has a row per currency, each with its share of the nights over the same nights available:
    # their occupancies add up.
    every = list(figures.get("monthly") or [])
    totals = [r for r in every if r.get("property") is None]
    named = {str(r["property"]) for r in every if r.get("property") is not None}
    by_house = bool(named) and (len(named) <= MAX_LINES or not totals)
    rows = [r for r in every if r.get("property") is not None] if by_house else totals
    title = "Occupancy by month" if by_house or not named else f"Occupancy by month, all {len(named):,} properties"
    cells: dict[tuple[str, str], float | None] = {}
    for r in rows:
        key = (str(r.get("property") or ALL), str(r["month"]))
        if r.get("occupancy") is not None:
            cells[key] = round((cells.get(key) or 0.0) + r["occupancy"], 4)
        else:
            cells.setdefault(key, None)
    houses = _ordered(house for house, _ in cells)
    months = tuple(sorted({month for _, month in cells}))
    series = tuple(Series(str(h), tuple(cells.get((str(h), m)) for m in months)) for h in houses)
    return Chart("occupancy", title, "line", "Monthly", months, series, "ratio", "Occupancy")


def revenue_by_channel(figures: Figures) -> list[Chart]:
    rows = _totals_or_all(list(figures.get("channels") or []), "property")
    charts = []
    for currency in sorted({r["currency"] for r in rows if r.get("currency")}):
        mine = [r for r in rows if r.get("currency") == currency]
        months, series = _grid(mine, "month", "channel", "revenue", ALL_CHANNELS)
        title = f"Revenue by month and channel ({currency})"
        charts.append(Chart(f"revenue_{currency}", title, "stacked", "Channels", months, series, "money", currency))
    return charts


def lead_time(figures: Figures) -> Chart:
    rows = _totals_or_all(list(figures.get("lead_time") or []), "channel")
    buckets = tuple(str(b) for b in _ordered(r["bucket"] for r in rows))  # the figures' order: shortest first
    names = _ordered(r.get("channel") for r in rows)
    cells: dict[tuple[str | None, str], float | None] = {
        (r.get("channel"), str(r["bucket"])): r.get("bookings") for r in rows
    }
    series = tuple(Series(str(n) if n else ALL_CHANNELS, tuple(cells.get((n, b)) for b in buckets)) for n in names)
    return Chart("lead_time", "Booking lead time", "column", "Lead time", buckets, series, "int", "Bookings")


def pace(figures: Figures) -> list[Chart]:
    rows = list(figures.get("on_the_books") or [])
    charts = []
    for currency in _ordered(r.get("currency") for r in rows):
        mine = [r for r in rows if r.get("currency") == currency]
        months = tuple(str(r["month"]) for r in mine)
        series = (
            Series("Nights on the books", tuple(r.get("nights") for r in mine)),
            Series("A year earlier", tuple(r.get("nights_last_year") for r in mine)),
        )
        label = currency or "no currency"
        title = f"Booking pace: nights on the books vs a year earlier ({label})"
        charts.append(Chart(f"pace_{label}", title, "column", "On the books", months, series, "int", "Nights"))
    return charts


def charts(figures: Figures) -> list[Chart]:
    """Every chart of the report, in the order of the sections they belong to."""
    return [occupancy(figures), *revenue_by_channel(figures), lead_time(figures), *pace(figures)]
