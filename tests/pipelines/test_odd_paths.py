"""Paths that are not plain readable files: devices, FIFOs, sockets and dangling links are never
opened; unreadable folders and files are reported, never skipped without a word."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "samples" / "airbnb_reservations_2025-12-01.csv"
TRACEBACK = "Traceback (most recent call last)"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("BOOKINGEST_") or name == "PREFECT_API_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("BOOKINGEST_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def odd(tmp_path: Path) -> Iterator[dict[str, Path]]:
    """A FIFO, a socket, a dangling link and a link to /dev/zero: opening the first would block
    the test forever, reading the last would never end."""
    fifo, sock, dangling, zero = (tmp_path / n for n in ("fifo.csv", "sock.csv", "dangling.csv", "zero.csv"))
    os.mkfifo(fifo)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock))
    dangling.symlink_to(tmp_path / "gone.csv")
    zero.symlink_to("/dev/zero")
    yield {"fifo": fifo, "socket": sock, "dangling": dangling, "device": zero}
    server.close()


@pytest.mark.parametrize(
    ("name", "kind"),
    [("fifo", "a FIFO"), ("socket", "a socket"), ("device", "a character device"), ("dev-zero", "a character device")],
)
def test_a_path_that_is_not_a_regular_file_is_refused_unread(
    name: str, kind: str, odd: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = "/dev/zero" if name == "dev-zero" else str(odd[name])

    code, out, err = run(capsys, "ingest", path, "--db", "sqlite:///b.db", "--no-prefect")

    assert code == 2 and out == ""
    assert err == f"bookingest: {path} is not a regular file ({kind}); bookingest reads export files and folders\n"


def test_a_link_loop_named_cannot_be_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "loop.csv").symlink_to(tmp_path / "loop.csv")

    code, _, err = run(capsys, "ingest", str(tmp_path / "loop.csv"), "--db", "sqlite:///b.db")

    assert code == 2
    assert err == f"bookingest: {tmp_path / 'loop.csv'} cannot be read (Too many levels of symbolic links)\n"


def test_a_dangling_link_is_no_such_file(odd: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "ingest", str(odd["dangling"]), "--db", "sqlite:///b.db")

    assert code == 2 and err.strip().endswith("(a symbolic link to nothing)")


def test_odd_entries_of_a_folder_are_rejected_by_name_and_the_rest_loads(
    db_url: str, tmp_path: Path, odd: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLE, inbox)
    for name, path in odd.items():
        if name != "socket":  # a socket cannot be moved; a link to it can be made
            path.rename(inbox / path.name)
    (inbox / "sock.csv").symlink_to(odd["socket"])
    (inbox / "loop.csv").symlink_to(inbox / "loop.csv")  # a link to itself has no status at all

    code, out, err = run(capsys, "ingest", str(inbox), "--db", db_url, "--no-prefect", "--json")

    assert code == 1, err
    files = {Path(f["path"]).name: (f["status"], f["reason"]) for f in json.loads(out)["files"]}
    assert files == {
        SAMPLE.name: ("loaded", None),
        "fifo.csv": ("rejected", "not a regular file (a FIFO); not read"),
        "sock.csv": ("rejected", "not a regular file (a socket); not read"),
        "zero.csv": ("rejected", "not a regular file (a character device); not read"),
        "dangling.csv": ("rejected", "a symbolic link to nothing; not read"),
        "loop.csv": ("rejected", "the file cannot be read (Too many levels of symbolic links)"),
    }


# As root (CI, this machine) a mode of 000 stops nothing: the run goes to an unprivileged user.
AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] if os.geteuid() == 0 else []


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder the unprivileged user may write in (pytest's own are root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="bookingest-perm-"))
    folder.chmod(0o777)
    yield folder
    for path in folder.rglob("*"):
        if not path.is_symlink():
            path.chmod(0o777)
    shutil.rmtree(folder)


def _as_unprivileged(folder: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    if AS_NOBODY and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: an unreadable file cannot be made")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOOKINGEST_", "PREFECT_"))}
    env |= {"BOOKINGEST_LOG_DIR": str(folder / "logs"), "BOOKINGEST_PREFECT": "no", "HOME": str(folder)}
    command = [*AS_NOBODY, sys.executable, "-m", "pipelines.cli", *argv, "--db", f"sqlite:///{folder / 'b.db'}"]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=folder, timeout=300, check=False)


@pytest.mark.slow
def test_unreadable_subfolders_and_files_are_reported_and_the_rest_loads(shared_folder: Path) -> None:
    inbox = shared_folder / "inbox"
    (inbox / "locked").mkdir(parents=True)
    shutil.copy(SAMPLE, inbox / "ok.csv")
    shutil.copy(SAMPLE, inbox / "locked" / "hidden_from_us.csv")
    (inbox / "secret.csv").write_bytes(SAMPLE.read_bytes().replace(b"Emma", b"Emmy"))
    (inbox / "secret.csv").chmod(0o000)
    (inbox / "locked").chmod(0o000)

    done = _as_unprivileged(shared_folder, "ingest", str(inbox), "--json")

    assert done.returncode == 1, done.stderr
    assert TRACEBACK not in done.stderr
    files = {f["path"]: (f["status"], f["reason"]) for f in json.loads(done.stdout)["files"]}
    assert files == {
        str(inbox / "ok.csv"): ("loaded", None),
        str(inbox / "locked"): (
            "rejected",
            "the folder cannot be read (Permission denied); its files were not looked at",
        ),
        str(inbox / "secret.csv"): ("rejected", "the file cannot be read (Permission denied)"),
    }


@pytest.mark.slow
def test_an_unreadable_folder_says_it_cannot_be_read(shared_folder: Path) -> None:
    inbox = shared_folder / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLE, inbox)
    inbox.chmod(0o000)

    done = _as_unprivileged(shared_folder, "ingest", str(inbox))

    assert done.returncode == 2
    assert done.stderr == f"bookingest: the folder {inbox} cannot be read (Permission denied)\n"


def test_names_that_are_not_utf8_are_rejected_by_name_and_the_rest_loads(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLE, inbox)
    folder, file = os.fsdecode(b"folder\xff"), os.fsdecode(b"export\xff.csv")  # Latin-1 names on a UTF-8 system
    (inbox / folder).mkdir()
    shutil.copy(SAMPLE, inbox / folder / "inside.csv")
    shutil.copy(SAMPLE, inbox / file)

    code, out, err = run(capsys, "ingest", str(inbox), "--db", db_url, "--no-prefect")

    assert code == 1, err
    assert TRACEBACK not in err
    not_text = "its name is not valid UTF-8 text, so it cannot be recorded (rename it)"
    assert f"{inbox}/folder\\udcff: rejected: {not_text}; its files were not looked at\n" in out
    assert f"{inbox}/export\\udcff.csv: rejected: {not_text}; not read\n" in out
    assert f"{inbox}/{SAMPLE.name}  airbnb  loaded" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["history", os.fsdecode(b"HM\xff")],
        ["ingest", os.fsdecode(b"x\xff.csv")],
        ["tasks", "--from", os.fsdecode(b"\xff")],
    ],
)
def test_an_argument_that_is_not_utf8_is_a_usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *argv, "--db", "sqlite:///b.db")

    assert code == 2 and out == ""
    assert err.endswith("is not valid UTF-8 text; rename it or retype it\n") and "\\udcff" in err
