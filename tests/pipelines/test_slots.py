"""The machine's places (pipelines.slots): at most `slots` files processed at once by all the workers
of a machine, threads or processes; a killed worker's place is free at once; 0 is no cap."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from inbox_files import drop, export

from pipelines.inbox_run import Inbox, drain
from pipelines.ingest import open_database
from pipelines.slots import machine_slot
from schemas.vocab import FileStatus


def most_at_once(slots: int, where: Path, workers: int = 4, hold: float = 0.15) -> int:
    """How many of `workers` threads held a place at the same time, at most."""
    inside, most, lock = 0, 0, threading.Lock()
    start = threading.Barrier(workers)

    def work() -> None:
        nonlocal inside, most
        start.wait()
        with machine_slot(slots, where):
            with lock:
                inside += 1
                most = max(most, inside)
            time.sleep(hold)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return most


@pytest.mark.parametrize("slots", [1, 2])
def test_no_more_files_than_places_are_processed_at_once(tmp_path: Path, slots: int) -> None:
    assert most_at_once(slots, tmp_path / "places") == slots


def test_no_cap_lets_every_worker_in(tmp_path: Path) -> None:
    assert most_at_once(0, tmp_path / "places") == 4


def test_a_killed_workers_place_is_free_at_once(tmp_path: Path) -> None:
    where = tmp_path / "places"
    code = (
        "import sys, time; from pathlib import Path; from pipelines.slots import machine_slot\n"
        f"with machine_slot(1, Path({str(where)!r})):\n    print('in', flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "in\n"
        taken = threading.Event()

        def take() -> None:
            with machine_slot(1, where):
                taken.set()

        waiter = threading.Thread(target=take)
        waiter.start()
        assert not taken.wait(0.3)  # the holder has the only place
        os.kill(holder.pid, signal.SIGKILL)
        assert taken.wait(5)
        waiter.join(5)
    finally:
        holder.kill()
        holder.wait()


def test_three_workers_sharing_one_place_load_every_file_once(db_url: str, tmp_path: Path) -> None:
    engine = open_database(db_url)
    for n in range(6):
        drop(tmp_path / "inbox", f"export-{n}.csv", export(n), age=600 - n)
    inbox = Inbox.at(tmp_path / "inbox", settle_seconds=0, slots=1)
    results: list[list[str]] = [[], [], []]

    def work(n: int) -> None:
        results[n] = [f"{r.path}:{r.status}" for r in drain(engine, inbox, f"w{n}")]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    done = sorted(r for worker in results for r in worker)
    assert done == sorted(f"{inbox.folder / f'export-{n}.csv'}:{FileStatus.LOADED}" for n in range(6))
