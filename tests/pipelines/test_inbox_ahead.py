"""While a worker's file waits for the merge lock (another worker's merge holds it), the worker claims
and reads its next file: one file ahead at most, loaded exactly as without, and let go again if the
run stops before its turn. SQLite never waits for the lock, so it never reads ahead."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from inbox_files import drop, every_file, export
from sqlalchemy import Engine, func, select

from loaders.merge_lock import merged_in_turn
from loaders.tables import bookings, file_claims, source_files
from pipelines.inbox_run import Inbox, drain
from pipelines.ingest import open_database
from pipelines.results import FileResult
from schemas.tuning import DEFAULT_TUNING
from schemas.vocab import ClaimOutcome, FileStatus

WAIT = 3  # seconds a step may take before the test fails


def inbox_of(tmp_path: Path, files: int) -> Inbox:
    for n in range(files):  # older first: the as-of order is the file order
        drop(tmp_path / "inbox", f"export-{n}.csv", export(n), age=600 - n)
    return Inbox.at(tmp_path / "inbox", settle_seconds=0)


@contextmanager
def lock_held(engine: Engine) -> Iterator[threading.Event]:
    """Another worker's merge holding the lock until the event is set (or the block ends)."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with merged_in_turn(engine, DEFAULT_TUNING):
            holding.set()
            release.wait(WAIT)

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(WAIT)
    try:
        yield release
    finally:
        release.set()
        thread.join(WAIT)


def claims_of(engine: Engine) -> dict[str, tuple[str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(select(file_claims.c.key, file_claims.c.worker, file_claims.c.outcome))
        return {r.key: (r.worker, r.outcome) for r in rows}


def until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.02)


def run_in_thread(target: Callable[[], list[FileResult]]) -> tuple[threading.Thread, list[object]]:
    out: list[object] = []
    thread = threading.Thread(target=lambda: out.append(_call(target)))
    thread.start()
    return thread, out


def _call(target: Callable[[], list[FileResult]]) -> object:
    try:
        return target()
    except Exception as err:  # handed to the test
        return err


def test_the_next_file_is_claimed_and_read_while_the_lock_is_busy(db_url: str, tmp_path: Path) -> None:
    engine = open_database(db_url)
    inbox = inbox_of(tmp_path, 3)
    if not db_url.startswith("postgresql"):  # one writer at a time: nothing to do meanwhile
        plain = drain(engine, inbox, "w1")
        assert [r.status for r in plain] == [FileStatus.LOADED] * 3
        assert [r.timings["meanwhile"] for r in plain if r.timings] == [0.0] * 3
        return
    with lock_held(engine) as release:
        thread, out = run_in_thread(lambda: drain(engine, inbox, "w1"))
        until(lambda: "export-1.csv" in claims_of(engine))  # claimed while export-0 waits
        time.sleep(0.3)  # time enough to claim a third one, were it allowed
        assert set(claims_of(engine)) == {"export-0.csv", "export-1.csv"}  # one file ahead at most
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(source_files)).scalar_one() == 0
        release.set()
        thread.join(WAIT)
    [results] = out
    assert isinstance(results, list)
    assert [(Path(r.path).name, r.status, r.inserted) for r in results] == [
        (f"export-{n}.csv", FileStatus.LOADED, 3) for n in range(3)
    ]
    assert results[0].timings and results[0].timings["meanwhile"] > 0  # export-1 was read then
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(bookings)).scalar_one() == 9
        order = conn.execute(select(source_files.c.path).order_by(source_files.c.id)).scalars().all()
    assert [Path(p).name for p in order] == [f"export-{n}.csv" for n in range(3)]
    assert all(outcome == ClaimOutcome.LOADED.value for _, outcome in claims_of(engine).values())
    assert not [f for f in every_file(inbox.folder) if not f.startswith(("archive/", "rejected/"))]


def test_a_file_claimed_ahead_is_let_go_when_the_run_stops(pg_url: str, tmp_path: Path) -> None:
    engine = open_database(pg_url)
    inbox = inbox_of(tmp_path, 3)

    def stop(result: FileResult) -> None:
        raise RuntimeError("the run is stopped")

    with lock_held(engine) as release:
        thread, out = run_in_thread(lambda: drain(engine, inbox, "w1", on_file=stop))
        until(lambda: "export-1.csv" in claims_of(engine))
        release.set()
        thread.join(WAIT)
    [error] = out
    assert isinstance(error, RuntimeError)
    claims = claims_of(engine)
    assert claims["export-0.csv"] == ("w1", ClaimOutcome.LOADED.value)
    assert claims["export-1.csv"] == ("w1", ClaimOutcome.RELEASED.value)  # the next run takes it
    assert (inbox.folder / "export-1.csv").exists()
    results = drain(engine, inbox, "w2")
    assert [(Path(r.path).name, r.status) for r in results] == [
        ("export-1.csv", FileStatus.LOADED),
        ("export-2.csv", FileStatus.LOADED),
    ]


@pytest.fixture
def pg_url(db_url: str) -> str:
    if not db_url.startswith("postgresql"):
        pytest.skip("only PostgreSQL's merges wait for each other (SQLite serializes its writers)")
    return db_url
