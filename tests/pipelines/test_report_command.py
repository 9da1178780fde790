"""`bookingest report` as a person and a script use it: the monthly table, --json, one sentence
and exit 2 for bad input; in-process through `pipelines.cli.main`, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from airbnb_export import airbnb_csv, airbnb_row

from pipelines.cli import main

FLAT = "Old Town Flat"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def loaded(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """A database with one Airbnb stay of 5 nights for $500 across the end of June 2025."""
    path = tmp_path / "airbnb.csv"
    path.write_bytes(
        airbnb_csv([airbnb_row("HMREPORT01", "Confirmed", "Ann Example", dt.date(2025, 6, 28), dt.date(2025, 7, 3), FLAT, Decimal(500), "5/1/2025")])
    )  # fmt: skip
    code, _, err = run(capsys, "ingest", str(path), "--db", db_url, "--as-of", "2025-06-01T08:00:00")
    assert code == 0, err
    return db_url


def test_the_text_report_is_a_table_of_the_monthly_figures(loaded: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "report", "--from", "2025-06-01", "--to", "2025-07-31", "--db", loaded)
    assert code == 0, err
    lines = [line.split() for line in out.splitlines()]
    assert lines[0] == ["property", "month", "currency", "sold", "blocked", "available", "occupancy", "revenue", "ADR", "RevPAR"]  # fmt: skip
    # 3 of the 5 nights in June (30 days), 2 in July (31), $100 a night.
    assert ["Old", "Town", "Flat", "2025-06", "USD", "3", "0", "30", "10.0%", "300.00", "100.00", "10.00"] in lines
    assert ["Old", "Town", "Flat", "2025-07", "USD", "2", "0", "31", "6.5%", "200.00", "100.00", "6.45"] in lines
    assert ["(all)", "2025-07", "USD", "2", "0", "31", "6.5%", "200.00", "100.00", "6.45"] in lines


def test_json_has_every_figure_for_scripts(loaded: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["report", "--from", "2025-06-15", "--to", "2025-06-20", "--property", FLAT, "--today", "2025-06-27"]
    code, out, err = run(capsys, *argv, "--json", "--db", loaded)
    assert code == 0, err
    figures = json.loads(out)
    assert figures["period"] == {"from": "2025-06-01", "to": "2025-06-30"} and figures["property"] == FLAT
    assert figures["monthly"][0] == {
        "property": FLAT, "month": "2025-06", "currency": "USD", "nights_sold": 3, "nights_blocked": 0,
        "nights_available": 30, "occupancy": 0.1, "revenue": 300.0, "adr": 100.0, "revpar": 10.0,
    }  # fmt: skip
    assert [(t["date"], t["booking"]) for t in figures["cleaning"]] == [("2025-07-03", "airbnb HMREPORT01")]
    assert figures["on_the_books"][0]["month"] == "2025-06" and figures["on_the_books"][0]["nights"] == 3
    assert set(figures) >= {"channels", "stays", "lead_time", "cancellations", "double_bookings", "data_quality"}


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        pytest.param(["--from", "2025-06-31", "--to", "2025-07-01"], "--from: '2025-06-31' is not a date", id="bad-date"),
        pytest.param(["--from", "2025-07-01", "--to", "2025-06-01"], "--to is before --from", id="reversed"),
        pytest.param(["--from", "2025-06-01", "--to", "2025-06-30", "--property", "Nowhere"], "no property named 'Nowhere'", id="unknown-property"),
        pytest.param(["--from", "2025-06-01", "--to", "2025-06-30", "--today", "soon"], "--today: 'soon' is not a date", id="bad-today"),
    ],
)  # fmt: skip
def test_bad_input_is_one_sentence_and_exit_2(
    loaded: str, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    code, out, err = run(capsys, "report", *argv, "--db", loaded)
    assert code == 2 and out == ""
    assert says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


def test_a_missing_database_is_not_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"
    code, _, err = run(capsys, "report", "--from", "2025-06-01", "--to", "2025-06-30", "--db", url)
    assert code == 2 and "no database at" in err
    assert not (tmp_path / "none.db").exists()
