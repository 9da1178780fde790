"""The report's JSON figures of a year, from the database's views, beside pandas reading every booking.

    .venv/bin/python benchmarks/report.py --rows 20000 --runs 1       # a quick check
    .venv/bin/python benchmarks/report.py --rows 1000000 --runs 3     # the issue's measure

Writes N bookings with the benchmarks' generator (generate.py: an Airbnb reservations export,
about 50 stays per listing, so 1M bookings are 20,000 properties, stays from January 2023),
loads them with `bookingest ingest` into a fresh PostgreSQL database (created for the run,
dropped after it unless --keep), then times, alternately:

- views: `reports.figures.report_figures` of 2023 (every figure of `bookingest report --json`),
  serialized with json.dumps, in this process on a warm connection pool;
- pandas: every booking and earnings line read with pandas.read_sql (bookings joined with their
  property's name) and the same monthly, channel, stay, lead-time and cancellation figures
  computed by tests/report_oracle.py (groupby over one row per night).

Prints the medians, the ratio and the all-properties monthly figures of both ways side by side
(they must agree). Wall time of a monotonic clock; the machine is shared, so take the medians.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
from generate import write_airbnb_csv
from harness.bench import bookingest_command
from harness.databases import Postgres

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import report_oracle as oracle  # noqa: E402  (tests/ is on the path only now)

from loaders.db import connect  # noqa: E402
from reports.figures import report_figures  # noqa: E402

START, END, TODAY = dt.date(2023, 1, 1), dt.date(2023, 12, 31), dt.date(2023, 6, 15)
BOOKINGS_SQL = """
SELECT b.source, b.external_code AS code, p.name AS property, b.check_in, b.check_out, b.status,
       b.booked_at, b.first_as_of, b.payout, b.currency
FROM bookings b JOIN properties p ON p.id = b.property_id
"""
LINES_SQL = "SELECT source, external_code AS code, kind, amount, currency FROM payouts WHERE external_code IS NOT NULL"


def with_views(engine: Any) -> tuple[float, dict[str, Any]]:
    started = time.monotonic()
    figures = report_figures(engine, START, END, today=TODAY)
    json.dumps(figures)
    return time.monotonic() - started, figures


def with_pandas(engine: Any) -> tuple[float, list[dict[str, Any]]]:
    started = time.monotonic()
    with engine.connect() as conn:
        bookings = pd.read_sql(BOOKINGS_SQL, conn)
        lines = pd.read_sql(LINES_SQL, conn)
        houses = list(pd.read_sql("SELECT name FROM properties", conn)["name"])
    bookings["payout"] = bookings["payout"].astype(float)
    lines["amount"] = lines["amount"].astype(float)
    nights = oracle.nights(bookings, lines)
    monthly = oracle.monthly(nights, houses, START, END)
    oracle.channels(nights, START, END)
    oracle.stays(bookings, START, END)
    oracle.lead_times(bookings, START, END)
    oracle.cancellations(bookings, START, END)
    return time.monotonic() - started, monthly


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000, help="bookings (default 20000)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs of each way (default 3)")
    ap.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres", help="admin URL")
    ap.add_argument("--keep", action="store_true", help="keep the database after the run")
    args = ap.parse_args(argv)

    pg = Postgres(args.pg, keep=args.keep)
    name = pg.create()
    url = pg.url(name)
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "airbnb.csv"
            write_airbnb_csv(args.rows, path)
            started = time.monotonic()
            cmd = [
                *bookingest_command(),
                "ingest",
                str(path),
                "--db",
                url,
                "--no-prefect",
                "--as-of",
                "2023-01-01T00:00:00",
            ]
            subprocess.run(cmd, check=True, capture_output=True)
            print(f"loaded {args.rows:,} bookings in {time.monotonic() - started:.1f} s", flush=True)
        engine = connect(url, read_only=True)
        views, pandas_ = [], []
        for _ in range(args.runs):
            seconds, figures = with_views(engine)
            views.append(seconds)
            seconds, monthly = with_pandas(engine)
            pandas_.append(seconds)
            print(f"  views {views[-1]:.2f} s, pandas {pandas_[-1]:.2f} s", flush=True)
        totals = [(r["month"], r["nights_sold"], r["revenue"]) for r in figures["monthly"] if r["property"] is None]
        expected = [(r["month"], r["nights_sold"], r["revenue"]) for r in monthly if r["property"] is None]
        agree = len(totals) == len(expected) and all(
            a[:2] == b[:2] and (a[2] is None) == (b[2] is None) and (a[2] is None or abs(a[2] - b[2]) < 0.01 * len(totals))
            for a, b in zip(sorted(totals), sorted(expected), strict=True)
        )  # fmt: skip
        v, p = statistics.median(views), statistics.median(pandas_)
        print(f"\n{args.rows:,} bookings, {len(figures['monthly']):,} monthly rows, report of {START} to {END}")
        print(f"| way | median of {args.runs} (s) |\n|---|---|\n| views (report_figures + JSON) | {v:.2f} |")
        print(f"| pandas (read every booking, compute) | {p:.2f} |\n\npandas / views: {p / v:.1f}x")
        print(f"all-properties monthly nights and revenue agree: {agree}")
        engine.dispose()
        return 0 if agree else 1
    finally:
        pg.drop(name)


if __name__ == "__main__":
    sys.exit(main())
