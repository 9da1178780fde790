"""What an operator checks: the cleaning schedule (v_cleaning_schedule) and the data quality
of the database (v_data_quality: files, quarantined rows, unknown status labels, missing payouts)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Select, String, and_, cast, func, literal, null, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from loaders.analytics import View
from loaders.analytics.stays import STAYS
from loaders.tables import bookings, file_claims, properties, rejected_rows, source_files, tasks
from schemas.vocab import ClaimOutcome, FileStatus


def cleaning_schedule_query() -> Select[Any]:
    """Every cleaning task with its property and the booking (and guest) that leaves."""
    b, t = bookings.c, tasks.c
    return (
        select(
            t.id.label("task_id"),
            t.due_date.label("date"),
            b.property_id,
            properties.c.name.label("property"),
            t.kind,
            t.same_day_turnover,
            t.status,
            t.locked,
            b.guest_name.label("guest"),
            (b.source + " " + b.external_code).label("booking"),
            b.id.label("booking_id"),
        )
        .join(bookings, b.id == t.booking_id)
        .join(properties, properties.c.id == b.property_id)
    )


CLEANING_SCHEDULE = View("v_cleaning_schedule", lambda _: cleaning_schedule_query())


WITHOUT_PAYOUT = "bookings_without_payout"  # v_data_quality's topic of the sold stays without revenue


def without_revenue(stays: Any) -> ColumnElement[bool]:
    """A stay of v_stays that is sold and has no known revenue (no earnings lines, no payout)."""
    return and_(stays.c.sold == 1, stays.c.revenue.is_(None))


def data_quality_query() -> Select[Any]:
    """One row per figure: (topic, source, item, rows). Topics: `files` (item: loaded, rejected or duplicate),
    `quarantined_by_reason` (item: the message), `quarantined_by_file` (item: the file's path),
    `unknown_label` (source and item: the label as written), `bookings_without_payout`."""
    r, f, c = rejected_rows.c, source_files.c, file_claims.c

    def topic(name: str) -> Any:
        return literal(name, String).label("topic")

    still = r.replayed_in.is_(None)  # a row a replay loaded is quarantined no more
    rows = select(r.source_file_id, r.row_number, r.error).where(still).distinct().subquery("quarantined")
    row_keys = select(r.source_file_id, r.row_number).where(still).distinct().subquery("rows")
    parts = [
        # Files loaded, as source_files records every load; files rejected or skipped as
        # duplicates, as the inbox's claims record how each file ended (a command-line ingest
        # of a bad file leaves no record to count).
        select(topic("files"), null(), cast(f.status, String), func.count())
        .where(f.status == FileStatus.LOADED.value)
        .group_by(f.status),
        select(topic("files"), null(), cast(c.outcome, String), func.count())
        .where(c.outcome.in_([ClaimOutcome.REJECTED.value, ClaimOutcome.DUPLICATE.value]))
        .group_by(c.outcome),
        select(topic("quarantined_by_reason"), null(), rows.c.error, func.count()).group_by(rows.c.error),
        select(topic("quarantined_by_file"), null(), f.path, func.count())
        .select_from(row_keys.join(source_files, f.id == row_keys.c.source_file_id))
        .group_by(f.id, f.path),
        # The label as the row wrote it, stored apart from the message (sources/normalize.py).
        select(topic("unknown_label"), r.source, r.unknown_status, func.count())
        .where(still, r.unknown_status.is_not(None))
        .group_by(r.source, r.unknown_status),
        select(topic(WITHOUT_PAYOUT), null(), null(), func.count()).where(without_revenue(STAYS.table)),
    ]
    united = union_all(*parts).subquery("figures")
    topic_, source, item, count = united.c
    return select(topic_.label("topic"), source.label("source"), item.label("item"), cast(count, Integer).label("rows"))


DATA_QUALITY = View("v_data_quality", lambda _: data_quality_query())
