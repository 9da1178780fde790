"""The start-up of an inbox run (pipelines.start): its machine place taken before the imports; a
run that waited for it ends, having done nothing, when the run before it in that place drained
the same inbox after it started; and otherwise it runs as ever, in the place it holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from inbox_files import drop, export

from pipelines import slots, start
from pipelines.settings import Settings, variable

GATE = "import sys; from pipelines.start import main; sys.exit(main())"


def test_the_installed_command_starts_through_the_gate() -> None:
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "bookingest"]
    assert script.value == "pipelines.start:main"


@pytest.mark.parametrize(
    ("environ", "dotenv", "expected"),
    [({"BOOKINGEST_MACHINE_SLOTS": "3"}, "", 3), ({}, "BOOKINGEST_MACHINE_SLOTS=0\n", 0), ({}, "", None)],
)
def test_the_places_are_counted_as_the_settings_count_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], dotenv: str, expected: int | None
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(slots.SLOTS_VARIABLE, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    (tmp_path / ".env").write_text(dotenv)
    assert variable("machine_slots") == slots.SLOTS_VARIABLE
    assert slots.configured_slots() == Settings.load().machine_slots
    assert slots.configured_slots() == (slots.default_slots() if expected is None else expected)


def test_a_value_the_settings_refuse_counts_as_unset_and_the_run_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(slots.SLOTS_VARIABLE, "many")
    assert slots.configured_slots() == slots.default_slots()
    run = subprocess.run([sys.executable, "-c", GATE, "inbox", "run", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 2 and "MACHINE_SLOTS" in run.stderr


@pytest.fixture
def one_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One place on the machine, in this test's own temporary folder (for its runs too)."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv(slots.SLOTS_VARIABLE, "1")
    monkeypatch.chdir(tmp_path)
    return tmp_path / f"bookingest-slots-{os.getuid()}"


def _run_args(tmp_path: Path, inbox: str = "inbox") -> list[str]:
    return ["inbox", "run", str(tmp_path / inbox), "--db", f"sqlite:///{tmp_path / 'x.db'}", "--settle", "0"]


def _waiting(pid: int) -> bool:
    """Whether process `pid` waits for a flock (/proc/locks marks a waiter `->`)."""
    return any("->" in line and f" {pid} " in line for line in Path("/proc/locks").read_text().splitlines())


def _after_the_place_is_freed(where: Path, note: dict[str, object] | None, args: list[str]) -> tuple[int, str]:
    """Hold the only place, start a run that waits for it, leave `note` in the place and free it:
    the run's exit status and output."""
    place = slots.take(where, 1)
    try:
        run = subprocess.Popen([sys.executable, "-c", GATE, *args], stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while not _waiting(run.pid):
            assert run.poll() is None and time.monotonic() < deadline, "the run did not wait for the place"
            time.sleep(0.02)
        if note is not None:
            place.write({"listed_at": time.time()} | note)  # listed now: after the run started
    finally:
        place.close()
    out, _ = run.communicate(timeout=60)
    return run.returncode, out


@pytest.mark.slow
def test_a_run_that_waited_ends_when_another_drained_the_inbox_after_it_started(one_place: Path) -> None:
    tmp_path = one_place.parent
    waiting = drop(tmp_path / "inbox", "export.csv", export(1))
    args = [*_run_args(tmp_path), "--worker", "late", "--json"]
    drainer = start.command([*_run_args(tmp_path), "--worker", "first"])  # the same run, another worker's
    note: dict[str, object] = {"command": drainer, "worker": "first", "inbox": str(tmp_path / "inbox")}
    status, printed = _after_the_place_is_freed(one_place, note, args)
    assert status == 0
    out = json.loads(printed)
    assert out["files"] == [] and out["drained_by"]["worker"] == "first" and out["inbox"] == str(tmp_path / "inbox")
    assert waiting.exists() and not (tmp_path / "x.db").exists()  # nothing read, no database opened


@pytest.mark.slow
@pytest.mark.parametrize("which", ["listed before it started", "another inbox", "no note", "listed in the future"])
def test_otherwise_a_run_that_waited_takes_the_files_in_the_place_it_holds(one_place: Path, which: str) -> None:
    tmp_path = one_place.parent
    drop(tmp_path / "inbox", "export.csv", export(1))
    drainer: dict[str, object] = {"command": start.command(_run_args(tmp_path)), "worker": "first"}
    note: dict[str, object] | None = None
    if which == "listed before it started":
        note = {**drainer, "listed_at": time.time() - 60}
    elif which == "another inbox":
        note = {**drainer, "command": start.command(_run_args(tmp_path, "elsewhere"))}
    elif which == "listed in the future":  # a clock set back since: no proof of anything
        note = {**drainer, "listed_at": time.time() + 3600}
    status, printed = _after_the_place_is_freed(one_place, note, [*_run_args(tmp_path), "--json"])  # one place
    assert status == 0
    assert [f["status"] for f in json.loads(printed)["files"]] == ["loaded"]
    assert not (tmp_path / "inbox" / "export.csv").exists()


@pytest.mark.slow
def test_a_run_that_drained_the_inbox_leaves_its_note_and_one_that_failed_none(one_place: Path) -> None:
    tmp_path = one_place.parent
    drop(tmp_path / "inbox", "export.csv", export(1))
    missing = subprocess.run([sys.executable, "-c", GATE, *_run_args(tmp_path, "missing")], capture_output=True)
    assert missing.returncode == 2
    assert (one_place / "slot-0").read_bytes() == b""  # a usage error drained nothing
    before = time.time()
    run = subprocess.run([sys.executable, "-c", GATE, *_run_args(tmp_path), "--worker", "w1"], capture_output=True)
    assert run.returncode == 0
    note = json.loads((one_place / "slot-0").read_bytes())
    assert before < note["listed_at"] < time.time()
    assert note["worker"] == "w1" and note["command"] == start.command(_run_args(tmp_path))


@pytest.mark.slow
def test_a_drain_that_leaves_a_file_for_the_next_run_leaves_no_note(one_place: Path) -> None:
    tmp_path = one_place.parent
    drop(tmp_path / "inbox", "export.csv", export(1))
    time.sleep(2.2)  # settled (its inode too) for the run's two seconds
    writing, done = tmp_path / "inbox" / "still-written.csv", threading.Event()

    def keep_writing() -> None:  # a download in progress: changed every 0.2 s
        while not done.wait(0.2):
            with writing.open("ab") as f:
                f.write(b"x")

    writer = threading.Thread(target=keep_writing)
    writer.start()
    args = ["inbox", "run", str(tmp_path / "inbox"), "--db", f"sqlite:///{tmp_path / 'x.db'}", "--settle", "2"]
    try:
        run = subprocess.run([sys.executable, "-c", GATE, *args], capture_output=True, text=True)
    finally:
        done.set()
        writer.join()
    assert run.returncode == 0, run.stderr
    assert not (tmp_path / "inbox" / "export.csv").exists()  # loaded and filed away
    assert (one_place / "slot-0").read_bytes() == b""  # the next run must look: a file was settling


def test_the_command_a_note_names_is_hashed_and_reads_our_variables_in_any_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOOKINGEST_DATABASE_URL", "postgresql://ops:s3cret-pw@db/bookings")
    named = start.command(_run_args(tmp_path))
    assert "s3cret-pw" not in named and len(named) == 64
    monkeypatch.setenv("bookingest_inbox", "/elsewhere")  # the settings read it too
    assert start.command(_run_args(tmp_path)) != named
    monkeypatch.delenv("bookingest_inbox")
    monkeypatch.setenv("BOOKINGEST_WORKER_NAME", "w2")  # the worker's name does not change what it takes
    assert start.command([*_run_args(tmp_path), "--worker", "w9", "--json"]) == named


@pytest.mark.parametrize("which", ["a file in its place", "another user's folder"])
def test_a_places_folder_that_cannot_be_used_stops_the_run_in_a_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    folder = tmp_path / f"bookingest-slots-{os.getuid()}"
    if which == "a file in its place":
        folder.write_text("a file where the places' folder should be")
    elif os.geteuid() != 0:
        pytest.skip("only root can make a folder that belongs to another user")
    else:
        folder.mkdir(mode=0o777)
        os.chown(folder, 65534, 65534)  # nobody's: one made to steer this user's runs
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv(slots.SLOTS_VARIABLE, "1")
    run = subprocess.run([sys.executable, "-c", GATE, *_run_args(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 2
    assert "cannot take a place on this machine" in run.stderr and "MACHINE_SLOTS=0" in run.stderr
    if which == "another user's folder":
        assert "not a folder of this user's own" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_dotenv_that_is_not_utf8_is_said_by_the_settings_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(slots.SLOTS_VARIABLE, raising=False)
    (tmp_path / ".env").write_bytes(b"BOOKINGEST_MACHINE_SLOTS=\xff\xfe1\n")
    assert slots.configured_slots() == slots.default_slots()
    run = subprocess.run([sys.executable, "-c", GATE, *_run_args(tmp_path)], capture_output=True, text=True)
    assert run.returncode != 0 and "Traceback" not in run.stderr, run.stderr
