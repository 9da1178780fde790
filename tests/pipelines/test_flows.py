"""The Prefect flow over the samples, and the retry rule its task uses."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import locale_samples
import psycopg.errors as pg
import pytest
from prefect import State
from prefect.states import Failed
from sqlalchemy.exc import IntegrityError, OperationalError

from loaders.errors import DuplicateFile
from loaders.tables import bookings, payouts, source_files
from pipelines import flows
from pipelines.cli import main
from pipelines.discover import FileOptions, discover
from pipelines.ingest import open_database
from pipelines.results import FileResult
from schemas.tuning import Tuning

if TYPE_CHECKING:  # the fixtures' types; pytest imports conftest.py itself
    from pipelines.conftest import Db

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"


@pytest.fixture
def flow_db(db_url: str, prefect_harness: None) -> Iterator[str]:
    """The flow caches one engine per URL for its tasks; the test databases are recreated per
    test, so the cached engine must not outlive this one."""
    yield db_url
    engine = flows._engines.pop(db_url, None)
    if engine is not None:
        engine.dispose()


@pytest.mark.slow
def test_the_flow_loads_every_sample_then_reports_all_duplicates(flow_db: str, db: type[Db]) -> None:
    expected_paths = [str(p) for p, _ in discover([str(SAMPLES)], FileOptions())]

    first = flows.ingest_flow([str(SAMPLES)], flow_db)
    # A deployment's parameters arrive as JSON: the tuning as a plain dict.
    second = flows.ingest_flow([str(SAMPLES)], flow_db, tuning=asdict(Tuning(retry_for_seconds=1)))

    assert all(isinstance(r, FileResult) for r in first + second)
    assert [r.path for r in first] == [r.path for r in second] == expected_paths
    assert [r.status for r in first] == ["loaded"] * len(expected_paths), [r.reason for r in first]
    assert [r.status for r in second] == ["duplicate"] * len(expected_paths)
    # Only the rows the files themselves contradict (a cancellation date with 'ok') are rejected.
    rejected = locale_samples.rejected_in(SAMPLES)
    assert sum(r.inserted for r in first) > 0
    assert [r.rejected for r in first] == [len(rejected.get(Path(r.path).name, [])) for r in first]
    engine = open_database(flow_db)
    try:
        assert db.count(engine, source_files) == len(expected_paths)
        # The earnings samples' lines are payouts, not bookings.
        assert db.count(engine, bookings) == sum(r.inserted for r in first if "earnings" not in str(r.source))
        assert db.count(engine, payouts) == sum(r.inserted for r in first if "earnings" in str(r.source)) > 0
    finally:
        engine.dispose()


@pytest.mark.slow
def test_the_cli_in_prefect_mode_reports_an_unreachable_database_as_a_usage_error(
    prefect_harness: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As without Prefect: exit 2 and one message, not every file 'rejected after retries'."""
    monkeypatch.delenv("BOOKINGEST_DATABASE_URL", raising=False)
    url = "postgresql+psycopg://postgres@127.0.0.1:1/x"

    code = main(["ingest", str(SAMPLES / "airbnb_reservations_2025-12-01.csv"), "--db", url, "--prefect"])

    out, err = capsys.readouterr()
    assert code == 2, out
    assert err.startswith("bookingest: ") and "cannot use the database" in err, err


def _failed(exc: BaseException) -> State[Any]:
    # The state Prefect's task engine builds before it asks retry_condition_fn.
    return Failed(data=exc, message=f"Task run encountered unexpected exception: {exc!r}")


@pytest.mark.parametrize(
    "exc",
    [
        OperationalError("UPDATE bookings ...", {}, pg.SerializationFailure("could not serialize access")),
        OperationalError("UPDATE bookings ...", {}, pg.DeadlockDetected("deadlock detected")),
        OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked")),
    ],
    ids=["serialization-failure", "deadlock", "sqlite-locked"],
)
def test_the_task_is_retried_on_a_transient_error(exc: BaseException) -> None:
    assert flows._retry_if_transient(flows.ingest_file_task, None, _failed(exc)) is True


@pytest.mark.parametrize(
    "exc",
    [
        IntegrityError("INSERT ...", {}, pg.CheckViolation("violates check constraint")),
        DuplicateFile("ab" * 32, "data/a.csv"),
        ValueError("a bug"),
    ],
    ids=["check-violation", "duplicate-file", "bug"],
)
def test_the_task_is_not_retried_on_a_terminal_error(exc: BaseException) -> None:
    assert flows._retry_if_transient(flows.ingest_file_task, None, _failed(exc)) is False
