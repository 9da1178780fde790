"""The change history of the bookings: one row per changed field, and the booking_history view."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, DateTime, Integer, String, Table, and_, case, cast, insert, literal, not_, select
from sqlalchemy.sql.elements import ColumnElement

from loaders.dialects import Dialect
from loaders.rules import CALLED_OFF
from loaders.tables import booking_changes, properties

# Which kind of change a field belongs to, for people reading the history.
FIELD_KINDS = {
    "check_in": "dates_moved", "check_out": "dates_moved", "nights": "dates_moved",
    "raw_status": "status_label", "property_id": "property_changed",
    "payout": "payout_corrected", "gross": "payout_corrected", "currency": "payout_corrected",
}  # fmt: skip


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


HISTORY_VIEW = """
{create_view} booking_history AS
SELECT id AS booking_id, first_file_id AS source_file_id, first_as_of AS changed_at, 'created' AS kind,
       NULL AS field, NULL AS old_value, NULL AS new_value, 0 AS seq
FROM bookings
UNION ALL
SELECT booking_id, source_file_id, changed_at, kind, field, old_value, new_value, id AS seq
FROM booking_changes
"""


def history_view_sql(dialect: Dialect) -> str:
    """DDL of booking_history: creation (from bookings) and every change, as one timeline."""
    return HISTORY_VIEW.format(create_view=dialect.create_view)
