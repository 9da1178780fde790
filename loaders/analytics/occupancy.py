"""Occupancy, revenue and channel mix per property and month: the calendar of months (v_months),
v_occupancy_monthly and v_channel_mix, each with the all-properties total (property NULL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, func, literal, null, select, true, union_all
from sqlalchemy.sql.expression import FromClause

from loaders.analytics import View, ratio
from loaders.analytics.stays import STAY_MONTHS, calendar
from loaders.dialects import Dialect
from loaders.tables import properties


def months_query(dialect: Dialect, months: FromClause | None = None) -> Select[Any]:
    """Every calendar month from the earliest check-in to the latest check-out (or of `months`,
    calendar's columns), with its days."""
    c = (calendar(dialect) if months is None else months).c
    return select(c.month, c.month_start, (c.end_day - c.start_day).label("days"))


MONTHS = View("v_months", months_query)


def occupancy_query(months: FromClause, stay_months: FromClause, houses: FromClause) -> Select[Any]:
    """One row per property, month and currency of the stays sold (one row, currency NULL, where
    none was sold), and per month and currency for all `houses` together (property NULL).
    `months` (month, days), `stay_months` (v_stay_months' columns), `houses` (id, name) are the
    calendar, the stays and the properties to count: the whole database for the view, a period's
    and a property's for a report."""
    sm = stay_months.c
    blocked = (
        select(sm.property_id, sm.month, func.sum(sm.nights_in_month).label("nights"))
        .where(sm.blocked == 1)
        .group_by(sm.property_id, sm.month)
        .subquery("blocked")
    )
    sold = (
        select(
            sm.property_id,
            sm.month,
            sm.currency,
            func.sum(sm.nights_in_month).label("nights"),
            func.sum(sm.revenue_in_month).label("revenue"),
        )
        .where(sm.sold == 1)
        .group_by(sm.property_id, sm.month, sm.currency)
        .cte("sold")  # read twice: per property and in total
    )
    # Every night of the month is available but those the owner blocks.
    nights_blocked = func.coalesce(blocked.c.nights, 0)
    capacity = (
        select(
            houses.c.id.label("property_id"),
            houses.c.name.label("property"),
            months.c.month,
            nights_blocked.label("nights_blocked"),
            (months.c.days - nights_blocked).label("nights_available"),
        )
        .select_from(houses)
        .join(months, true())
        .outerjoin(blocked, and_(blocked.c.property_id == houses.c.id, blocked.c.month == months.c.month))
        .cte("capacity")
    )
    cap = capacity.c
    per_property = (
        select(cap.property, cap.month, sold.c.currency, func.coalesce(sold.c.nights, 0), cap.nights_blocked,
               cap.nights_available, sold.c.revenue)
        .select_from(capacity)
        .outerjoin(sold, and_(sold.c.property_id == cap.property_id, sold.c.month == cap.month))
    )  # fmt: skip
    all_capacity = (
        select(
            cap.month,
            func.sum(cap.nights_blocked).label("nights_blocked"),
            func.sum(cap.nights_available).label("nights_available"),
        )
        .group_by(cap.month)
        .subquery("all_capacity")
    )
    all_sold = (
        select(sold.c.month, sold.c.currency, func.sum(sold.c.nights).label("nights"),
               func.sum(sold.c.revenue).label("revenue"))
        .select_from(sold.join(capacity, and_(cap.property_id == sold.c.property_id, cap.month == sold.c.month)))
        .group_by(sold.c.month, sold.c.currency)
        .subquery("all_sold")
    )  # fmt: skip
    total = (
        select(null(), all_capacity.c.month, all_sold.c.currency, func.coalesce(all_sold.c.nights, 0),
               all_capacity.c.nights_blocked, all_capacity.c.nights_available, all_sold.c.revenue)
        .select_from(all_capacity)
        .outerjoin(all_sold, all_sold.c.month == all_capacity.c.month)
    )  # fmt: skip
    rows = union_all(per_property, total).subquery("rows")
    property_, month, currency, nights_sold, blocked_, available, revenue = rows.c
    return select(
        property_.label("property"),
        month.label("month"),
        currency.label("currency"),
        nights_sold.label("nights_sold"),
        blocked_.label("nights_blocked"),
        available.label("nights_available"),
        ratio(nights_sold, available).label("occupancy"),
        revenue.label("revenue"),
        ratio(revenue, nights_sold).label("adr"),
        ratio(revenue, available).label("revpar"),
    )


OCCUPANCY = View("v_occupancy_monthly", lambda _: occupancy_query(MONTHS.table, STAY_MONTHS.table, properties))


def channel_mix_query(stay_months: FromClause) -> Select[Any]:
    """One row per property, month, channel and currency of the stays sold, and per month, channel
    and currency for all properties (property NULL); each channel's share of the nights sold."""
    sm = stay_months.c
    measures = (
        func.sum(sm.arrives).label("bookings"),
        func.sum(sm.nights_in_month).label("nights_sold"),
        func.sum(sm.revenue_in_month).label("revenue"),
    )
    dims = (sm.month, sm.channel, sm.currency)
    per_property = (
        select(sm.property, *dims, *measures).where(sm.sold == 1).group_by(sm.property_id, sm.property, *dims)
    )
    total = select(literal(None).label("property"), *dims, *measures).where(sm.sold == 1).group_by(*dims)
    rows = union_all(per_property, total).subquery("rows")
    r = rows.c
    # Nights of every channel and currency of the same property (or all of them) and month.
    month_nights = func.sum(r.nights_sold).over(partition_by=(r.property, r.month))
    return select(
        r.property, r.month, r.channel, r.currency, r.bookings, r.nights_sold, r.revenue,
        ratio(r.nights_sold, month_nights).label("share_of_nights"),
    )  # fmt: skip


CHANNEL_MIX = View("v_channel_mix", lambda _: channel_mix_query(STAY_MONTHS.table))
