"""A file is read, mapped and validated before it asks for the merge lock, so concurrent ingests take
turns only for the merge: the slot around the lock is entered once the file is read (a bad file never
enters it), a file streamed because it is large is read inside it, both end the same, and every result
says how long each phase took."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from airbnb_export import airbnb_csv, airbnb_row
from databases import fresh_engine

from loaders.merge_lock import Timings
from loaders.tables import booking_changes, rejected_rows, tasks
from pipelines.discover import FileOptions, UsageError
from pipelines.ingest import FileResult, ingest_file
from pipelines.settings import Settings
from schemas.aliases import DeclaredAlias
from schemas.tuning import Tuning
from sources.readers import HEAD_BYTES

if TYPE_CHECKING:  # the fixtures' types; pytest imports conftest.py itself
    from pipelines.conftest import Db

AS_OF = dt.datetime(2025, 12, 1, 6, 0)
SMALL = 4096  # bytes per chunk: a 500-row export is some 15 chunks
STREAMED = Tuning(chunk_bytes=SMALL, read_ahead_max_rows=0)  # every file a chunk at a time, inside the lock
READ_AHEAD = Tuning(chunk_bytes=SMALL)  # the default: a file this small is read before the lock
PHASES = {"read", "staged", "waited", "meanwhile", "locked", "total", "locked_fraction"}


def export(n: int, guest: str = "Guest {i}", **cells: str) -> bytes:
    """n stays in four listings that never overlap; `cells` replaces the status or guest of row i ("i=...")."""
    rows = []
    for i in range(n):
        check_in = dt.date(2026, 1, 2) + dt.timedelta(days=4 * (i // 4))
        row = airbnb_row(f"HM{i:08d}", "Confirmed", guest.format(i=i), check_in, check_in + dt.timedelta(days=3),
                         f"Listing {i % 4}", Decimal(100 + i))  # fmt: skip
        rows.append(row)
    for where, value in cells.items():
        kind, at = where.split("_")
        rows[int(at)][{"status": 1, "guest": 2, "code": 0}[kind]] = value
    return airbnb_csv(rows)


class Slot:
    """A merge slot that counts how often it is entered and, entered, may empty the file: what the
    load still reads from the file after that is read inside the lock."""

    def __init__(self, path: Path, empties: bool = True) -> None:
        self.path, self.empties = path, empties
        self.entered = 0

    @contextmanager
    def __call__(self) -> Iterator[None]:
        self.entered += 1
        if self.empties:
            with self.path.open("r+b") as f:
                f.truncate(0)
        yield


def ingest(db_url: str, path: Path, tuning: Tuning, slot: Slot | None = None) -> FileResult:
    engine = fresh_engine(db_url)
    try:
        return ingest_file(engine, path, FileOptions(as_of=AS_OF), tuning=tuning, merge_slot=slot or nullcontext)
    finally:
        engine.dispose()


@pytest.mark.slow  # two loads of a 500-row file in some 15 chunks
def test_a_file_is_read_whole_before_the_slot_of_the_merge_lock_is_entered(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "all.csv"
    path.write_bytes(export(500))
    slot = Slot(path)
    result = ingest(db_url, path, READ_AHEAD, slot)
    assert slot.entered == 1
    assert (result.status, result.rows, result.inserted) == ("loaded", 500, 500), result

    # Streamed, the chunks after the first are read inside the slot: the emptied file ends them.
    path.write_bytes(export(500))
    slot = Slot(path)
    streamed = ingest(db_url, path, STREAMED, slot)
    assert slot.entered == 1
    assert streamed.status == "loaded" and 0 < streamed.rows < 500, streamed


@pytest.mark.slow  # two loads of a file of some 1,500 rows
def test_a_file_rejected_in_a_late_chunk_never_enters_the_slot(db_url: str, tmp_path: Path) -> None:
    # UTF-8 where the encoding is decided, a byte that is neither UTF-8 nor Windows-1252 far below.
    n = HEAD_BYTES // 100 + 200
    bad = export(n, **{f"guest_{n - 50}": "Bad GUESTMARK Guest"}).replace(b"GUESTMARK", b"\x81\x8d")
    assert bad.index(b"\x81") > HEAD_BYTES
    path = tmp_path / "late_problem.csv"
    path.write_bytes(bad)
    for tuning, entered in ((Tuning(chunk_bytes=16384), 0), (replace(STREAMED, chunk_bytes=16384), 1)):
        slot = Slot(path, empties=False)
        result = ingest(db_url, path, tuning, slot)
        reason = result.reason or ""
        assert result.status == "rejected" and "neither UTF-8 nor Windows-1252" in reason, result
        assert "nothing was loaded" in reason, result
        assert slot.entered == entered, tuning


@pytest.mark.slow  # four loads of a 500-row file in some 15 chunks
def test_a_file_read_ahead_ends_as_the_same_file_streamed(db_url: str, tmp_path: Path, db: type[Db]) -> None:
    # A re-load with changed guests, a code repeated in a later chunk and a label to quarantine.
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_bytes(export(500))
    second.write_bytes(export(500, guest="Guest {i} Jr", code_450="HM00000003", status_300="Mystery state"))
    found = {}
    for name, tuning in (("streamed", STREAMED), ("read ahead", READ_AHEAD)):
        engine = fresh_engine(db_url)
        try:
            results = [ingest_file(engine, p, FileOptions(as_of=AS_OF + dt.timedelta(days=i)), tuning=tuning)
                       for i, p in enumerate((first, second))]  # fmt: skip
            counts = db.counts(engine) | {t.name: db.count(engine, t) for t in (tasks, booking_changes, rejected_rows)}
            found[name] = (results, db.dump(engine, exclude=("id", "property_id")), counts)
        finally:
            engine.dispose()
    results, _, counts = found["read ahead"]
    assert (results[1].inserted, results[1].updated, results[1].rejected) == (0, 498, 2), results[1]
    assert counts["booking_changes"] >= 498 and counts["tasks"] >= 499, counts
    assert found["streamed"] == found["read ahead"]


def test_every_result_says_how_long_each_phase_took(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "some.csv"
    path.write_bytes(export(30))
    result = ingest(db_url, path, Tuning())
    assert result.status == "loaded", result
    t = result.timings
    assert set(t) == PHASES
    assert t["read"] > 0 and t["locked"] > 0 and t["waited"] >= 0
    # Read ahead: the three phases follow one another within the file's time.
    assert t["read"] + t["waited"] + t["locked"] <= t["total"] + 0.002  # each is rounded to the millisecond
    assert 0 < t["locked_fraction"] < 1
    assert result.to_json()["timings"] == t
    # A measurement, not an outcome: results that differ only in it are equal.
    assert result == replace(result, timings={})


def test_timings_as_printed() -> None:
    assert Timings(read=0.25, waited=0.1, locked=0.5, total=1.0).as_dict() == {
        "read": 0.25, "staged": 0.0, "waited": 0.1, "meanwhile": 0.0, "locked": 0.5, "total": 1.0,
        "locked_fraction": 0.5,
    }  # fmt: skip
    assert Timings().as_dict()["locked_fraction"] == 0.0  # a file that took no time holds no lock


def test_the_read_ahead_limit_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKINGEST_READ_AHEAD_MAX_ROWS", "0")
    assert Settings.load().tuning().read_ahead_max_rows == 0
    monkeypatch.setenv("BOOKINGEST_READ_AHEAD_MAX_ROWS", "-1")
    with pytest.raises(UsageError, match="BOOKINGEST_READ_AHEAD_MAX_ROWS"):
        Settings.load()


def test_rows_staged_before_the_lock_follow_an_alias_declared_under_it(
    db_url: str, tmp_path: Path, db: type[Db]
) -> None:
    # Staged ahead (PostgreSQL), the re-load's rows assume their listings' own properties; the
    # alias its folder declares is added under the lock, so they are staged again on the house.
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_bytes(export(40))
    second.write_bytes(export(40, guest="Guest {i} Jr"))
    alias = DeclaredAlias("Sea View", "airbnb", "Listing 0")
    found = {}
    for name, tuning in (("streamed", STREAMED), ("read ahead", Tuning())):
        engine = fresh_engine(db_url)
        try:
            results = [ingest_file(engine, first, FileOptions(as_of=AS_OF), tuning=tuning),
                       ingest_file(engine, second, FileOptions(as_of=AS_OF + dt.timedelta(days=1), aliases=(alias,)),
                                   tuning=tuning)]  # fmt: skip
            houses = {b["property"] for b in db.dump(engine) if int(str(b["external_code"])[2:]) % 4 == 0}
            found[name] = ([(r.status, r.inserted, r.updated) for r in results], houses,
                           db.dump(engine, exclude=("id", "property_id")))  # fmt: skip
        finally:
            engine.dispose()
    assert found["read ahead"][:2] == ([("loaded", 40, 0), ("loaded", 0, 40)], {"Sea View"}), found["read ahead"][:2]
    assert found["read ahead"] == found["streamed"]
