"""The merge of an earnings export: its lines into `payouts`, in the file's one transaction; bookings are never touched."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Engine

from loaders.file_load import FileRecord, loading
from loaders.merge_lock import Turn
from loaders.payouts import count_lines, store_lines
from pipelines.results import MAX_PROBLEMS_SHOWN, FileResult, describe
from schemas.problems import Rejected
from schemas.tuning import Tuning
from schemas.vocab import FileStatus, PayoutKind
from sources.payouts import LineKeys, payout_lines
from sources.repair import repair_note
from sources.tables import RawTable


def ingest(
    engine: Engine,
    record: FileRecord,
    tables: Iterable[RawTable],
    tuning: Tuning,
    dry_run: bool,
    turn: Turn | None = None,
) -> FileResult:
    """Every line of the export parsed and stored once (a line an overlapping export stored
    before is counted unchanged, or updated when this export completed it), the others
    quarantined with their problems. An earnings
    export has no status, so it never creates, cancels or changes a booking: the lines are
    linked to bookings by the payout_lines view. The lines are parsed before the merge lock is
    asked for (`turn`: see loaders.file_load.loading). Raises what `loading` and the
    reader raise."""
    keys = LineKeys()
    rows, valid, completed = 0, 0, 0
    problems: list[Rejected] = []
    repaired: dict[str, None] = {}
    unknown: dict[str, None] = {}  # the type labels stored as `other`, in order
    parsed = []
    for table in tables:
        repaired.update(dict.fromkeys(table.repaired))
        lines, rejected = payout_lines(table, keys)
        rows, valid = rows + len(table), valid + len(lines)
        problems.extend(rejected)
        unknown.update(dict.fromkeys(lines.loc[lines["kind"] == PayoutKind.OTHER.value, "raw_type"]))
        parsed.append((lines, rejected))
    with loading(engine, record, tuning, dry_run, turn) as load:
        for lines, rejected in parsed:
            load.stage(pd.DataFrame(), rejected)  # the rejected rows only: no booking is staged
            completed += store_lines(load.conn, load.file_id, lines)
        rejected_rows = len({r.row_number for r in problems})
        load.merge(rows, rejected_rows)  # completes the file's record
        counts = count_lines(load.conn, load.file_id, valid, completed)
    notes = [repair_note(list(repaired))] if repaired else []
    if unknown:
        labels = ", ".join(f"'{u}'" for u in unknown)
        notes.append(f"lines of a type no layout knows ({labels}) were stored as kind other")
    problems.sort(key=lambda r: r.row_number)
    return FileResult(
        path=record.path,
        source=record.layout,
        status=FileStatus.LOADED,
        rows=rows,
        inserted=counts.inserted,
        updated=counts.updated,
        unchanged=counts.unchanged,
        rejected=rejected_rows,
        problems=[describe(r) for r in problems[:MAX_PROBLEMS_SHOWN]],
        problems_total=len(problems),
        notes=notes,
        file_id=load.file_id,
    )
