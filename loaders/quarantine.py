"""The quarantine: rows still in rejected_rows (not replayed), their unknown status labels, and a replay's bookkeeping."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from loaders.tables import rejected_rows, source_files
from schemas.problems import Rejected
from schemas.status_map import StatusMap, match_key
from schemas.vocab import FileStatus

r, f = rejected_rows.c, source_files.c
_STILL = r.replayed_in.is_(None)  # quarantined still: no replay has loaded the row


@dataclass(frozen=True)
class QuarantinedRow:
    """One problem of one quarantined row, with the file (id and path) it came from."""

    file_id: int
    file: str
    row: int
    column: str | None
    value: str | None
    reason: str
    source: str | None  # the row's source, when its status label is unknown
    unknown_status: str | None


def quarantined(engine: Engine, file_id: int | None = None) -> list[QuarantinedRow]:
    """Every problem of the rows still quarantined (of one file), by file, row and column."""
    query = (
        select(f.id, f.path, r.row_number, r.column, r.value, r.error, r.source, r.unknown_status)
        .join_from(rejected_rows, source_files, r.source_file_id == f.id)
        .where(_STILL)
        .order_by(f.id, r.row_number, r.column, r.id)
    )
    if file_id is not None:
        query = query.where(f.id == file_id)
    with engine.connect() as conn:
        return [QuarantinedRow(*row) for row in conn.execute(query)]


@dataclass(frozen=True)
class UnknownLabel:
    """A status label that quarantined rows: as first written, how many rows and files, and the
    canonical status the status map gives it now (None while it is still unknown)."""

    source: str
    label: str
    rows: int
    files: int
    status: str | None


def unknown_labels(engine: Engine, status_map: StatusMap) -> list[UnknownLabel]:
    """The labels of the rows still quarantined for an unknown status, grouped as the status map
    matches them (case, white space and numbers: schemas.status_map.match_key), most rows first."""
    query = (
        select(r.source, r.unknown_status, r.source_file_id, func.count())
        .where(_STILL, r.unknown_status.is_not(None), r.source.is_not(None))
        .group_by(r.source, r.unknown_status, r.source_file_id)
        .order_by(r.source, r.unknown_status)
    )
    rows: dict[tuple[str, str], int] = defaultdict(int)
    files: dict[tuple[str, str], set[int]] = defaultdict(set)
    first: dict[tuple[str, str], str] = {}
    with engine.connect() as conn:
        for source, label, file_id, n in conn.execute(query):
            key = (source, match_key(label))
            first.setdefault(key, label)
            rows[key] += n
            files[key].add(file_id)
    found = [UnknownLabel(s, first[(s, k)], rows[(s, k)], len(files[(s, k)]), status_map.lookup(s, first[(s, k)]))
             for s, k in first]  # fmt: skip
    return sorted(found, key=lambda u: (-u.rows, u.source, u.label))


@dataclass(frozen=True)
class StoredFile:
    """A source_files row, as a replay reads it."""

    id: int
    sha256: str
    path: str
    archived_path: str | None
    layout: str | None
    as_of: dt.datetime
    status: str
    options: str | None
    replay_of: int | None


def stored_file(engine: Engine, file_id: int) -> StoredFile | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(f.id, f.sha256, f.path, f.archived_path, f.source, f.as_of, f.status, f.options, f.replay_of)
            .where(f.id == file_id)
        ).first()  # fmt: skip
    return StoredFile(*row) if row else None


def with_quarantined_rows(engine: Engine) -> list[tuple[int, str | None]]:
    """(id, layout) of the loaded files that have rows still quarantined, oldest export first."""
    query = (
        select(f.id, f.source)
        .where(f.status == FileStatus.LOADED.value, f.id.in_(select(r.source_file_id).where(_STILL)))
        .order_by(f.as_of, f.id)
    )
    with engine.connect() as conn:
        return [(row.id, row.source) for row in conn.execute(query)]


def replay_sha256(conn: Connection, original: StoredFile) -> str:
    """The sha256 of the next replay of `original`: derived from its bytes' and the replay's
    number, so it never equals a real file's, and two replays racing cannot both record."""
    n = conn.execute(select(func.count()).where(f.replay_of == original.id)).scalar_one()
    return hashlib.sha256(f"replay {n + 1} of {original.sha256}".encode()).hexdigest()


def pending(conn: Connection, file_id: int) -> dict[int, set[Rejected]]:
    """The problems of each row of the file still quarantined, by row number."""
    query = select(r.row_number, r.column, r.value, r.error, r.source, r.unknown_status).where(
        r.source_file_id == file_id, _STILL
    )
    out: dict[int, set[Rejected]] = defaultdict(set)
    for row in conn.execute(query):
        out[row.row_number].add(Rejected(*row))
    return dict(out)


def mark_replayed(conn: Connection, file_id: int, rows: Iterable[int], replay_id: int) -> None:
    """The rows of the file that the replay `replay_id` loaded: no longer quarantined."""
    numbers = sorted(set(rows))
    for start in range(0, len(numbers), 1000):  # under every database's limit of parameters
        conn.execute(
            update(rejected_rows)
            .where(r.source_file_id == file_id, _STILL, r.row_number.in_(numbers[start : start + 1000]))
            .values(replayed_in=replay_id)
        )


def update_reasons(conn: Connection, file_id: int, now: Mapping[int, set[Rejected]]) -> list[int]:
    """Store the problems each quarantined row has now, where they differ from those stored
    (the row's entries are replaced); the rows whose reasons changed. A row no longer
    quarantined (a concurrent replay loaded it) is left alone."""
    before = pending(conn, file_id)
    changed = sorted(row for row, problems in now.items() if problems and row in before and before[row] != problems)
    for row in changed:
        conn.execute(delete(rejected_rows).where(r.source_file_id == file_id, _STILL, r.row_number == row))
        ordered = sorted(now[row], key=lambda p: (p.column or "", p.error))
        conn.execute(insert(rejected_rows), [{"source_file_id": file_id, **p.__dict__} for p in ordered])
    return changed
