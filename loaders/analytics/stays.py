"""v_stays: one row per booking with what every figure needs (sold or blocked, revenue and its
currency, booking date, lead time, when it was called off), and its split by month (v_stay_months)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
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
    true,
)
from sqlalchemy.sql.elements import ColumnElement

from loaders.analytics import BLOCKED, SOLD, View, flag
from loaders.dialects import Dialect
from loaders.payouts import payout_lines_view
from loaders.tables import booking_changes, bookings, properties
from schemas.vocab import PayoutKind

# The earnings lines that are the price of a stay: the reservation's own lines (a monthly stay
# has several) and their adjustments (a refund). Resolution payouts (damage), co-host shares and
# credits are money too, but not the price of nights.
EARNINGS_KINDS = sorted(k.value for k in (PayoutKind.RESERVATION, PayoutKind.ADJUSTMENT))


def _earnings() -> Any:
    """A booking's earnings lines summed, where they are in one currency (a booking whose lines
    mix currencies keeps its own payout: money of different currencies is never added)."""
    v = payout_lines_view.c
    return (
        select(v.booking_id, func.min(v.currency).label("currency"), func.sum(v.amount).label("amount"))
        .where(v.booking_id.is_not(None), v.kind.in_(EARNINGS_KINDS))
        .group_by(v.booking_id)
        .having(func.count(func.distinct(v.currency)) <= 1)
        .subquery("earnings")
    )


def _called_off() -> Any:
    """When a sold stay was last called off, as the history saw it (the as-of of the export that
    first reported it cancelled, declined or a no-show)."""
    c = booking_changes.c
    return (
        select(c.booking_id, func.max(c.changed_at).label("at"))
        .where(c.field == "status", c.kind == "cancelled", c.old_value.in_(SOLD))
        .group_by(c.booking_id)
        .subquery("called_off")
    )


def stays_query(dialect: Dialect) -> Select[Any]:
    b = bookings.c
    earnings, called_off = _earnings(), _called_off()
    # The earnings lines where the booking has them (in its currency), else its payout.
    from_earnings = and_(
        earnings.c.booking_id.is_not(None), or_(b.currency.is_(None), earnings.c.currency == b.currency)
    )
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
            # (func.date, not CAST: SQLite casts '2025-06-01' AS DATE to the number 2025.)
            # The day it was booked: the export's booking date, else the as-of of the first export
            # that listed it (bookingest cannot know an earlier one).
            func.date(func.coalesce(b.booked_at, b.first_as_of), type_=Date).label("booked_on"),
            (dialect.day_number(b.check_in) - dialect.day_number(b.booked_at)).label("lead_days"),
            case((from_earnings, earnings.c.currency), else_=b.currency).label("currency"),
            case((from_earnings, earnings.c.amount), else_=b.payout).label("revenue"),
            case((from_earnings, "earnings"), (b.payout.is_not(None), "payout")).label("revenue_from"),
            # Only for a stay not sold now: the day it stopped being on the books.
            case((sold, None), else_=func.date(called_off.c.at, type_=Date)).label("left_on"),
        )
        .select_from(bookings)
        .join(properties, properties.c.id == b.property_id)
        .outerjoin(earnings, earnings.c.booking_id == b.id)
        .outerjoin(called_off, called_off.c.booking_id == b.id)
    )


STAYS = View("v_stays", stays_query)


def month_index(day: ColumnElement[Any]) -> ColumnElement[int]:
    """Months since year 0 (January of year Y is 12 * Y): consecutive months, consecutive numbers."""
    return cast(extract("year", day), Integer) * 12 + cast(extract("month", day), Integer) - 1


def month_start(dialect: Dialect, index: ColumnElement[int]) -> ColumnElement[Any]:
    """The first day of the month of this `month_index`."""
    year = index // 12
    return dialect.first_of_month(year, index - year * 12 + 1)  # not `%`: a DBAPI placeholder sign


def stay_months_query(dialect: Dialect) -> Select[Any]:
    s = STAYS.table.c
    first = month_index(s.check_in)
    # The month of the last night: the check-out's, or the one before when it is the 1st.
    last = month_index(s.check_out) - case((cast(extract("day", s.check_out), Integer) == 1, 1), else_=0)
    # 0, 1, ... up to the most months any stay spans beyond its first: one row per stay and month.
    span = select(func.coalesce(func.max(last - first), 0)).select_from(STAYS.table).scalar_subquery()
    steps = select(literal(0).label("k")).cte("steps", recursive=True)
    steps = steps.union_all(select(steps.c.k + 1).where(steps.c.k < span))

    months = (
        select(*s, month_start(dialect, first + steps.c.k).label("month_start"), month_start(dialect, first + steps.c.k + 1).label("next_start"),
               flag(steps.c.k == 0).label("arrives"))
        .select_from(STAYS.table)
        .join(steps, true())
        .where(steps.c.k <= last - first)
        .subquery("months")
    )  # fmt: skip
    m = months.c
    nights = dialect.day_number(dialect.earlier(m.check_out, m.next_start)) - dialect.day_number(
        dialect.later(m.check_in, m.month_start)
    )
    kept = ("booking_id", "property_id", "property", "channel", "status", "sold", "blocked", "check_in", "check_out")
    return select(
        *(m[name] for name in kept),
        *(m[name] for name in ("nights", "booked_on", "currency", "revenue", "left_on")),
        dialect.month_label(m.month_start).label("month"),
        m.month_start,
        m.arrives,  # the stay's check-in is in this month
        nights.label("nights_in_month"),
        # The stay's revenue pro rata: each night an equal share (times 1.0: SQLite would divide
        # a whole amount as an integer; PostgreSQL keeps it exact, NUMERIC).
        (m.revenue * literal_column("1.0", Numeric) * nights / m.nights).label("revenue_in_month"),
    )


STAY_MONTHS = View("v_stay_months", stay_months_query)
