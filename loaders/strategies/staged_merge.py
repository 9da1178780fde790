"""The staged merge (both dialects): a file's rows go to a staging table, merged into bookings set-based."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import DateTime, Integer, and_, exists, func, insert, literal, not_, or_, select, union_all, update

from loaders import bulk, history
from loaders.analytics import stored
from loaders.rules import overlaps
from loaders.rules import tasks as task_rules
from loaders.staging import COMPARED, WRITTEN, changes, staging
from loaders.strategies import LoadStrategy, MergeCounts, OpenFile, Strategy, now
from loaders.strategies.stays import Stays
from loaders.tables import bookings, source_file_keys, source_files
from schemas.vocab import BOOKING_KEY


class StagedMerge(LoadStrategy):
    """Rows staged a chunk at a time (how is the dialect's business), merged once. `first`: the
    bookings table was empty (SQLite's first load), so the double-booking check is done in memory."""

    name = Strategy.STAGED_MERGE
    table = staging

    def __init__(self, file: OpenFile, first: bool = False) -> None:
        super().__init__(file)
        self.stays = Stays() if first else None

    def store(self, frame: pd.DataFrame) -> None:
        if self.stays is not None:  # the double-booking check, in memory (the properties as resolved)
            self.stays.add(frame.assign(id=0))
        self.file.dialect.fill_staging(self.file.conn, self.file.worker, frame)

    def discard(self, source_rows: list[int]) -> None:
        super().discard(source_rows)
        if self.stays is not None:
            self.stays.discard(source_rows)

    def merge(self) -> MergeCounts:
        f = self.file
        f.dialect.analyze_staging(f.conn)
        counts, last_id = merge_from_staging(f, self)
        # Bookings this file neither inserted nor changed were checked when they were written.
        self.may_double_book = counts.inserted + counts.updated > 0
        if self.stays is not None:
            self.may_double_book = overlaps.any_overlap(self.stays.frame())
        history.record_history(f.conn, changes, f.file_id, f.as_of, now())
        task_rules.apply_task_rules(f.conn, changes, last_id, now(), f.tuning)
        stored.mark_stale(
            f.conn, union_all(select(changes.c.booking_id), select(bookings.c.id).where(bookings.c.id > last_id))
        )
        return counts

    def unchanged_elsewhere(self) -> int:
        """How many of the file's rows were found unchanged without being staged (see known_rows)."""
        return 0

    def list_unchanged_elsewhere(self) -> None:
        """Add those rows' bookings to the file's source_file_keys entry."""


def merge_from_staging(file: OpenFile, strategy: StagedMerge) -> tuple[MergeCounts, int]:
    """Merge staging into bookings; return the counts and the last booking id from before.

    Set-based, touching only what changes: record the really changed rows (old and new
    values) in a small temporary table; record the unchanged known ids for the late-export
    rule (which also counts the known rows); insert the new keys, if any, with an anti-join;
    update the changed rows from that table. Unchanged rows are never written.
    The rows the strategy found unchanged without staging them (see known_rows) are counted
    and listed with the staged ones.
    """
    conn, file_id, as_of, dialect = file.conn, file.file_id, file.as_of, file.dialect
    s, b = staging.c, bookings.c
    incoming = {name: s[name] for name in COMPARED}  # the property as resolved (loaders.properties)
    as_of_param = literal(as_of, DateTime)
    same_key = and_(*(b[k] == s[k] for k in BOOKING_KEY))
    matched = staging.join(bookings, same_key)
    changed = or_(*(b[name].is_distinct_from(incoming[name]) for name in COMPARED))

    applies = [b.as_of <= as_of_param, changed]
    if conn.execute(select(exists().where(source_files.c.as_of > as_of_param, source_files.c.id != file_id))).scalar():
        # A late export: a booking listed by any newer file keeps that file's values.
        applies.append(not_(b.id.in_(_listed_by_files_newer_than(file, as_of_param))))
    updated = conn.execute(
        insert(changes).from_select(
            ["booking_id", "source_row", "row_hash", *(f"old_{n}" for n in COMPARED), *(f"new_{n}" for n in COMPARED)],
            select(b.id, s.source_row, s.row_hash, *(b[n] for n in COMPARED), *(incoming[n] for n in COMPARED))
            .select_from(matched)
            .where(*applies),
        ),
        execution_options={"preserve_rowcount": True},
    ).rowcount
    total = conn.execute(select(func.count()).select_from(staging)).scalar_one() + strategy.unchanged_elsewhere()
    last_id = conn.execute(select(func.coalesce(func.max(b.id), 0))).scalar_one()
    file_param = literal(file_id, Integer)
    new_rows = (
        select(
            *(s[k] for k in BOOKING_KEY),
            *(incoming[n] for n in COMPARED),
            s.row_hash,
            as_of_param,
            file_param,
            s.source_row,
            file_param,
            as_of_param,
        )
        .select_from(staging)
        .where(~exists().where(same_key))
    )
    # The known bookings this file lists but does not change: a later-arriving older export
    # must not change them either (new and changed rows carry this file's as_of already).
    # Recorded before the insert, the list also tells how many of the file's rows are known.
    ids, size = dialect.ids_aggregated(b.id), dialect.ids_counted(source_file_keys.c.booking_ids)
    listed = select(file_param, ids).select_from(staging.join(bookings, same_key))
    unchanged = (
        conn.execute(
            insert(source_file_keys)
            .from_select(
                ["source_file_id", "booking_ids"],
                listed.where(b.id.not_in(select(changes.c.booking_id))).having(func.count() > 0),
            )
            .returning(size)
        ).scalar_one_or_none()
        or 0
    )
    strategy.list_unchanged_elsewhere()
    unchanged += strategy.unchanged_elsewhere()
    known = unchanged + updated
    if total > known:
        # A plain INSERT: the anti-join already excludes known keys and merges hold a lock, while
        # ON CONFLICT's speculative insertion would cost PostgreSQL nearly twice the time. A file
        # with at least as many new rows as the table holds builds the indexes after the rows.
        with bulk.indexes_deferred(conn, bookings, total - known, last_id, file.tuning):
            conn.execute(
                insert(bookings).from_select([*BOOKING_KEY, *WRITTEN, "first_file_id", "first_as_of"], new_rows)
            )
    dialect.analyze(conn, total - known)
    if updated:
        c = changes.c
        conn.execute(
            update(bookings)
            .where(b.id == c.booking_id)
            .values(
                {n: c[f"new_{n}"] for n in COMPARED}
                | {
                    "row_hash": c.row_hash,
                    "as_of": as_of_param,
                    "source_file_id": file_param,
                    "source_row": c.source_row,
                }
            )
        )
    return MergeCounts(inserted=total - known, updated=updated, unchanged=known - updated), last_id


def _listed_by_files_newer_than(file: OpenFile, as_of: Any) -> Any:
    newer = select(source_files.c.id).where(source_files.c.as_of > as_of, source_files.c.id != file.file_id)
    k = source_file_keys.c
    return file.dialect.ids_listed(k.booking_ids).where(k.source_file_id.in_(newer))
