"""The ingest-inbox flow over a real inbox: its artifacts read back through the Prefect client,
retries of transient errors only, the merge limit, and the messages of failed runs."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, FlowRunFilter, FlowRunFilterId
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from loaders.tables import bookings, rejected_rows, source_files
from pipelines import flows, inbox_flow
from pipelines.discover import FileOptions
from pipelines.inbox_flow import MergeSlot, ingest_inbox_flow, merge_slot
from pipelines.inbox_run import Inbox, process_file
from pipelines.ingest import open_database
from pipelines.results import FileResult
from pipelines.run_artifacts import FILES_KEY, SUMMARY_KEY
from reports.bookings import conflicts
from schemas.status_map import StatusMap
from schemas.tuning import Tuning

if TYPE_CHECKING:  # the fixtures' types; pytest imports conftest.py itself
    from pipelines.conftest import Db, Exports

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"


class Calls:
    """pipelines.inbox_run.process_file as the flow calls it, with `before` run ahead of each
    call: a way to make a call fail as a claim would, before the real one runs."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.before: Callable[[Path], None] = lambda _path: None
        self.slot: Callable[[MergeSlot], MergeSlot] = lambda slot: slot

    def __call__(
        self,
        engine: Engine,
        inbox: Inbox,
        path: Path,
        worker: str,
        options: FileOptions | None,
        status_map: StatusMap | None,
        tuning: Tuning,
        merge_slot: MergeSlot,
    ) -> FileResult | None:
        self.paths.append(path.name)
        self.before(path)
        return process_file(engine, inbox, path, worker, options, status_map, tuning, self.slot(merge_slot))


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    spy = Calls()
    monkeypatch.setattr(inbox_flow, "process_file", spy)
    return spy


@pytest.fixture
def flow_db(db_url: str, prefect_harness: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("BOOKINGEST_RETRY_FOR_SECONDS", "0.1")  # transient errors retried quickly
    monkeypatch.setenv("BOOKINGEST_RETRY_FIRST_DELAY", "0.05")
    monkeypatch.setenv("BOOKINGEST_MERGE_LIMIT", "")
    yield db_url
    engine = flows._engines.pop(db_url, None)
    if engine is not None:
        engine.dispose()


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def _run(inbox: Path, url: str) -> tuple[Any, list[FileResult] | BaseException]:
    state = ingest_inbox_flow(str(inbox), database_url=url, settle_seconds=0, return_state=True)
    return state, state.result(raise_on_failure=False)


def _artifacts(state: Any) -> dict[str, Any]:
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
    return {str(a.key): a for a in found}


def _summary_figures(markdown: str) -> dict[str, int]:
    """The figures of the summary's table: its header line and the line of numbers below it."""
    lines = markdown.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("| files |"))
    names = [c.strip() for c in lines[at].strip("|").split("|")]
    values = [int(c) for c in lines[at + 2].strip("|").split("|")]
    return dict(zip(names, values, strict=True))


@pytest.mark.slow
def test_a_run_publishes_its_figures_and_its_files_as_artifacts(
    inbox: Path, flow_db: str, calls: Calls, db: type[Db], exports: Exports
) -> None:
    Row = exports.Row
    first = shutil.copy(SAMPLES / "airbnb_reservations_2025-12-01.csv", inbox)
    os.utime(first, (time.time() - 60, time.time() - 60))  # the earlier one: the copy below is the duplicate
    shutil.copy(SAMPLES / "airbnb_reservations_2025-12-01.csv", inbox / "copy_of_december.csv")  # same bytes
    stays = [
        Row("HMTESTAAA1", dt.date(2027, 3, 1), dt.date(2027, 3, 5), listing="Test Cabin"),
        Row("HMTESTAAA2", dt.date(2027, 3, 3), dt.date(2027, 3, 6), listing="Test Cabin"),  # a double booking
        Row("HMTESTAAA3", dt.date(2027, 4, 1), dt.date(2027, 4, 5), status="Teleported"),  # quarantined
        Row("HMTESTAAA4", dt.date(2027, 5, 1), dt.date(2027, 5, 5), raw={"# of adults": "many"}),  # quarantined
    ]
    shutil.move(exports.airbnb("march.csv", stays), inbox)
    (inbox / "notes.csv").write_bytes(b"hello,world\n1,2\n")  # matches no layout

    state, results = _run(inbox, flow_db)

    assert state.is_completed(), state.message
    assert isinstance(results, list)
    found = _artifacts(state)
    assert set(found) == {SUMMARY_KEY, FILES_KEY}
    engine = open_database(flow_db)
    try:
        with engine.connect() as conn:
            quarantined = conn.execute(select(func.count(func.distinct(rejected_rows.c.row_number)))).scalar_one()
            overlaps = len(conflicts(conn))
        figures = _summary_figures(found[SUMMARY_KEY].data)
        assert figures == {
            "files": 4,
            "loaded": db.count(engine, source_files),
            "duplicate": 1,
            "rejected files": 1,
            "rows": figures["rows"],
            "inserted": db.count(engine, bookings),
            "updated": 0,
            "unchanged": 0,
            "rejected rows": quarantined,
            "double bookings": overlaps,
        }
        assert figures["loaded"] == 2 and quarantined == 2 and overlaps >= 1
    finally:
        engine.dispose()
    assert figures["rows"] == sum(r.rows for r in results) > figures["inserted"]
    summary = found[SUMMARY_KEY].data
    assert "## Rejected files" in summary and "`notes.csv`:" in summary
    assert "`march.csv`: 2 row(s)" in summary and "Teleported" in summary
    assert "## Double bookings" in summary and "HMTESTAAA1" in summary
    table = json.loads(found[FILES_KEY].data)
    assert sorted((Path(r["file"]).name, r["status"]) for r in table) == [
        ("airbnb_reservations_2025-12-01.csv", "loaded"),
        ("copy_of_december.csv", "duplicate"),
        ("march.csv", "loaded"),
        ("notes.csv", "rejected"),
    ]
    month = dt.datetime.now(dt.UTC).strftime("%Y/%m")
    filed = {Path(r["file"]).name: Path(r["filed_as"]).relative_to(inbox).as_posix() for r in table}
    assert filed == {
        "airbnb_reservations_2025-12-01.csv": f"archive/{month}/airbnb_reservations_2025-12-01.csv",
        "copy_of_december.csv": f"archive/{month}/copy_of_december.csv",
        "march.csv": f"archive/{month}/march.csv",
        "notes.csv": "rejected/notes.csv",
    }
    assert sorted(p.name for p in inbox.iterdir()) == ["archive", "rejected"]


def _task_run_counts(state: Any) -> list[int]:
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
    return [r.run_count for r in runs]


@pytest.mark.slow
def test_a_transient_error_is_retried_and_the_file_then_loads(inbox: Path, flow_db: str, calls: Calls) -> None:
    shutil.copy(SAMPLES / "airbnb_reservations_2025-12-01.csv", inbox)

    def locked_once(_path: Path) -> None:
        if len(calls.paths) == 1:
            raise OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))

    calls.before = locked_once
    state, results = _run(inbox, flow_db)

    assert state.is_completed(), state.message
    assert isinstance(results, list) and [r.status for r in results] == ["loaded"]
    assert calls.paths == ["airbnb_reservations_2025-12-01.csv"] * 2
    assert _task_run_counts(state) == [2]


@pytest.mark.slow
def test_a_bug_is_not_retried_the_file_stays_and_the_run_says_to_report_it(
    inbox: Path, flow_db: str, calls: Calls
) -> None:
    shutil.copy(SAMPLES / "airbnb_reservations_2025-12-01.csv", inbox)

    def bug(_path: Path) -> None:
        raise ValueError("a bug")

    calls.before = bug
    state, _ = _run(inbox, flow_db)

    assert state.is_failed()
    assert calls.paths == ["airbnb_reservations_2025-12-01.csv"]  # tried once
    assert "1 file(s) could not be processed and stay in the inbox" in state.message
    assert "internal error (ValueError: a bug); report it" in state.message
    assert (inbox / "airbnb_reservations_2025-12-01.csv").exists()
    summary = _artifacts(state)[SUMMARY_KEY].data
    assert "## Left in the inbox for the next run" in summary and "The run failed" in summary


@pytest.mark.slow
def test_a_database_that_stays_locked_is_retried_then_named(inbox: Path, flow_db: str, calls: Calls) -> None:
    shutil.copy(SAMPLES / "airbnb_reservations_2025-12-01.csv", inbox)

    def locked(_path: Path) -> None:
        raise OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))

    calls.before = locked
    state, _ = _run(inbox, flow_db)

    assert state.is_failed()
    tries = len(Tuning(retry_for_seconds=0.1, retry_first_delay=0.05).retry_delays()) + 1
    assert len(calls.paths) == tries
    assert f"the database stayed busy for 0 s, {tries} tries (database is locked)" in state.message
    assert "check that the database is up" in state.message


@pytest.mark.slow
def test_an_unreachable_database_fails_the_run_naming_it_before_any_file_is_touched(
    inbox: Path, prefect_harness: None, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOOKINGEST_RETRY_FOR_SECONDS", "0")
    shutil.copy(SAMPLES / "airbnb_reservations_2025-12-01.csv", inbox)

    state, _ = _run(inbox, "postgresql+psycopg://postgres@127.0.0.1:1/nowhere")

    assert state.is_failed()
    assert "cannot use the database postgresql+psycopg://postgres@127.0.0.1:1/nowhere" in state.message
    assert "check the deployment's database_url" in state.message
    assert calls.paths == [] and (inbox / "airbnb_reservations_2025-12-01.csv").exists()


@pytest.mark.slow
def test_a_missing_inbox_fails_the_run_saying_which_parameter(tmp_path: Path, flow_db: str, calls: Calls) -> None:
    state, _ = _run(tmp_path / "no-such-inbox", flow_db)

    assert state.is_failed()
    assert "no-such-inbox is not a folder on the worker" in state.message
    assert "check the deployment's inbox parameter" in state.message


@pytest.fixture
def merge_limit(prefect_harness: None) -> Iterator[str]:
    name = f"bookingest-merge-test-{uuid.uuid4().hex[:8]}"
    with get_client(sync_client=True) as client:
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
    yield name
    with get_client(sync_client=True) as client:
        client.delete_global_concurrency_limit_by_name(name)


def _active_slots(name: str) -> int:
    with get_client(sync_client=True) as client:
        return client.read_global_concurrency_limit_by_name(name).active_slots


@pytest.mark.slow
def test_the_merge_limit_lets_one_merge_in_at_a_time(merge_limit: str) -> None:
    slot = merge_slot(merge_limit)
    inside: list[int] = []
    lock = threading.Lock()
    at_once = [0]

    def merge() -> None:
        with slot():
            with lock:
                at_once[0] += 1
                inside.append(at_once[0])
            time.sleep(0.3)  # long enough for the other threads to ask for the slot meanwhile
            with lock:
                at_once[0] -= 1

    threads = [threading.Thread(target=merge) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert inside == [1, 1, 1]
    assert _active_slots(merge_limit) == 0


@pytest.mark.slow
def test_the_flow_holds_a_slot_of_the_limit_while_a_file_merges(
    inbox: Path, flow_db: str, calls: Calls, merge_limit: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOOKINGEST_MERGE_LIMIT", merge_limit)
    shutil.copy(SAMPLES / "airbnb_reservations_2025-12-01.csv", inbox)
    held: list[int] = []

    def spied(slot: MergeSlot) -> MergeSlot:
        @contextmanager
        def observed() -> Iterator[None]:
            with slot():
                held.append(_active_slots(merge_limit))
                yield

        return observed

    calls.slot = spied
    state, _ = _run(inbox, flow_db)

    assert state.is_completed(), state.message
    assert held == [1]
    assert _active_slots(merge_limit) == 0


@pytest.mark.slow
def test_without_the_limit_created_a_merge_goes_ahead(prefect_harness: None) -> None:
    ran = []
    with merge_slot(f"never-created-{uuid.uuid4().hex[:8]}")():
        ran.append(True)
    assert ran == [True]
