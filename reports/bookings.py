"""Reports on the bookings database: a booking's timeline, the cleaning schedule, double bookings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select

from loaders.rules import is_active
from loaders.rules.overlaps import conflicts_query
from loaders.rules.tasks import turnover_arrival
from loaders.tables import booking_history, bookings, properties, source_files, tasks
from schemas.vocab import TaskStatus


@dataclass(frozen=True)
class Conflict:
    property: str
    first: str  # "airbnb HMQ7D2KX9P Zoë Müller 2025-12-12→2025-12-16"
    second: str
    overlap_from: dt.date
    overlap_to: dt.date

    def __str__(self) -> str:
        nights = (self.overlap_to - self.overlap_from).days
        return f"{self.property}: {self.first} overlaps {self.second} ({nights} night(s) from {self.overlap_from})"


def _stay(source: str, code: str, guest: str | None, check_in: dt.date, check_out: dt.date) -> str:
    return f"{source} {code} ({guest or 'no name'}, {check_in}→{check_out})"


def conflicts(
    bind: Engine | Connection,
    property_name: str | None = None,
    file_id: int | None = None,
    open_after: dt.date | None = None,
) -> list[Conflict]:
    """Double bookings: active stays of one property that overlap. With `file_id`, only those
    involving a booking that file wrote; with `open_after`, only those overlapping after that
    day. On a connection, they are read in its transaction (a dry run's, before it is rolled back)."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return conflicts(conn, property_name, file_id, open_after)
    rows = bind.execute(conflicts_query(property_name, file_id, open_after)).all()
    seen: set[tuple[int, int]] = set()
    unique = []
    for r in rows:
        pair = (min(r.id, r.other_id), max(r.id, r.other_id))
        if pair not in seen:
            seen.add(pair)
            unique.append(r)
    return [
        Conflict(
            property=r.property,
            first=_stay(r.source, r.code, r.guest, r.check_in, r.check_out),
            second=_stay(r.other_source, r.other_code, r.other_guest, r.other_check_in, r.other_check_out),
            overlap_from=max(r.check_in, r.other_check_in),
            overlap_to=min(r.check_out, r.other_check_out),
        )
        for r in unique
    ]


@dataclass(frozen=True)
class HistoryLine:
    changed_at: dt.datetime
    kind: str
    field: str | None
    old_value: str | None
    new_value: str | None
    file: str

    def __str__(self) -> str:
        what = f"{self.field}: {self.old_value} → {self.new_value}  " if self.field else ""
        return f"{self.changed_at:%Y-%m-%d %H:%M}  {self.kind:<17} {what}[{self.file}]"


def history(engine: Engine, code: str, source: str | None = None) -> dict[str, list[HistoryLine]]:
    """Creation and every change of the booking(s) with this code, oldest first, keyed by
    'source code' (the booking_history view)."""
    h = booking_history
    q = (
        select(
            bookings.c.source,
            bookings.c.external_code,
            h.c.changed_at,
            h.c.kind,
            h.c.field,
            h.c.old_value,
            h.c.new_value,
            source_files.c.path,
        )
        .join(h, h.c.booking_id == bookings.c.id)
        .join(source_files, source_files.c.id == h.c.source_file_id)
        .where(bookings.c.external_code == code)
        .order_by(bookings.c.source, h.c.changed_at, h.c.seq)
    )
    if source:
        q = q.where(bookings.c.source == source)
    out: dict[str, list[HistoryLine]] = {}
    with engine.connect() as conn:
        for r in conn.execute(q):
            out.setdefault(f"{r.source} {r.external_code}", []).append(
                HistoryLine(r.changed_at, r.kind, r.field, r.old_value, r.new_value, r.path)
            )
    return out


@dataclass(frozen=True)
class ScheduleLine:
    task_id: int
    property: str
    date: dt.date
    guest_leaving: str | None
    guest_arriving: str | None
    same_day_turnover: bool
    status: str
    locked: bool
    # For the cleaners' calendar (reports/ics.py): the booking's key, and when the task changed.
    kind: str
    source: str
    code: str
    check_out: dt.date
    next_check_in: dt.date | None  # the property's next active arrival on or after the due day
    created_at: dt.datetime
    updated_at: dt.datetime


def cleaning_schedule(
    engine: Engine,
    start: dt.date,
    end: dt.date | None,
    property_name: str | None = None,
    include_cancelled: bool = False,
) -> list[ScheduleLine]:
    """Cleaning tasks due between `start` and `end` (inclusive; None: no end), with who leaves and who arrives."""
    leaving = bookings.alias("leaving")
    arriving = bookings.alias("arriving")
    later = bookings.alias("later")
    next_check_in = (
        select(func.min(later.c.check_in))
        .where(
            later.c.property_id == leaving.c.property_id,
            later.c.check_in >= tasks.c.due_date,
            later.c.id != leaving.c.id,
            is_active(later.c.status),
        )
        .scalar_subquery()
    )
    q: Any = (
        select(
            tasks.c.id,
            properties.c.name,
            tasks.c.due_date,
            leaving.c.guest_name,
            arriving.c.guest_name.label("arriving_guest"),
            tasks.c.same_day_turnover,
            tasks.c.status,
            tasks.c.locked,
            tasks.c.kind,
            leaving.c.source,
            leaving.c.external_code,
            leaving.c.check_out,
            next_check_in,
            tasks.c.created_at,
            tasks.c.updated_at,
        )
        .select_from(tasks)
        .join(leaving, leaving.c.id == tasks.c.booking_id)
        .join(properties, properties.c.id == leaving.c.property_id)
        .outerjoin(
            arriving,
            # Who makes it a same-day turnover (two of them when the arrivals are double booked).
            and_(turnover_arrival(arriving, leaving.c.property_id, tasks.c.due_date), arriving.c.id != leaving.c.id),
        )
        .where(tasks.c.due_date >= start)
        .order_by(tasks.c.due_date, properties.c.name, tasks.c.id)
    )
    if end is not None:
        q = q.where(tasks.c.due_date <= end)
    if not include_cancelled:
        q = q.where(tasks.c.status != TaskStatus.CANCELLED.value)
    if property_name:
        q = q.where(properties.c.name == property_name)
    with engine.connect() as conn:
        return [ScheduleLine(*r) for r in conn.execute(q)]
