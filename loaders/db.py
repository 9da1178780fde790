"""Connecting to the database, creating the schema and seeding the status map."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from loaders.dialects import DIALECTS, dialect_of
from loaders.errors import DatabaseUnavailable
from loaders.history import history_view_sql
from loaders.payouts import payout_lines_view_sql
from loaders.rules.overlaps import conflicts_view_sql
from loaders.tables import metadata, status_map
from schemas.tuning import DEFAULT_TUNING, Tuning


def normalize_url(url: str) -> str:
    """Plain postgresql:// URLs use psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def connect(url: str, tuning: Tuning = DEFAULT_TUNING) -> Engine:
    """An engine for `url`, checked by connecting once; DatabaseUnavailable otherwise."""
    url = normalize_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(url, "this is not a database URL (try sqlite:///bookingest.db)") from None
    if parsed.get_backend_name() not in DIALECTS:
        raise DatabaseUnavailable(url, "only SQLite and PostgreSQL are supported")
    try:
        engine = DIALECTS[parsed.get_backend_name()].engine(parsed, tuning)
        with engine.connect():
            pass
    except NoSuchModuleError as err:
        raise DatabaseUnavailable(parsed.render_as_string(), f"no driver for it ({err})") from None
    except SQLAlchemyError as err:
        reason = str(getattr(err, "orig", err)).strip().splitlines()[0]
        raise DatabaseUnavailable(parsed.render_as_string(hide_password=True), reason) from None
    return engine


def ensure_schema(engine: Engine, seed: Iterable[tuple[str, str, str]]) -> None:
    """Create missing tables and add seed status-map entries the database lacks.

    Entries already in the database win: an operator's edit there is never overwritten.
    """
    metadata.create_all(engine)
    dialect = dialect_of(engine)
    with engine.begin() as conn:
        _bookings_have_row_hashes(conn)
        dialect.upgrade_schema(conn)
        conn.execute(text(conflicts_view_sql(dialect)))
        conn.execute(text(history_view_sql(dialect)))
        conn.execute(text(payout_lines_view_sql(dialect)))
    add_status_entries(engine, seed)


def add_status_entries(engine: Engine, entries: Iterable[tuple[str, str, str]]) -> None:
    """Add (source, raw label, status) entries to the status map; a label already there is kept."""
    rows = [{"source": s, "raw_status": r, "status": st} for s, r, st in entries]
    with engine.begin() as conn:
        if rows:
            conn.execute(
                dialect_of(engine).insert(status_map).on_conflict_do_nothing(index_elements=["source", "raw_status"]),
                rows,
            )


def _bookings_have_row_hashes(conn: Connection) -> None:
    """A database made before bookings had row_hash gets the column, empty: its rows are
    compared in the database until a file writes them again. Two processes starting at once
    may both add it: the second finds it there."""
    if "row_hash" in {c["name"] for c in inspect(conn).get_columns("bookings")}:
        return
    try:
        with conn.begin_nested():
            conn.execute(text("ALTER TABLE bookings ADD COLUMN row_hash BIGINT"))
    except DBAPIError:
        if "row_hash" not in {c["name"] for c in inspect(conn).get_columns("bookings")}:
            raise


def status_map_entries(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        result = conn.execute(select(status_map.c.source, status_map.c.raw_status, status_map.c.status))
        return [(r.source, r.raw_status, r.status) for r in result]
