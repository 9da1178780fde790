"""Files as people save them: re-wrapped by a spreadsheet, or garbled by a wrong encoding, load as the clean file does."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from airbnb_export import airbnb_csv, airbnb_row
from sqlalchemy import Engine

from pipelines.discover import FileOptions
from pipelines.ingest import ingest_file
from pipelines.output import print_summary
from schemas.vocab import FileStatus
from sources.repair import repair_note

if TYPE_CHECKING:  # the fixtures' types; pytest imports conftest.py itself
    from pipelines.conftest import Db

AS_OF = dt.datetime(2025, 12, 1, 7)
DAY = dt.date(2026, 1, 10)


def rows() -> list[list[str]]:
    return [
        airbnb_row("HMSAVE0001", "Confirmed", 'Ann "Nan" Lee', DAY, DAY + dt.timedelta(days=3), "Loft", Decimal("1023.64")),
        airbnb_row("HMSAVE0002", "Past guest", "Bo, Jr.", DAY - dt.timedelta(days=9), DAY - dt.timedelta(days=6), "Loft", Decimal(97)),
    ]  # fmt: skip


def wrapped(data: bytes) -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerows(
        [line] for line in data.decode().splitlines()
    )
    return buf.getvalue().encode()


def test_a_wrapped_export_loads_the_bookings_of_the_plain_one(engine: Engine, tmp_path: Path, db: type[Db]) -> None:
    path = tmp_path / "wrapped.csv"
    path.write_bytes(wrapped(airbnb_csv(rows())))
    result = ingest_file(engine, path, FileOptions(as_of=AS_OF))
    assert (result.status, result.inserted, result.rejected) == (FileStatus.LOADED, 2, 0), result
    stored = {b["external_code"]: b for b in db.dump(engine)}
    assert stored["HMSAVE0001"]["guest_name"] == 'Ann "Nan" Lee'
    assert stored["HMSAVE0001"]["payout"] == Decimal("1023.64")
    assert stored["HMSAVE0002"]["status"] == "completed"
    # The plain file states the same bookings: nothing changes.
    plain = tmp_path / "plain.csv"
    plain.write_bytes(airbnb_csv(rows()))
    again = ingest_file(engine, plain, FileOptions(as_of=AS_OF))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2), again


def test_a_garbled_export_is_stored_repaired_and_the_summary_says_so(
    engine: Engine, tmp_path: Path, db: type[Db], capsys: pytest.CaptureFixture[str]
) -> None:
    # UTF-8 read as Windows-1252 (the name, the listing) and as Mac Roman (the euro sign).
    row = airbnb_row(
        "HMSAVE0003", "Confirmed", "ZoÃ« MÃ¼ller", DAY, DAY + dt.timedelta(days=2), "CafÃ© Loft", Decimal(0)
    )
    row[-1] = "97.35 ‚Ç¨"
    path = tmp_path / "garbled.csv"
    path.write_bytes(airbnb_csv([row]))
    result = ingest_file(engine, path, FileOptions(as_of=AS_OF))
    assert (result.status, result.inserted, result.rejected) == (FileStatus.LOADED, 1, 0), result
    assert result.notes == [repair_note(["guest_name", "property_name", "payout"])]
    (stored,) = db.dump(engine)
    assert (stored["guest_name"], stored["property"]) == ("Zoë Müller", "Café Loft")
    assert (stored["payout"], stored["currency"]) == (Decimal("97.35"), "EUR")
    print_summary([result], sys.stdout)
    assert f"{path}: repaired text garbled by a wrong encoding" in capsys.readouterr().out
    assert json.loads(json.dumps(result.to_json()))["notes"] == result.notes
