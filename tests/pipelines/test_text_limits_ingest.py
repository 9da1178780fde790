"""`bookingest ingest`, in process, of text exports over the limits on untrusted input (issue
12), on SQLite and PostgreSQL: each such file is rejected with one sentence naming the limit and
its variable and loads nothing, the other files of the run load, and --json stays valid. The
limits are lowered through their BOOKINGEST_ variables so that the files stay small."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from airbnb_export import AIRBNB_HEADER
from airbnb_export import confirmed_stay as stay
from sqlalchemy import Engine, func, select

from loaders.tables import bookings, source_files
from pipelines.cli import main
from pipelines.ingest import open_database

if TYPE_CHECKING:  # the fixtures' types; pytest imports conftest.py itself
    from pipelines.conftest import Db


@pytest.fixture(autouse=True)
def _only_these_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("BOOKINGEST_") or name == "PREFECT_API_URL":
            monkeypatch.delenv(name)
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")


def code(prefix: str, i: int = 0) -> str:
    """An Airbnb confirmation code: HM and 8 letters or digits."""
    return f"HM{prefix}{i:0{8 - len(prefix)}d}"


def airbnb(path: Path, rows: list[list[str]], extra_header: str = "") -> Path:
    out = io.StringIO(newline="")
    out.write(AIRBNB_HEADER + extra_header + "\n")
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_bytes(out.getvalue().encode())
    return path


def html_page(path: Path, rows: int) -> Path:
    header = ["Book number", "Guest name(s)", "Check-in", "Check-out", "Status", "Price"]
    cells = [header] + [
        [str(6_000_000 + i), "Ann Example", "2026-01-03", "2026-01-07", "ok", "1 EUR"] for i in range(rows)
    ]
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>\n" for row in cells)
    path.write_text(f"<html><body><table>\n{body}</table></body></html>\n", encoding="utf-8")
    return path


def ingest(capsys: pytest.CaptureFixture[str], db_url: str, *paths: Path) -> tuple[int, dict[str, dict[str, object]]]:
    exit_code = main(["ingest", *map(str, paths), "--db", db_url, "--no-prefect", "--json", "--as-of", "2025-12-01"])
    summary = json.loads(capsys.readouterr().out)  # valid JSON, whatever the files
    return exit_code, {Path(str(f["path"])).name: f for f in summary["files"]}


def rows_in(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        loaded = conn.execute(select(func.count()).select_from(source_files)).scalar_one()
        return int(loaded), int(conn.execute(select(func.count()).select_from(bookings)).scalar_one())


def test_files_over_a_limit_are_rejected_with_a_sentence_and_the_others_load(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db: type[Db]
) -> None:
    monkeypatch.setenv("BOOKINGEST_MAX_CELL_BYTES", "2000")
    monkeypatch.setenv("BOOKINGEST_MAX_COLUMNS", "40")
    monkeypatch.setenv("BOOKINGEST_MAX_ROWS", "100")
    monkeypatch.setenv("BOOKINGEST_CHUNK_BYTES", "4096")  # the large-file path, in pieces
    monkeypatch.setenv("BOOKINGEST_FIRST_CHUNK_BYTES", "1024")
    files = [
        airbnb(tmp_path / "good.csv", [stay(code("GOOD", i)) for i in range(5)]),
        airbnb(tmp_path / "cell.csv", [stay(code("CELL", 1)), stay(code("CELL", 2), contact="c" * 2001)]),
        # A line that never ends, in a file read in pieces: refused while it is being read.
        airbnb(
            tmp_path / "huge_cell.csv",
            [stay(code("HUGE", i)) for i in range(60)] + [stay(code("X"), contact="h" * 50_000)],
        ),
        airbnb(tmp_path / "wide.csv", [stay(code("WIDE", 1)) + ["v"] * 30], extra_header=",extra" * 30),
        airbnb(tmp_path / "many.csv", [stay(code("MANY", i)) for i in range(150)]),
        html_page(tmp_path / "many.xls", 150),
    ]

    status, results = ingest(capsys, db_url, *files)

    assert status == 1
    assert (results["good.csv"]["status"], results["good.csv"]["inserted"]) == ("loaded", 5)
    said = {name: str(r["reason"]) for name, r in results.items() if name != "good.csv"}
    assert {n: r["status"] for n, r in results.items() if n != "good.csv"} == dict.fromkeys(said, "rejected")
    variables = {name: reason.split("(set ")[1].split(" ")[0] for name, reason in said.items()}
    assert variables == {
        "cell.csv": "BOOKINGEST_MAX_CELL_BYTES",
        "huge_cell.csv": "BOOKINGEST_MAX_CELL_BYTES",
        "wide.csv": "BOOKINGEST_MAX_COLUMNS",
        "many.csv": "BOOKINGEST_MAX_ROWS",
        "many.xls": "BOOKINGEST_MAX_ROWS",
    }
    assert "a cell of row 3 holds" in said["cell.csv"] and "the limit of 2000 bytes" in said["cell.csv"]
    assert "row 1 has 43 cells, more than the limit of 40 columns" in said["wide.csv"]
    assert all("\n" not in r and "internal error" not in r for r in said.values())
    engine = open_database(db_url)
    try:
        assert rows_in(engine) == (1, 5)  # the good file only: nothing of the others
        assert db.dangling(engine) == {}
    finally:
        engine.dispose()


def test_a_million_byte_cell_loads_at_the_default_limits(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # In the first row (read by Python's csv to find the header), and with a quoted line
    # break elsewhere (the whole file through Python's csv): both were "internal error".
    big = "x" * 1_000_000
    first = airbnb(tmp_path / "first.csv", [stay(code("BIG", 1), contact=big), stay(code("BIG", 2))])
    broken = airbnb(
        tmp_path / "broken.csv", [stay(code("BIG", 3), guest="Ann\nExample"), stay(code("BIG", 4), contact=big)]
    )

    status, results = ingest(capsys, db_url, first, broken)

    assert status == 0, results
    assert {n: (r["status"], r["inserted"]) for n, r in results.items()} == {
        "first.csv": ("loaded", 2),
        "broken.csv": ("loaded", 2),
    }
