"""Helpers for the test databases, shared by conftest.py and the tests that manage their own."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Column, Engine, create_engine, text

from loaders.tables import booking_changes, bookings, properties, rejected_rows, source_file_keys, source_files, tasks
from pipelines.ingest import open_database

# CI sets this: a missing PostgreSQL (or chromium, for the report page's browser test) then fails
# the suite instead of skipping half of it.
REQUIRE_PG = os.environ.get("BOOKINGEST_REQUIRE_POSTGRES", "") not in ("", "0") or os.environ.get("CI") == "true"

# Every reference between the tables a merge writes. The schema declares no FOREIGN KEYs on the
# high-volume tables (for speed, see loaders/tables.py), so the tests check that these hold.
REFERENCES: list[tuple[Column[int], Column[int]]] = [
    (bookings.c.property_id, properties.c.id),
    (bookings.c.source_file_id, source_files.c.id),
    (bookings.c.first_file_id, source_files.c.id),
    (rejected_rows.c.source_file_id, source_files.c.id),
    (booking_changes.c.booking_id, bookings.c.id),
    (booking_changes.c.source_file_id, source_files.c.id),
    (tasks.c.booking_id, bookings.c.id),
    (source_file_keys.c.source_file_id, source_files.c.id),
    (source_files.c.replay_of, source_files.c.id),
    (rejected_rows.c.replayed_in, source_files.c.id),
]


def reset_pg_schema(url: str) -> None:
    """Empty a PostgreSQL test database: drop and recreate its public schema."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    admin.dispose()


def at_release_schema(engine: Engine) -> None:
    """Take a database at the newest revision back to revision 0003, the schema of release 0.1
    (the last before migrations): the tests of older databases start from it, whatever later
    revisions add."""
    from alembic import command

    from loaders import migrate

    config = migrate.alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")


def fresh_engine(db_url: str) -> Engine:
    """The test's database emptied and set up again."""
    if db_url.startswith("sqlite:///"):
        Path(db_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        reset_pg_schema(db_url)
    return open_database(db_url)
