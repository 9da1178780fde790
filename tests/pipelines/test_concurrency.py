"""Two ingests of overlapping exports at the same moment, in two processes, on one PostgreSQL
database: both succeed, nothing is duplicated, and the result is that of loading them one by one."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from airbnb_export import airbnb_csv, airbnb_row
from databases import reset_pg_schema
from sqlalchemy import Engine, select, text

from loaders.tables import bookings, properties, source_files, tasks
from pipelines.discover import FileOptions
from pipelines.ingest import ingest_file, open_database
from schemas.vocab import FileStatus

pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # subprocesses, several rounds

ROWS, SHARED, UNITS = 300, 200, 20
FIRST_NIGHT = dt.date(2026, 1, 5)
AS_OF = (dt.datetime(2025, 12, 1, 6), dt.datetime(2025, 12, 8, 6))
ROUNDS = 3


def stay(i: int, newer: bool) -> list[str]:
    """Booking i as the older or the newer export states it. Each unit has a stay every week; a
    third of them last the whole week, so that the next guest arrives the day they leave."""
    check_in = FIRST_NIGHT + dt.timedelta(days=7 * (i // UNITS))
    nights = 7 if i % 3 == 0 else 3
    status, guest = "Confirmed", f"Guest {i}"
    if newer and i % 4 == 0:
        check_in += dt.timedelta(days=1)  # moved a day later
    if newer and i % 4 == 1:
        status = "Canceled by guest"
    if newer and i % 4 == 3:
        guest = f"Guest {i} Corrected"
    check_out = check_in + dt.timedelta(days=nights)
    return airbnb_row(
        f"HMCC{i:06d}", status, guest, check_in, check_out, f"Unit {i % UNITS:02d}", Decimal(100 + i), "11/1/2025"
    )


def export(rows: range, newer: bool) -> bytes:
    return airbnb_csv(stay(i, newer) for i in rows)


# The older export lists bookings 0..299, the newer one 100..399: 200 in common.
OLDER = range(0, ROWS)
NEWER = range(ROWS - SHARED, 2 * ROWS - SHARED)


def write_exports(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    older, newer = folder / "older.csv", folder / "newer.csv"
    older.write_bytes(export(OLDER, newer=False))
    newer.write_bytes(export(NEWER, newer=True))
    return older, newer


def command() -> list[str]:
    script = Path(sys.executable).with_name("bookingest")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipelines.cli"]


def start_ingest(path: Path, as_of: dt.datetime, url: str) -> subprocess.Popen[str]:
    """`bookingest ingest PATH --json` in a process of its own, without this environment's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOOKINGEST_", "PREFECT_"))}
    args = [str(path), "--db", url, "--no-prefect", "--json", "--as-of", as_of.isoformat()]
    return subprocess.Popen(
        [*command(), "ingest", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def state(engine: Engine) -> tuple[dict[str, tuple[object, ...]], dict[str, tuple[object, ...]]]:
    """Bookings and their tasks by code, after checking that neither has a duplicate."""
    with engine.connect() as conn:
        n, distinct = conn.execute(text("SELECT count(*), count(DISTINCT (source, external_code)) FROM bookings")).one()
        assert n == distinct, f"{n - distinct} duplicate booking(s)"
        n, distinct = conn.execute(text("SELECT count(*), count(DISTINCT (booking_id, kind)) FROM tasks")).one()
        assert n == distinct, f"{n - distinct} duplicate task(s)"
        b = bookings.c
        booked: dict[str, tuple[object, ...]] = {
            r.external_code: (r.name, r.check_in, r.check_out, r.status, r.guest_name, Decimal(r.payout), r.as_of)
            for r in conn.execute(
                select(
                    b.external_code,
                    properties.c.name,
                    b.check_in,
                    b.check_out,
                    b.status,
                    b.guest_name,
                    b.payout,
                    b.as_of,
                ).join_from(bookings, properties, properties.c.id == b.property_id)
            )
        }
        cleaning: dict[str, tuple[object, ...]] = {
            r.external_code: (r.due_date, r.status, r.same_day_turnover)
            for r in conn.execute(
                select(b.external_code, tasks.c.due_date, tasks.c.status, tasks.c.same_day_turnover).join_from(
                    tasks, bookings, b.id == tasks.c.booking_id
                )
            )
        }
    return booked, cleaning


State = tuple[dict[str, tuple[object, ...]], dict[str, tuple[object, ...]]]


@pytest.fixture(scope="module")
def sequential(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, State]:
    """The state after loading the two exports one after the other, keyed by the first one's name.

    Two merges that take turns are a sequential load in the order they committed; that they
    agree whatever the order is for the order-independence tests to show."""
    out = {}
    for first in (0, 1):
        reset_pg_schema(pg_server_url)
        engine = open_database(pg_server_url)
        try:
            paths = write_exports(tmp_path_factory.mktemp("sequential"))
            for i in (first, 1 - first):
                result = ingest_file(engine, paths[i], FileOptions(as_of=AS_OF[i]))
                assert result.status is FileStatus.LOADED and result.rejected == 0, result
            out[paths[first].name] = state(engine)
        finally:
            engine.dispose()
    return out


@pytest.mark.parametrize("round_", range(1, ROUNDS + 1))
def test_two_processes_ingesting_overlapping_exports_at_once(
    round_: int, pg_server_url: str, tmp_path: Path, sequential: dict[str, State]
) -> None:
    reset_pg_schema(pg_server_url)
    open_database(pg_server_url).dispose()  # the schema exists before either process starts
    paths = write_exports(tmp_path)
    procs = [start_ingest(path, as_of, pg_server_url) for path, as_of in zip(paths, AS_OF, strict=True)]
    outputs = [p.communicate(timeout=180) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, f"exit {proc.returncode}\n{err}"
        assert "Traceback" not in err, err
    reports = {Path(f["path"]).name: f for out, _ in outputs for f in json.loads(out)["files"]}
    assert {name: r["status"] for name, r in reports.items()} == {"older.csv": "loaded", "newer.csv": "loaded"}

    engine = open_database(pg_server_url)
    try:
        booked, cleaning = state(engine)
        assert len(booked) == len(set(OLDER) | set(NEWER))
        with engine.connect() as conn:
            first = conn.execute(select(source_files.c.path).order_by(source_files.c.id).limit(1)).scalar_one()
        assert (booked, cleaning) == sequential[Path(first).name], f"differs from loading {Path(first).name} first"

        # The merges took turns: the counts each process reported are exact for its turn.
        shared = set(OLDER) & set(NEWER)
        changed = sum(1 for i in shared if stay(i, newer=False) != stay(i, newer=True))
        if Path(first).name == "older.csv":
            expected = {"older.csv": (ROWS, 0, 0), "newer.csv": (ROWS - SHARED, changed, SHARED - changed)}
        else:  # the newer export came first: the older one finds nothing to change
            expected = {"newer.csv": (ROWS, 0, 0), "older.csv": (ROWS - SHARED, 0, SHARED)}
        assert {name: (r["inserted"], r["updated"], r["unchanged"]) for name, r in reports.items()} == expected
    finally:
        engine.dispose()


def test_four_processes_each_file_loaded_once_as_a_load_in_commit_order(pg_server_url: str, tmp_path: Path) -> None:
    """Four workers at once, read ahead of the merge lock: the older and newer exports, a byte-for-byte
    copy of the older one and the newer one in new bytes. Each file is reported once, one of the two
    copies as a duplicate; the database is that of loading the files one by one in commit order."""
    older, newer = write_exports(tmp_path / "exports")
    copy, resaved = tmp_path / "exports" / "older_copy.csv", tmp_path / "exports" / "newer_resaved.csv"
    copy.write_bytes(older.read_bytes())
    resaved.write_bytes(newer.read_bytes() + b"\n")
    files = {older: AS_OF[0], newer: AS_OF[1], copy: AS_OF[0], resaved: AS_OF[1] + dt.timedelta(hours=1)}
    reset_pg_schema(pg_server_url)
    open_database(pg_server_url).dispose()
    procs = [start_ingest(path, as_of, pg_server_url) for path, as_of in files.items()]
    outputs = [p.communicate(timeout=180) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0 and "Traceback" not in err, f"exit {proc.returncode}\n{err}"
    reports = [f for out, _ in outputs for f in json.loads(out)["files"]]
    assert sorted(Path(r["path"]).name for r in reports) == sorted(p.name for p in files)
    status = {Path(r["path"]).name: r["status"] for r in reports}
    assert sorted([status["older.csv"], status["older_copy.csv"]]) == ["duplicate", "loaded"], status
    assert (status["newer.csv"], status["newer_resaved.csv"]) == ("loaded", "loaded"), status

    engine = open_database(pg_server_url)
    try:
        got = state(engine)
        with engine.connect() as conn:
            order = list(conn.execute(select(source_files.c.path).order_by(source_files.c.id)).scalars())
    finally:
        engine.dispose()
    assert len(order) == 3 and len(got[0]) == len(set(OLDER) | set(NEWER))
    reset_pg_schema(pg_server_url)
    engine = open_database(pg_server_url)
    try:
        for path in map(Path, order):
            result = ingest_file(engine, path, FileOptions(as_of=files[path]))
            assert result.status is FileStatus.LOADED, result
        assert state(engine) == got, f"differs from loading {[Path(p).name for p in order]} in that order"
    finally:
        engine.dispose()
