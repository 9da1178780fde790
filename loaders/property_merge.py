"""Two properties that are one house become one: the bookings move, the aliases follow, and the
same-day turnovers are recomputed by the task rules, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Column, Connection, MetaData, Table, delete, func, insert, literal, null, select, true, update

from loaders.analytics import stored
from loaders.dialects import dialect_of
from loaders.rules import tasks as task_rules
from loaders.staging import COMPARED, changes
from loaders.tables import bookings, properties, property_aliases
from schemas.aliases import name_key
from schemas.tuning import DEFAULT_TUNING, Tuning

# The bookings a merge moves, as the task rules read a file's changes (old and new values).
moved = Table(
    "bookingest_moved",
    MetaData(),
    *(Column(c.name, c.type, primary_key=c.primary_key) for c in changes.columns),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


@dataclass(frozen=True)
class PropertyMerge:
    keep: str
    other: str
    moved: int  # bookings that moved from `other` to `keep`
    aliases: list[tuple[str, str]]  # (source, alias) of `keep` that were `other`'s or are its name now


def merge_properties(
    conn: Connection, keep: int, other: int, now: dt.datetime, tuning: Tuning = DEFAULT_TUNING
) -> PropertyMerge:
    """Join property `other` into `keep`: its bookings and aliases become `keep`'s, its name an
    alias of `keep` for every source its bookings came from, and it is deleted. The cleaning
    tasks of the moved bookings and of their new neighbours are brought in line by the rules of
    a file's merge (`apply_task_rules`, fed with the moves as changes of property). A moved
    booking's row hash is emptied: it no longer states the row as its file did, so a re-load
    compares it in the database. The caller holds the merge lock (`loaders.merge_lock.merged_in_turn`)."""
    if keep == other:
        raise ValueError("a property cannot be merged into itself")
    p, a, b = properties.c, property_aliases.c, bookings.c
    names = dict(conn.execute(select(p.id, p.name).where(p.id.in_([keep, other]))).all())
    other_name = names[other]
    conn.execute(update(property_aliases).where(a.property_id == other).values(property_id=keep))
    sources = select(b.source).where(b.property_id == other).distinct().subquery()
    named = select(sources.c.source, literal(other_name), literal(name_key(other_name)), literal(keep))
    conn.execute(
        dialect_of(conn)
        .insert(property_aliases)
        .from_select(["source", "alias", "alias_key", "property_id"], named.where(true()))
        .on_conflict_do_nothing(index_elements=["source", "alias_key"])
    )
    moved.create(conn)
    count = conn.execute(
        insert(moved).from_select(
            ["booking_id", "source_row", *(f"old_{n}" for n in COMPARED), *(f"new_{n}" for n in COMPARED)],
            select(
                b.id, b.source_row, *(b[n].label(f"old_{n}") for n in COMPARED),
                *((literal(keep) if n == "property_id" else b[n]).label(f"new_{n}") for n in COMPARED),
            ).where(b.property_id == other),
        ),
        execution_options={"preserve_rowcount": True},
    ).rowcount  # fmt: skip
    last_id = conn.execute(select(func.coalesce(func.max(b.id), 0))).scalar_one()
    conn.execute(update(bookings).where(b.property_id == other).values(property_id=keep, row_hash=null()))
    task_rules.apply_task_rules(conn, moved, last_id, now, tuning)
    stored.mark_stale(conn, select(moved.c.booking_id))
    moved.drop(conn)  # (an error rolls the transaction back, the table with it)
    conn.execute(delete(properties).where(p.id == other))
    aliases = conn.execute(select(a.source, a.alias).where(a.property_id == keep).order_by(a.source, a.alias_key))
    return PropertyMerge(names[keep], other_name, count, [(r.source, r.alias) for r in aliases])
