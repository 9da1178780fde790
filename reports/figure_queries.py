"""The report's queries: each reads a report view (loaders.analytics) for the months and the
property asked, aggregated in the database; rows come back as plain dicts."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Integer, String, func, literal, select, union_all
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from loaders.analytics import ratio
from loaders.analytics.bookings import CANCELLATIONS, LEAD_TIME, LEAD_TIME_LABELS, LENGTH_OF_STAY
from loaders.analytics.occupancy import channel_mix_query, occupancy_query
from loaders.analytics.pace import ON_THE_BOOKS, on_the_books_at
from loaders.analytics.quality import CLEANING_SCHEDULE, DATA_QUALITY, without_revenue
from loaders.analytics.stays import STAY_MONTHS, STAYS
from loaders.tables import properties, source_files
from schemas.vocab import TaskStatus

CLEANING_DAYS = 14  # the cleaning schedule: today and the 13 days after
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


@dataclass(frozen=True)
class Scope:
    months: list[Month]
    property_name: str | None

    @property
    def labels(self) -> list[str]:
        return [m.label for m in self.months]

    def of_property(self, view: FromClause) -> list[ColumnElement[bool]]:
        return [] if self.property_name is None else [view.c.property == self.property_name]


def _calendar(months: list[Month]) -> FromClause:
    rows = [select(literal(m.label, String).label("month"), literal(m.days, Integer).label("days")) for m in months]
    return union_all(*rows).subquery("calendar")


def _stays_in(scope: Scope, view: FromClause) -> list[ColumnElement[bool]]:
    """The stays with a night in the scope's months (on the stays' own columns, so that the
    database can filter bookings before splitting them by month)."""
    start, end = scope.months[0].first, scope.months[-1].end
    return [view.c.check_in < end, view.c.check_out > start, *scope.of_property(view)]


def monthly(conn: Connection, scope: Scope) -> list[dict[str, Any]]:
    sm = STAY_MONTHS.table
    stays = select(sm).where(*_stays_in(scope, sm), sm.c.month.in_(scope.labels)).subquery("stay_months")
    houses = select(properties.c.id, properties.c.name)
    if scope.property_name is not None:
        houses = houses.where(properties.c.name == scope.property_name)
    return _rows(conn, occupancy_query(_calendar(scope.months), stays, houses.subquery("houses")))


def channels(conn: Connection, scope: Scope) -> list[dict[str, Any]]:
    sm = STAY_MONTHS.table
    stays = select(sm).where(*_stays_in(scope, sm), sm.c.month.in_(scope.labels)).subquery("stay_months")
    return _rows(conn, channel_mix_query(stays))


def _in_months(scope: Scope, view: FromClause) -> FromClause:
    return select(view).where(view.c.month.in_(scope.labels), *scope.of_property(view)).subquery()


def stays(conn: Connection, scope: Scope) -> list[dict[str, Any]]:
    """Bookings and average length of stay per property and channel, per property, per channel, and in all."""
    v = _in_months(scope, LENGTH_OF_STAY.table).c
    rows = []
    for by_property, by_channel in ((True, True), (True, False), (False, True), (False, False)):
        dims = [
            (v.property if by_property else literal(None, String)).label("property"),
            (v.channel if by_channel else literal(None, String)).label("channel"),
        ]
        grouping = [c for c, used in ((v.property, by_property), (v.channel, by_channel)) if used]
        bookings = func.sum(v.bookings)
        query = select(
            *dims, bookings.label("bookings"), ratio(func.sum(v.nights), bookings).label("average_length_of_stay")
        )
        rows.extend(_rows(conn, query.group_by(*grouping).having(bookings > 0)))
    return rows


def lead_time(conn: Connection, scope: Scope) -> list[dict[str, Any]]:
    """Sold stays per lead-time bucket, per channel and for all channels (channel None); every
    bucket of a channel listed, also those with no booking."""
    v = _in_months(scope, LEAD_TIME.table).c
    counts: dict[tuple[str | None, str], int] = {}
    for channel in (v.channel, literal(None, String)):
        query = select(channel.label("channel"), v.bucket, func.sum(v.bookings)).group_by(channel, v.bucket)
        counts.update(((c, bucket), int(n)) for c, bucket, n in conn.execute(query))
    channels_ = sorted({c for c, _ in counts if c is not None}) + ([None] if counts else [])
    return [
        {"channel": c, "bucket": bucket, "bookings": counts.get((c, bucket), 0)}
        for c in channels_
        for bucket in LEAD_TIME_LABELS
    ]


def cancellations(conn: Connection, scope: Scope) -> list[dict[str, Any]]:
    v = _in_months(scope, CANCELLATIONS.table).c
    booked, cancelled = func.sum(v.booked), func.sum(v.cancelled)
    query = (
        select(v.channel, booked.label("booked"), cancelled.label("cancelled"), ratio(cancelled, booked).label("rate"))
        .group_by(v.channel)
        .order_by(v.channel)
    )
    return _rows(conn, query)


def _books(
    conn: Connection, scope: Scope, months: list[Month], as_of: dt.date
) -> dict[tuple[str, str | None], tuple[int, Any]]:
    v = ON_THE_BOOKS.table
    query = (
        select(v.c.month, v.c.currency, func.sum(v.c.nights), func.sum(v.c.revenue))
        .where(v.c.month.in_([m.label for m in months]), on_the_books_at(v, as_of), *scope.of_property(v))
        .group_by(v.c.month, v.c.currency)
    )
    return {(month, currency): (int(nights), revenue) for month, currency, nights, revenue in conn.execute(query)}


def on_the_books(conn: Connection, scope: Scope, today: dt.date) -> list[dict[str, Any]]:
    """Each coming month's nights and revenue on the books today, beside the same month a year
    earlier as of a year ago (None where the history does not reach back to that day)."""
    coming = [Month.of(today, n) for n in range(COMING_MONTHS)]
    year_ago = (
        today.replace(year=today.year - 1)
        if (today.month, today.day) != (2, 29)
        else today.replace(year=today.year - 1, day=28)
    )
    earlier = [Month.of(today, n - 12) for n in range(COMING_MONTHS)]
    now, then = _books(conn, scope, coming, today), _books(conn, scope, earlier, year_ago)
    first_export = conn.execute(select(func.min(source_files.c.as_of))).scalar()
    known = first_export is not None and _day(first_export) <= year_ago
    rows = []
    for month, last in zip(coming, earlier, strict=True):
        currencies = sorted(
            {c for m, c in now if m == month.label} | {c for m, c in then if m == last.label}, key=lambda c: c or ""
        )
        for currency in currencies or [None]:
            nights, revenue = now.get((month.label, currency), (0, None))
            nights_ly, revenue_ly = then.get((last.label, currency), (0, None))
            rows.append({
                "month": month.label, "currency": currency, "nights": nights, "revenue": revenue,
                "nights_last_year": nights_ly if known else None, "revenue_last_year": revenue_ly if known else None,
            })  # fmt: skip
    return rows


def _day(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else dt.date.fromisoformat(str(value)[:10])


def cleaning(conn: Connection, scope: Scope, today: dt.date) -> list[dict[str, Any]]:
    v = CLEANING_SCHEDULE.table.c
    last = today + dt.timedelta(days=CLEANING_DAYS - 1)
    query = (
        select(v.date, v.property, v.kind, v.same_day_turnover, v.status, v.guest, v.booking)
        .where(
            v.date >= today,
            v.date <= last,
            v.status != TaskStatus.CANCELLED.value,
            *scope.of_property(CLEANING_SCHEDULE.table),
        )
        .order_by(v.date, v.same_day_turnover.desc(), v.property, v.task_id)
    )
    return [{**row, "same_day_turnover": bool(row["same_day_turnover"])} for row in _rows(conn, query)]


def data_quality(conn: Connection, scope: Scope) -> dict[str, Any]:
    v = DATA_QUALITY.table.c
    found: dict[str, list[tuple[Any, Any, int]]] = {}
    for topic, source, item, rows in conn.execute(select(v.topic, v.source, v.item, v.rows)):
        found.setdefault(topic, []).append((source, item, int(rows)))
    files = {item: n for _, item, n in found.get("files", [])}

    def most(topic: str) -> list[tuple[Any, Any, int]]:
        return sorted(found.get(topic, []), key=lambda r: (-r[2], str(r[1]), str(r[0])))

    s = STAYS.table
    without = conn.execute(select(func.count()).where(without_revenue(s), *_stays_in(scope, s))).scalar_one()
    return {
        "files_loaded": files.get("loaded", 0),
        "files_rejected": files.get("rejected", 0),
        "files_duplicate": files.get("duplicate", 0),
        "quarantined_by_reason": [{"reason": item, "rows": n} for _, item, n in most("quarantined_by_reason")],
        "quarantined_by_file": [{"file": item, "rows": n} for _, item, n in most("quarantined_by_file")],
        "unknown_labels": [{"source": source, "label": item, "rows": n} for source, item, n in most("unknown_label")],
        "bookings_without_payout": int(without),
    }


def _rows(conn: Connection, query: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in conn.execute(query).mappings()]
