"""What a report covers: its calendar months (Month), the property asked and the day it is made
(Scope), and those months as the calendar the report's queries join (loaders.analytics.stays.calendar's columns)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Date, Integer, String, literal, select, union_all
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

COMING_MONTHS = 12  # on the books: the month of today and the 11 after


@dataclass(frozen=True)
class Month:
    label: str  # "YYYY-MM"
    first: dt.date
    days: int

    @classmethod
    def of(cls, day: dt.date, later: int = 0) -> Month:
        """The month of `day`, or the one `later` months after it (before it, when negative)."""
        index = day.year * 12 + day.month - 1 + later
        first = dt.date(index // 12, index % 12 + 1, 1)
        return cls(f"{first:%Y-%m}", first, calendar.monthrange(first.year, first.month)[1])

    @property
    def end(self) -> dt.date:
        """The first day after the month."""
        return self.first + dt.timedelta(days=self.days)

    @property
    def index(self) -> int:
        """As loaders.analytics.stays.month_index: January of year Y is 12 * Y."""
        return self.first.year * 12 + self.first.month - 1


@dataclass(frozen=True)
class Scope:
    months: list[Month]
    property_name: str | None
    today: dt.date

    @property
    def labels(self) -> list[str]:
        return [m.label for m in self.months]

    @property
    def coming(self) -> list[Month]:
        """On the books: the month of today and the 11 after."""
        return [Month.of(self.today, n) for n in range(COMING_MONTHS)]

    @property
    def earlier(self) -> list[Month]:
        """The same months a year earlier."""
        return [Month.of(self.today, n - 12) for n in range(COMING_MONTHS)]

    @property
    def year_ago(self) -> dt.date:
        t = self.today
        return t.replace(year=t.year - 1) if (t.month, t.day) != (2, 29) else t.replace(year=t.year - 1, day=28)

    def of_property(self, view: FromClause) -> list[ColumnElement[bool]]:
        return [] if self.property_name is None else [view.c.property == self.property_name]


def _days_since_1970(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days  # loaders.dialects' day_number, of a known day


def month_calendar(months: list[Month]) -> FromClause:
    """loaders.analytics.stays.calendar's columns, for these months only."""
    rows = [
        select(
            literal(m.index, Integer).label("m"),
            literal(m.label, String).label("month"),
            literal(m.first, Date).label("month_start"),
            literal(_days_since_1970(m.first), Integer).label("start_day"),
            literal(_days_since_1970(m.end), Integer).label("end_day"),
        )
        for m in months
    ]
    return union_all(*rows).cte("report_calendar")
