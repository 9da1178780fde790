"""What follows from the bookings, kept in step by set-based SQL inside each file's transaction:
the change history, the cleaning tasks, and the double-booking view."""

from __future__ import annotations

import datetime as dt

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
    insert,
    literal,
    not_,
    null,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from loaders.tables import booking_changes, bookings, properties, tasks
from schemas.vocab import ACTIVE_STATUSES, Status

ACTIVE = sorted(s.value for s in ACTIVE_STATUSES)
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


def record_history(conn: Connection, changes: Table, file_id: int, as_of: dt.datetime, last_id: int, now: dt.datetime) -> None:
    """One booking_changes row per changed field, and one 'created' row per new booking."""
    c = changes.c
    common = [literal(file_id, Integer), literal(as_of, DateTime), literal(now, DateTime)]
    columns = ["booking_id", "source_file_id", "changed_at", "recorded_at", "kind", "field", "old_value", "new_value"]
    b = bookings.c
    conn.execute(
        insert(booking_changes).from_select(
            columns,
            select(b.id, *common, literal("created"), null(), null(), b.status).where(b.id > last_id),
        )
    )
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
    done, or locked, are never touched. Same-day-turnover flags are recomputed for every task of
    the properties involved, so both neighbours follow a move.
    """
    b, t = bookings.c, tasks.c
    touched = or_(b.id > last_id, b.id.in_(select(changes.c.booking_id)))
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    now_param = literal(now, DateTime)
    conn.execute(
        dialect_insert(tasks)
        .from_select(
            ["booking_id", "kind", "due_date", "status", "same_day_turnover", "locked", "created_at", "updated_at"],
            select(b.id, literal("cleaning"), b.check_out, literal("open"), false(), false(), now_param, now_param).where(
                touched, b.status.in_(ACTIVE)
            ),
        )
        .on_conflict_do_nothing(index_elements=["booking_id", "kind"])
    )
    booking = select(b.check_out, b.status).where(b.id == t.booking_id).correlate(tasks)
    due = booking.with_only_columns(b.check_out).scalar_subquery()
    wanted = case((booking.with_only_columns(b.status).scalar_subquery().in_(ACTIVE), "open"), else_="cancelled")
    conn.execute(
        update(tasks)
        .where(
            t.booking_id.in_(select(b.id).where(touched)),
            t.kind == "cleaning",
            t.status != "done",
            t.locked == false(),
            or_(t.due_date != due, t.status != wanted),
        )
        .values(due_date=due, status=wanted, updated_at=now_param)
    )
    _recompute_turnovers(conn, changes, touched, now_param)


def _recompute_turnovers(conn: Connection, changes: Table, touched: ColumnElement[bool], now: ColumnElement[dt.datetime]) -> None:
    b, t = bookings.c, tasks.c
    places = select(b.property_id).where(touched).union(select(changes.c.old_property_id))
    leaving = bookings.alias("leaving")
    arriving = bookings.alias("arriving")
    flag = exists(
        select(arriving.c.id)
        .select_from(leaving)
        .join(arriving, arriving.c.property_id == leaving.c.property_id)
        .where(
            leaving.c.id == t.booking_id,
            arriving.c.id != leaving.c.id,
            arriving.c.check_in == t.due_date,
            arriving.c.status.in_(ACTIVE),
        )
    ).correlate(tasks)
    mine = select(b.id).where(b.property_id.in_(places))
    should = case((and_(t.status == "open", flag), true()), else_=false())
    conn.execute(
        update(tasks)
        .where(t.booking_id.in_(mine), t.status != "done", t.locked == false(), t.same_day_turnover != should)
        .values(same_day_turnover=should, updated_at=now)
    )


def conflicts_query(property_name: str | None = None, booking_ids: object = None) -> object:
    """Pairs of active bookings of one property whose stays overlap (half-open [in, out))."""
    a, o = bookings.alias("a"), bookings.alias("o")
    q = (
        select(
            properties.c.name.label("property"),
            a.c.source.label("source"), a.c.external_code.label("code"), a.c.guest_name.label("guest"),
            a.c.check_in.label("check_in"), a.c.check_out.label("check_out"),
            o.c.source.label("other_source"), o.c.external_code.label("other_code"), o.c.guest_name.label("other_guest"),
            o.c.check_in.label("other_check_in"), o.c.check_out.label("other_check_out"),
        )
        .select_from(a)
        .join(o, and_(o.c.property_id == a.c.property_id, o.c.id > a.c.id))
        .join(properties, properties.c.id == a.c.property_id)
        .where(
            a.c.status.in_(ACTIVE),
            o.c.status.in_(ACTIVE),
            a.c.check_in < o.c.check_out,
            o.c.check_in < a.c.check_out,
        )
        .order_by(properties.c.name, a.c.check_in, o.c.check_in)
    )
    if property_name:
        q = q.where(properties.c.name == property_name)
    if booking_ids is not None:
        q = q.where(or_(a.c.id.in_(booking_ids), o.c.id.in_(booking_ids)))  # type: ignore[arg-type]
    return q


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
