"""A PostgreSQL server that restarts during a load, or stays down: on a cluster of the test's
own (initdb on a free port, never the shared server), driven by `bookingest ingest` in a subprocess."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from airbnb_export import airbnb_csv, airbnb_row
from sqlalchemy import create_engine, func, select, text

from loaders.dialects.postgresql import _MERGE_LOCK
from loaders.tables import bookings, source_files

pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # a cluster of its own, loads of seconds

ROOT = Path(__file__).resolve().parents[2]
ROWS = 200_000  # some 5 s to load: time enough to pull the server away under it


@dataclass
class Cluster:
    """A PostgreSQL cluster in a temporary folder, run by pg_ctl (as user postgres when we are root)."""

    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1 -c fsync=off"
        command = [_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.data.parent / "log"), "-o", options, *args]
        subprocess.run(_as_postgres(command), check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self.pg_ctl("-w", "start")

    def stop(self) -> None:
        self.pg_ctl("-w", "-m", "fast", "stop")  # ends every session: "terminating connection ..."

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


def _bin(name: str) -> str:
    found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
    return str(Path(found.stdout.strip()) / name)


def _as_postgres(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if shutil.which("pg_config") is None:
        pytest.skip("no PostgreSQL binaries (pg_config) to run a cluster of our own")
    # Not under pytest's tmp_path: user postgres could not reach a folder in root's.
    folder = Path(tempfile.mkdtemp(prefix="bookingest-cluster-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    own = Cluster(folder / "data", _free_port())
    subprocess.run(
        _as_postgres([_bin("initdb"), "-D", str(own.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]),
        check=True,
        capture_output=True,
        timeout=120,
    )
    own.start()
    yield own
    if own.running():
        own.pg_ctl("-w", "-m", "immediate", "stop")
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def big_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "airbnb.csv"
    generate = [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "airbnb-csv", str(ROWS), str(path)]
    subprocess.run(generate, check=True, timeout=300)
    return path


@pytest.fixture
def empty(cluster: Cluster) -> Iterator[Cluster]:
    """The cluster running, with an empty public schema."""
    if not cluster.running():
        cluster.start()
    engine = create_engine(cluster.url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    yield cluster


def _ingest(path: Path, cluster: Cluster, retry_for: int) -> subprocess.Popen[str]:
    env = {**os.environ, "BOOKINGEST_RETRY_FOR_SECONDS": str(retry_for)}
    command = [
        sys.executable,
        "-m",
        "pipelines.cli",
        "ingest",
        str(path),
        "--db",
        cluster.url,
        "--no-prefect",
        "--json",
    ]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_the_load(cluster: Cluster, ingest: subprocess.Popen[str]) -> None:
    """Until the file's transaction holds the merge lock (its rows are being staged), or the ingest ended."""
    engine = create_engine(cluster.url.replace("postgresql://", "postgresql+psycopg://"))
    query = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = :key")
    try:
        while ingest.poll() is None:
            with engine.connect() as conn:
                if conn.scalar(query, {"key": _MERGE_LOCK}):
                    return
            time.sleep(0.05)
    finally:
        engine.dispose()
    pytest.fail(f"the ingest ended before its load began: {ingest.communicate()}")


def _counts(cluster: Cluster) -> tuple[int, int]:
    engine = create_engine(cluster.url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        counts = (conn.scalar(select(func.count()).select_from(source_files)),
                  conn.scalar(select(func.count()).select_from(bookings)))  # fmt: skip
    engine.dispose()
    return int(counts[0] or 0), int(counts[1] or 0)


def test_a_restart_of_the_server_during_a_load_is_survived(empty: Cluster, big_export: Path) -> None:
    ingest = _ingest(big_export, empty, retry_for=60)
    _wait_for_the_load(empty, ingest)
    empty.stop()  # the load's session is terminated in the middle of its transaction
    time.sleep(2)
    assert ingest.poll() is None, "the ingest gave up while the server was down"
    empty.start()

    out, err = ingest.communicate(timeout=600)

    assert ingest.returncode == 0, (out, err)
    (result,) = json.loads(out)["files"]
    assert (result["status"], result["rows"], result["inserted"]) == ("loaded", ROWS, ROWS), result
    assert _counts(empty) == (1, ROWS)  # the interrupted transaction left nothing behind


def test_a_server_that_stays_down_is_named_within_the_retry_time(empty: Cluster, big_export: Path) -> None:
    ingest = _ingest(big_export, empty, retry_for=3)
    _wait_for_the_load(empty, ingest)
    empty.stop()

    out, err = ingest.communicate(timeout=600)  # a bound against a hang, not a measurement

    assert ingest.returncode == 1, (out, err)
    (result,) = json.loads(out)["files"]
    assert result["status"] == "rejected"
    reason = result["reason"]
    assert re.fullmatch(
        r"the database could not be reached for \d+ s, \d+ tries \(connection to server at \"127\.0\.0\.1\", "
        rf"port {empty.port} failed: Connection refused\); nothing of this file was loaded",
        reason,
    ), reason
    assert "Traceback" not in err, err
    empty.start()
    assert _counts(empty) == (0, 0)


def test_a_crash_between_a_merge_commit_and_its_flush_never_reports_missing_rows_loaded(
    empty: Cluster, tmp_path: Path
) -> None:
    import signal

    from sqlalchemy import event

    from pipelines.discover import FileOptions
    from pipelines.ingest import ingest_paths, open_database

    first, export = tmp_path / "first.csv", tmp_path / "airbnb.csv"
    generate = [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "airbnb-csv", "50", str(first)]
    subprocess.run(generate, check=True, timeout=120)
    stays = [airbnb_row(f"HMCRASH{i:03d}", "Confirmed", f"Guest {i}", dt.date(2027, 1, 1) + dt.timedelta(days=3 * i),
                        dt.date(2027, 1, 3) + dt.timedelta(days=3 * i), "Crash Flat", Decimal(100)) for i in range(20)]  # fmt: skip
    export.write_bytes(airbnb_csv(stays))
    engine = open_database(empty.url.replace("postgresql://", "postgresql+psycopg://"))
    # A first load commits on disk (it rebuilt the bookings' indexes); a merge into bookings does not.
    assert ingest_paths(engine, [(first, FileOptions())])[0].inserted == 50
    with engine.connect() as conn:
        walwriter = conn.scalar(text("SELECT pid FROM pg_stat_activity WHERE backend_type = 'walwriter'"))
    os.kill(walwriter, signal.SIGSTOP)  # a commit that does not wait for the disk stays in memory
    flushes: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def crash(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "pg_logical_emit_message" in statement:  # a merge committed, not yet flushed
            flushes.append(statement)
            if len(flushes) == 1:  # a server process dies: the server restarts, its WAL in memory gone
                os.kill(walwriter, signal.SIGKILL)

    try:
        [result] = ingest_paths(engine, [(export, FileOptions())])
    finally:
        event.remove(engine, "before_cursor_execute", crash)
        engine.dispose()

    # The merge's commit was lost in the crash (its row not found after the flush): the file was
    # loaded again, and is reported loaded, whole, once.
    assert flushes
    assert (result.status, result.inserted) == ("loaded", 20), result
    assert _counts(empty) == (2, 70)
