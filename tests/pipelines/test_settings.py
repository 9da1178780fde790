"""The settings build the one Tuning every stage receives; one retry policy for the plain run and the Prefect task."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from loaders.errors import GaveUp
from loaders.retry import retrying
from pipelines import flows
from pipelines.cli import main
from pipelines.settings import Settings
from pipelines.slots import default_slots
from schemas.tuning import DEFAULT_TUNING, Tuning


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("BOOKINGEST_"):
            monkeypatch.delenv(name)


def test_every_knob_of_tuning_has_its_variable() -> None:
    knobs = {f.name for f in dataclasses.fields(Tuning)}
    assert knobs <= set(Settings.model_fields)
    assert Settings().tuning() == DEFAULT_TUNING


def test_the_environment_sets_the_knobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKINGEST_CHUNK_BYTES", "4096")
    monkeypatch.setenv("BOOKINGEST_RETRY_FOR_SECONDS", "1")
    monkeypatch.setenv("BOOKINGEST_RETRY_FIRST_DELAY", "0.25")

    tuning = Settings.load().tuning()

    assert (tuning.chunk_bytes, tuning.retry_for_seconds, tuning.retry_delays()) == (4096, 1, [0.25, 0.5, 0.25])
    assert tuning.chunk_rows == DEFAULT_TUNING.chunk_rows


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOOKINGEST_CHUNK_BYTES", "0"),
        ("BOOKINGEST_RETRY_FOR_SECONDS", "long"),
        ("BOOKINGEST_FEW_BOOKINGS", "-5"),
        ("BOOKINGEST_RETRY_FOR_SECONDS", "3601"),
        ("BOOKINGEST_PG_WORK_MEM_MB", "0"),
    ],
)
def test_a_bad_knob_is_a_usage_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    export = tmp_path / "export.csv"
    export.write_text("anything\n")
    database = tmp_path / "bookingest.db"

    code = main(["ingest", str(export), "--db", f"sqlite:///{database}", "--no-prefect"])

    _out, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("bookingest: bad configuration") and name in err, err
    assert not database.exists()


def _locked() -> OperationalError:
    return OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))


@pytest.mark.parametrize(("seconds", "tries"), [(0, 1), (0.007, 4)])
def test_retrying_tries_for_as_long_as_tuning_says_then_says_so(seconds: float, tries: int) -> None:
    calls = []

    def always_locked() -> None:
        calls.append(1)
        raise _locked()

    with pytest.raises(GaveUp) as raised:  # pauses of 1, 2 and 4 ms
        retrying(always_locked, Tuning(retry_for_seconds=seconds, retry_first_delay=0.001))
    assert len(calls) == tries == raised.value.tries
    assert str(raised.value).startswith("the database stayed busy for 0 s"), raised.value
    assert f"{tries} tries (database is locked)" in str(raised.value), raised.value


def test_an_error_a_retry_cannot_cure_is_raised_at_once() -> None:
    calls = []

    def refused() -> None:
        calls.append(1)
        raise OperationalError("INSERT ...", {}, sqlite3.OperationalError("no such table: bookings"))

    with pytest.raises(OperationalError):
        retrying(refused, Tuning(retry_first_delay=0.01))
    assert len(calls) == 1


def test_retrying_returns_once_the_error_has_passed() -> None:
    calls = []

    def locked_once() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise _locked()
        return "done"

    assert retrying(locked_once, Tuning(retry_first_delay=0.001)) == "done"
    assert len(calls) == 2


def test_the_prefect_task_retries_by_the_same_policy() -> None:
    # The decorator's: the default policy, as ingest.retrying's default.
    assert flows.ingest_file_task.retries == len(DEFAULT_TUNING.retry_delays()) == 7
    assert flows.ingest_file_task.retry_delay_seconds == DEFAULT_TUNING.retry_delays() == [0.5, 1, 2, 4, 8, 8, 6.5]
    # At flow time, the settings' policy.
    tuning = Tuning(retry_for_seconds=5, retry_first_delay=2)
    task = flows.ingest_file_task.with_options(**flows._retry_options(tuning))
    assert (task.retries, task.retry_delay_seconds) == (2, [2, 3])


def test_the_machine_slots_default_to_the_cores_and_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().machine_slots == default_slots() >= 1
    monkeypatch.setenv("BOOKINGEST_MACHINE_SLOTS", "0")
    assert Settings().machine_slots == 0
    monkeypatch.setenv("BOOKINGEST_MACHINE_SLOTS", "-1")
    with pytest.raises(ValueError, match="machine_slots"):
        Settings()
