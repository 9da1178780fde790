"""The double-booking rule, stated once, and every executor of it: numpy for a file's rows in
memory, the SQL query the reports read, and the booking_conflicts view analysts query."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from loaders.dialects import Dialect
from loaders.rules import active_stays, is_active
from loaders.tables import bookings, properties


# The rule. Two active stays of one property are a double booking when their half-open
# [check_in, check_out) intersect: each starts before the other ends, so a check-out day is
# free for the next arrival. Every executor below reads it.
def overlap(a: FromClause, o: FromClause) -> ColumnElement[bool]:
    """The stays `a` and `o` are of one property and share a night (whatever their statuses)."""
    return and_(a.c.property_id == o.c.property_id, a.c.check_in < o.c.check_out, o.c.check_in < a.c.check_out)


def double_booking(a: FromClause, o: FromClause) -> ColumnElement[bool]:
    """`a` and `o` are two active stays that overlap."""
    return and_(is_active(a.c.status), is_active(o.c.status), overlap(a, o))


def any_overlap(stays: pd.DataFrame) -> bool:
    """Whether two active stays of one property overlap, in memory: ordered by check-in, a stay
    overlaps an earlier one exactly when it starts before the latest check-out seen so far in
    its property (the sweep of `conflicts_query`). `stays` as for `loaders.rules.active_stays`."""
    _, property_id, check_in, check_out = active_stays(stays)
    order = np.lexsort((check_in, property_id))
    # The property bits keep the running maximum from reaching into the next property.
    starts = property_id[order] + check_in[order]
    reach = np.maximum.accumulate(property_id[order] + check_out[order])
    return bool(np.any(starts[1:] < reach[:-1]))


def conflicts_query(
    property_name: str | None = None, file_id: int | None = None, open_after: dt.date | None = None
) -> Any:
    """Pairs of active bookings of one property whose stays overlap.

    One sort instead of a quadratic self-join: ordered by check-in, a stay overlaps an earlier
    one exactly when it starts before the latest check-out seen so far; only those few stays
    are then paired with the earlier stays they overlap. With `file_id`, only pairs with a
    booking that file last wrote; with `open_after`, only pairs that overlap after that day
    (both stays leave after it).
    """
    b = bookings.c
    scope = [is_active(b.status)]
    if file_id is not None:
        scope.append(b.property_id.in_(select(b.property_id).where(b.source_file_id == file_id)))
    if property_name:
        scope.append(b.property_id.in_(select(properties.c.id).where(properties.c.name == property_name)))
    if open_after is not None:
        scope.append(b.check_out > open_after)
    reach = func.max(b.check_out).over(partition_by=b.property_id, order_by=(b.check_in, b.id), rows=(None, -1))
    ordered = select(b.id, b.check_in, reach.label("reach")).where(*scope).subquery()
    late = select(ordered.c.id).where(ordered.c.check_in < ordered.c.reach)
    a, o = bookings.alias("a"), bookings.alias("o")
    q = (
        select(properties.c.name.label("property"), *_stay_columns(o), *_stay_columns(a, "other_"))
        .select_from(a)
        # o starting no later than a: each late stay is paired with the earlier stays it overlaps.
        .join(o, and_(double_booking(a, o), o.c.check_in <= a.c.check_in))
        .join(properties, properties.c.id == a.c.property_id)
        .where(a.c.id.in_(late), o.c.id != a.c.id, *([] if open_after is None else [o.c.check_out > open_after]))
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


def conflicts_view_sql(dialect: Dialect) -> str:
    """DDL of the booking_conflicts view analysts can query; always current, so it never drifts.
    Compiled from the rule's expression, so that the view and the query cannot disagree."""
    a, o = bookings.alias("a"), bookings.alias("o")
    query = (
        select(
            a.c.property_id,
            a.c.id.label("booking_id"),
            o.c.id.label("other_booking_id"),
            dialect.later(a.c.check_in, o.c.check_in).label("overlap_from"),
            dialect.earlier(a.c.check_out, o.c.check_out).label("overlap_to"),
        )
        .select_from(a)
        .join(o, o.c.id > a.c.id)  # each pair once
        .where(double_booking(a, o))
    )
    compiled = query.compile(
        dialect=make_url(f"{dialect.name}://").get_dialect()(),
        compile_kwargs={"literal_binds": True},
    )
    return f"{dialect.create_view} booking_conflicts AS\n{compiled}"
