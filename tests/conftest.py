"""Shared fixtures: a fresh SQLite file or a fresh PostgreSQL database per test, sample paths, Prefect."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from databases import REQUIRE_PG, reset_pg_schema
from hypothesis import settings
from sqlalchemy import Engine, create_engine, text

# No timing in tests: a property test's example may take longer on a busy machine without being
# wrong, so hypothesis's per-example deadline (200 ms) is off for every test.
settings.register_profile("bookingest", deadline=None)
settings.load_profile("bookingest")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"


@pytest.fixture(autouse=True, scope="session")
def _own_machine_places(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The tests' inbox runs take places (pipelines.slots) of their own, never those of workers or
    benchmarks running on the same machine."""
    from pipelines import slots

    places = tmp_path_factory.mktemp("places")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(slots, "folder", lambda: places)
        yield


PG_ADMIN_URL = os.environ.get("BOOKINGEST_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A PostgreSQL database created for this test session and dropped after it."""
    name = f"bookingest_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as err:
        admin.dispose()
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {err}"
        if REQUIRE_PG:
            pytest.fail(message)
        pytest.skip(message)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as conn:
        conn.execute(
            text(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            )
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind we ship; every database test runs on both."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bookingest.db'}"
        return
    url = request.getfixturevalue("pg_server_url")
    reset_pg_schema(url)
    yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a fresh database with the bookingest schema and seeded status map."""
    from pipelines.ingest import open_database

    eng = open_database(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One temporary Prefect API for the whole session, in an isolated PREFECT_HOME."""
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
