"""`ingest --dry-run`: the real run's result against the database as it is, and nothing written."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from airbnb_export import airbnb_csv, airbnb_row
from sqlalchemy import Engine, inspect, select

from loaders.tables import metadata
from pipelines.cli import main
from pipelines.discover import FileOptions
from pipelines.ingest import ingest_paths, open_database
from pipelines.results import FileResult
from schemas.tuning import Tuning
from schemas.vocab import FileStatus

AS_OF = dt.datetime(2025, 12, 1, 7)
DAY = dt.date(2026, 3, 1)


def stay(
    code: str, guest: str, start: int, nights: int = 2, status: str = "Confirmed", listing: str = "Loft"
) -> list[str]:
    check_in = DAY + dt.timedelta(days=start)
    return airbnb_row(code, status, guest, check_in, check_in + dt.timedelta(days=nights), listing, Decimal(90))


def write(path: Path, rows: list[list[str]]) -> Path:
    path.write_bytes(airbnb_csv(rows))
    return path


def dump(engine: Engine) -> dict[str, object]:
    """Every row of every table, every index, and the tables themselves: the database's state."""
    with engine.connect() as conn:
        rows = {t.name: sorted(tuple(map(repr, r)) for r in conn.execute(select(t))) for t in metadata.sorted_tables}
        found = inspect(conn)
        indexes = {name: sorted(str(i) for i in found.get_indexes(name)) for name in found.get_table_names()}
    return {"rows": rows, "indexes": indexes}


def run(engine: Engine, path: Path, as_of: dt.datetime, dry_run: bool, tuning: Tuning) -> FileResult:
    (result,) = ingest_paths(engine, [(path, FileOptions(as_of=as_of))], tuning=tuning, dry_run=dry_run)
    return result


@pytest.mark.parametrize(
    "tuning",
    [
        pytest.param(Tuning(), id="default"),
        # PostgreSQL then compares the re-load in memory (known_rows) and rebuilds indexes.
        pytest.param(Tuning(known_in_memory_min_rows=0, deferred_index_min_rows=0), id="in-memory"),
    ],
)
def test_a_dry_run_reports_what_the_real_run_then_does_and_writes_nothing(
    db_url: str, tmp_path: Path, tuning: Tuning
) -> None:
    first = write(tmp_path / "first.csv", [stay("HMDRY00001", "Ann", 0), stay("HMDRY00002", "Bo", 3)])
    second = write(
        tmp_path / "second.csv",
        [
            stay("HMDRY00001", "Ann", 0),  # unchanged
            stay("HMDRY00002", "Bo", 3, status="Canceled by guest"),  # updated
            stay("HMDRY00003", "Cy", 10),  # inserted
            stay("HMDRY00004", "Di", 11),  # inserted, and a double booking with Cy
            stay("HMDRY00005", "Ed", 20, status="Lost in space"),  # rejected
        ],
    )
    engine = open_database(db_url)
    try:
        for path, as_of in ((first, AS_OF), (second, AS_OF + dt.timedelta(days=1))):
            before = dump(engine)
            dry = run(engine, path, as_of, True, tuning)
            assert dump(engine) == before, f"the dry run of {path.name} wrote to the database"
            real = run(engine, path, as_of, False, tuning)
            assert dry.dry_run and not real.dry_run
            assert dataclasses.replace(dry, dry_run=False) == real
            assert real.status is FileStatus.LOADED, real
        assert (real.inserted, real.updated, real.unchanged, real.rejected) == (2, 1, 1, 1)
        assert len(real.conflicts) == 1 and "HMDRY00003" in real.conflicts[0]
        # A dry run of bytes already loaded says so, as a real run does, and still writes nothing.
        before = dump(engine)
        again = run(engine, second, AS_OF + dt.timedelta(days=2), True, tuning)
        assert (again.status, again.dry_run) == (FileStatus.DUPLICATE, True)
        assert dump(engine) == before
    finally:
        engine.dispose()


def test_the_command_says_it_was_a_dry_run(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "one.csv", [stay("HMDRY00010", "Ann", 0)])
    args = ["ingest", str(path), "--db", db_url, "--no-prefect", "--as-of", "2025-12-01"]
    open_database(db_url).dispose()  # a dry run needs a database that exists
    assert main([*args, "--dry-run"]) == 0
    assert "DRY RUN: nothing was written" in capsys.readouterr().out
    assert main([*args, "--dry-run", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["dry_run"] is True and summary["files"][0]["dry_run"] is True
    assert (summary["files"][0]["status"], summary["files"][0]["inserted"]) == ("loaded", 1)
    # Nothing was recorded: the real run loads the file (no "loaded before" refusal).
    assert main([*args, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["dry_run"] is False
    assert (summary["files"][0]["status"], summary["files"][0]["inserted"]) == ("loaded", 1)


def test_a_dry_run_refuses_prefect(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "one.csv", [stay("HMDRY00020", "Ann", 0)])
    url = f"sqlite:///{tmp_path / 'x.db'}"
    open_database(url).dispose()
    assert main(["ingest", str(path), "--db", url, "--dry-run", "--prefect"]) == 2
    assert "--dry-run writes nothing, so it runs in this process only" in capsys.readouterr().err


def test_a_dry_run_does_not_create_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "one.csv", [stay("HMDRY00030", "Ann", 0)])
    missing = tmp_path / "new.db"
    assert main(["ingest", str(path), "--db", f"sqlite:///{missing}", "--dry-run", "--no-prefect"]) == 2
    assert "no database at" in capsys.readouterr().err
    assert not missing.exists()
