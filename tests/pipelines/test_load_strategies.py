"""Each file's summary line, and so the run's --json, names the strategy that merged its rows."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from airbnb_export import airbnb_csv, airbnb_row

from pipelines.discover import FileOptions
from pipelines.ingest import ingest_file, open_database
from schemas.tuning import Tuning
from schemas.vocab import FileStatus

AS_OF = dt.datetime(2025, 12, 1, 7)


def export(path: Path, guests: list[str]) -> Path:
    """One confirmed booking per guest, each on its own listing."""
    day = dt.date(2026, 3, 1)
    rows = [
        airbnb_row(f"HMSTRAT{i:03d}", "Confirmed", g, day, day + dt.timedelta(days=2), f"Listing {i}", Decimal(90))
        for i, g in enumerate(guests)
    ]
    path.write_bytes(airbnb_csv(rows))
    return path


def test_the_json_names_the_strategy_of_each_load(db_url: str, tmp_path: Path) -> None:
    first = export(tmp_path / "first.csv", ["Ann", "Bo", "Cy"])
    changed = export(tmp_path / "changed.csv", ["Ann", "Bo Lind", "Cy", "Di"])
    again = export(tmp_path / "again.csv", ["Ann", "Bo Lind", "Cy Young", "Di"])
    engine = open_database(db_url)
    try:
        results = [
            ingest_file(engine, first, FileOptions(as_of=AS_OF)),
            ingest_file(engine, changed, FileOptions(as_of=AS_OF + dt.timedelta(days=1))),
            # Any re-load is large enough to be compared in memory, where the dialect can.
            ingest_file(
                engine,
                again,
                FileOptions(as_of=AS_OF + dt.timedelta(days=2)),
                tuning=Tuning(known_in_memory_min_rows=0),
            ),
        ]
    finally:
        engine.dispose()
    counts = [(r.status, r.inserted, r.updated, r.unchanged) for r in results]
    assert counts == [(FileStatus.LOADED, 3, 0, 0), (FileStatus.LOADED, 1, 1, 2), (FileStatus.LOADED, 0, 1, 3)]
    strategies = [json.loads(json.dumps(r.to_json()))["strategy"] for r in results]
    if db_url.startswith("sqlite"):
        # No COPY and no reading of the stored rows: SQLite stages and merges every file.
        assert strategies == ["staged_merge", "staged_merge", "staged_merge"]
    else:
        assert strategies == ["first_load", "staged_merge", "known_rows"]


def test_a_file_without_valid_rows_names_no_strategy(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    day = dt.date(2026, 3, 1)
    path.write_bytes(
        airbnb_csv([airbnb_row("HMBAD001", "Confirmed", "Ann", day, day - dt.timedelta(days=2), "L", Decimal(1))])
    )
    engine = open_database(db_url)
    try:
        result = ingest_file(engine, path, FileOptions(as_of=AS_OF))
    finally:
        engine.dispose()
    assert (result.status, result.rejected) == (FileStatus.LOADED, 1), result
    assert result.to_json()["strategy"] is None
