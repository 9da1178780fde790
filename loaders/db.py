"""Connecting to the database, building or checking its schema under its lock (loaders.migrate) and seeding the status map."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from loaders import migrate
from loaders.dialects import DIALECTS, dialect_of
from loaders.errors import (
    DatabaseDiskFull,
    DatabaseReadOnly,
    DatabaseUnavailable,
    GaveUp,
    SchemaNotCurrent,
    SchemaUpgradeFailed,
    first_line,
    free_bytes,
    is_disk_full,
    is_read_only,
)
from loaders.retry import retrying
from loaders.tables import status_map
from schemas.tuning import DEFAULT_TUNING, Tuning


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
    """An engine on `url` with the schema at the newest revision and the status map seeded: an empty
    database is built (loaders.migrate), one at another revision refused (SchemaNotCurrent: only
    `bookingest db upgrade` changes it). `read_only`, for a command that only reads: an engine that
    never writes, on a database that is current already (an empty one is built first, which writes)."""
    if read_only:
        engine = connect(url, tuning, read_only=True)
        found, refused = _schema_state(engine)
        if refused is not None:
            engine.dispose()
            raise refused
        if found is not None:  # at the newest revision
            return engine
        engine.dispose()
    try:
        engine = connect(url, tuning)
    except DatabaseReadOnly as err:
        if not read_only:
            raise
        why = f"{err.reason}, and this version of bookingest must create its schema first"
        raise DatabaseReadOnly(err.url, why) from None
    try:
        retrying(lambda: ensure_schema(engine, seed), tuning)
    except (SQLAlchemyError, GaveUp) as err:
        raise unusable(engine, err) from None
    except (SchemaNotCurrent, SchemaUpgradeFailed):
        engine.dispose()
        raise
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


def ensure_schema(engine: Engine, seed: Iterable[tuple[str, str, str]]) -> None:
    """Build an empty database to the newest revision, refuse one at another revision
    (SchemaNotCurrent), and add seed status-map entries it lacks, in one transaction under the
    schema lock: two processes starting at once on an empty database take turns. Entries already
    in the database win: an operator's edit there is never overwritten."""
    with schema_lock(engine) as conn:
        migrate.upgrade(conn)
        _add_status_entries(conn, seed)


def upgrade_database(
    url: str, seed: Iterable[tuple[str, str, str]], tuning: Tuning = DEFAULT_TUNING
) -> migrate.Upgrade:
    """`bookingest db upgrade`: bring the database to the newest revision, one made before
    migrations too (first stamped with the revision its schema has), and seed the status map, in
    one transaction under the schema lock. SchemaNotCurrent for a database newer than this version."""
    engine = connect(url, tuning)

    def upgraded() -> migrate.Upgrade:
        with schema_lock(engine) as conn:
            done = migrate.upgrade(conn, existing=True)
            _add_status_entries(conn, seed)
        return done

    try:
        return retrying(upgraded, tuning)
    except (SQLAlchemyError, GaveUp) as err:
        raise unusable(engine, err) from None
    finally:
        engine.dispose()


def schema_state(url: str, tuning: Tuning = DEFAULT_TUNING) -> tuple[str | None, SchemaNotCurrent | None]:
    """`bookingest db current`, read only: the revision the database records, and why this version
    may not use it as it is (None: it is at the newest revision, or empty)."""
    engine = connect(url, tuning, read_only=True)
    try:
        return _schema_state(engine)
    finally:
        engine.dispose()


def _schema_state(engine: Engine) -> tuple[str | None, SchemaNotCurrent | None]:
    try:
        with engine.connect() as conn:
            return migrate.revision_of(conn), migrate.refusal(conn)
    except SQLAlchemyError as err:
        raise unusable(engine, err) from None


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


def status_map_entries(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        result = conn.execute(select(status_map.c.source, status_map.c.raw_status, status_map.c.status))
        return [(r.source, r.raw_status, r.status) for r in result]
