"""Earnings exports through the ingest, on SQLite and PostgreSQL: payout lines stored once, linked to
bookings by the payout_lines view, and never a booking created or changed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from loaders.tables import booking_changes, bookings, payouts, properties, rejected_rows, source_files, tasks
from pipelines.cli import main
from pipelines.discover import FileOptions
from pipelines.ingest import ingest_paths
from pipelines.results import FileResult

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
CURRENT = SAMPLES / "airbnb_earnings_2025-12.csv"
OLD = SAMPLES / "airbnb_earnings_old_2025-11.csv"
PT_BR = SAMPLES / "airbnb_earnings_pt_br_2025-12.csv"
RESERVATIONS = SAMPLES / "airbnb_reservations_2025-12-01.csv"
AS_OF = dt.datetime(2025, 12, 1, 6)
NOVEMBER = dt.date(2025, 11, 1)  # the older English sample's lines from then on are in the current one too


def ingest(engine: Engine, *paths: Path, dry_run: bool = False) -> list[FileResult]:
    return ingest_paths(engine, [(p, FileOptions(as_of=AS_OF)) for p in paths], dry_run=dry_run)


def csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def booking_state(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {
            t.name: sorted(map(tuple, conn.execute(select(t)))) for t in (bookings, booking_changes, tasks, properties)
        }


def stored(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        query = select(payouts.c.line_key, payouts.c.paid_on, payouts.c.kind, payouts.c.external_code, payouts.c.amount)
        return sorted(map(tuple, conn.execute(query)))


def links(engine: Engine) -> dict[str, str | None]:
    """code -> the property of the booking its lines are linked to (None: not linked)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT external_code, booking_property FROM payout_lines WHERE external_code IS NOT NULL")
        )
        return dict(map(tuple, rows))


def test_an_earnings_export_loads_every_line_and_creates_no_booking(engine: Engine) -> None:
    [result] = ingest(engine, CURRENT)
    lines = csv_rows(CURRENT)
    assert (result.status, result.source, result.rows, result.inserted, result.unchanged, result.rejected) == (
        "loaded", "airbnb_earnings", len(lines), len(lines), 0, 0,
    )  # fmt: skip
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(bookings)).scalar_one() == 0
        record = conn.execute(select(source_files)).one()
        amounts = sorted(Decimal(str(a)) for a in conn.execute(select(payouts.c.amount)).scalars() if a is not None)
    assert (record.source, record.rows, record.inserted) == ("airbnb_earnings", len(lines), len(lines))
    assert amounts == sorted(Decimal(r["Amount"]) for r in lines if r["Amount"])


def test_an_earnings_export_never_changes_a_booking(engine: Engine) -> None:
    ingest(engine, RESERVATIONS)
    before = booking_state(engine)
    results = ingest(engine, CURRENT, OLD, PT_BR)
    assert [r.status for r in results] == ["loaded"] * 3
    assert booking_state(engine) == before


@pytest.mark.parametrize("order", [(CURRENT, OLD), (OLD, CURRENT)], ids=["current-first", "old-first"])
def test_overlapping_exports_store_each_line_once(engine: Engine, order: tuple[Path, Path]) -> None:
    first, second = ingest(engine, *order)
    common = {(r["Date"], r["Type"], r["Confirmation code"]) for r in csv_rows(CURRENT)} & {
        (r["Date"], r["Type"], r["Confirmation Code"]) for r in csv_rows(OLD)
    }
    assert first.inserted == first.rows
    assert (second.unchanged + second.updated, second.inserted) == (len(common), second.rows - len(common))
    # The current export completes what the older one lacked (booking date, gross, ...); the
    # older one adds nothing to the current one's lines.
    assert second.updated == (len(common) if order[0] == OLD else 0)
    assert len(stored(engine)) == len(csv_rows(CURRENT)) + len(csv_rows(OLD)) - len(common)


def content(engine: Engine) -> list[tuple[object, ...]]:
    """The payout lines without their provenance (which file stated them first)."""
    columns = [c for c in payouts.c if c.name not in ("id", "source_file_id", "source_row")]
    with engine.connect() as conn:
        return sorted(map(tuple, conn.execute(select(*columns))), key=repr)


def test_overlapping_exports_end_with_the_same_lines_in_either_order(engine: Engine) -> None:
    ingest(engine, OLD, CURRENT)
    old_first = content(engine)
    with engine.begin() as conn:
        for table in (payouts, rejected_rows, source_files):
            conn.execute(table.delete())
    ingest(engine, CURRENT, OLD)
    assert content(engine) == old_first
    with engine.connect() as conn:
        current = select(payouts.c.booked_on).where(payouts.c.kind == "reservation", payouts.c.paid_on >= NOVEMBER)
        booked = conn.execute(current).scalars().all()
    # The lines both exports state have the booking date the older one lacks, in either order.
    assert len(booked) > 0 and None not in booked


def test_the_same_export_twice_is_a_duplicate_and_its_lines_stay(engine: Engine, tmp_path: Path) -> None:
    ingest(engine, CURRENT)
    before = stored(engine)
    copy = tmp_path / "again.csv"
    shutil.copy(CURRENT, copy)
    [again] = ingest(engine, copy)
    assert again.status == "duplicate"
    assert stored(engine) == before


HEADER = "Date,Type,Confirmation code,Start date,End date,Nights,Listing,Currency,Amount,Paid out\n"
ADJUST = "11/27/2025,Adjustment,HMWUVCDFGK,,,,,USD,-25.00,\n"


def test_identical_lines_of_one_file_both_stay_and_a_later_export_adds_only_its_new_line(
    engine: Engine, tmp_path: Path
) -> None:
    one = tmp_path / "one.csv"
    one.write_text(HEADER + ADJUST + ADJUST)
    two = tmp_path / "two.csv"
    two.write_text(HEADER + ADJUST + ADJUST + ADJUST)
    first, second = ingest(engine, one, two)
    assert (first.inserted, second.inserted, second.unchanged) == (2, 1, 2)
    assert len(stored(engine)) == 3


def test_payouts_link_to_bookings_now_and_when_the_booking_arrives_later(engine: Engine) -> None:
    ingest(engine, CURRENT)
    assert set(links(engine).values()) == {None}  # no booking yet
    ingest(engine, RESERVATIONS)
    listed = {r["Confirmation code"]: r["Listing"] for r in csv_rows(RESERVATIONS)}
    got = links(engine)
    assert got == {code: listed.get(code) for code in got}
    assert {c for c, p in got.items() if p is None} == {"HMZ8MONTH1"}  # a booking in no sample
    with engine.connect() as conn:
        monthly = conn.execute(select(func.count()).where(payouts.c.external_code == "HMZ8MONTH1")).scalar_one()
    assert monthly == 3  # a monthly stay, paid in three lines


def test_a_dry_run_reports_the_real_counts_and_writes_nothing(engine: Engine) -> None:
    ingest(engine, CURRENT)
    with engine.connect() as conn:
        before = (stored(engine), conn.execute(select(func.count()).select_from(source_files)).scalar_one())
    [dry] = ingest(engine, OLD, dry_run=True)
    with engine.connect() as conn:
        after = (stored(engine), conn.execute(select(func.count()).select_from(source_files)).scalar_one())
    assert after == before
    [real] = ingest(engine, OLD)
    assert dry.dry_run and (dry.rows, dry.inserted, dry.unchanged) == (real.rows, real.inserted, real.unchanged)


def test_bad_lines_are_quarantined_with_a_message_and_the_others_load(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + ADJUST + "2/30/2025,Payout,,,,,,USD,,10.00\n" + "11/28/2025,Adjustment,,,,,,USD,twelve,\n")
    [result] = ingest(engine, path)
    assert (result.status, result.rows, result.inserted, result.rejected) == ("loaded", 3, 1, 2)
    assert result.problems == [
        "row 3, Date: '2/30/2025' is not a real date (expected M/D/YYYY)",
        "row 4, Amount: 'twelve' is not an amount of money",
    ]
    with engine.connect() as conn:
        kept = conn.execute(select(rejected_rows.c.row_number, rejected_rows.c.value)).all()
    assert sorted(map(tuple, kept)) == [(3, "2/30/2025"), (4, "twelve")]


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_payouts_command_lists_lines_with_their_booking_and_totals(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in (RESERVATIONS, CURRENT, PT_BR):
        code, out, err = run_cli(capsys, "ingest", str(path), "--db", db_url, "--no-prefect")
        assert code == 0, out + err
    code, out, err = run_cli(capsys, "payouts", "--db", db_url, "--code", "HMWUVCDFGK")
    assert code == 0, err
    lines = [ln for ln in out.splitlines() if "HMWUVCDFGK" in ln]
    assert len(lines) == 2 and all("Harbour View Loft" in ln and "2025-11-21" in ln for ln in lines), out

    code, out, err = run_cli(capsys, "payouts", "--db", db_url, "--json", "--from", "2025-11-01", "--to", "2025-11-30")
    assert code == 0, err
    report = json.loads(out)
    want: dict[str, list[Decimal]] = {}
    for path, currency_header, amount_header, paid_header in ((CURRENT, "Currency", "Amount", "Paid out"),
                                                              (PT_BR, "Moeda", "Valor", "Pago")):  # fmt: skip
        for r in csv_rows(path):
            month, _day, year = r[next(iter(r))].split("/")
            if (year, month) == ("2025", "11"):
                sums = want.setdefault(r[currency_header], [Decimal(0), Decimal(0), Decimal(0)])
                sums[0] += 1
                sums[1] += Decimal(r[amount_header] or 0)
                sums[2] += Decimal(r[paid_header] or 0)
    got = {t["currency"]: [Decimal(t["lines"]), Decimal(t["amount"]), Decimal(t["paid_out"])] for t in report["totals"]}
    assert got == want
    assert len(report["lines"]) == sum(int(v[0]) for v in want.values())
    assert all("2025-11-01" <= line["paid_on"] <= "2025-11-30" for line in report["lines"])


def test_the_payouts_command_on_a_missing_database_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "payouts", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert code == 2 and "no database" in err and "Traceback" not in out + err


def test_an_unknown_type_is_stored_as_other_with_its_label_and_a_note(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "new-type.csv"
    path.write_text(HEADER + ADJUST + "11/29/2025,Pass Through Tot,HMWUVCDFGK,,,,,USD,4.20,\n")
    [result] = ingest(engine, path)
    assert (result.inserted, result.rejected) == (2, 0)
    assert result.notes == ["lines of a type no layout knows ('Pass Through Tot') were stored as kind other"]
    with engine.connect() as conn:
        kinds = dict(map(tuple, conn.execute(select(payouts.c.raw_type, payouts.c.kind))))
    assert kinds == {"Adjustment": "adjustment", "Pass Through Tot": "other"}


def test_a_currency_or_code_the_table_cannot_hold_is_that_line_s_problem(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(
        HEADER
        + ADJUST
        + "11/29/2025,Adjustment,,,,,,US Dollars,1.00,\n"
        + f"11/29/2025,Adjustment,{'H' * 65},,,,,USD,1.00,\n"
    )
    [result] = ingest(engine, path)
    assert (result.status, result.inserted, result.rejected) == ("loaded", 1, 2)
    assert [p.split(":")[0] for p in result.problems] == ["row 3, Currency", "row 4, Confirmation code"]
