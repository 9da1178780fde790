"""The report's data quality counts the files an inbox run rejected or skipped as duplicates (as
its claims record them), beside the files loaded, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from inbox_files import drop, export
from sqlalchemy import text

from pipelines.inbox_run import Inbox, drain
from pipelines.ingest import open_database
from reports.figures import report_figures


def test_files_rejected_and_duplicate_come_from_the_inbox_claims(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    drop(folder, "good.csv", export(1))
    drop(folder, "quarantined.csv", export(2, bad_status=True))
    drop(folder, "junk.csv", b"this is not an export\n")
    drop(folder, "broken.csv", b"")
    drop(folder, "again.csv", export(1))  # the same bytes as good.csv: a duplicate
    engine = open_database(db_url)
    drain(engine, Inbox.at(folder, settle_seconds=0), "w1")

    quality = report_figures(engine, dt.date(2026, 1, 1), dt.date(2026, 1, 31))["data_quality"]

    assert (quality["files_loaded"], quality["files_rejected"], quality["files_duplicate"]) == (2, 2, 1)
    with engine.connect() as conn:  # the view analysts query says the same, one row per status
        files: dict[str, int] = dict(
            conn.execute(text("SELECT item, rows FROM v_data_quality WHERE topic = 'files'")).all()
        )
    assert files == {"loaded": 2, "rejected": 2, "duplicate": 1}
    engine.dispose()
