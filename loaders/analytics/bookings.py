"""Figures of bookings rather than nights: length of stay, lead time (v_length_of_stay,
v_lead_time, by check-in month) and cancellations (v_cancellations, by booking month)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from loaders.analytics import MADE, View, flag, ratio
from loaders.analytics.stays import STAYS
from loaders.dialects import Dialect
from schemas.vocab import Status

# Lead time (check-in day minus booking day, in days) in these buckets: (label, below this many
# days). A booking made after its check-in day (a late export's booking time) is in the first.
LEAD_TIME_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("0-6 days", 7), ("7-29 days", 30), ("30-89 days", 90), ("90-179 days", 180), ("180+ days", None),
)  # fmt: skip
UNKNOWN_LEAD_TIME = "unknown"  # no booking date in the export
LEAD_TIME_LABELS = (*(label for label, _ in LEAD_TIME_BUCKETS), UNKNOWN_LEAD_TIME)


def lead_time_bucket(days: ColumnElement[int]) -> ColumnElement[str]:
    bounded = [(days < below, label) for label, below in LEAD_TIME_BUCKETS if below is not None]
    return case((days.is_(None), UNKNOWN_LEAD_TIME), *bounded, else_=LEAD_TIME_BUCKETS[-1][0])


def _grouped(
    dialect: Dialect, stays: FromClause | None, by: Sequence[str] | None, day: str
) -> tuple[Any, list[ColumnElement[Any]]]:
    """The stays (default v_stays) and what they are grouped by: the columns named `by`, or (the
    views') property, channel and the month of the column `day`."""
    s = (STAYS.table if stays is None else stays).c
    if by is not None:
        return s, [s[name] for name in by]
    return s, [s.property_id, s.property, s.channel, dialect.month_label(s[day]).label("month")]


def length_of_stay_query(
    dialect: Dialect, stays: FromClause | None = None, by: Sequence[str] | None = None
) -> Select[Any]:
    """Sold stays of `stays` (default v_stays) by property, channel and check-in month (or by the
    columns `by`): how many, their nights, the average."""
    s, dims = _grouped(dialect, stays, by, "check_in")
    return (
        select(
            *dims,
            func.count().label("bookings"),
            func.sum(s.nights).label("nights"),
            ratio(func.sum(s.nights), func.count()).label("average_length_of_stay"),
        )
        .where(s.sold == 1)
        .group_by(*dims)
    )


LENGTH_OF_STAY = View("v_length_of_stay", length_of_stay_query)


def lead_time_query(dialect: Dialect, stays: FromClause | None = None, by: Sequence[str] | None = None) -> Select[Any]:
    """Sold stays of `stays` (default v_stays) by property, channel, check-in month (or by the
    columns `by`) and lead-time bucket."""
    s, dims = _grouped(dialect, stays, by, "check_in")
    bucket = lead_time_bucket(s.lead_days).label("bucket")
    return select(*dims, bucket, func.count().label("bookings")).where(s.sold == 1).group_by(*dims, bucket)


LEAD_TIME = View("v_lead_time", lead_time_query)


def cancellations_query(
    dialect: Dialect, stays: FromClause | None = None, by: Sequence[str] | None = None
) -> Select[Any]:
    """Bookings made of `stays` (default v_stays), by property, channel and the month they were
    booked in (booked_on) (or by the columns `by`), and how many of them are cancelled now."""
    s, dims = _grouped(dialect, stays, by, "booked_on")
    booked = func.count()
    cancelled = func.sum(flag(s.status == Status.CANCELLED.value))
    return (
        select(*dims, booked.label("booked"), cancelled.label("cancelled"), ratio(cancelled, booked).label("rate"))
        .where(s.status.in_(MADE))
        .group_by(*dims)
    )


CANCELLATIONS = View("v_cancellations", cancellations_query)
