"""What follows from the bookings, kept in step by set-based SQL inside each file's transaction:
the change history, the cleaning tasks, and the double-booking view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    DateTime,
    Integer,
    String,
    Table,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    text,
    true,
    union,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from loaders import bulk
from loaders.tables import booking_changes, bookings, properties, tasks
from schemas.vocab import ACTIVE_STATUSES, Status

ACTIVE = sorted(s.value for s in ACTIVE_STATUSES)
FEW = 100_000  # below this many bookings, task rules look up their neighbours' days only
CALLED_OFF = sorted(s.value for s in (Status.CANCELLED, Status.DECLINED, Status.NO_SHOW))
# Which kind of change a field belongs to, for people reading the history.
FIELD_KINDS = {
    "check_in": "dates_moved", "check_out": "dates_moved", "nights": "dates_moved",
    "raw_status": "status_label", "property_id": "property_changed",
    "payout": "payout_corrected", "gross": "payout_corrected", "currency": "payout_corrected",
}  # fmt: skip
_MERGE_LOCK = 0x626B6E67  # any constant: all bookingest merges into one database take turns


def lock_merges(conn: Connection) -> None:
    """Serialize merges on PostgreSQL (SQLite serializes writers itself).

    Concurrent ingests then cannot deadlock on each other's rows, and the counts each one
    reports are exact; the lock is released at commit or rollback.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MERGE_LOCK})
        # Room for the hash joins and sorts of a million-row merge (this transaction only).
        conn.execute(text("SET LOCAL work_mem = '256MB'"))


def record_history(conn: Connection, changes: Table, file_id: int, as_of: dt.datetime, now: dt.datetime) -> None:
    """One booking_changes row per changed field of every booking the file really changed."""
    c = changes.c
    common: list[Any] = [literal(file_id, Integer), literal(as_of, DateTime), literal(now, DateTime)]
    columns = ["booking_id", "source_file_id", "changed_at", "recorded_at", "kind", "field", "old_value", "new_value"]
    for name in [col.name[4:] for col in changes.columns if col.name.startswith("old_")]:
        old, new = c[f"old_{name}"], c[f"new_{name}"]
        if name == "property_id":
            old_text: ColumnElement[str] = select(properties.c.name).where(properties.c.id == old).scalar_subquery()
            new_text: ColumnElement[str] = select(properties.c.name).where(properties.c.id == new).scalar_subquery()
        else:
            old_text, new_text = _as_text(old), _as_text(new)
        kind: ColumnElement[str]
        if name == "status":
            kind = case(
                (and_(new.in_(CALLED_OFF), not_(old.in_(CALLED_OFF))), "cancelled"),
                (and_(old.in_(CALLED_OFF), not_(new.in_(CALLED_OFF))), "reinstated"),
                else_="status_progressed",
            )
        else:
            kind = literal(FIELD_KINDS.get(name, "guest_corrected"), String)
        conn.execute(
            insert(booking_changes).from_select(
                columns,
                select(c.booking_id, *common, kind, literal(name), old_text, new_text).where(old.is_distinct_from(new)),
            )
        )


def _as_text(column: ColumnElement[object]) -> ColumnElement[str]:
    return cast(column, String)


def apply_task_rules(conn: Connection, changes: Table, last_id: int, now: dt.datetime) -> None:
    """Bring the cleaning tasks of every booking this file inserted or changed in line with it.

    An active booking has one open cleaning task due on its check-out day; dates moved move the
    task; a called-off booking cancels it and a reinstated one reopens it. Tasks a person marked
    done, or locked, are never touched. Same-day-turnover flags are recomputed for the tasks of
    every booking involved and for their neighbours (old and new dates), so both sides of a
    turnover follow a move. Bookings this file did not touch are never read in bulk.
    """
    b, t, c = bookings.c, tasks.c, changes.c
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    now_param = literal(now, DateTime)
    columns = ["booking_id", "kind", "due_date", "status", "same_day_turnover", "locked", "created_at", "updated_at"]

    def new_tasks(where: ColumnElement[bool], *joined: Table, few: bool = False) -> Any:
        source: Any = bookings
        for table in joined:
            source = source.join(table, table.c.booking_id == b.id)
        # For a few bookings, only the arrivals on their check-out days; for many, all of them
        # (one hash of every arrival is then cheaper than first finding those days).
        leaving = select(b.property_id, b.check_out.label("check_in")).select_from(source).where(where).subquery()
        arrivals = _arrivals(leaving if few else None)
        source = source.outerjoin(
            arrivals, and_(arrivals.c.property_id == b.property_id, arrivals.c.check_in == b.check_out)
        )
        flag = case((arrivals.c.property_id.is_not(None), true()), else_=false())
        rows = select(b.id, literal("cleaning"), b.check_out, literal("open"), flag, false(), now_param, now_param)
        return rows.select_from(source).where(where, b.status.in_(ACTIVE))

    # New bookings: their tasks, with the turnover flag computed on the spot. They cannot have
    # a task yet (merges hold a lock), so a plain INSERT: ON CONFLICT's speculative insertion
    # costs PostgreSQL about twice as much per row.
    new_bookings = conn.execute(select(func.count()).where(b.id > last_id)).scalar_one()
    existing_tasks = conn.execute(select(func.coalesce(func.max(t.id), 0))).scalar_one()
    with bulk.indexes_deferred(conn, tasks, bulk.worth_it(conn, new_bookings, existing_tasks)):
        conn.execute(insert(tasks).from_select(columns, new_tasks(b.id > last_id)))
    # Changed bookings that are now active and never had a task (e.g. pending -> confirmed).
    changed = conn.execute(select(func.count()).select_from(changes)).scalar_one()
    conn.execute(
        dialect_insert(tasks)
        .from_select(columns, new_tasks(true(), changes, few=changed < FEW))
        .on_conflict_do_nothing(index_elements=["booking_id", "kind"])
    )

    # Tasks of changed bookings follow their check-out and status (one join, no per-task probe).
    wanted = case((b.status.in_(ACTIVE), "open"), else_="cancelled")
    conn.execute(
        update(tasks)
        .where(
            t.booking_id == c.booking_id,
            b.id == c.booking_id,
            t.kind == "cleaning",
            t.status != "done",
            t.locked == false(),
            or_(t.due_date != b.check_out, t.status != wanted),
        )
        .values(due_date=b.check_out, status=wanted, updated_at=now_param)
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
        .join(leaving, and_(leaving.c.property_id == days.c.property_id, leaving.c.check_out == days.c.check_in))
        .join(tasks, and_(t.booking_id == leaving.c.id, t.due_date == leaving.c.check_out))
        .outerjoin(arrivals, and_(arrivals.c.property_id == leaving.c.property_id, arrivals.c.check_in == t.due_date))
        .where(leaving.c.id <= last_id, t.status != "done", t.locked == false())
        .subquery()
    )
    conn.execute(
        update(tasks)
        .where(t.id == affected.c.task_id, t.same_day_turnover != affected.c.should)
        .values(same_day_turnover=affected.c.should, updated_at=now_param)
    )


def resync_task(conn: Connection, task_id: int, now: dt.datetime) -> None:
    """Bring one task that is not done in line with its booking, as the import rules would have
    while it was locked: due on the check-out day, open or cancelled, the turnover flag."""
    b, t = bookings.c, tasks.c
    booking = conn.execute(
        select(b.property_id, b.check_out, b.status)
        .join_from(tasks, bookings, b.id == t.booking_id)
        .where(t.id == task_id, t.status != "done")
    ).first()
    if booking is None:
        return
    a = bookings.alias("arriving").c
    turnover = conn.execute(
        select(
            exists().where(a.property_id == booking.property_id, a.check_in == booking.check_out, a.status.in_(ACTIVE))
        )
    ).scalar_one()
    conn.execute(
        update(tasks)
        .where(t.id == task_id)
        .values(
            due_date=booking.check_out,
            status="open" if booking.status in ACTIVE else "cancelled",
            same_day_turnover=turnover,
            updated_at=now,
        )
    )


def first_load_tasks(stays: pd.DataFrame, now: dt.datetime, rows: int = 500_000) -> Iterator[pd.DataFrame]:
    """The cleaning tasks of bookings loaded into an empty database, computed in memory by the
    rules of `apply_task_rules`, `rows` tasks at a time: one open task per active booking, due
    on its check-out day, a same-day turnover when another active booking of the property
    arrives that day.

    `stays` has one row per booking: id, property_id, check_in and check_out (days since the
    epoch), active (bool).
    """
    ids, property_id, check_in, check_out = _active_stays(stays)
    arrivals = np.sort(property_id + check_in)
    for start in range(0, len(ids), rows):
        part = slice(start, start + rows)
        leaving = property_id[part] + check_out[part]
        found = np.searchsorted(arrivals, leaving)
        turnover = arrivals[np.minimum(found, len(arrivals) - 1)] == leaving
        yield pd.DataFrame(
            {
                "booking_id": ids[part],
                "kind": "cleaning",
                "due_date": check_out[part].astype("datetime64[D]"),
                "status": "open",
                "same_day_turnover": turnover,
                "locked": False,
                "created_at": now,
                "updated_at": now,
            }
        )


def any_overlap(stays: pd.DataFrame) -> bool:
    """Whether two active stays of one property overlap (half-open [in, out)), by the rule of
    `conflicts_query`: ordered by check-in, a stay overlaps an earlier one exactly when it
    starts before the latest check-out seen so far in its property. `stays` as for
    `first_load_tasks`."""
    _, property_id, check_in, check_out = _active_stays(stays)
    order = np.lexsort((check_in, property_id))
    # The property bits keep the running maximum from reaching into the next property.
    starts = property_id[order] + check_in[order]
    reach = np.maximum.accumulate(property_id[order] + check_out[order])
    return bool(np.any(starts[1:] < reach[:-1]))


def _active_stays(stays: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The active stays' ids, property ids shifted left by 32 bits, check-in and check-out days:
    property + day is then one number per (property, day), as days since the epoch fit in 32
    bits either way."""
    active = stays["active"].to_numpy()
    property_id = stays["property_id"].to_numpy("int64")[active] << 32
    days = [stays[c].to_numpy("int64")[active] for c in ("check_in", "check_out")]
    return stays["id"].to_numpy()[active], property_id, days[0], days[1]


def _arrivals(days: Any = None) -> Any:
    """(property, day) on which an active booking checks in, once each: joined, not probed
    per row, so that the planner hashes it. A stay never starts on its own check-out day, so a
    booking is never its own neighbour. With `days` (property_id, check_in), only those."""
    arriving = bookings.alias("arriving")
    a = arriving.c
    query = select(a.property_id, a.check_in).where(a.status.in_(ACTIVE))
    if days is not None:
        query = query.join(days, and_(days.c.property_id == a.property_id, days.c.check_in == a.check_in))
    return query.distinct().subquery("arrivals")


def conflicts_query(property_name: str | None = None, file_id: int | None = None) -> Any:
    """Pairs of active bookings of one property whose stays overlap (half-open [in, out)).

    One sort instead of a quadratic self-join: ordered by check-in, a stay overlaps an earlier
    one exactly when it starts before the latest check-out seen so far; only those few stays
    are then paired with the earlier stays they overlap. With `file_id`, only pairs with a
    booking that file last wrote.
    """
    b = bookings.c
    scope = [b.status.in_(ACTIVE)]
    if file_id is not None:
        scope.append(b.property_id.in_(select(b.property_id).where(b.source_file_id == file_id)))
    if property_name:
        scope.append(b.property_id.in_(select(properties.c.id).where(properties.c.name == property_name)))
    reach = func.max(b.check_out).over(partition_by=b.property_id, order_by=(b.check_in, b.id), rows=(None, -1))
    ordered = select(b.id, b.check_in, reach.label("reach")).where(*scope).subquery()
    late = select(ordered.c.id).where(ordered.c.check_in < ordered.c.reach)
    a, o = bookings.alias("a"), bookings.alias("o")
    q = (
        select(properties.c.name.label("property"), *_stay_columns(o), *_stay_columns(a, "other_"))
        .select_from(a)
        .join(o, and_(o.c.property_id == a.c.property_id, o.c.check_in <= a.c.check_in, o.c.check_out > a.c.check_in))
        .join(properties, properties.c.id == a.c.property_id)
        .where(a.c.id.in_(late), o.c.id != a.c.id, o.c.status.in_(ACTIVE))
        .order_by(properties.c.name, o.c.check_in, a.c.check_in)
    )
    if file_id is not None:
        q = q.where(or_(a.c.source_file_id == file_id, o.c.source_file_id == file_id))
    return q


# A stay's columns in a conflict pair, by the names the report reads them under.
_STAY_LABELS = {
    "id": "id", "source": "source", "external_code": "code", "guest_name": "guest",
    "check_in": "check_in", "check_out": "check_out",
}  # fmt: skip


def _stay_columns(stay: Any, prefix: str = "") -> list[Any]:
    return [stay.c[column].label(prefix + label) for column, label in _STAY_LABELS.items()]


HISTORY_VIEW = """
CREATE VIEW {if_not_exists} booking_history AS
SELECT id AS booking_id, first_file_id AS source_file_id, first_as_of AS changed_at, 'created' AS kind,
       NULL AS field, NULL AS old_value, NULL AS new_value, 0 AS seq
FROM bookings
UNION ALL
SELECT booking_id, source_file_id, changed_at, kind, field, old_value, new_value, id AS seq
FROM booking_changes
"""


def history_view_sql(dialect: str) -> str:
    """DDL of booking_history: creation (from bookings) and every change, as one timeline."""
    if dialect == "postgresql":
        return HISTORY_VIEW.replace("CREATE VIEW {if_not_exists}", "CREATE OR REPLACE VIEW")
    return HISTORY_VIEW.format(if_not_exists="IF NOT EXISTS")


def conflicts_view_sql(dialect: str) -> str:
    """DDL of the booking_conflicts view analysts can query; always current, so it never drifts."""
    later, earlier = ("greatest", "least") if dialect == "postgresql" else ("max", "min")
    active = ", ".join(f"'{s}'" for s in ACTIVE)
    create = "CREATE OR REPLACE VIEW" if dialect == "postgresql" else "CREATE VIEW IF NOT EXISTS"
    return f"""
{create} booking_conflicts AS
SELECT a.property_id, a.id AS booking_id, o.id AS other_booking_id,
       {later}(a.check_in, o.check_in) AS overlap_from, {earlier}(a.check_out, o.check_out) AS overlap_to
FROM bookings a
JOIN bookings o ON o.property_id = a.property_id AND o.id > a.id
WHERE a.status IN ({active}) AND o.status IN ({active})
  AND a.check_in < o.check_out AND o.check_in < a.check_out
"""
