"""v_stays: one row per booking with what every figure needs (sold or blocked, revenue and its
currency, booking date, lead time, when it was called off), and its split by month (v_stay_months)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Date,
    Integer,
    Numeric,
    Select,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from loaders.analytics import BLOCKED, SOLD, View, flag
from loaders.dialects import Dialect
from loaders.tables import booking_changes, bookings, payouts, properties
from schemas.vocab import PayoutKind

# The earnings lines that are the price of a stay: the reservation's own lines (a monthly stay
# has several) and their adjustments (a refund). Resolution payouts (damage), co-host shares and
# credits are money too, but not the price of nights.
EARNINGS_KINDS = sorted(k.value for k in (PayoutKind.RESERVATION, PayoutKind.ADJUSTMENT))


def _earnings(of: Select[Any] | None) -> Any:
    """The earnings lines of each (source, code) summed, where they are in one currency (a booking
    whose lines mix currencies keeps its own payout: money of different currencies is never
    added). A booking's lines are those of its (source, code), as the payout_lines view links
    them (the code is unique per source); summed by code, the lines are read without the bookings
    (`of`: only the lines of these booking ids)."""
    p, b = payouts.c, bookings.c
    codes = (
        []
        if of is None
        else [tuple_(p.source, p.external_code).in_(select(b.source, b.external_code).where(b.id.in_(of)))]
    )
    return (
        select(p.source, p.external_code, func.min(p.currency).label("currency"), func.sum(p.amount).label("amount"))
        .where(p.kind.in_(EARNINGS_KINDS), *codes)
        .group_by(p.source, p.external_code)
        .having(func.count(func.distinct(p.currency)) <= 1)
        .subquery("earnings")
    )


def _called_off(of: Select[Any] | None) -> Any:
    """When a sold stay was last called off, as the history saw it (the as-of of the export that
    first reported it cancelled, declined or a no-show); `of`: only of these booking ids."""
    c = booking_changes.c
    return (
        select(c.booking_id, func.max(c.changed_at).label("at"))
        .where(
            c.field == "status",
            c.kind == "cancelled",
            c.old_value.in_(SOLD),
            *([] if of is None else [c.booking_id.in_(of)]),
        )
        .group_by(c.booking_id)
        .subquery("called_off")
    )


def booked_on(booking: FromClause) -> ColumnElement[Any]:
    """The day a booking was made: the export's booking date, else the as-of of the first export
    that listed it (bookingest cannot know an earlier one). (func.date, not CAST: SQLite casts
    '2025-06-01' AS DATE to the number 2025.)"""
    return func.date(func.coalesce(booking.c.booked_at, booking.c.first_as_of), type_=Date)


def stays_query(
    dialect: Dialect, within: Sequence[ColumnElement[bool]] = (), of: Select[Any] | None = None
) -> Select[Any]:
    """v_stays: every booking, or those of the conditions `within` on `bookings`, or the bookings
    whose ids `of` selects (their earnings lines and history read alone, not everyone's)."""
    b = bookings.c
    earnings, called_off = _earnings(of), _called_off(of)
    if of is not None:
        within = [*within, b.id.in_(of)]
    # The earnings lines where the booking has them (in its currency), else its payout.
    from_earnings = and_(earnings.c.source.is_not(None), or_(b.currency.is_(None), earnings.c.currency == b.currency))
    sold = b.status.in_(SOLD)
    return (
        select(
            b.id.label("booking_id"),
            b.property_id,
            properties.c.name.label("property"),
            b.source.label("channel"),
            b.external_code,
            b.guest_name,
            b.status,
            flag(sold).label("sold"),
            flag(b.status.in_(BLOCKED)).label("blocked"),
            b.check_in,
            b.check_out,
            b.nights,
            b.booked_at,
            booked_on(bookings).label("booked_on"),
            (dialect.day_number(b.check_in) - dialect.day_number(b.booked_at)).label("lead_days"),
            case((from_earnings, earnings.c.currency), else_=b.currency).label("currency"),
            case((from_earnings, earnings.c.amount), else_=b.payout).label("revenue"),
            case((from_earnings, "earnings"), (b.payout.is_not(None), "payout")).label("revenue_from"),
            # Only for a stay not sold now: the day it stopped being on the books.
            case((sold, None), else_=func.date(called_off.c.at, type_=Date)).label("left_on"),
        )
        .select_from(bookings)
        .join(properties, properties.c.id == b.property_id)
        .outerjoin(earnings, and_(earnings.c.source == b.source, earnings.c.external_code == b.external_code))
        .outerjoin(called_off, called_off.c.booking_id == b.id)
        .where(*within)
    )


STAYS = View("v_stays", stays_query)


def month_index(day: ColumnElement[Any]) -> ColumnElement[int]:
    """Months since year 0 (January of year Y is 12 * Y): consecutive months, consecutive numbers."""
    return cast(extract("year", day), Integer) * 12 + cast(extract("month", day), Integer) - 1


def month_start(dialect: Dialect, index: ColumnElement[int]) -> ColumnElement[Any]:
    """The first day of the month of this `month_index`."""
    year = index // 12
    return dialect.first_of_month(year, index - year * 12 + 1)  # not `%`: a DBAPI placeholder sign


def last_month_index(check_out: ColumnElement[Any]) -> ColumnElement[int]:
    """The month of a stay's last night: its check-out's, or the one before when that is the 1st."""
    return month_index(check_out) - case((cast(extract("day", check_out), Integer) == 1, 1), else_=0)


def calendar(dialect: Dialect, stays: FromClause | None = None) -> Any:
    """Every month from the earliest check-in to the latest check-out (of every booking, or of
    `stays`): its month_index `m`, `month` ('YYYY-MM'), `month_start`, and its first and next
    month's first day as day numbers. Computed once per month, so that a stay's nights in a
    month are integer arithmetic."""
    b = (bookings if stays is None else stays).c
    first = select(func.min(month_index(b.check_in))).scalar_subquery()
    last = select(func.max(month_index(b.check_out))).scalar_subquery()
    steps = select(first.label("m")).cte("calendar_steps", recursive=True)
    steps = steps.union_all(select(steps.c.m + 1).where(steps.c.m < last))
    start, end = month_start(dialect, steps.c.m), month_start(dialect, steps.c.m + 1)
    return (
        select(
            steps.c.m,
            dialect.month_label(start).label("month"),
            start.label("month_start"),
            dialect.day_number(start).label("start_day"),
            dialect.day_number(end).label("end_day"),
        )
        .where(steps.c.m.is_not(None))
        .cte("calendar")
    )


def stay_months_query(
    dialect: Dialect, stays: FromClause | None = None, months: FromClause | None = None
) -> CompoundSelect[Any]:
    """v_stay_months: each stay of `stays` (v_stays' columns; default v_stays) split by the months
    of `months` (calendar's columns; default every month of the database) it has nights in."""
    s = (STAYS.table if stays is None else stays).c
    months = calendar(dialect) if months is None else months
    spans = select(
        *s,
        month_index(s.check_in).label("first_month"),
        (last_month_index(s.check_out) - month_index(s.check_in)).label("span"),
        dialect.day_number(s.check_in).label("in_day"),
        dialect.day_number(s.check_out).label("out_day"),
    ).cte("spans")  # computed once per stay: the join below reads plain columns
    m = spans.c
    # 0, 1, ... up to the most months any stay spans beyond its first: one row per stay and month.
    widest = select(func.coalesce(func.max(m.span), 0)).scalar_subquery()
    steps = select(literal(0).label("k")).cte("steps", recursive=True)
    steps = steps.union_all(select(steps.c.k + 1).where(steps.c.k < widest))
    nights = dialect.earlier(m.out_day, months.c.end_day) - dialect.later(m.in_day, months.c.start_day)
    kept = ("booking_id", "property_id", "property", "channel", "status", "sold", "blocked", "check_in", "check_out")

    def in_month(k: ColumnElement[int], rows: FromClause) -> Select[Any]:
        """The rows of the stays' k-th month (the month of `first_month + k`), from `rows`."""
        return select(
            *(m[name] for name in kept),
            *(m[name] for name in ("nights", "booked_on", "lead_days", "currency", "revenue", "left_on")),
            months.c.month,
            months.c.month_start,
            flag(k == 0).label("arrives"),  # the stay's check-in is in this month
            nights.label("nights_in_month"),
            # The stay's revenue pro rata: each night an equal share (times 1.0: SQLite would divide
            # a whole amount as an integer; PostgreSQL keeps it exact, NUMERIC).
            (m.revenue * literal_column("1.0", Numeric) * nights / m.nights).label("revenue_in_month"),
        ).select_from(rows.join(months, months.c.m == m.first_month + k))

    # Every stay's first month, and the later months of the stays that span more than one (two
    # parts: most stays are in one month, and the database joins only the others with the steps).
    first = in_month(literal(0), spans)
    later = in_month(steps.c.k, spans.join(steps, and_(steps.c.k >= 1, steps.c.k <= m.span))).where(m.span > 0)
    return union_all(first, later)


STAY_MONTHS = View("v_stay_months", stay_months_query)
