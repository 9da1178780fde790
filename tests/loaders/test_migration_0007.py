"""Alembic revision 0007 on SQLite and PostgreSQL: a database whose report views were made by an
older query (as a database at 0006 keeps them) gets today's views, the same as a database built
from empty, and a report reads today's figures from it."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Connection, Engine, text

from loaders import migrate
from loaders.analytics.views import REPORT_VIEW_NAMES
from loaders.dialects import dialect_of
from pipelines.ingest import open_database

# An older v_data_quality: the same columns, other figures (no view reads it, so it can be swapped).
STALE = "SELECT 'stale' AS topic, NULL AS source, NULL AS item, 0 AS rows"


def definitions(conn: Connection) -> dict[str, str]:
    if dialect_of(conn).name == "sqlite":
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'view'"
    else:
        query = "SELECT viewname, definition FROM pg_views WHERE schemaname = current_schema()"
    return {name: sql for name, sql in conn.execute(text(query)) if name in REPORT_VIEW_NAMES}


def _to(engine: Engine, revision: str, down: bool = False) -> None:
    config = migrate.alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)


def test_revision_0007_replaces_the_report_views_of_an_older_query(db_url: str) -> None:
    engine = open_database(db_url)  # at the newest revision
    with engine.connect() as conn:
        today = definitions(conn)
    assert set(today) == set(REPORT_VIEW_NAMES)
    _to(engine, "0006", down=True)
    with engine.begin() as conn:
        conn.execute(text("DROP VIEW v_data_quality"))
        conn.execute(text(f"CREATE VIEW v_data_quality AS {STALE}"))
        assert conn.execute(text("SELECT topic FROM v_data_quality")).scalar_one() == "stale"
    _to(engine, "head")
    with engine.connect() as conn:
        assert migrate.revision_of(conn) == migrate.head()
        assert definitions(conn) == today
        topics = {t for (t,) in conn.execute(text("SELECT topic FROM v_data_quality"))}
    assert "stale" not in topics and "bookings_without_payout" in topics
    engine.dispose()
