"""The files of data/quirks/: rows that must be quarantined, kept out of the demo folder.

The Croatian Booking.com download with two rows whose `Datum otkazivanja` contradicts a status
that is not a cancellation: through the CLI, on SQLite and PostgreSQL, the valid rows load, the
two are quarantined with a message naming both values, and the run exits 1. What is expected
comes from tests/locale_samples.py, which reads the file with calamine, not with bookingest.
"""

from __future__ import annotations

import json
from pathlib import Path

import locale_samples
import pytest
from sqlalchemy import create_engine, select

from loaders.tables import bookings, properties, rejected_rows
from pipelines.cli import main

QUIRKS = Path(__file__).resolve().parents[2] / "data" / "quirks"
CONFLICTS = QUIRKS / "booking_hr_cancellation_conflicts_2025-12.xls"


def test_the_demo_folder_holds_no_row_that_must_be_quarantined() -> None:
    assert locale_samples.rejected_in(QUIRKS.parent / "samples") == {locale_samples.HR_NAME: []}


def test_a_cancellation_date_contradicting_ok_is_quarantined_and_the_rest_loads(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    expected, rejected = locale_samples.read_hr(CONFLICTS, locale_samples.seed_status, "Kuća Lavanda")
    assert len(rejected) == 2 and expected  # the file is what this test is about

    assert main(["ingest", str(QUIRKS), "--db", db_url, "--no-prefect", "--json"]) == 1
    [summary] = json.loads(capsys.readouterr().out)["files"]
    assert (summary["status"], summary["inserted"], summary["rejected"]) == ("loaded", len(expected), 2)

    engine = create_engine(db_url)
    with engine.connect() as conn:
        codes = conn.execute(select(bookings.c.external_code)).scalars().all()
        houses = conn.execute(select(properties.c.name)).scalars().all()
        quarantined = conn.execute(
            select(rejected_rows.c.row_number, rejected_rows.c.column, rejected_rows.c.value, rejected_rows.c.error)
        ).all()
    engine.dispose()
    assert sorted(codes) == sorted(str(r["external_code"]) for r in expected)
    assert houses == ["Kuća Lavanda"]  # from data/quirks/bookingest.toml
    assert sorted((r.row_number, r.column, r.value) for r in quarantined) == sorted(rejected)
    for r in quarantined:
        assert f"'{r.value}'" in r.error and "Status 'ok'" in r.error and "disagree" in r.error
