"""Alembic revision 0005 (the replay columns) on its own, on SQLite and PostgreSQL: applied to a
database of the schema before it, with an old quarantined row, it gives exactly the tables of
loaders.tables (autogenerate finds no difference) and the old row its unknown label."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Engine, create_engine, insert, inspect, select, text

from loaders.db import normalize_url
from loaders.tables import metadata, rejected_rows, source_files

REVISION = Path(__file__).resolve().parents[2] / "loaders" / "migrations" / "versions" / "0005_replay.py"
DEC_2 = dt.datetime(2025, 12, 2)
ADDED = {"source_files": ("replay_of", "options"), "rejected_rows": ("source", "unknown_status", "replayed_in")}


def revision() -> ModuleType:
    spec = importlib.util.spec_from_file_location("revision_0005", REVISION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def before_0005(db_url: str) -> Engine:
    """The tables as they were before the revision: today's, without its columns."""
    engine = create_engine(normalize_url(db_url))
    with engine.begin() as conn:
        metadata.create_all(conn, tables=[source_files, rejected_rows])
        for table, columns in ADDED.items():
            for column in columns:
                conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        file_id = conn.execute(
            text("INSERT INTO source_files (sha256, path, source, as_of, status, rows, inserted, updated, unchanged, "
                 "rejected, loaded_at) VALUES ('ab', 'old.csv', 'airbnb', '2025-12-01', 'loaded', 2, 1, 0, 0, 1, "
                 "'2025-12-01') RETURNING id")
        ).scalar_one()  # fmt: skip
        old = [
            ("unknown status 'Arriving next week' for source airbnb; add it to the status map "
             "(schemas/status_map.csv, or the status_map table)", "Status"),
            ("the check-out 1/3/2026 is not after the check-in 1/7/2026", "End date"),
        ]  # fmt: skip
        for n, (error, column) in enumerate(old, start=2):
            conn.execute(
                text('INSERT INTO rejected_rows (source_file_id, row_number, "column", value, error) '
                     "VALUES (:f, :n, :c, 'x', :e)"),
                {"f": file_id, "n": n, "c": column, "e": error},
            )  # fmt: skip
    return engine


def _table_of(diff: Any) -> str | None:
    """The table an autogenerate difference is about: ("add_index", Index), ("add_column", schema,
    table, column), or a list of ("modify_...", schema, table, ...)."""
    first = diff[0] if isinstance(diff, list) else diff
    for item in first[1:]:
        if isinstance(item, str):
            return item
        table = getattr(item, "table", None)
        if table is not None:
            return str(table.name)
    return None


def test_revision_0005_adds_exactly_the_replay_columns_and_labels_old_rows(db_url: str) -> None:
    engine = before_0005(db_url)
    with engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        revision().upgrade()

    with engine.connect() as conn:
        found = inspect(conn)
        for table, columns in ADDED.items():
            assert set(columns) <= {c["name"] for c in found.get_columns(table)}
        context = MigrationContext.configure(conn)
        # Only the two tables it alters: the others are not made here.
        diffs = [d for d in compare_metadata(context, metadata) if _table_of(d) in ADDED]
        labels = conn.execute(
            select(rejected_rows.c.row_number, rejected_rows.c.source, rejected_rows.c.unknown_status)
            .order_by(rejected_rows.c.row_number)
        ).all()  # fmt: skip
        conn.execute(insert(source_files).values(sha256="cd", path="new.csv", as_of=DEC_2, status="loaded",
                                                 loaded_at=DEC_2, options="{}", replay_of=1))  # fmt: skip
    assert diffs == []
    assert [tuple(r) for r in labels] == [(2, "airbnb", "Arriving next week"), (3, None, None)]

    with engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        revision().downgrade()
    with engine.connect() as conn:
        found = inspect(conn)
        for table, columns in ADDED.items():
            assert not set(columns) & {c["name"] for c in found.get_columns(table)}
    engine.dispose()
