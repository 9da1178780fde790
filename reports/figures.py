"""The report's figures as one JSON-ready dict (what `report --json` prints and the Excel and HTML
writers lay out), read from the report views for a period, a property and a day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from loaders.analytics import stored
from loaders.dialects import dialect_of
from loaders.tables import properties
from reports import figure_queries as q
from reports.bookings import conflicts
from reports.definitions import DEFINITIONS
from reports.scope import Month, Scope
from reports.together import MONEY_KEYS, NIGHTS_KEYS, RATIO_KEYS, run_together

# The order of the rows of each figure (a None, the total, after the named ones).
ORDER = {
    "monthly": ("property", "month", "currency"),
    "channels": ("property", "month", "channel", "currency"),
    "stays": ("property", "channel"),
    "cancellations": ("channel",),
}
_FROM_THE_DATABASE = ("monthly", "channels", "stays")
# The largest figures (at 1M bookings about 1.1 s each of the 3 s the figures take), each read on
# a connection of its own beside the others (PostgreSQL: a core each).
_APART = ("channels", "monthly")


MAX_MONTHS = 120  # a report's period: at most ten years (a calendar of one SELECT per month)


class PeriodTooLong(ValueError):
    """The period asked for has more months than a report covers."""

    def __init__(self, months: int) -> None:
        super().__init__(months)
        self.months = months

    def __str__(self) -> str:
        return f"the period covers {self.months} months; a report covers at most {MAX_MONTHS} (ten years)"


class UnknownProperty(ValueError):
    """The report was asked for a property the database does not have."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"no property named {self.name!r} in the database (`bookingest properties` lists them)"


def report_figures(
    engine: Engine, start: dt.date, end: dt.date, property: str | None = None, today: dt.date | None = None
) -> dict[str, Any]:
    """Every figure of the report of the calendar months from `start`'s to `end`'s, for all
    properties or one, with the on-the-books, cleaning and double-booking figures as of `today`
    (default: the current date). Raises UnknownProperty, PeriodTooLong, and ValueError when `end`
    is before `start`."""
    if end < start:
        raise ValueError("the period ends before it starts")
    today = today or dt.date.today()
    first, last = Month.of(start), Month.of(end)
    months = [
        Month.of(start, n)
        for n in range((last.first.year - first.first.year) * 12 + last.first.month - first.first.month + 1)
    ]
    if len(months) > MAX_MONTHS:
        raise PeriodTooLong(len(months))
    scope = Scope(months, property, today)
    kept = stored.bring_up_to_date(engine)  # else (a read-only database) computed from the bookings
    dialect = dialect_of(engine)
    with engine.connect().execution_options(isolation_level=dialect.snapshot_isolation) as conn:
        dialect.read_one_moment(conn)
        # The snapshot's first read: a merge that committed after the refresh, before it, left
        # stays the table lacks, so this report computes them from the bookings of its moment.
        kept = kept and stored.is_current(conn)
        if (
            property is not None
            and conn.execute(select(properties.c.id).where(properties.c.name == property)).first() is None
        ):
            raise UnknownProperty(property)
        found = run_together(conn, q.stay_figures(dialect, scope, kept), ORDER, apart=_APART)
        figures: dict[str, Any] = {
            "period": {"from": first.first.isoformat(), "to": (last.end - dt.timedelta(days=1)).isoformat()},
            "property": property,
            "database": engine.url.render_as_string(hide_password=True),
            "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "today": today.isoformat(),
            "definitions": dict(DEFINITIONS),
            # The rows of the stays' figures come rounded and ordered from the database: set below,
            # past plain(), which need not see them (hundreds of thousands at a million bookings).
            **dict.fromkeys(_FROM_THE_DATABASE),
            "lead_time": q.lead_time(found["lead_time"]),
            "cancellations": found["cancellations"],
            "on_the_books": q.on_the_books(conn, scope, found["books_now"], found["books_then"]),
            "cleaning": q.cleaning(conn, scope),
            "double_bookings": [
                {
                    "property": c.property,
                    "first": c.first,
                    "second": c.second,
                    "from": c.overlap_from.isoformat(),
                    "to": c.overlap_to.isoformat(),
                }
                for c in conflicts(conn, property, open_after=today)
            ],
            "data_quality": q.data_quality(conn, found["without_payout"]),
        }
    plain_figures: dict[str, Any] = plain(figures)
    plain_figures.update((name, found[name]) for name in _FROM_THE_DATABASE)
    return plain_figures


def plain(value: Any, key: str = "") -> Any:
    """`value` with only JSON types: dates as ISO text, money rounded to cents and fractions to
    four places (as floats), integers as ints."""
    if isinstance(value, dict):
        return {k: plain(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_row(v) if type(v) is dict else plain(v, key) for v in value]
    if value is None or type(value) in _AS_IS:
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if key in MONEY_KEYS or key in NIGHTS_KEYS:
        return round(float(value), 2)
    if key in RATIO_KEYS:
        return round(float(value), 4)
    if isinstance(value, Decimal | float) and float(value).is_integer():
        return int(value)
    return int(value) if isinstance(value, int) else float(value)


_AS_IS = (str, bool)  # (an int may be a money or a fraction key's whole value: it goes on)
_ROUNDED = MONEY_KEYS | RATIO_KEYS | NIGHTS_KEYS


def _plain_row(row: dict[str, Any]) -> dict[str, Any]:
    """plain() of one row of a figure (hundreds of thousands of them at a million bookings): the
    values plain() keeps as they are (text, whole numbers not to be rounded) copied without a call."""
    return {
        k: v if v is None or type(v) is str or (type(v) is int and k not in _ROUNDED) else plain(v, k)
        for k, v in row.items()
    }
