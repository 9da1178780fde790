"""A full disk is named: SQLite on a tiny tmpfs mounted by the test (root only), full while a
file loads and full before the ingest starts."""

from __future__ import annotations

import datetime as dt
import errno
import json
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from airbnb_export import airbnb_csv, airbnb_row
from sqlalchemy import create_engine, func, select

from loaders.tables import bookings, source_files
from pipelines.cli import main

pytestmark = pytest.mark.slow  # mounts, fills and loads twice

SMALL = 3  # bookings of the first file
MANY = 20_000  # some 2 MB of bookings: more than the room left


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    yield folder
    subprocess.run(["umount", "--lazy", str(folder)], check=True)  # main()'s engines may hold files open


def _export(path: Path, n: int, first: int = 0) -> Path:
    day = dt.date(2026, 5, 1)
    rows = (airbnb_row(f"HMF{first + i:07d}", "Confirmed", f"Guest {i}", day + dt.timedelta(days=3 * (i % 90)),
                       day + dt.timedelta(days=3 * (i % 90) + 2), f"Flat {i // 90}", Decimal(150)) for i in range(n))  # fmt: skip
    path.write_bytes(airbnb_csv(rows))
    return path


def _fill(disk: Path, leave: int) -> Path:
    """Fill the disk with a file, then give back `leave` bytes of it."""
    filler = disk / "filler"
    with filler.open("wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError as err:
            assert err.errno == errno.ENOSPC
    size = filler.stat().st_size
    with filler.open("r+b") as f:
        f.truncate(max(0, size - leave))
    return filler


def _stored(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = (
            conn.scalar(select(func.count()).select_from(source_files)),
            conn.scalar(select(func.count()).select_from(bookings)),
        )
    engine.dispose()
    return int(counts[0] or 0), int(counts[1] or 0)


def test_a_disk_that_fills_during_a_load_is_named_and_the_file_loads_nothing(
    tiny_disk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tiny_disk / 'bookingest.db'}"
    assert main(["ingest", str(_export(tmp_path / "first.csv", SMALL)), "--db", url, "--no-prefect"]) == 0
    filler = _fill(tiny_disk, leave=512 * 1024)
    capsys.readouterr()

    status = main(
        ["ingest", str(_export(tmp_path / "many.csv", MANY, first=SMALL)), "--db", url, "--no-prefect", "--json"]
    )

    out, err = capsys.readouterr()
    assert status == 1, (out, err)
    (result,) = json.loads(out)["files"]
    assert result["status"] == "rejected"
    assert result["reason"] == (
        "the disk holding the database is full (database or disk is full); nothing of this file was loaded"
    ), result
    filler.unlink()
    assert _stored(url) == (1, SMALL)


def test_a_disk_full_before_the_ingest_is_named_in_one_sentence(
    tiny_disk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tiny_disk / 'bookingest.db'}"
    # In a process of its own, which ends: its -wal and -shm go, and no connection holds the
    # disk's last pages (as when the disk filled between two runs).
    first = [sys.executable, "-m", "pipelines.cli", "ingest", str(_export(tmp_path / "first.csv", SMALL))]
    subprocess.run([*first, "--db", url, "--no-prefect"], check=True, capture_output=True, timeout=300)
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["bookingest.db"]
    filler = _fill(tiny_disk, leave=0)
    capsys.readouterr()

    status = main(["ingest", str(_export(tmp_path / "second.csv", SMALL, first=SMALL)), "--db", url, "--no-prefect"])

    out, err = capsys.readouterr()
    assert (status, out) == (2, ""), (status, out, err)
    assert err.startswith(f"bookingest: the disk holding the database {url} is full (") and err.count("\n") == 1, err
    assert "Traceback" not in err
    filler.unlink()  # room again: the same ingest now loads
    assert main(["ingest", str(tmp_path / "second.csv"), "--db", url, "--no-prefect"]) == 0
    assert _stored(url) == (2, 2 * SMALL)
