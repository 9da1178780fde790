"""A merge's commit does not wait for the disk while it holds the merge lock; the file is reported
only once its commit is flushed. That wait survives a lost connection (the file is still 'loaded',
not found again as its own duplicate); a commit whose row is not found after the flush (a crash
of the server lost it) is MergeLost, loaded again (real PostgreSQL, a real terminated backend; a
crash itself: tests/pipelines/test_database_faults.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from airbnb_export import airbnb_csv, airbnb_row
from sqlalchemy import Engine, create_engine, event, func, insert, select, text

from loaders.errors import MergeLost
from loaders.merge_lock import kept_if, merged_in_turn
from loaders.tables import bookings, properties, source_files
from pipelines.discover import FileOptions
from pipelines.ingest import ingest_file, ingest_paths, open_database
from schemas.tuning import DEFAULT_TUNING, Tuning
from schemas.vocab import FileStatus

AS_OF = dt.datetime(2025, 12, 1, 6, 0)


@pytest.fixture
def pg_engine(pg_server_url: str) -> Engine:
    from databases import reset_pg_schema

    reset_pg_schema(pg_server_url)
    return open_database(pg_server_url)


def _export(tmp_path: Path) -> Path:
    rows = [
        airbnb_row(
            f"HMFLUSH{i:03d}",
            "Confirmed",
            f"Guest {i}",
            dt.date(2026, 3, 1 + 3 * i),
            dt.date(2026, 3, 3 + 3 * i),
            "Flat 1",
            Decimal(100 + i),
        )
        for i in range(3)
    ]
    path = tmp_path / "airbnb.csv"
    path.write_bytes(airbnb_csv(rows))
    return path


def test_a_connection_lost_while_the_commit_is_flushed_still_reports_the_file_loaded(
    pg_engine: Engine, pg_server_url: str, tmp_path: Path
) -> None:
    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    terminated: list[int] = []

    @event.listens_for(pg_engine, "before_cursor_execute")
    def cut(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "pg_logical_emit_message" in statement and not terminated:  # the flush, the first time
            pid = conn.connection.dbapi_connection.info.backend_pid
            with admin.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
            terminated.append(pid)

    result = ingest_file(pg_engine, _export(tmp_path), FileOptions(as_of=AS_OF))

    assert terminated  # the flush's connection was cut once
    assert (result.status, result.inserted) == (FileStatus.LOADED, 3)
    with pg_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(source_files)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(bookings)).scalar_one() == 3
    event.remove(pg_engine, "before_cursor_execute", cut)
    again = ingest_file(pg_engine, _export(tmp_path), FileOptions(as_of=AS_OF))
    assert again.status is FileStatus.DUPLICATE
    admin.dispose()
    pg_engine.dispose()


def test_a_database_away_until_the_retry_time_ends_says_the_merge_may_be_kept(
    pg_engine: Engine, pg_server_url: str, tmp_path: Path
) -> None:
    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")

    @event.listens_for(pg_engine, "before_cursor_execute")
    def cut(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "pg_logical_emit_message" in statement:  # every flush: the database stays away
            with admin.connect() as other:
                pid = conn.connection.dbapi_connection.info.backend_pid
                other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})

    files = [(_export(tmp_path), FileOptions(as_of=AS_OF))]
    [result] = ingest_paths(pg_engine, files, tuning=Tuning(retry_for_seconds=0.3, retry_first_delay=0.1))

    assert result.status is FileStatus.REJECTED and result.reason is not None
    assert "after the merge was committed, before it was confirmed on disk" in result.reason
    assert "nothing of this file was loaded" not in result.reason
    event.remove(pg_engine, "before_cursor_execute", cut)
    [again] = ingest_paths(pg_engine, files)  # as the sentence says: the merge was kept
    assert again.status is FileStatus.DUPLICATE
    admin.dispose()
    pg_engine.dispose()


def test_a_merge_whose_row_is_not_found_after_the_flush_is_lost(engine: Engine) -> None:
    with merged_in_turn(engine, DEFAULT_TUNING) as conn:  # kept, and its row found
        kept_if(conn, source_files, id=-1)
        kept_if(conn, properties, name="Nowhere")  # the last one named counts
        conn.execute(insert(properties).values(name="Nowhere"))
    with pytest.raises(MergeLost), merged_in_turn(engine, DEFAULT_TUNING) as conn:
        kept_if(conn, source_files, id=-1)  # as a crash leaves it: the commit's row is not there
    with merged_in_turn(engine, DEFAULT_TUNING) as conn:  # nothing named (none left over): nothing to check
        pass
    engine.dispose()
