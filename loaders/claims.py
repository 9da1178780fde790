"""Claims on inbox entries with leases: one worker of many processes each file, a dead one's file is taken again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, and_, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from loaders.dialects import dialect_of
from loaders.strategies import now as utc_now
from loaders.tables import file_claims, rejected_rows, source_files
from schemas.problems import Rejected
from schemas.vocab import ClaimOutcome


@dataclass(frozen=True)
class Claim:
    """A won claim: the entry's key, the worker, and which attempt it is (the claim's token:
    a renew or finish of an attempt that was taken over since changes nothing)."""

    key: str
    worker: str
    attempt: int
    lease_until: dt.datetime


def claim(engine: Engine, key: str, worker: str, lease_seconds: float, now: dt.datetime | None = None) -> Claim | None:
    """Claim the entry `key` for `worker` until `lease_seconds` from now, or None when another
    worker holds a live lease on it. One statement: an INSERT that, when the key has a claim
    already, takes it over only if that one finished or its lease expired. The database decides
    (PostgreSQL re-checks the condition on the row it locks; SQLite has one writer), so two
    workers never both win."""
    at = now or utc_now()
    until = at + dt.timedelta(seconds=lease_seconds)
    taken = file_claims.c
    values = {"key": key, "worker": worker, "claimed_at": at, "lease_until": until, "attempts": 1}
    statement = (
        dialect_of(engine)
        .insert(file_claims)
        .values(values)
        .on_conflict_do_update(
            index_elements=[taken.key],
            set_={
                "worker": worker,
                "claimed_at": at,
                "lease_until": until,
                "finished_at": None,
                "outcome": None,
                "source_file_id": None,
                "moved_to": None,
                "attempts": taken.attempts + 1,
            },
            where=or_(taken.finished_at.is_not(None), taken.lease_until < at),
        )
        .returning(taken.attempts)
    )
    with engine.begin() as conn:
        attempt = conn.execute(statement).scalar()
    return None if attempt is None else Claim(key, worker, attempt, until)


def _ours(claimed: Claim) -> ColumnElement[bool]:
    c = file_claims.c
    return and_(c.key == claimed.key, c.worker == claimed.worker, c.attempts == claimed.attempt)


def renew(engine: Engine, claimed: Claim, lease_seconds: float, now: dt.datetime | None = None) -> bool:
    """Extend the lease of a claim still ours and unfinished (the heartbeat of a long file);
    False when it was lost (it expired and another worker took the entry)."""
    until = (now or utc_now()) + dt.timedelta(seconds=lease_seconds)
    with engine.begin() as conn:
        changed = conn.execute(
            update(file_claims).where(_ours(claimed), file_claims.c.finished_at.is_(None)).values(lease_until=until)
        ).rowcount
    return changed == 1


def finish(
    engine: Engine,
    claimed: Claim,
    outcome: ClaimOutcome,
    source_file_id: int | None = None,
    moved_to: str | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """End the claim with its outcome and where the file went; a loaded file's record gets
    `archived_path` (what replay reads) in the same transaction. A RELEASED claim ends its
    lease at once, so that the next run takes the file again. False if the claim was not ours
    any more (the file was taken over meanwhile: that worker records it)."""
    at = now or utc_now()
    with engine.begin() as conn:
        changed = conn.execute(
            update(file_claims)
            .where(_ours(claimed))
            .values(
                finished_at=at, lease_until=at, outcome=outcome.value, source_file_id=source_file_id, moved_to=moved_to
            )
        ).rowcount
        if changed == 1 and source_file_id is not None and outcome is ClaimOutcome.LOADED:
            conn.execute(update(source_files).where(source_files.c.id == source_file_id).values(archived_path=moved_to))
    return changed == 1


def quarantined(engine: Engine, source_file_id: int) -> list[Rejected]:
    """Every quarantined row of a loaded file, in the order of the file."""
    r = rejected_rows.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(r.row_number, r.column, r.value, r.error)
            .where(r.source_file_id == source_file_id)
            .order_by(r.row_number, r.id)
        )
        return [Rejected(row.row_number, row.column, row.value, row.error) for row in rows]
