"""A file that cannot be read is rejected whole, with one sentence why, and writes nothing."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from airbnb_export import AIRBNB_HEADER
from sqlalchemy import Engine

import pipelines.ingest
from pipelines.discover import FileOptions, discover
from pipelines.ingest import ingest_file, ingest_paths
from pipelines.results import FileResult

if TYPE_CHECKING:  # the fixtures' types; pytest imports conftest.py itself
    from pipelines.conftest import Db, Exports

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
AS_OF = dt.datetime(2025, 12, 1, 6, 0)
HEADER = AIRBNB_HEADER + "\n"
ROW = "HMAAAA2222,Confirmed,{guest},+1 555 0100,2,0,0,1/3/2026,1/7/2026,4,11/26/2025,Old Town Flat,$100.00\n"


def _truncated_xlsx() -> bytes:
    data = (SAMPLES / "cleaning_schedule.xlsx").read_bytes()
    return data[: len(data) // 2]


# name -> (bytes, what the reason must say)
BAD_FILES: dict[str, tuple[bytes, str]] = {
    "empty.csv": (b"", r"empty"),
    "headers_only.csv": (HEADER.encode(), r"no booking rows"),
    "truncated.xlsx": (_truncated_xlsx(), r"damaged|truncated"),
    "photo.xlsx": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, r"PNG"),
    "contacts.csv": (b"Name,Email,Phone\nAnn,ann@example.com,+1 555 0100\n", r"layout"),
    # 0x81 and 0x8d are neither UTF-8 nor Windows-1252.
    "undecodable.csv": (
        HEADER.encode() + ROW.format(guest="Ann").encode().replace(b"Ann", b"\x81\x8d\x81"),
        r"UTF-8|decod",
    ),
}


def one_sentence_problem(reason: str | None) -> str | None:
    """What is wrong with `reason` as the one sentence a person reads, or None."""
    if not reason:
        return "no reason given"
    if "\n" in reason or "Traceback" in reason:
        return f"more than a line: {reason!r}"
    if re.search(r"[.!?]\s+[A-Z]", reason):  # a full stop, then another sentence
        return f"more than one sentence: {reason!r}"
    if len(reason) >= 400:
        return f"too long: {reason!r}"
    return None


def test_each_bad_file_is_rejected_with_a_reason_and_writes_nothing(
    engine: Engine, exports: Exports, db: type[Db]
) -> None:
    wrong: dict[str, str] = {}
    for name, (data, says) in BAD_FILES.items():
        result = ingest_file(engine, exports.write(name, data), FileOptions(as_of=AS_OF))
        if result.status != "rejected" or not re.search(says, result.reason or "", re.I):
            wrong[name] = f"{result.status}: {result.reason}"
        elif problem := one_sentence_problem(result.reason):
            wrong[name] = problem
        elif written := {t: n for t, n in db.counts(engine).items() if n}:
            wrong[name] = f"wrote {written}"
    assert wrong == {}


def test_a_single_property_export_without_a_property_is_rejected_and_writes_nothing(
    engine: Engine, exports: Exports, db: type[Db]
) -> None:
    # The Booking.com export names no property; the manifest that supplies it is not beside this copy.
    path = exports.write("reservations.xls", (SAMPLES / "booking_com_reservations_2025-12.xls").read_bytes())

    result = ingest_file(engine, path, FileOptions(as_of=AS_OF))

    assert result.status == "rejected"
    assert one_sentence_problem(result.reason) is None
    assert "--property" in (result.reason or "")
    assert db.counts(engine) == {"source_files": 0, "bookings": 0, "rejected_rows": 0, "properties": 0}


def test_in_a_folder_run_the_good_files_load_beside_the_bad_ones(
    engine: Engine, exports: Exports, db: type[Db]
) -> None:
    Row = exports.Row
    good = [
        Row("HMGOOD2222", dt.date(2026, 1, 3), dt.date(2026, 1, 7)),
        Row("HMGOOD3333", dt.date(2026, 1, 9), dt.date(2026, 1, 12)),
    ]
    exports.airbnb("inbox/a_good.csv", good)
    for name, (data, _) in BAD_FILES.items():
        exports.write(f"inbox/{name}", data)
    exports.airbnb("inbox/z_good.csv", [Row("HMGOOD4444", dt.date(2026, 2, 3), dt.date(2026, 2, 7))])

    results = ingest_paths(engine, discover([str(exports.folder / "inbox")], FileOptions(as_of=AS_OF)))

    by_name = {Path(r.path).name: r for r in results}
    assert {n for n, r in by_name.items() if r.status == "rejected"} == set(BAD_FILES)
    assert (by_name["a_good.csv"].status, by_name["a_good.csv"].inserted) == ("loaded", 2)
    assert (by_name["z_good.csv"].status, by_name["z_good.csv"].inserted) == ("loaded", 1)
    assert sorted((b["external_code"] for b in db.dump(engine)), key=str) == ["HMGOOD2222", "HMGOOD3333", "HMGOOD4444"]
    assert db.counts(engine)["source_files"] == 2


def test_a_bug_while_one_file_loads_rejects_it_with_what_to_do_and_the_others_load(
    engine: Engine, exports: Exports, db: type[Db], monkeypatch: pytest.MonkeyPatch
) -> None:
    Row = exports.Row
    exports.airbnb("inbox/a_bug.csv", [Row("HMBUGS2222", dt.date(2026, 1, 3), dt.date(2026, 1, 7))])
    exports.airbnb("inbox/b_good.csv", [Row("HMGOOD2222", dt.date(2026, 1, 9), dt.date(2026, 1, 12))])
    real = pipelines.ingest.ingest_file

    def buggy(engine: Engine, path: Path, *args: object, **kwargs: object) -> FileResult:
        if path.name == "a_bug.csv":
            raise KeyError("a bug")
        return real(engine, path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipelines.ingest, "ingest_file", buggy)
    results = ingest_paths(engine, discover([str(exports.folder / "inbox")], FileOptions(as_of=AS_OF)))

    by_name = {Path(r.path).name: r for r in results}
    assert by_name["a_bug.csv"].status == "rejected"
    assert by_name["a_bug.csv"].reason == "internal error, nothing was loaded; please report it (KeyError: 'a bug')"
    assert (by_name["b_good.csv"].status, by_name["b_good.csv"].inserted) == ("loaded", 1)
    assert [b["external_code"] for b in db.dump(engine)] == ["HMGOOD2222"]
