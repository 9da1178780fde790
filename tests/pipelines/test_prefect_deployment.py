"""Prefect as operators run it: a real server, the work pool, the deployment of the repository's
prefect.yaml, two workers draining one inbox into one PostgreSQL database."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from databases import reset_pg_schema
from prefect_processes import Processes, prefect_server
from sqlalchemy import create_engine, select

from loaders.tables import source_files
from pipelines.run_artifacts import FILES_KEY, SUMMARY_KEY

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
GOOD = [
    "airbnb_reservations_2025-12-01.csv",
    "airbnb_reservations_2026-01-10.csv",
    "airbnb_reservations_fr_2025-12.csv",
    "airbnb_earnings_2025-12.csv",
    "cleaning_schedule.xlsx",
]
BAD = "not_an_export.csv"
WAIT_SECONDS = 180


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Processes]]:
    home = tmp_path / "prefect-home"
    home.mkdir()
    with prefect_server(home) as running:
        yield running


@contextmanager
def _client(api_url: str) -> Iterator[Any]:
    """A Prefect client of the test's server (not of the session's test harness)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        yield client


def _wait_for(api_url: str, runs: list[UUID], processes: Processes) -> list[Any]:
    deadline = time.monotonic() + WAIT_SECONDS
    with _client(api_url) as client:
        while time.monotonic() < deadline:
            found = [client.read_flow_run(r) for r in runs]
            if all(f.state is not None and f.state.is_final() for f in found):
                return found
            time.sleep(1)
    logs = "\n".join(f"--- {n}\n{processes.log(n)}" for n in ("worker-1", "worker-2"))
    raise AssertionError(f"the runs did not end within {WAIT_SECONDS} s:\n{logs}")


@pytest.mark.slow
@pytest.mark.postgres
def test_two_workers_drain_the_inbox_of_the_deployment_each_file_once(
    tmp_path: Path, server: tuple[str, Processes], pg_server_url: str
) -> None:
    api_url, processes = server
    reset_pg_schema(pg_server_url)
    inbox, archive = tmp_path / "inbox", tmp_path / "archive"
    inbox.mkdir()
    processes.env["BOOKINGEST_HOME"] = str(tmp_path)  # the pull step's working directory
    processes.env["BOOKINGEST_DATABASE_URL"] = (
        "postgresql+psycopg://nobody@127.0.0.1:1/not-this-one"  # the parameter wins
    )

    with _client(api_url) as client:  # what `prefect work-pool create` and `prefect gcl create` do, without
        # two more processes that import Prefect (the README's runbook runs those commands)
        from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, WorkPoolCreate
        from prefect.workers.process import ProcessWorker

        template = ProcessWorker.get_default_base_job_template()
        client.create_work_pool(WorkPoolCreate(name="bookingest", type="process", base_job_template=template))
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name="bookingest-merge", limit=1))
    for n in (1, 2):  # they start while the deployment is made
        processes.start(f"worker-{n}", ["prefect", "worker", "start", "--pool", "bookingest", "--name", f"worker-{n}"])
    processes.run(
        ["prefect", "--no-prompt", "deploy", "--name", "ingest-inbox",
         "--param", f"inbox={inbox}", "--param", f"archive={archive}",
         "--param", f"database_url={pg_server_url}", "--param", "settle_seconds=0"],
        cwd=ROOT,
    )  # fmt: skip
    for name in GOOD:
        shutil.copy(SAMPLES / name, inbox / name)
    (inbox / BAD).write_bytes(b"hello,world\n1,2\n")

    with _client(api_url) as client:
        deployment = client.read_deployment_by_name("ingest-inbox/ingest-inbox")
        assert deployment.parameters["inbox"] == str(inbox)
        runs = [client.create_flow_run_from_deployment(deployment.id).id for _ in range(2)]  # two at once
    ended = _wait_for(api_url, runs, processes)

    assert [r.state.type.value for r in ended] == ["COMPLETED"] * 2, [r.state.message for r in ended]
    assert sorted(p.name for p in inbox.iterdir()) == ["rejected"]  # nothing left to take
    month = dt.datetime.now(dt.UTC).strftime("%Y/%m")
    assert sorted(p.name for p in (archive / month).iterdir()) == sorted(GOOD)  # each once, no suffix
    assert sorted(p.name for p in (inbox / "rejected").iterdir()) == sorted([BAD, f"{BAD}.error.txt"])
    engine = create_engine(pg_server_url)
    try:
        with engine.connect() as conn:
            loaded = [Path(p).name for p in conn.execute(select(source_files.c.path)).scalars()]
    finally:
        engine.dispose()
    assert sorted(loaded) == sorted(GOOD)

    with _client(api_url) as client:
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=runs))
        )
        limit = client.read_global_concurrency_limit_by_name("bookingest-merge")
    by_run = {r: {a.key for a in artifacts if a.flow_run_id == r} for r in runs}
    assert by_run == {r: {SUMMARY_KEY, FILES_KEY} for r in runs}
    processed = [Path(row["file"]).name for a in artifacts if a.key == FILES_KEY for row in json.loads(a.data)]
    assert sorted(processed) == sorted([*GOOD, BAD])  # between the two runs, each file once
    assert limit.active_slots == 0
