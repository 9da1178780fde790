"""Concurrent first use: ingests started at the same moment on one empty database all load
their file; the schema is made once, under its lock (loaders.db.schema_lock)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import multiprocessing
import sys
from decimal import Decimal
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
from airbnb_export import airbnb_csv, airbnb_row
from databases import reset_pg_schema
from sqlalchemy import create_engine, func, select

from loaders.tables import bookings, source_files, status_map
from pipelines.cli import main

pytestmark = pytest.mark.slow  # processes, several rounds

PROCESSES, ROUNDS = 4, 3


def _ingest_at_once(barrier: Barrier, argv: list[str], out: Path) -> None:
    """A child process: wait until every child is ready, then run `bookingest ingest`."""
    with out.open("w") as stream, contextlib.redirect_stdout(stream):
        barrier.wait()
        code = main(argv)
    sys.exit(code)


def _exports(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(PROCESSES):
        path = folder / f"export-{n}.csv"
        day = dt.date(2026, 3, 1 + 4 * n)
        rows = [airbnb_row(f"HMRACE{n}{i:03d}", "Confirmed", f"Guest {i}", day, day + dt.timedelta(days=2),
                           f"Flat {i}", Decimal(200)) for i in range(3)]  # fmt: skip
        path.write_bytes(airbnb_csv(rows))
        paths.append(path)
    return paths


def test_ingests_started_together_on_an_empty_database_all_load_their_file(db_url: str, tmp_path: Path) -> None:
    fork = multiprocessing.get_context("fork")  # the children start with this process's imports: at once
    for round_ in range(ROUNDS):
        if db_url.startswith("sqlite"):
            url = f"sqlite:///{tmp_path / f'round-{round_}.db'}"
        else:
            url = db_url
            reset_pg_schema(url)
        paths = _exports(tmp_path / f"round-{round_}")
        barrier = fork.Barrier(PROCESSES)
        outs = [tmp_path / f"round-{round_}-{n}.json" for n in range(PROCESSES)]
        children = [
            fork.Process(
                target=_ingest_at_once, args=(barrier, ["ingest", str(p), "--db", url, "--no-prefect", "--json"], o)
            )
            for p, o in zip(paths, outs, strict=True)
        ]
        for child in children:
            child.start()
        for child in children:
            child.join(timeout=300)
        assert [c.exitcode for c in children] == [0] * PROCESSES, [o.read_text() for o in outs]
        statuses = [[f["status"] for f in json.loads(o.read_text())["files"]] for o in outs]
        assert statuses == [["loaded"]] * PROCESSES

        engine = create_engine(url)
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(source_files)) == PROCESSES
            assert conn.scalar(select(func.count()).select_from(bookings)) == 3 * PROCESSES
            # Seeded once: every label once, however many processes seeded it.
            labels = conn.execute(select(status_map.c.source, status_map.c.raw_status)).all()
        engine.dispose()
        assert len(labels) == len(set(labels)) > 0
