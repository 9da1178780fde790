"""`bookingest inbox run`: exit statuses, the summary and where files went, usage errors, a worker killed mid-file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from airbnb_export import AIRBNB_HEADER
from inbox_files import MONTH, drop, every_file, export
from sqlalchemy import create_engine, func, select

from loaders.tables import bookings, file_claims, source_files
from pipelines.cli import main


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("BOOKINGEST_"):
            monkeypatch.delenv(name)


def run(*argv: str) -> int:
    return main(["inbox", "run", *argv])


def test_a_run_prints_the_summary_and_where_each_file_went(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = tmp_path / "inbox"
    drop(inbox, "one.csv", export(1))
    drop(inbox, "two.csv", export(2))

    assert run(str(inbox), "--db", db_url, "--settle", "0", "--worker", "test-worker") == 0

    out = capsys.readouterr().out
    assert "2 file(s): 2 loaded" in out
    assert f"{inbox / 'one.csv'} -> {(inbox / 'archive' / MONTH / 'one.csv').resolve()}" in out
    assert run(str(inbox), "--db", db_url, "--settle", "0") == 0
    assert "no file ready; nothing to do" in capsys.readouterr().out


def test_a_run_with_only_files_still_being_written_says_so(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = tmp_path / "inbox"
    drop(inbox, "copying.csv", export(1))  # written just now: not settled for 600 s
    drop(inbox, "download.csv.part", b"half a file")  # a partial download: never taken

    assert run(str(inbox), "--db", db_url, "--settle", "600") == 0

    out = capsys.readouterr().out
    assert "no file ready; 1 still changed within the last 600 s" in out and "the next run takes it" in out
    assert every_file(inbox) == ["copying.csv", "download.csv.part"]


def test_a_rejected_file_exits_1_and_json_says_where_it_went(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox, rejected = tmp_path / "inbox", tmp_path / "elsewhere" / "rejected"
    drop(inbox, "good.csv", export(1))
    drop(inbox, "junk.csv", b"nothing to see\n")

    code = run(str(inbox), "--db", db_url, "--settle", "0", "--rejected", str(rejected), "--json")

    assert code == 1
    summary = json.loads(capsys.readouterr().out)
    went = {Path(f["path"]).name: (f["status"], f["moved_to"]) for f in summary["files"]}
    assert went == {
        "good.csv": ("loaded", str((inbox / "archive" / MONTH / "good.csv").resolve())),
        "junk.csv": ("rejected", str((rejected / "junk.csv").resolve())),
    }
    assert every_file(rejected) == ["junk.csv", "junk.csv.error.txt"]


def test_a_file_still_settling_is_left_for_a_later_run(db_url: str, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    drop(inbox, "new.csv", export(1), age=0)

    assert run(str(inbox), "--db", db_url, "--settle", "3600") == 0

    assert every_file(inbox) == ["new.csv"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "name the inbox folder"),
        (["{tmp}/missing"], "does not exist"),
        (["{tmp}/a file"], "is not a folder"),
        (["{tmp}/inbox", "--archive", "{tmp}/a file/archive"], "the archive folder"),
        (["{tmp}/inbox", "--settle", "soon"], "--settle: 'soon' is not a number of seconds"),
        (["{tmp}/inbox", "--settle", "-1"], "--settle: '-1' is not a number of seconds"),
        (["{tmp}/inbox", "--worker", " "], "the worker's name is empty"),
    ],
)
def test_usage_errors_exit_2_with_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (tmp_path / "inbox").mkdir()
    (tmp_path / "a file").write_text("x")
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"

    assert run(*[a.format(tmp=tmp_path) for a in args], "--db", db) == 2

    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "db.sqlite").exists()  # nothing was claimed or loaded


def test_the_inbox_and_its_folders_come_from_the_environment(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, archive = tmp_path / "inbox", tmp_path / "store"
    drop(inbox, "one.csv", export(1))
    monkeypatch.setenv("BOOKINGEST_INBOX", str(inbox))
    monkeypatch.setenv("BOOKINGEST_ARCHIVE_DIR", str(archive))
    monkeypatch.setenv("BOOKINGEST_SETTLE_SECONDS", "0")
    monkeypatch.setenv("BOOKINGEST_WORKER_NAME", "from-env")
    monkeypatch.setenv("BOOKINGEST_DATABASE_URL", db_url)

    assert run() == 0

    assert every_file(archive) == [f"{MONTH}/one.csv"]
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(select(file_claims.c.worker)).scalar() == "from-env"
    engine.dispose()


def big_export(path: Path, rows: int) -> None:
    """An Airbnb export of `rows` distinct confirmed stays, large enough to take seconds to load."""
    with path.open("w", encoding="utf-8") as f:
        f.write(AIRBNB_HEADER + "\n")
        f.writelines(
            f"HM{i:08d},Confirmed,Guest {i},+1 555 0100,2,0,0,3/{1 + i % 20}/2026,3/{2 + i % 20}/2026,1,"
            f"1/5/2026,Listing {i // 20},$100.00\n"
            for i in range(rows)
        )


@pytest.mark.slow
def test_a_worker_killed_mid_file_leaves_it_to_the_next_after_its_lease(db_url: str, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = 200_000
    big_export(inbox / "big.csv", rows)
    env = {**os.environ, "BOOKINGEST_LEASE_SECONDS": "2", "BOOKINGEST_SETTLE_SECONDS": "0"}
    command = [str(Path(sys.executable).with_name("bookingest")), "inbox", "run", str(inbox), "--db", db_url]
    engine = create_engine(db_url)

    def claimed_by() -> str | None:
        with engine.connect() as conn:
            try:
                return conn.execute(select(file_claims.c.worker).where(file_claims.c.finished_at.is_(None))).scalar()
            except Exception:  # the schema is still being made
                return None

    doomed = subprocess.Popen([*command, "--worker", "doomed"], env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while claimed_by() != "doomed" and doomed.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # into the file's read and load
    doomed.send_signal(signal.SIGKILL)
    assert doomed.wait(timeout=60) == -signal.SIGKILL
    assert every_file(inbox) == ["big.csv"]  # killed before it was filed away
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(source_files)).scalar() == 0  # rolled back whole

    # Until its lease runs out the file stays the dead worker's; then a run takes it (bounded).
    for _ in range(30):
        done = subprocess.run([*command, "--worker", "heir", "--json"], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        if json.loads(done.stdout)["files"]:
            break
        time.sleep(1)
    assert every_file(inbox) == [f"archive/{MONTH}/big.csv"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(source_files)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(bookings)).scalar() == rows
        claim_row = conn.execute(select(file_claims.c.worker, file_claims.c.attempts, file_claims.c.outcome)).one()
    assert tuple(claim_row) == ("heir", 2, "loaded")
    engine.dispose()


def test_a_bad_bookingest_toml_in_the_inbox_stops_the_run_before_any_claim(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = tmp_path / "inbox"
    drop(inbox, "one.csv", export(1))
    (inbox / "bookingest.toml").write_text("[[files]\nmatch = ")
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"

    assert run(str(inbox), "--db", db, "--settle", "0") == 2

    err = capsys.readouterr().err
    assert "bookingest.toml: not valid TOML" in err and "Traceback" not in err
    assert every_file(inbox) == ["bookingest.toml", "one.csv"] and not (tmp_path / "db.sqlite").exists()
