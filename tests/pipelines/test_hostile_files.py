"""`bookingest ingest` in-process on a folder of hostile workbooks beside a good export, on SQLite
and PostgreSQL: each hostile file is rejected with its one sentence, the good one is loaded, the
process lives on and --json stays valid."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import hostile_files
import pytest
from sqlalchemy import create_engine, func, select

from loaders.tables import bookings
from pipelines.cli import main

GOOD = hostile_files.SAMPLES / "airbnb_reservations_2025-12-01.csv"
# name -> what its reason must say
REASONS = {
    "far_cell.xlsx": r"^the sheet \S+ declares 16384 columns \(XFD1048576\), more than the limit of 4096 "
    r"\(set BOOKINGEST_MAX_COLUMNS higher to read it\)$",
    "bomb.xlsx": r"^the workbook's \S+ is compressed \d+ to 1, more than the limit of 200 to 1 "
    r"\(set BOOKINGEST_MAX_ZIP_RATIO higher to read it\)$",
    "lying_bomb.xlsx": r"^the workbook reader failed on this file \(out of memory, over 400 MB\): .*; nothing of it was loaded$",
    "truncated.xls": r"^the workbook reader failed on this file \(crashed\): .*index out of bounds.*; nothing of it was loaded$",
    "duplicated.xls": r"^the workbook reader failed on this file \(out of memory, over 400 MB\): "
    r"memory allocation of \d+ bytes failed; nothing of it was loaded$",
    "big.csv": r"^the file is 3 MB, more than the limit of 2 MB \(set BOOKINGEST_MAX_FILE_MB higher to read it\)$",
}


@pytest.fixture(autouse=True)
def _limits_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The limits as an operator sets them; nothing else of the environment."""
    for name in list(os.environ):
        if name.startswith("BOOKINGEST_") or name == "PREFECT_API_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("BOOKINGEST_MAX_READER_MEMORY_MB", "400")  # the lying bomb dies fast
    monkeypatch.setenv("BOOKINGEST_MAX_FILE_MB", "2")


def hostile_folder(folder: Path) -> Path:
    folder.mkdir()
    (folder / "far_cell.xlsx").write_bytes(hostile_files.far_cell_xlsx())
    hostile_files.bomb_xlsx(folder / "bomb.xlsx", 0.2)
    hostile_files.bomb_xlsx(folder / "lying_bomb.xlsx", 1, lying=True)
    (folder / "truncated.xls").write_bytes(hostile_files.truncated_xls())
    (folder / "duplicated.xls").write_bytes(hostile_files.duplicated_xls())
    with (folder / "big.csv").open("wb") as big:
        big.truncate(3 << 20)
    shutil.copyfile(GOOD, folder / GOOD.name)
    return folder


@pytest.mark.slow
def test_hostile_files_are_rejected_each_with_its_sentence_and_the_rest_loads(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = hostile_folder(tmp_path / "inbox")
    code = main(["ingest", str(folder), "--db", db_url, "--no-prefect", "--json"])
    out, err = capsys.readouterr()

    assert code == 1, err  # some files were rejected
    assert "Traceback" not in out + err
    results = {Path(f["path"]).name: f for f in json.loads(out)["files"]}
    assert set(results) == {*REASONS, GOOD.name}
    for name, reason in REASONS.items():
        assert results[name]["status"] == "rejected", results[name]
        assert re.search(reason, results[name]["reason"]), (name, results[name]["reason"])
    assert results[GOOD.name]["status"] == "loaded"
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            loaded = conn.execute(select(func.count()).select_from(bookings)).scalar_one()
    finally:
        engine.dispose()
    assert loaded == results[GOOD.name]["inserted"] > 0
