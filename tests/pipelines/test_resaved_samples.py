"""The samples of exports as people save them, on both databases: a CSV a spreadsheet wrapped line by
line, and a French export whose UTF-8 was read as Mac Roman. Their rows land as meant, and the
summary says what was repaired (the rows themselves are compared field by field in test_ingest_samples)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import Engine, select

from loaders.tables import bookings, properties
from pipelines.discover import FileOptions, discover
from pipelines.ingest import ingest_paths

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
WRAPPED = SAMPLES / "airbnb_reservations_wrapped_2026-01.csv"
MOJIBAKE = SAMPLES / "airbnb_reservations_fr_mojibake_2026-01.csv"


def names(engine: Engine) -> dict[str, tuple[str, str]]:
    query = select(bookings.c.external_code, bookings.c.guest_name, properties.c.name).join_from(
        bookings, properties, bookings.c.property_id == properties.c.id
    )
    with engine.connect() as conn:
        return {code: (guest, house) for code, guest, house in conn.execute(query)}


def test_the_wrapped_sample_loads_every_row_and_needs_no_repair(engine: Engine) -> None:
    lines = WRAPPED.read_text(encoding="utf-8-sig").splitlines()
    assert all(line.startswith('"') and line.endswith('"') for line in lines)  # every line one field
    inner = [next(csv.reader(io.StringIO(next(csv.reader([line]))[0]))) for line in lines]

    [result] = ingest_paths(engine, discover([str(WRAPPED)], FileOptions()))

    assert (result.status, result.source, result.rows, result.inserted, result.rejected) == (
        "loaded",
        "airbnb",
        len(lines) - 1,
        len(lines) - 1,
        0,
    )
    assert result.notes == []
    assert names(engine) == {row[0]: (row[2], row[11]) for row in inner[1:]}


def test_the_garbled_sample_is_stored_repaired_and_the_summary_says_so(engine: Engine) -> None:
    garbled = MOJIBAKE.read_text(encoding="utf-8")
    meant = list(csv.reader(io.StringIO(garbled.encode("mac_roman").decode("utf-8"))))
    assert "Bénédicte Aubépine" not in garbled and "B√©n√©dicte Aub√©pine" in garbled

    [result] = ingest_paths(engine, discover([str(MOJIBAKE)], FileOptions()))

    assert (result.status, result.source, result.rows, result.inserted, result.rejected) == (
        "loaded",
        "airbnb_fr",
        len(meant) - 1,
        len(meant) - 1,
        0,
    )
    assert names(engine) == {row[0]: (row[2], row[11]) for row in meant[1:]}
    assert names(engine)["HMMJA2B4C6"] == ("Bénédicte Aubépine", "Mas des Oliviers")
    assert result.notes == [
        "repaired text garbled by a wrong encoding (UTF-8 read as Mac Roman or Windows-1252) in: "
        "headers, raw_status, guest_name, payout"
    ]
    assert result.to_json()["notes"] == result.notes
