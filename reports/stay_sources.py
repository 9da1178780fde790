"""The stays a report's figures read, as v_stays and v_stay_months' columns: read from the table
the merges keep (loaders.analytics.stored), or computed from the bookings as the views compute
them (when that table cannot be brought up to date: a read-only database)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.sql.expression import FromClause

from loaders.analytics.stays import booked_on, stay_months_query, stays_query
from loaders.analytics.stored import stay_nights, stored_stay_months
from loaders.dialects import Dialect
from loaders.tables import bookings, properties
from reports.scope import Month, Scope, month_calendar

# The columns of v_stays the figures read (the others, such as the guest, are not carried along).
_STAY_COLUMNS = (
    "booking_id", "property_id", "property", "channel", "status", "sold", "blocked", "check_in", "check_out",
    "nights", "booked_on", "lead_days", "currency", "revenue", "left_on",
)  # fmt: skip


@dataclass(frozen=True)
class Sources:
    months: FromClause  # the calendar of `needed` (month_calendar)
    stay_months: FromClause  # v_stay_months' rows of the months `needed`
    in_months: FromClause  # ... of the months asked
    arriving: FromClause  # v_stays' rows of the stays arriving in the months asked
    made: FromClause  # ... of the stays booked in the months asked


def needed(scope: Scope) -> list[Month]:
    """The months a report reads: those asked, and on the books' (coming, and a year earlier)."""
    return sorted({*scope.months, *scope.coming, *scope.earlier}, key=lambda m: m.first)


def stored(scope: Scope) -> Sources:
    """From stay_nights (up to date: loaders.analytics.stored.refresh)."""
    t = stay_nights.c
    house = [] if scope.property_name is None else [t.property_id.in_(_house_ids(scope.property_name))]
    first, end = scope.months[0].first, scope.months[-1].end
    asked, months = t.month_start.in_([m.first for m in scope.months]), needed(scope)
    return Sources(
        months=month_calendar(months),
        stay_months=stored_stay_months(t.month_start.in_([m.first for m in months]), *house),
        in_months=stored_stay_months(asked, *house),
        arriving=stored_stay_months(t.arrives == 1, asked, *house),  # a stay's first month: its check-in's
        made=stored_stay_months(t.arrives == 1, t.booked_on >= first, t.booked_on < end, *house),
    )


def live(dialect: Dialect, scope: Scope) -> Sources:
    """Computed from the bookings, as v_stays and v_stay_months, of the stays the report needs:
    with a night in the months `needed`, or booked in the months asked (read, priced and split
    by month once: common table expressions)."""
    months = needed(scope)
    b, first, end = bookings.c, scope.months[0].first, scope.months[-1].end
    booked = booked_on(bookings)
    within = [
        or_(and_(b.check_in < months[-1].end, b.check_out > months[0].first), and_(booked >= first, booked < end))
    ]
    if scope.property_name is not None:
        within.append(b.property_id.in_(_house_ids(scope.property_name)))
    every = stays_query(dialect, within).subquery("stays")
    stays = select(*(every.c[name] for name in _STAY_COLUMNS)).cte("report_stays")
    calendar = month_calendar(months)
    stay_months = stay_months_query(dialect, stays, calendar).cte("report_stay_months")
    return Sources(
        months=calendar,
        stay_months=stay_months,
        in_months=select(stay_months).where(stay_months.c.month.in_(scope.labels)).subquery("in_months"),
        arriving=select(stays).where(stays.c.check_in >= first, stays.c.check_in < end).subquery("arriving"),
        made=select(stays).where(stays.c.booked_on >= first, stays.c.booked_on < end).subquery("made"),
    )


def _house_ids(name: str) -> Any:
    return select(properties.c.id).where(properties.c.name == name)
