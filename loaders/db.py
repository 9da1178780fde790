"""Connecting to the database, creating the schema under its lock and seeding the status map."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from loaders.dialects import DIALECTS, dialect_of
from loaders.errors import (
    DatabaseDiskFull,
    DatabaseReadOnly,
    DatabaseUnavailable,
    GaveUp,
    first_line,
    free_bytes,
    is_disk_full,
    is_read_only,
)
from loaders.history import history_view_sql
from loaders.payouts import payout_lines_view_sql
from loaders.retry import retrying
from loaders.rules.overlaps import conflicts_view_sql
from loaders.tables import metadata, status_map
from schemas.tuning import DEFAULT_TUNING, Tuning

VIEWS = ("booking_conflicts", "booking_history", "payout_lines")


def normalize_url(url: str) -> str:
    """Plain postgresql:// URLs use psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def connect(url: str, tuning: Tuning = DEFAULT_TUNING, read_only: bool = False) -> Engine:
    """An engine for `url`, checked by connecting once; DatabaseUnavailable otherwise, and
    DatabaseReadOnly when this process cannot write it (unless `read_only`: one that never writes)."""
    url = normalize_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(url, "this is not a database URL (try sqlite:///bookingest.db)") from None
    if parsed.get_backend_name() not in DIALECTS:
        raise DatabaseUnavailable(url, "only SQLite and PostgreSQL are supported")
    shown = parsed.render_as_string(hide_password=True)
    dialect = DIALECTS[parsed.get_backend_name()]
    try:
        engine = dialect.engine(parsed, tuning, read_only)
    except NoSuchModuleError as err:
        raise DatabaseUnavailable(shown, f"no driver for it ({err})") from None
    try:
        # Asked first: a SQLite file on a read-only mount fails to open for writing, unnamed.
        refused = None if read_only else dialect.read_only_reason(engine)
        if refused is None:
            with engine.connect():
                pass
    except SQLAlchemyError as err:
        raise unusable(engine, err) from None
    if refused:
        engine.dispose()
        raise DatabaseReadOnly(shown, refused)
    return engine


def unusable(engine: Engine, err: Exception) -> DatabaseUnavailable:
    """The database error `err`, met while opening the database, as the error that names it."""
    engine.dispose()
    shown = engine.url.render_as_string(hide_password=True)
    if isinstance(err, GaveUp):
        return DatabaseUnavailable(shown, f"it {err.what()}")
    if is_read_only(err):
        return DatabaseReadOnly(shown, dialect_of(engine).read_only_reason(engine) or first_line(err))
    folder = dialect_of(engine).folder(engine.url)
    if is_disk_full(err, folder):
        room = f"; {free_bytes(folder)} bytes free in {folder}" if folder else ""
        return DatabaseDiskFull(shown, first_line(err) + room)
    return DatabaseUnavailable(shown, first_line(err))


def open_database(
    url: str, seed: Iterable[tuple[str, str, str]], tuning: Tuning = DEFAULT_TUNING, read_only: bool = False
) -> Engine:
    """An engine on `url` with the schema made or brought up to date and the status map seeded.
    `read_only`, for a command that only reads: an engine that never writes, on a database whose
    schema is current already (else it is brought up to date first, which needs writing)."""
    if read_only:
        engine = connect(url, tuning, read_only=True)
        if schema_is_current(engine):
            return engine
        engine.dispose()
    try:
        engine = connect(url, tuning)
    except DatabaseReadOnly as err:
        if not read_only:
            raise
        why = f"{err.reason}, and this version of bookingest must add to its schema first"
        raise DatabaseReadOnly(err.url, why) from None
    try:
        retrying(lambda: ensure_schema(engine, seed), tuning)
    except (SQLAlchemyError, GaveUp) as err:
        raise unusable(engine, err) from None
    if read_only:
        engine.dispose()
        return connect(url, tuning, read_only=True)
    return engine


@contextmanager
def schema_lock(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the schema lock: one process at a time creates or changes the
    schema in it (the others wait, then find it made). Whatever changes the schema takes it here."""
    with engine.begin() as conn:
        dialect_of(conn).lock_schema(conn)
        yield conn


def schema_is_current(engine: Engine) -> bool:
    """Whether every table, column and view this version reads is there (read, never written)."""
    with engine.connect() as conn:
        found = inspect(conn)
        if not set(metadata.tables) <= set(found.get_table_names()) or not set(VIEWS) <= set(found.get_view_names()):
            return False
        return all(
            {c.name for c in table.columns} <= {c["name"] for c in found.get_columns(name)}
            for name, table in metadata.tables.items()
        )


def ensure_schema(engine: Engine, seed: Iterable[tuple[str, str, str]]) -> None:
    """Create missing tables and views, upgrade an older database and add seed status-map entries
    it lacks, in one transaction under the schema lock: two processes starting at once on an
    empty database take turns. Entries already in the database win: an operator's edit there is
    never overwritten."""
    dialect = dialect_of(engine)
    with schema_lock(engine) as conn:
        metadata.create_all(conn)
        _bookings_have_row_hashes(conn)
        _source_files_have_archived_paths(conn)
        dialect.upgrade_schema(conn)
        conn.execute(text(conflicts_view_sql(dialect)))
        conn.execute(text(history_view_sql(dialect)))
        conn.execute(text(payout_lines_view_sql(dialect)))
        _add_status_entries(conn, seed)


def add_status_entries(engine: Engine, entries: Iterable[tuple[str, str, str]]) -> None:
    """Add (source, raw label, status) entries to the status map; a label already there is kept."""
    with engine.begin() as conn:
        _add_status_entries(conn, entries)


def _add_status_entries(conn: Connection, entries: Iterable[tuple[str, str, str]]) -> None:
    rows = [{"source": s, "raw_status": r, "status": st} for s, r, st in entries]
    if rows:
        conn.execute(
            dialect_of(conn).insert(status_map).on_conflict_do_nothing(index_elements=["source", "raw_status"]), rows
        )


def _bookings_have_row_hashes(conn: Connection) -> None:
    """A database made before bookings had row_hash gets the column, empty: its rows are
    compared in the database until a file writes them again."""
    if "row_hash" not in {c["name"] for c in inspect(conn).get_columns("bookings")}:
        conn.execute(text("ALTER TABLE bookings ADD COLUMN row_hash BIGINT"))


def _source_files_have_archived_paths(conn: Connection) -> None:
    """A database made before the inbox filed files away gets the column, empty (revision 0004)."""
    if "archived_path" not in {c["name"] for c in inspect(conn).get_columns("source_files")}:
        conn.execute(text("ALTER TABLE source_files ADD COLUMN archived_path TEXT"))


def status_map_entries(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        result = conn.execute(select(status_map.c.source, status_map.c.raw_status, status_map.c.status))
        return [(r.source, r.raw_status, r.status) for r in result]
