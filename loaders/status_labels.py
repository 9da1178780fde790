"""One label added to (or replaced in) the status_map table by a person, matched as every label is."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, insert, select, update

from loaders.dialects import dialect_of
from loaders.tables import status_map
from schemas.status_map import match_key
from schemas.tuning import DEFAULT_TUNING, Tuning

m = status_map.c


@dataclass(frozen=True)
class LabelOutcome:
    """What `add_label` did: `added`, `replaced`, `same` (the map gave it that status already) or
    `conflict` (it gives it another status: nothing changed). `existing`: the (label as stored,
    status) entries of the source that match it."""

    done: str
    existing: list[tuple[str, str]] = field(default_factory=list)


def add_label(
    engine: Engine, source: str, label: str, status: str, replace: bool = False, tuning: Tuning = DEFAULT_TUNING
) -> LabelOutcome:
    """Map (source, label) to status. A label the map matches already (case, white space and
    numbers aside: schemas.status_map.match_key) keeps its status unless `replace`, which sets
    every matching entry of the source to `status`. Under the merge lock: a running ingest
    reads one status map from start to end."""
    key = match_key(label)
    with engine.connect() as conn, conn.begin():
        dialect_of(conn).lock_merges(conn, tuning)
        entries = conn.execute(select(m.id, m.raw_status, m.status).where(m.source == source)).all()
        matching = [e for e in entries if match_key(e.raw_status) == key]
        existing = [(e.raw_status, e.status) for e in matching]
        if not matching:
            conn.execute(insert(status_map).values(source=source, raw_status=label.strip(), status=status))
            return LabelOutcome("added")
        if all(e.status == status for e in matching):
            return LabelOutcome("same", existing)
        if not replace:
            return LabelOutcome("conflict", existing)
        conn.execute(update(status_map).where(m.id.in_([e.id for e in matching])).values(status=status))
        return LabelOutcome("replaced", existing)
