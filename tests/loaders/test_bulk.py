"""First loads on PostgreSQL: rows COPYed straight into an empty bookings table whose indexes
are built afterwards must end exactly as the staged, set-based merge ends, constraints included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from airbnb_export import airbnb_csv, airbnb_row
from databases import reset_pg_schema
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateTable

from loaders.tables import bookings, metadata, properties, tasks
from pipelines.discover import FileOptions
from pipelines.ingest import ingest_file, open_database
from schemas.tuning import DEFAULT_TUNING, Tuning
from schemas.vocab import FileStatus

AS_OF = dt.datetime(2025, 12, 1, 7)
STATUSES = ["Confirmed", "Confirmed", "Canceled by guest", "Past guest", "Currently hosting", "Pending"]


def export_rows() -> list[list[str]]:
    """Three listings, back-to-back stays (same-day turnovers), gaps, and every kind of status."""
    rows = []
    for listing in range(3):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=listing)
        for i in range(20):
            nights = 1 + (i * 7 + listing) % 4
            rows.append(
                airbnb_row(
                    f"HM{listing}{i:07d}",
                    STATUSES[(i + listing) % len(STATUSES)],
                    f"Guest {listing}-{i}",
                    day,
                    day + dt.timedelta(days=nights),
                    f"Listing {listing}",
                    Decimal(100 + i * 13 + listing),
                )
            )
            day += dt.timedelta(days=nights + (i % 3 == 0))  # every third stay leaves a gap day
    return rows


def one_booking(path: Path, code: str, guest: str, check_in: dt.date, check_out: dt.date, listing: str) -> Path:
    """An export of one confirmed booking."""
    path.write_bytes(airbnb_csv([airbnb_row(code, "Confirmed", guest, check_in, check_out, listing, Decimal(90))]))
    return path


def state(engine: Engine) -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    b, t = bookings.c, tasks.c
    skip = {"id", "property_id", "source_file_id", "first_file_id"}
    with engine.connect() as conn:
        booked = {
            tuple(r)
            for r in conn.execute(
                select(properties.c.name, *(c for c in bookings.columns if c.name not in skip)).join_from(
                    bookings, properties, properties.c.id == b.property_id
                )
            )
        }
        cleaning = {
            tuple(r)
            for r in conn.execute(
                select(b.external_code, t.kind, t.due_date, t.status, t.same_day_turnover).join_from(
                    tasks, bookings, b.id == t.booking_id
                )
            )
        }
    return booked, cleaning


def load(url: str, path: Path, before: Path | None = None, tuning: Tuning = DEFAULT_TUNING) -> Engine:
    reset_pg_schema(url)
    engine = open_database(url)
    if before is not None:
        assert ingest_file(engine, before, FileOptions(as_of=AS_OF), tuning=tuning).status is FileStatus.LOADED
    result = ingest_file(engine, path, FileOptions(as_of=AS_OF), tuning=tuning)
    assert result.status is FileStatus.LOADED and result.inserted == len(export_rows()), result
    return engine


def test_a_first_load_ends_exactly_like_a_staged_merge(pg_server_url: str, tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_bytes(airbnb_csv(export_rows()))
    other = one_booking(
        tmp_path / "other.csv", "HMOTHER001", "Someone", dt.date(2026, 5, 1), dt.date(2026, 5, 3), "Elsewhere"
    )

    direct = load(pg_server_url, export)  # empty table: COPY straight into bookings
    first = state(direct)
    direct.dispose()
    staged = load(pg_server_url, export, before=other)  # a booking exists: staging and merge
    booked, cleaning = state(staged)
    staged.dispose()

    assert {r for r in booked if r[0] != "Elsewhere"} == first[0]
    assert {r for r in cleaning if r[0] != "HMOTHER001"} == first[1]
    # The fixture really has what the task rules are about.
    assert any(r[4] for r in first[1]), "no same-day turnover in the fixture"
    assert any("cancelled" in r for r in first[0]) and len(first[1]) < len(first[0])


@pytest.mark.parametrize(
    "min_rows", [DEFAULT_TUNING.deferred_index_min_rows, 1], ids=["tasks-indexed", "tasks-rebuilt"]
)
def test_after_a_first_load_every_constraint_and_index_is_back(
    pg_server_url: str, tmp_path: Path, min_rows: int
) -> None:
    # With min_rows=1 the tasks, too, are COPYed with reserved ids into a table without its
    # primary key and unique constraint, both built afterwards.
    tuning = Tuning(deferred_index_min_rows=min_rows)
    export = tmp_path / "export.csv"
    export.write_bytes(airbnb_csv(export_rows()))
    engine = load(pg_server_url, export, tuning=tuning)
    try:
        with engine.connect() as conn:
            indexes = set(
                conn.execute(
                    text("SELECT indexname FROM pg_indexes WHERE tablename IN ('bookings', 'tasks')")
                ).scalars()
            )
            task_ids = list(conn.execute(select(tasks.c.id).order_by(tasks.c.id)).scalars())
        assert {
            "pk_bookings",
            "uq_bookings_external_code_source",
            "ix_bookings_property_id_check_in",
            "pk_tasks",
            "uq_tasks_booking_id_kind",
        } <= indexes
        assert task_ids == list(range(1, len(task_ids) + 1))  # reserved from the sequence, in order
        # The sequences moved past the reserved ids: the next file's bookings and tasks get new ones.
        later = one_booking(
            tmp_path / "later.csv", "HMLATER001", "Lou", dt.date(2027, 3, 1), dt.date(2027, 3, 4), "Listing 0"
        )
        result = ingest_file(engine, later, FileOptions(as_of=AS_OF + dt.timedelta(days=1)), tuning=tuning)
        assert result.status is FileStatus.LOADED and result.inserted == 1, result
        with engine.connect() as conn:
            newest = conn.execute(select(func.max(tasks.c.id))).scalar_one()
        assert newest == len(task_ids) + 1
        # The unique constraint really refuses a second booking with the same key.
        with pytest.raises(IntegrityError), engine.begin() as conn:
            row = conn.execute(select(bookings).limit(1)).mappings().one()
            conn.execute(insert(bookings), {k: v for k, v in row.items() if k != "id"})
        # Rebuilding the constraints must not take them out of the table definition.
        assert "UNIQUE (external_code, source)" in str(CreateTable(bookings).compile(engine))
        assert "UNIQUE (booking_id, kind)" in str(CreateTable(tasks).compile(engine))
    finally:
        engine.dispose()
    assert metadata.tables["bookings"] is bookings


def test_a_first_load_rebuilds_the_indexes_a_database_has_not_the_ones_this_version_declares(
    pg_server_url: str, tmp_path: Path
) -> None:
    # A database made by an earlier version: the booking key constraint under its old name and
    # column order, and an index an operator added. Both are dropped and rebuilt as they were.
    reset_pg_schema(pg_server_url)
    engine = open_database(pg_server_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE bookings DROP CONSTRAINT uq_bookings_external_code_source"))
        conn.execute(
            text("ALTER TABLE bookings ADD CONSTRAINT uq_bookings_source_external_code UNIQUE (source, external_code)")
        )
        conn.execute(text("CREATE INDEX operators_guest_index ON bookings (guest_name)"))
    export = tmp_path / "export.csv"
    export.write_bytes(airbnb_csv(export_rows()))
    try:
        result = ingest_file(engine, export, FileOptions(as_of=AS_OF))
        assert result.status is FileStatus.LOADED and result.inserted == len(export_rows()), result
        with engine.connect() as conn:
            definitions: dict[str, str] = dict(
                conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'bookings'")).all()
            )
        assert "(source, external_code)" in definitions["uq_bookings_source_external_code"]
        assert "(guest_name)" in definitions["operators_guest_index"]
        assert "uq_bookings_external_code_source" not in definitions
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_large_first_load_leaves_fresh_statistics_for_the_next_merge(pg_server_url: str, tmp_path: Path) -> None:
    # Without them the next file's merge saw a few hundred properties and probed the key index
    # once per row instead of hashing. ANALYZE run by the load sets last_analyze (autovacuum
    # sets last_autoanalyze instead).
    rows = [
        airbnb_row(
            f"HMST{i:06d}",
            "Confirmed",
            "Guest",
            dt.date(2026, 1, 1),
            dt.date(2026, 1, 3),
            f"Listing {i}",
            Decimal(90),
        )
        for i in range(10_001)
    ]
    export = tmp_path / "large.csv"
    export.write_bytes(airbnb_csv(rows))
    reset_pg_schema(pg_server_url)
    engine = open_database(pg_server_url)
    try:
        assert ingest_file(engine, export, FileOptions(as_of=AS_OF)).inserted == len(rows)
        with engine.connect() as conn:
            analyzed: dict[str, bool] = dict(
                conn.execute(
                    text(
                        "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname IN ('bookings', 'properties')"
                    )
                ).all()
            )
        assert analyzed == {"bookings": True, "properties": True}
    finally:
        engine.dispose()
