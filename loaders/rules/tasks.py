"""The cleaning-task rule, stated once, and every executor of it: set-based SQL for a file's
merge, numpy for a first load, one task at a time, and a person's marking of a task."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Table,
    and_,
    case,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    union,
    update,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from loaders import bulk
from loaders.dialects import dialect_of
from loaders.rules import ACTIVE, active_stays, is_active
from loaders.tables import bookings, tasks
from schemas.tuning import DEFAULT_TUNING, Tuning
from schemas.vocab import TASK_KINDS, TaskStatus

# The rule. An active booking has one cleaning task, open, due on its check-out day; any other
# booking's task is cancelled (dates moved move it; a reinstated booking reopens it). The task
# is a same-day turnover when another active booking of the property arrives on its due day.
# Tasks a person marked done, or locked, are left alone. Every executor below reads these.
KIND = TASK_KINDS[0]
OPEN, CANCELLED, DONE = TaskStatus.OPEN.value, TaskStatus.CANCELLED.value, TaskStatus.DONE.value


def due_day(booking: FromClause) -> ColumnElement[Any]:
    """The day a booking's cleaning is due: its check-out."""
    return booking.c.check_out


def task_status(status: ColumnElement[str]) -> ColumnElement[str]:
    """The status a task wants, from its booking's (in SQL)."""
    return case((is_active(status), OPEN), else_=CANCELLED)


def task_status_of(status: str) -> str:
    """The status a task wants, from its booking's (in Python)."""
    return OPEN if status in ACTIVE else CANCELLED


def arrives_on(arriving: FromClause, property_id: Any, day: Any) -> ColumnElement[bool]:
    """A stay of `arriving` checks in at this property on this day."""
    return and_(arriving.c.property_id == property_id, arriving.c.check_in == day)


def turnover_arrival(arriving: FromClause, property_id: Any, day: Any) -> ColumnElement[bool]:
    """`arriving` makes a task due at this property on this day a same-day turnover. A stay never
    starts on its own check-out day, so a booking is never its own neighbour."""
    return and_(arrives_on(arriving, property_id, day), is_active(arriving.c.status))


def left_alone(task: FromClause) -> list[ColumnElement[bool]]:
    """The rules may touch this task: no person marked it done or locked it."""
    return [task.c.status != DONE, task.c.locked == false()]


def apply_task_rules(
    conn: Connection, changes: Table, last_id: int, now: dt.datetime, tuning: Tuning = DEFAULT_TUNING
) -> None:
    """Bring the cleaning tasks of every booking this file inserted or changed in line with it.

    Same-day-turnover flags are recomputed for the tasks of every booking involved and for their
    neighbours (old and new dates), so both sides of a turnover follow a move. Bookings this
    file did not touch are never read in bulk. Below `tuning.few_bookings` changed bookings, the
    new tasks of changed bookings look up their neighbours' days only.
    """
    b, t, c = bookings.c, tasks.c, changes.c
    dialect_insert = dialect_of(conn).insert
    now_param = literal(now, DateTime)
    columns = ["booking_id", "kind", "due_date", "status", "same_day_turnover", "locked", "created_at", "updated_at"]

    def new_tasks(where: ColumnElement[bool], *joined: Table, few: bool = False) -> Any:
        source: Any = bookings
        for table in joined:
            source = source.join(table, table.c.booking_id == b.id)
        # For a few bookings, only the arrivals on their check-out days; for many, all of them
        # (one hash of every arrival is then cheaper than first finding those days).
        leaving = select(b.property_id, due_day(bookings).label("check_in")).select_from(source).where(where).subquery()
        arrivals = _arrivals(leaving if few else None)
        source = source.outerjoin(arrivals, arrives_on(arrivals, b.property_id, due_day(bookings)))
        flag = case((arrivals.c.property_id.is_not(None), true()), else_=false())
        rows = select(b.id, literal(KIND), due_day(bookings), literal(OPEN), flag, false(), now_param, now_param)
        return rows.select_from(source).where(where, is_active(b.status))

    # New bookings: their tasks, with the turnover flag computed on the spot. They cannot have
    # a task yet (merges hold a lock), so a plain INSERT: ON CONFLICT's speculative insertion
    # costs PostgreSQL about twice as much per row.
    new_bookings = conn.execute(select(func.count()).where(b.id > last_id)).scalar_one()
    existing_tasks = conn.execute(select(func.coalesce(func.max(t.id), 0))).scalar_one()
    with bulk.indexes_deferred(conn, tasks, new_bookings, existing_tasks, tuning):
        conn.execute(insert(tasks).from_select(columns, new_tasks(b.id > last_id)))
    # Changed bookings that are now active and never had a task (e.g. pending -> confirmed).
    changed = conn.execute(select(func.count()).select_from(changes)).scalar_one()
    conn.execute(
        dialect_insert(tasks)
        .from_select(columns, new_tasks(true(), changes, few=changed < tuning.few_bookings))
        .on_conflict_do_nothing(index_elements=["booking_id", "kind"])
    )

    # Tasks of changed bookings follow their check-out and status (one join, no per-task probe).
    wanted = task_status(b.status)
    conn.execute(
        update(tasks)
        .where(
            t.booking_id == c.booking_id,
            b.id == c.booking_id,
            t.kind == KIND,
            *left_alone(tasks),
            or_(t.due_date != due_day(bookings), t.status != wanted),
        )
        .values(due_date=due_day(bookings), status=wanted, updated_at=now_param)
    )

    # Days on which an arrival or departure appeared, moved or vanished, per property: the
    # tasks due on them (of bookings from before this file) may have gained or lost a turnover.
    days = union(
        select(b.property_id, b.check_in).where(b.id > last_id),
        select(b.property_id, b.check_in).join(changes, c.booking_id == b.id),
        select(b.property_id, b.check_out).join(changes, c.booking_id == b.id),
        select(c.old_property_id, c.old_check_in),
    ).subquery()
    leaving = bookings.alias("leaving")
    arrivals = _arrivals(days)
    affected = (
        select(
            t.id.label("task_id"), case((arrivals.c.property_id.is_not(None), true()), else_=false()).label("should")
        )
        # From the days to the bookings leaving on them to their tasks, never the other way
        # round: an open, unlocked task is due on its booking's check-out (the update above).
        .select_from(days)
        .join(leaving, and_(leaving.c.property_id == days.c.property_id, due_day(leaving) == days.c.check_in))
        .join(tasks, and_(t.booking_id == leaving.c.id, t.due_date == due_day(leaving)))
        .outerjoin(arrivals, arrives_on(arrivals, leaving.c.property_id, t.due_date))
        .where(leaving.c.id <= last_id, *left_alone(tasks))
        .subquery()
    )
    conn.execute(
        update(tasks)
        .where(t.id == affected.c.task_id, t.same_day_turnover != affected.c.should)
        .values(same_day_turnover=affected.c.should, updated_at=now_param)
    )


def _arrivals(days: Any = None) -> Any:
    """(property, day) on which an active booking checks in, once each: joined, not probed
    per row, so that the planner hashes it. With `days` (property_id, check_in), only those."""
    arriving = bookings.alias("arriving")
    a = arriving.c
    query = select(a.property_id, a.check_in).where(is_active(a.status))
    if days is not None:
        query = query.join(days, arrives_on(arriving, days.c.property_id, days.c.check_in))
    return query.distinct().subquery("arrivals")


def first_load_tasks(stays: pd.DataFrame, now: dt.datetime, rows: int = 500_000) -> Iterator[pd.DataFrame]:
    """The cleaning tasks of bookings loaded into an empty database, computed in memory by the
    rule above, `rows` tasks at a time (nothing existed before: no task is done, locked or
    cancelled). `stays` as for `loaders.rules.active_stays`."""
    ids, property_id, check_in, check_out = active_stays(stays)
    arrivals = np.sort(property_id + check_in)
    for start in range(0, len(ids), rows):
        part = slice(start, start + rows)
        leaving = property_id[part] + check_out[part]  # due on the check-out day
        found = np.searchsorted(arrivals, leaving)
        turnover = arrivals[np.minimum(found, len(arrivals) - 1)] == leaving
        yield pd.DataFrame(
            {
                "booking_id": ids[part],
                "kind": KIND,
                "due_date": check_out[part].astype("datetime64[D]"),
                "status": OPEN,
                "same_day_turnover": turnover,
                "locked": False,
                "created_at": now,
                "updated_at": now,
            }
        )


def resync_task(conn: Connection, task_id: int, now: dt.datetime) -> None:
    """Bring one task that is not done in line with its booking by the rule above, as the
    import rules would have while it was locked."""
    b, t = bookings.c, tasks.c
    booking = conn.execute(
        select(b.property_id, due_day(bookings).label("due"), b.status)
        .join_from(tasks, bookings, b.id == t.booking_id)
        .where(t.id == task_id, t.status != DONE)
    ).first()
    if booking is None:
        return
    arriving = bookings.alias("arriving")
    turnover = conn.execute(
        select(exists().where(turnover_arrival(arriving, booking.property_id, booking.due)))
    ).scalar_one()
    conn.execute(
        update(tasks)
        .where(t.id == task_id)
        .values(due_date=booking.due, status=task_status_of(booking.status), same_day_turnover=turnover, updated_at=now)
    )


def mark_task(
    engine: Engine, task_id: int, now: dt.datetime, *, done: bool = False, locked: bool | None = None
) -> bool:
    """A person's word on one task: `done`, or `locked` (pinned: the rules leave it alone) or
    unlocked (it follows its booking again, from now on and at once). False: no such task."""
    values: dict[str, object] = {"updated_at": now}
    if done:
        values["status"] = DONE
    if locked is not None:
        values["locked"] = locked
    with engine.begin() as conn:
        found = conn.execute(update(tasks).where(tasks.c.id == task_id).values(**values)).rowcount > 0
        if found and locked is False:
            resync_task(conn, task_id, now)
    return found
