"""The defining tests: the same file twice, the same rows in new bytes, exports in any order."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, select

from loaders.tables import booking_changes, bookings, rejected_rows, source_file_keys, source_files, tasks
from pipelines.discover import FileOptions, discover
from pipelines.ingest import ingest_file, ingest_paths

if TYPE_CHECKING:  # the fixtures' types; pytest imports conftest.py itself
    from pipelines.conftest import Db, Exports, Row

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
SAMPLE_NAMES = sorted(p.name for p in SAMPLES.iterdir() if p.is_file() and p.name != "bookingest.toml")
DEC_1 = dt.datetime(2025, 12, 1, 6, 0)
DEC_2 = dt.datetime(2025, 12, 2, 6, 0)
DEC_3 = dt.datetime(2025, 12, 3, 6, 0)


def full_dump(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the tables a file writes, ids included."""
    out = {}
    with engine.connect() as conn:
        for table in (source_files, bookings, rejected_rows, booking_changes, tasks):
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(table.c.id))]
        keys = source_file_keys.c
        out[keys.booking_ids.table.name] = [
            tuple(r) for r in conn.execute(select(source_file_keys).order_by(keys.source_file_id))
        ]
    return out


def stays(exports: Exports) -> list[Row]:
    Row = exports.Row
    return [
        Row("HMAAAA2222", dt.date(2026, 1, 3), dt.date(2026, 1, 7), guest="Ann Lee", earnings=Decimal("1234.56")),
        Row("HMBBBB3333", dt.date(2026, 1, 9), dt.date(2026, 1, 12), status="Pending", listing="Garden Cottage"),
        Row("HMCCCC4444", dt.date(2026, 2, 1), dt.date(2026, 2, 5), status="Canceled by guest", earnings=Decimal("0")),
    ]


# ---- the same file twice --------------------------------------------------------------------


def test_the_same_bytes_under_another_name_are_a_duplicate(engine: Engine, exports: Exports) -> None:
    first = exports.airbnb("reservations.csv", stays(exports))
    copy = exports.write("inbox/reservations (1).csv", first.read_bytes())
    assert ingest_file(engine, first, FileOptions(as_of=DEC_1)).status == "loaded"
    before = full_dump(engine)

    # A later as-of does not make the same bytes a new export.
    result = ingest_file(engine, copy, FileOptions(as_of=DEC_3))

    assert result.status == "duplicate"
    assert str(first) in (result.reason or "")
    assert full_dump(engine) == before


# ---- the same rows in new bytes -------------------------------------------------------------


@pytest.mark.slow
def test_the_airbnb_sample_resaved_with_lf_no_bom_and_reversed_rows_changes_nothing(
    engine: Engine, exports: Exports
) -> None:
    sample = SAMPLES / "airbnb_reservations_2025-12-01.csv"
    [(_, options)] = discover([str(sample)], FileOptions())
    header, *records = sample.read_bytes().decode("utf-8-sig").split("\r\n")
    records = [r for r in records if r]
    resaved = exports.write("airbnb_resaved.csv", "\n".join([header, *reversed(records), ""]).encode())
    assert resaved.read_bytes() != sample.read_bytes()
    ingest_paths(engine, [(sample, options)])
    before = full_dump(engine)

    # Re-saving an export does not change the moment it describes.
    result = ingest_file(engine, resaved, options)

    assert (result.status, result.rows, result.inserted, result.updated, result.unchanged, result.rejected) == (
        "loaded",
        len(records),
        0,
        0,
        len(records),
        0,
    )
    after = full_dump(engine)
    # Not one booking was rewritten: same values, same first file, same row numbers.
    assert after["bookings"] == before["bookings"]
    assert after["booking_changes"] == before["booking_changes"]
    assert len(after["source_files"]) == 2


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param({"newline": "\r\n"}, id="crlf"),
        pytest.param({"reverse": True}, id="reordered"),
    ],
)
def test_the_same_rows_in_other_bytes_are_all_unchanged(
    engine: Engine, exports: Exports, variant: dict[str, bool | str]
) -> None:
    rows = stays(exports)
    first = exports.airbnb("a.csv", rows)
    variant = dict(variant)  # the same parameters serve both databases
    reverse = bool(variant.pop("reverse", False))
    second = exports.airbnb("b.csv", list(reversed(rows)) if reverse else rows, **variant)
    assert first.read_bytes() != second.read_bytes()
    ingest_file(engine, first, FileOptions(as_of=DEC_1))
    before = full_dump(engine)

    result = ingest_file(engine, second, FileOptions(as_of=DEC_1))

    assert (result.status, result.inserted, result.updated, result.unchanged) == ("loaded", 0, 0, len(rows))
    after = full_dump(engine)
    assert after["bookings"] == before["bookings"]
    with engine.connect() as conn:
        file_ids = set(conn.execute(select(bookings.c.source_file_id)).scalars())
        [first_id] = conn.execute(select(source_files.c.id).where(source_files.c.path == str(first))).scalars()
        counted = conn.execute(
            select(source_files.c.inserted, source_files.c.updated, source_files.c.unchanged).where(
                source_files.c.path == str(second)
            )
        ).one()
    assert file_ids == {first_id}
    assert tuple(counted) == (0, 0, len(rows))


def test_a_newer_export_restating_the_same_rows_counts_them_unchanged(
    engine: Engine, exports: Exports, db: type[Db]
) -> None:
    rows = stays(exports)
    ingest_file(engine, exports.airbnb("a.csv", rows), FileOptions(as_of=DEC_1))
    before = db.dump(engine, exclude=("as_of", "source_file_id", "source_row"))
    history = full_dump(engine)["booking_changes"]

    result = ingest_file(engine, exports.airbnb("b.csv", rows, newline="\r\n"), FileOptions(as_of=DEC_3))

    assert (result.inserted, result.updated, result.unchanged) == (0, 0, len(rows))
    assert db.dump(engine, exclude=("as_of", "source_file_id", "source_row")) == before
    assert full_dump(engine)["booking_changes"] == history


# ---- newer and older exports ----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("status", "Canceled by guest", {"status": "cancelled", "raw_status": "Canceled by guest"}),
        ("earnings", Decimal("1300.00"), {"payout": Decimal("1300.00")}),
    ],
    ids=lambda v: v if isinstance(v, str) and v.isidentifier() else "",
)
def test_a_newer_export_with_one_changed_field_updates_exactly_one_booking(
    engine: Engine, exports: Exports, db: type[Db], field: str, value: object, stored: dict[str, object]
) -> None:
    rows = stays(exports)
    ingest_file(engine, exports.airbnb("a.csv", rows), FileOptions(as_of=DEC_1))
    before = {b["external_code"]: b for b in db.dump(engine)}
    changed = rows[0].but(**{field: value})

    result = ingest_file(engine, exports.airbnb("b.csv", [changed, *rows[1:]]), FileOptions(as_of=DEC_3))

    assert (result.status, result.inserted, result.updated, result.unchanged) == ("loaded", 0, 1, len(rows) - 1)
    after = {b["external_code"]: b for b in db.dump(engine)}
    with engine.connect() as conn:
        second_id = conn.execute(select(source_files.c.id).where(source_files.c.as_of == DEC_3)).scalar_one()
    # The row hash follows the row as the newer file states it.
    new_hash = after[changed.code]["row_hash"]
    assert new_hash is not None and new_hash != before[changed.code]["row_hash"]
    assert after[changed.code] == {
        **before[changed.code],
        **stored,
        "as_of": DEC_3,
        "source_file_id": second_id,
        "row_hash": new_hash,
    }
    provenance = {"as_of", "source_file_id", "source_row"}
    for other in rows[1:]:
        # The others keep their values; whether the newer as-of is recorded is the merge's business.
        assert {k: v for k, v in after[other.code].items() if k not in provenance} == {
            k: v for k, v in before[other.code].items() if k not in provenance
        }


def test_an_older_export_arriving_late_changes_nothing(engine: Engine, exports: Exports, db: type[Db]) -> None:
    old = stays(exports)
    new = [
        old[0].but(status="Canceled by guest", check_in=dt.date(2026, 1, 4), check_out=dt.date(2026, 1, 8)),
        *old[1:],
    ]
    ingest_file(engine, exports.airbnb("new.csv", new), FileOptions(as_of=DEC_3))
    before = db.dump(engine)

    result = ingest_file(engine, exports.airbnb("old.csv", old), FileOptions(as_of=DEC_1))

    assert (result.status, result.inserted, result.updated, result.unchanged) == ("loaded", 0, 0, len(old))
    assert db.dump(engine) == before
    row = next(b for b in before if b["external_code"] == old[0].code)
    assert (row["status"], row["check_in"], row["check_out"]) == ("cancelled", dt.date(2026, 1, 4), dt.date(2026, 1, 8))


# Three exports of one booking: the newest (Dec 3) re-states what the oldest (Dec 1) said, the one
# in between (Dec 2) had it cancelled. Whatever order they arrive in, the newest export wins.
EXPORTS = {"dec1": ("Confirmed", DEC_1), "dec2": ("Canceled", DEC_2), "dec3": ("Confirmed", DEC_3)}


# The newest export arriving between the other two is the order that once let the middle one win;
# newest first is the plain late-export case.
ORDERS = [("dec1", "dec3", "dec2"), ("dec3", "dec2", "dec1")]
assert set(ORDERS) <= set(itertools.permutations(EXPORTS))


@pytest.mark.slow
@pytest.mark.parametrize("order", ORDERS, ids="-".join)
def test_three_exports_in_any_order_end_with_what_the_newest_says(
    engine: Engine, exports: Exports, db: type[Db], order: tuple[str, ...]
) -> None:
    row = exports.Row("HMDDDD5555", dt.date(2026, 1, 3), dt.date(2026, 1, 7))
    for name in order:
        label, as_of = EXPORTS[name]
        # A trailing blank line keeps the bytes of dec1 and dec3 apart.
        data = exports.airbnb(f"{name}.csv", [row.but(status=label)]).read_bytes() + (b"\n" if name == "dec3" else b"")
        result = ingest_file(engine, exports.write(f"{name}.csv", data), FileOptions(as_of=as_of))
        assert result.status == "loaded"

    [booking] = db.dump(engine)
    assert (booking["status"], booking["raw_status"]) == ("confirmed", "Confirmed")


@pytest.mark.slow
def test_every_sample_in_a_folder_loads_once_however_often_the_folder_is_run(
    engine: Engine, tmp_path: Path, db: type[Db]
) -> None:
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLES, inbox)
    shutil.copy(ROOT / "data" / "example_layouts.toml", tmp_path)  # what the manifest's `layouts` names
    first = ingest_paths(engine, discover([str(inbox)], FileOptions()))
    before = full_dump(engine)

    again = ingest_paths(engine, discover([str(inbox)], FileOptions()))

    assert [r.status for r in first] == ["loaded"] * len(SAMPLE_NAMES)
    assert [r.status for r in again] == ["duplicate"] * len(SAMPLE_NAMES)
    assert full_dump(engine) == before
    assert db.dangling(engine) == {}
