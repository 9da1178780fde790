"""`bookingest serve`: what it refuses before serving anything (exit status 2, one sentence), and
serving for real: its deployment's run drains the inbox, and SIGTERM stops it cleanly."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prefect_processes import prefect_server

from pipelines.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cron", "every day"], "--cron: 'every day' is not a cron schedule"),
        (["--cron", "61 * * * *"], "--cron: '61 * * * *' is not a cron schedule"),
        (["--db", "postgresql+psycopg://postgres@127.0.0.1:1/x"], "cannot use the database postgresql+psycopg"),
        (["--db", "mysql://a@b/c"], "only SQLite and PostgreSQL are supported"),
    ],
    ids=["words", "minute-61", "unreachable", "not-supported"],
)
def test_serve_refuses_bad_arguments_in_a_sentence(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOOKINGEST_RETRY_FOR_SECONDS", "0")
    db = ["--db", f"sqlite:///{tmp_path / 'b.db'}"] if "--db" not in args else []

    code = main(["serve", str(tmp_path), *db, *args])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("bookingest: ") and message in err and err.count("\n") == 1, err


def test_serve_refuses_an_inbox_that_is_not_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["serve", str(tmp_path / "missing"), "--db", f"sqlite:///{tmp_path / 'b.db'}"])

    err = capsys.readouterr().err
    assert code == 2 and "missing is not a folder; create it or pass another" in err, err


def test_serve_without_a_prefect_server_says_how_to_start_one(tmp_path: Path) -> None:
    # A process of its own: this one may be pointed at the test harness's server.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")  # no profile that names a server
    command = ["serve", str(tmp_path), "--db", f"sqlite:///{tmp_path / 'b.db'}"]
    run = subprocess.run([sys.executable, "-m", "pipelines.cli", *command], env=env, capture_output=True,
                         text=True, timeout=120)  # fmt: skip

    assert run.returncode == 2, run.stderr
    assert "serve needs a Prefect server to keep its schedule" in run.stderr and "prefect server start" in run.stderr
    assert "PREFECT_API_URL=" in run.stderr and run.stderr.count("\n") == 1


@pytest.mark.slow
def test_serve_runs_its_deployment_on_a_prefect_server_and_stops_on_sigterm(tmp_path: Path) -> None:
    inbox, home = tmp_path / "inbox", tmp_path / "prefect-home"
    inbox.mkdir()
    home.mkdir()
    shutil.copy(SAMPLES / "airbnb_reservations_2025-12-01.csv", inbox)
    database = tmp_path / "b.db"
    with prefect_server(home) as (_, processes):
        processes.env["PREFECT_RUNNER_POLL_FREQUENCY"] = "1"  # the served runner looks for runs every second
        processes.env["BOOKINGEST_SETTLE_SECONDS"] = "0"
        serve = processes.start("serve", ["bookingest", "serve", str(inbox), "--cron", "0 3 * * *",
                                          "--db", f"sqlite:///{database}"])  # fmt: skip
        deadline = time.monotonic() + 90
        while "ingest-inbox/ingest-inbox" not in processes.log("serve"):  # its deployment is made
            assert serve.poll() is None and time.monotonic() < deadline, processes.log("serve")
            time.sleep(0.5)
        processes.run(["prefect", "deployment", "run", "ingest-inbox/ingest-inbox"])
        while not list((inbox / "archive").rglob("*.csv")):  # the served process runs it
            assert serve.poll() is None and time.monotonic() < deadline, processes.log("serve")
            time.sleep(0.5)
        os.killpg(serve.pid, signal.SIGTERM)
        assert serve.wait(timeout=30) == 0, processes.log("serve")
        log = processes.log("serve")
    assert [p.name for p in (inbox / "archive").rglob("*.csv")] == ["airbnb_reservations_2025-12-01.csv"]
    assert not (inbox / "airbnb_reservations_2025-12-01.csv").exists()
    assert "graceful shutdown" in log and "Traceback" not in log
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM source_files").fetchone() == (1,)
