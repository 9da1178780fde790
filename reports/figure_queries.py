"""The report's queries: the report views' own queries (loaders.analytics) over the stays of the
months and the property asked, aggregated in the database. Every figure of the stays is one
SELECT of `stay_figures`, over the stays' months kept in stay_nights (reports.stay_sources;
computed from the bookings where that table cannot be brought up to date); reports.together
runs them, the largest on connections of their own."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Connection,
    Select,
    String,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.sql.expression import FromClause

from loaders.analytics import ratio
from loaders.analytics.bookings import LEAD_TIME_LABELS, cancellations_query, lead_time_query, length_of_stay_query
from loaders.analytics.occupancy import channel_mix_query, months_query, occupancy_query
from loaders.analytics.pace import ever_booked, on_the_books_at
from loaders.analytics.quality import CLEANING_SCHEDULE, DATA_QUALITY, WITHOUT_PAYOUT, without_revenue
from loaders.dialects import Dialect
from loaders.tables import properties, source_files
from reports import stay_sources as sources
from reports.scope import Month, Scope
from schemas.vocab import TaskStatus

CLEANING_DAYS = 14  # the cleaning schedule: today and the 13 days after


def stay_figures(dialect: Dialect, scope: Scope, kept: bool = True) -> dict[str, Select[Any] | CompoundSelect[Any]]:
    """Every figure of the stays, by name: one SELECT each over the same stays (as v_stays) and
    their nights by month (as v_stay_months), read from the table the merges keep (`kept`) or
    computed from the bookings (reports.stay_sources)."""
    src = sources.stored(scope) if kept else sources.live(dialect, scope)
    months, in_months, arriving, made = src.months, src.in_months, src.arriving, src.made
    houses = select(properties.c.id, properties.c.name)
    if scope.property_name is not None:
        houses = houses.where(properties.c.name == scope.property_name)
    return {
        "monthly": occupancy_query(
            months_query(dialect, months).where(months.c.month.in_(scope.labels)).subquery("calendar"),
            in_months,
            houses.subquery("houses"),
        ),
        "channels": channel_mix_query(in_months),
        "stays": _length_of_stay(length_of_stay_query(dialect, arriving, by=("property", "channel")).cte()),
        "lead_time": _lead_time(lead_time_query(dialect, arriving, by=("channel",)).cte()),
        "cancellations": cancellations_query(dialect, made, by=("channel",)),
        "books_now": _books(src.stay_months, scope.coming, scope.today),
        "books_then": _books(src.stay_months, scope.earlier, scope.year_ago),
        # The stays with a night in the months asked.
        "without_payout": select(func.count(func.distinct(in_months.c.booking_id)).label("bookings")).where(
            without_revenue(in_months)
        ),
    }


def _length_of_stay(v: FromClause) -> CompoundSelect[Any]:
    """Bookings and average length of stay per property and channel, per property, per channel, and in all."""
    c, parts = v.c, []
    for by_property, by_channel in ((True, True), (True, False), (False, True), (False, False)):
        dims = [
            (c.property if by_property else literal(None, String)).label("property"),
            (c.channel if by_channel else literal(None, String)).label("channel"),
        ]
        grouping = [col for col, used in ((c.property, by_property), (c.channel, by_channel)) if used]
        bookings_ = func.sum(c.bookings)
        parts.append(
            select(
                *dims, bookings_.label("bookings"), ratio(func.sum(c.nights), bookings_).label("average_length_of_stay")
            )
            .group_by(*grouping)
            .having(bookings_ > 0)
        )
    return union_all(*parts)


def _lead_time(v: FromClause) -> CompoundSelect[Any]:
    c = v.c
    by_channel = select(c.channel, c.bucket, func.sum(c.bookings).label("bookings")).group_by(c.channel, c.bucket)
    in_all = select(literal(None, String).label("channel"), c.bucket, func.sum(c.bookings)).group_by(c.bucket)
    return union_all(by_channel, in_all)


def lead_time(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sold stays per lead-time bucket, per channel and for all channels (channel None); every
    bucket of a channel listed, also those with no booking."""
    counts = {(r["channel"], r["bucket"]): int(r["bookings"]) for r in rows}
    channels_ = sorted({c for c, _ in counts if c is not None}) + ([None] if counts else [])
    return [
        {"channel": c, "bucket": bucket, "bookings": counts.get((c, bucket), 0)}
        for c in channels_
        for bucket in LEAD_TIME_LABELS
    ]


def _books(stay_months: FromClause, months: list[Month], as_of: dt.date) -> Select[Any]:
    """v_on_the_books' nights and revenue of these months as of `as_of`, by month and currency."""
    v = stay_months.c
    return (
        select(v.month, v.currency, func.sum(v.nights_in_month).label("nights"),
               func.sum(v.revenue_in_month).label("revenue"))
        .where(v.month.in_([m.label for m in months]), ever_booked(stay_months), on_the_books_at(stay_months, as_of))
        .group_by(v.month, v.currency)
    )  # fmt: skip


def on_the_books(
    conn: Connection, scope: Scope, now: list[dict[str, Any]], then: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each coming month's nights and revenue on the books today (`now`: the rows of books_now),
    beside the same month a year earlier as of a year ago (`then`; None where the history does
    not reach back to that day)."""
    booked_now = {(r["month"], r["currency"]): (int(r["nights"]), r["revenue"]) for r in now}
    booked_then = {(r["month"], r["currency"]): (int(r["nights"]), r["revenue"]) for r in then}
    first_export = conn.execute(select(func.min(source_files.c.as_of))).scalar()
    known = first_export is not None and _day(first_export) <= scope.year_ago
    rows = []
    for month, last in zip(scope.coming, scope.earlier, strict=True):
        currencies = sorted(
            {c for m, c in booked_now if m == month.label} | {c for m, c in booked_then if m == last.label},
            key=lambda c: c or "",
        )
        for currency in currencies or [None]:
            nights, revenue = booked_now.get((month.label, currency), (0, None))
            nights_ly, revenue_ly = booked_then.get((last.label, currency), (0, None))
            rows.append({
                "month": month.label, "currency": currency, "nights": nights, "revenue": revenue,
                "nights_last_year": nights_ly if known else None, "revenue_last_year": revenue_ly if known else None,
            })  # fmt: skip
    return rows


def _day(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else dt.date.fromisoformat(str(value)[:10])


def cleaning(conn: Connection, scope: Scope) -> list[dict[str, Any]]:
    v, today = CLEANING_SCHEDULE.table.c, scope.today
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


def data_quality(conn: Connection, without_payout: list[dict[str, Any]]) -> dict[str, Any]:
    """v_data_quality's figures of the database, and the stays of the report without payout (the
    rows of `without_payout`, which the view counts in the whole database)."""
    v = DATA_QUALITY.table.c
    found: dict[str, list[tuple[Any, Any, int]]] = {}
    figures = select(v.topic, v.source, v.item, v.rows).where(v.topic != WITHOUT_PAYOUT)
    for topic, source, item, rows in conn.execute(figures):
        found.setdefault(topic, []).append((source, item, int(rows)))
    files = {item: n for _, item, n in found.get("files", [])}

    def most(topic: str) -> list[tuple[Any, Any, int]]:
        return sorted(found.get(topic, []), key=lambda r: (-r[2], str(r[1]), str(r[0])))

    return {
        "files_loaded": files.get("loaded", 0),
        "files_rejected": files.get("rejected", 0),
        "files_duplicate": files.get("duplicate", 0),
        "quarantined_by_reason": [{"reason": item, "rows": n} for _, item, n in most("quarantined_by_reason")],
        "quarantined_by_file": [{"file": item, "rows": n} for _, item, n in most("quarantined_by_file")],
        "unknown_labels": [{"source": source, "label": item, "rows": n} for source, item, n in most("unknown_label")],
        "bookings_without_payout": int(without_payout[0]["bookings"]),
    }


def _rows(conn: Connection, query: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in conn.execute(query).mappings()]
