"""The revisions build exactly the schema loaders.tables declares, on both databases: what Alembic's
autogenerate compares (tables, columns, types, nullability, server defaults, indexes, uniques,
foreign keys) and what it does not (check constraints, the codes' collation, the views)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from schema_compare import VIEWS, schema_differences
from sqlalchemy import Engine, create_engine, inspect, text

from loaders import migrate
from loaders.analytics.views import REPORT_VIEW_NAMES, drop_report_views_sql

CODES = ("bookings", "payouts")  # the tables that hold booking codes


@pytest.fixture
def fresh(db_url: str) -> Iterator[Engine]:
    """A database built from empty by the start-up (open_database), as every first use builds it."""
    from pipelines.ingest import open_database

    engine = open_database(db_url)
    yield engine
    engine.dispose()


def test_an_empty_database_is_built_to_the_newest_revision_which_is_exactly_the_tables(fresh: Engine) -> None:
    with fresh.connect() as conn:
        assert migrate.revision_of(conn) == migrate.head()
        assert schema_differences(conn) == []
        for view in sorted(VIEWS):  # each view reads what it names: nothing but totals of nothing
            rows = conn.execute(text(f"SELECT * FROM {view}")).mappings().all()
            assert all(not row.get("rows") and not row.get("id") for row in rows) and len(rows) <= 1, (view, rows)


def test_booking_codes_are_c_collated_on_postgresql(fresh: Engine) -> None:
    with fresh.connect() as conn:
        codes = {t: {c["name"]: c["type"] for c in inspect(conn).get_columns(t)}["external_code"] for t in CODES}
    wanted = "C" if fresh.dialect.name == "postgresql" else None
    assert {t: getattr(kind, "collation", None) for t, kind in codes.items()} == dict.fromkeys(CODES, wanted)


REPORT_VIEWS = sorted(REPORT_VIEW_NAMES)


# Each breaks the built schema in one way; the comparison must see every one (else it proves nothing).
SABOTAGE = {
    "index-dropped": ["DROP INDEX ix_bookings_property_id_check_in"],
    "extra-index": ["CREATE INDEX ix_tasks_due_date ON tasks (due_date)"],
    "column-dropped": ["ALTER TABLE bookings DROP COLUMN row_hash"],
    "extra-column": ["ALTER TABLE source_files ADD COLUMN note TEXT"],
    "view-dropped": ["DROP VIEW booking_history"],
}
PG_SABOTAGE = {
    "unique-dropped": ["ALTER TABLE tasks DROP CONSTRAINT uq_tasks_booking_id_kind"],
    # The report views read the columns altered: out of the way first (their absence is not counted).
    "type-changed": [*drop_report_views_sql(), "ALTER TABLE bookings ALTER COLUMN nights TYPE bigint"],
    "nullable": ["ALTER TABLE bookings ALTER COLUMN guest_name SET NOT NULL"],
    "server-default": ["ALTER TABLE tasks ALTER COLUMN locked SET DEFAULT false"],
    "check-dropped": ["ALTER TABLE bookings DROP CONSTRAINT ck_bookings_status"],
    "check-vocabulary": [
        "ALTER TABLE tasks DROP CONSTRAINT ck_tasks_kind",
        "ALTER TABLE tasks ADD CONSTRAINT ck_tasks_kind CHECK (kind IN ('cleaning', 'laundry'))",
    ],
    "collation": [
        *drop_report_views_sql(),
        "DROP VIEW payout_lines",
        "CREATE VIEW payout_lines AS SELECT 1 AS x",
        'ALTER TABLE bookings ALTER COLUMN external_code TYPE varchar(64) COLLATE "default"',
    ],
}


@pytest.mark.parametrize("broken", [*SABOTAGE, *PG_SABOTAGE])
def test_the_comparison_sees_each_kind_of_difference(fresh: Engine, broken: str) -> None:
    if broken in PG_SABOTAGE and fresh.dialect.name != "postgresql":
        pytest.skip("SQLite alters no constraint or type in place")
    with fresh.connect() as conn:
        for ddl in {**SABOTAGE, **PG_SABOTAGE}[broken]:
            conn.execute(text(ddl))
        assert [d for d in schema_differences(conn) if d != ("views missing", REPORT_VIEWS)] != []
        conn.rollback()


def test_alembic_downgrades_to_empty_and_upgrades_again_through_env_py(fresh: Engine) -> None:
    """The revisions run from Alembic's own command API too (a developer's `alembic` CLI)."""
    config = migrate.alembic_config()
    with fresh.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
        assert set(inspect(conn).get_table_names()) == {"alembic_version"}
        assert inspect(conn).get_view_names() == []
        command.upgrade(config, "0002")
        assert migrate.revision_of(conn) == "0002"
        command.upgrade(config, "head")
        assert migrate.revision_of(conn) == migrate.head()
        assert schema_differences(conn) == []
        conn.commit()


def test_the_revisions_are_one_chain_from_0001_to_the_newest() -> None:
    chain = [s.revision for s in migrate.revisions()]
    assert chain[:3] == ["0001", "0002", "0003"] and chain[-1] == migrate.head()
    assert [s.down_revision for s in migrate.revisions()] == [None, *chain[:-1]]
    assert all(s.doc for s in migrate.revisions())  # `bookingest db history` shows each one's


@pytest.mark.slow  # builds a wheel
def test_an_installed_wheel_holds_the_migrations_and_runs_them(tmp_path: Path) -> None:
    """A non-editable install: the wheel's loaders package brings env.py, the template and every
    revision, and its loaders.migrate finds them there (not in this source tree)."""
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(root),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("bookingest-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    revisions = {f"loaders/migrations/versions/{p.name}" for p in (migrate.MIGRATIONS / "versions").glob("0*.py")}
    assert {"loaders/migrations/env.py", "loaders/migrations/script.py.mako", *revisions} <= names
    database = tmp_path / "installed.db"
    probe = (
        "import sys; from loaders import migrate; from pipelines.ingest import open_database; "
        f"open_database({f'sqlite:///{database}'!r}).dispose(); print(migrate.MIGRATIONS); print(migrate.head())"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "site")},
        capture_output=True,
        text=True,
        check=True,
    )
    location, newest = run.stdout.split()
    assert Path(location).is_relative_to(tmp_path / "site") and newest == migrate.head()
    with create_engine(f"sqlite:///{database}").connect() as conn:
        assert migrate.revision_of(conn) == migrate.head()
