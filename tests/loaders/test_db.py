"""Connecting, creating the schema and seeding the status map, on both databases."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from airbnb_export import airbnb_csv, airbnb_row
from databases import reset_pg_schema
from sqlalchemy import Engine, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from loaders import db
from loaders.analytics.views import drop_report_views_sql
from loaders.dialects import postgresql
from loaders.errors import DatabaseUnavailable, is_read_only
from loaders.strategies import known_rows
from loaders.tables import bookings, status_map
from pipelines.discover import FileOptions
from pipelines.ingest import FileResult, ingest_file, open_database
from schemas.tuning import Tuning
from schemas.vocab import FileStatus

SEED = Path(__file__).resolve().parents[2] / "schemas" / "status_map.csv"


def seed_file() -> list[tuple[str, str, str]]:
    lines = [ln for ln in SEED.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return [(r["source"].strip(), r["raw_status"].strip(), r["status"].strip()) for r in csv.DictReader(lines)]


def stored(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        return sorted(
            tuple(r) for r in conn.execute(select(status_map.c.source, status_map.c.raw_status, status_map.c.status))
        )


def test_a_new_database_holds_exactly_the_seed_file(engine: Engine) -> None:
    assert stored(engine) == sorted(seed_file())
    assert len(seed_file()) == len(set((s, r) for s, r, _ in seed_file()))


def test_seeding_again_adds_nothing_and_keeps_the_operators_edits(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(status_map)
            .where(status_map.c.source == "airbnb", status_map.c.raw_status == "Pending")
            .values(status="confirmed")
        )
        conn.execute(
            insert(status_map), {"source": "airbnb", "raw_status": "Awaiting host approval", "status": "pending"}
        )
    edited = stored(engine)

    db.ensure_schema(engine, seed_file())
    db.ensure_schema(engine, seed_file())

    assert stored(engine) == edited
    assert ("airbnb", "Pending", "confirmed") in edited


@pytest.mark.parametrize(
    ("url", "says"),
    [
        pytest.param("postgresql+psycopg://postgres@127.0.0.1:1/x", "127.0.0.1", id="nothing-listening"),
        pytest.param("postgresql://bob:s3cret@127.0.0.1:1/x", "127.0.0.1", id="password-hidden"),
        pytest.param("this is not a url", "not a database URL", id="not-a-url"),
        pytest.param("mysql://root@127.0.0.1/x", "SQLite and PostgreSQL", id="unsupported"),
        pytest.param("sqlite:////nonexistent-folder/sub/x.db", "unable to open", id="sqlite-folder-missing"),
    ],
)
def test_a_database_we_cannot_use_raises_database_unavailable_with_a_readable_reason(url: str, says: str) -> None:
    with pytest.raises(DatabaseUnavailable) as raised:
        db.connect(url)

    message = str(raised.value)
    assert says in message, message
    assert "\n" not in message and "s3cret" not in message, message


# ---- booking codes compare byte by byte on PostgreSQL ---------------------------------------------


def _code_collation(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return postgresql.code_collation(conn)


def _old_database(url: str, view: bool) -> None:
    """A database as an earlier version left it: codes in the database's collation, and with
    `view` an operator's view that reads them (which stops the column from being altered)."""
    reset_pg_schema(url)
    engine = db.connect(url)
    db.ensure_schema(engine, [])
    with engine.begin() as conn:
        # Newer than the collation: no such database has them.
        for drop in drop_report_views_sql():
            conn.execute(text(drop))
        conn.execute(text("DROP VIEW payout_lines"))
        conn.execute(text('ALTER TABLE bookings ALTER COLUMN external_code TYPE varchar(64) COLLATE "default"'))
        if view:
            conn.execute(text("CREATE VIEW operators_codes AS SELECT source, external_code FROM bookings"))
    assert _code_collation(engine) is None
    engine.dispose()


def _two_files(engine: Engine, tmp_path: Path) -> list[FileResult]:
    """A first load, then a changed file merged through staging (whose codes, in "C", are
    joined with those of bookings, in whichever collation the database holds them)."""
    stay = ("HMCOLLATE1", "Confirmed", "Cleo", dt.date(2026, 2, 1), dt.date(2026, 2, 4), "Loft", Decimal(300))
    results = []
    for n, rows in enumerate([[stay], [(*stay[:1], "Canceled by guest", *stay[2:]), ("HMCOLLATE2", *stay[1:])]]):
        path = tmp_path / f"export-{n}.csv"
        path.write_bytes(airbnb_csv([airbnb_row(*row) for row in rows]))
        results.append(ingest_file(engine, path, FileOptions(as_of=dt.datetime(2026, 1, 1 + n))))
    return results


def test_sqlite_connections_write_ahead_and_cache_a_large_load(tmp_path: Path) -> None:
    # A million-row merge updates its key indexes at random places: with SQLite's default 2 MB
    # page cache it rereads pages all the time (about 2 s more at 1M rows).
    engine = db.connect(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as conn:
            pragmas = {
                p: conn.execute(text(f"PRAGMA {p}")).scalar() for p in ("journal_mode", "cache_size", "foreign_keys")
            }
        assert pragmas == {"journal_mode": "wal", "cache_size": -262144, "foreign_keys": 1}
    finally:
        engine.dispose()


def test_a_new_postgresql_database_keeps_codes_in_the_c_collation(pg_server_url: str) -> None:
    reset_pg_schema(pg_server_url)
    engine = db.connect(pg_server_url)
    db.ensure_schema(engine, [])
    assert _code_collation(engine) == "C"
    engine.dispose()


@pytest.mark.parametrize("view", [False, True], ids=["migrated", "kept-by-a-view"])
def test_an_older_database_gets_the_c_collation_or_merges_in_its_own(
    pg_server_url: str, tmp_path: Path, view: bool
) -> None:
    _old_database(pg_server_url, view)
    engine = open_database(pg_server_url)  # ensure_schema migrates, unless the view stands in the way
    try:
        assert _code_collation(engine) == (None if view else "C")
        first, second = _two_files(engine, tmp_path)
        assert (first.status, first.inserted) == (FileStatus.LOADED, 1), first
        assert (second.status, second.inserted, second.updated) == (FileStatus.LOADED, 1, 1), second
        with engine.connect() as conn:
            statuses = dict(conn.execute(select(bookings.c.external_code, bookings.c.status)).all())
        assert statuses == {"HMCOLLATE1": "cancelled", "HMCOLLATE2": "confirmed"}
    finally:
        engine.dispose()


def test_a_database_from_before_row_hashes_gets_the_column_and_its_rows_are_compared_in_the_database(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stays = [
        ("HMHASH0001", "Confirmed", "Ann", dt.date(2026, 2, 1), dt.date(2026, 2, 4), "Loft", Decimal(300)),
        ("HMHASH0002", "Confirmed", "Bo", dt.date(2026, 2, 5), dt.date(2026, 2, 8), "Loft", Decimal(310)),
    ]
    first, again = tmp_path / "first.csv", tmp_path / "again.csv"
    first.write_bytes(airbnb_csv([airbnb_row(*s) for s in stays]))
    code, status, _, check_in, check_out, listing, earnings = stays[1]
    renamed = airbnb_row(code, status, "Bo Lind", check_in, check_out, listing, earnings)
    again.write_bytes(airbnb_csv([airbnb_row(*stays[0]), renamed]))
    engine = open_database(db_url)
    assert ingest_file(engine, first, FileOptions(as_of=dt.datetime(2026, 1, 1))).inserted == 2
    with engine.begin() as conn:  # as an older version left it
        conn.execute(text("ALTER TABLE bookings DROP COLUMN row_hash"))
    engine.dispose()

    engine = open_database(db_url)  # adds the column, empty
    try:
        in_memory = Tuning(known_in_memory_min_rows=0)  # PostgreSQL would compare in memory
        # ... but not when most stored rows have no hash to match: reading them would be wasted.
        monkeypatch.setattr(known_rows.KnownRows, "fetch", lambda raw: pytest.fail("read the stored rows"))
        result = ingest_file(engine, again, FileOptions(as_of=dt.datetime(2026, 1, 2)), tuning=in_memory)
        assert (result.status, result.inserted, result.updated, result.unchanged) == (FileStatus.LOADED, 0, 1, 1)
        with engine.connect() as conn:
            hashes = dict(conn.execute(select(bookings.c.external_code, bookings.c.row_hash)).all())
            guests = dict(conn.execute(select(bookings.c.external_code, bookings.c.guest_name)).all())
        assert guests == {"HMHASH0001": "Ann", "HMHASH0002": "Bo Lind"}
        # The unchanged row is not written (so keeps no hash); the changed one gets the new row's.
        assert hashes["HMHASH0001"] is None and hashes["HMHASH0002"] is not None
    finally:
        engine.dispose()


def test_a_read_only_engine_refuses_every_write_and_leaves_no_files_behind(engine: Engine, db_url: str) -> None:
    engine.dispose()  # the schema is current: the read-only opening creates and seeds nothing
    reader = open_database(db_url, read_only=True)
    try:
        assert stored(reader) == sorted(seed_file())
        with pytest.raises(DBAPIError) as refused, reader.begin() as conn:
            conn.execute(insert(status_map), {"source": "airbnb", "raw_status": "Brand new", "status": "pending"})
        assert is_read_only(refused.value), refused.value
    finally:
        reader.dispose()
    if db_url.startswith("sqlite:///"):  # closed as after any run: no -wal or -shm left
        folder = Path(db_url.removeprefix("sqlite:///")).parent
        assert sorted(p.name for p in folder.iterdir()) == ["bookingest.db"]
