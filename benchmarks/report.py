"""The report of a year over a 1M-booking PostgreSQL database, side by side with pandas reading
every booking and computing the same figures (issue 14).

    .venv/bin/python benchmarks/report.py                      # builds bench_report_1000000 once
    .venv/bin/python benchmarks/report.py --rebuild            # drops it and builds it again
    .venv/bin/python benchmarks/report.py --bookings 20000 --runs 1 --drop   # a quick check

Times, median of --runs (after one warm-up run that is not counted):
- `report_figures`: reports.figures.report_figures of the year, in this process (every figure
  of the report, the views aggregated by PostgreSQL);
- `bookingest report --json`: the same as a whole process (interpreter start and imports);
- `xlsx`: report_figures + reports.excel.write_xlsx, when reports/excel.py exists;
- `pandas`: pd.read_sql of every booking and every payout line, then the figures computed from
  them by tests/report_oracle.py (the tests' independent computation): monthly, channels,
  stays, lead time, cancellations (fewer figures than the report: the ratio favours pandas).
Then checks that both give the same monthly figures (the report's rounding) and prints the
ratio. Targets: report_figures <= 5 s, >= 5x faster than pandas. `--explain` prints PostgreSQL's
EXPLAIN ANALYZE of every query report_figures runs, slowest first. Nothing here is asserted on time: it is a measurement.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from report_data import AS_OF, ROOT, build  # first: puts the product's packages and tests/ on sys.path
from sqlalchemy import Engine, create_engine, event, text

# isort: split
import report_oracle as oracle

from pipelines.ingest import open_database
from reports.figures import report_figures

ADMIN = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BOOKINGS_SQL = """SELECT b.source, b.external_code AS code, p.name AS property, b.check_in, b.check_out,
    b.status, b.booked_at, b.first_as_of, b.payout, b.currency
    FROM bookings b JOIN properties p ON p.id = b.property_id"""
LINES_SQL = "SELECT source, external_code AS code, kind, amount, currency FROM payouts"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default=ADMIN, help="a PostgreSQL server database to CREATE DATABASE from")
    parser.add_argument("--bookings", type=int, default=1_000_000)
    parser.add_argument("--year", type=int, default=2025, help="the report's period: this calendar year")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="drop the benchmark database and build it again")
    parser.add_argument("--drop", action="store_true", help="drop the benchmark database at the end")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE every query of report_figures")
    parser.add_argument("--json-out", type=Path, help="write the timings here as JSON")
    args = parser.parse_args()

    name = f"bench_report_{args.bookings}"
    url = _url(args.pg, name)
    _prepare(args.pg, name, url, args.bookings, args.rebuild)
    engine = open_database(url, read_only=True)  # as `bookingest report` opens it
    start, end, today = dt.date(args.year, 1, 1), dt.date(args.year, 12, 31), AS_OF.date()
    try:
        results = measure(engine, url, start, end, today, args.runs)
        if args.explain:
            explain(engine, start, end, today)
    finally:
        engine.dispose()
        if args.drop:
            _drop(args.pg, name)
    results.update(machine(), bookings=args.bookings, period=f"{start}..{end}")
    print(summary(results))
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2) + "\n")


def measure(engine: Engine, url: str, start: dt.date, end: dt.date, today: dt.date, runs: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}

    def figures_run() -> None:
        figures.update(report_figures(engine, start, end, today=today))

    command = [str(Path(sys.executable).with_name("bookingest")), "report", "--from", str(start), "--to", str(end)]
    command += ["--today", str(today), "--json", "--db", url]
    times = {
        "report_figures": timed(figures_run, runs),
        "bookingest report --json": timed(lambda: _process(command), runs),
    }
    try:
        from reports.excel import write_xlsx  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        print("  reports/excel.py is not in this checkout: no xlsx timing")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "report.xlsx"
            times["report_figures + xlsx"] = timed(
                lambda: write_xlsx(report_figures(engine, start, end, today=today), path), runs
            )
    computed: dict[str, Any] = {}
    read = timed(lambda: computed.update(read_everything(engine)), runs)
    compute = timed(lambda: computed.update(monthly=pandas_figures(computed, start, end)), runs)
    times["pandas: read_sql"], times["pandas: compute"] = read, compute
    times["pandas (read + compute)"] = read + compute
    differences = compare(figures["monthly"], computed["monthly"])
    return {
        "seconds": times,
        "ratio": times["pandas (read + compute)"] / times["report_figures"],
        "monthly_rows": len(figures["monthly"]),
        "monthly_differences": differences,
        "rows_read_by_pandas": len(computed["bookings"]) + len(computed["lines"]),
    }


def timed(run: Callable[[], Any], runs: int) -> float:
    """The median wall time of `runs` runs of `run`, after one warm-up run."""
    run()
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        run()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def _process(command: list[str]) -> None:
    # Bytes: decoding the 50 MB document here would be this script's time, not the report's.
    done = subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
    if done.returncode != 0 or not done.stdout.startswith(b"{"):
        stderr = done.stderr.decode(errors="replace").strip()[-500:]
        raise SystemExit(f"bookingest report failed (exit {done.returncode}): {stderr}")


def read_everything(engine: Engine) -> dict[str, pd.DataFrame]:
    """Every booking and every payout line, as pandas reads them."""
    with engine.connect() as conn:
        bookings = pd.read_sql(text(BOOKINGS_SQL), conn)
        lines = pd.read_sql(text(LINES_SQL), conn)
    for column in ("check_in", "check_out"):
        bookings[column] = pd.to_datetime(bookings[column]).dt.date
    bookings["payout"] = bookings["payout"].astype(float)
    lines["amount"] = lines["amount"].astype(float)
    return {"bookings": bookings, "lines": lines}


def pandas_figures(data: dict[str, Any], start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """The year's figures the pandas way (tests/report_oracle.py), from every booking read: the
    nights of the stays that touch the period, then monthly, channels, stays, lead time,
    cancellations."""
    b, lines = data["bookings"], data["lines"]
    touching = b[(b["check_in"] <= end) & (b["check_out"] > start)]
    night_rows = oracle.nights(touching, lines)
    houses = sorted(b["property"].unique())
    oracle.channels(night_rows, start, end)
    oracle.stays(b, start, end)
    oracle.lead_times(b, start, end)
    oracle.cancellations(b, start, end)
    return oracle.monthly(night_rows, houses, start, end)


def compare(report: list[dict[str, Any]], computed: list[dict[str, Any]]) -> int:
    """How many monthly rows differ (money to the cent, ratios to 4 places, as the report rounds)."""

    def key(r: dict[str, Any]) -> tuple[str, ...]:
        return (str(r["property"]), r["month"], str(r["currency"]))

    mine = {key(r): r for r in report}
    differences = abs(len(mine) - len(computed))
    for row in computed:
        got = mine.get(key(row))
        if got is None or any(not _close(got[k], v, k) for k, v in row.items()):
            differences += 1
            if differences <= 3:
                print(f"  differs: report {got} pandas {row}")
    return differences


def _close(actual: Any, expected: Any, key: str) -> bool:
    if isinstance(expected, float) and actual is not None:
        return math.isclose(actual, expected, abs_tol=0.0051 if key in ("revenue", "adr", "revpar") else 0.00006)
    return bool(actual == expected)


def explain(engine: Engine, start: dt.date, end: dt.date, today: dt.date) -> None:
    """EXPLAIN ANALYZE every query report_figures runs (caught as it runs them), slowest first:
    its time and the plan's top lines (the whole plan with BOOKINGEST_EXPLAIN_FULL=1)."""
    caught: list[tuple[str, Any]] = []

    def catch(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        caught.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", catch)
    try:
        report_figures(engine, start, end, today=today)
    finally:
        event.remove(engine, "before_cursor_execute", catch)
    plans = []
    with engine.connect() as conn:
        for statement, parameters in caught:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            lines = [row[0] for row in conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
            took = float(lines[-1].split(":")[1].split()[0]) / 1000  # "Execution Time: N ms"
            plans.append((took, statement, lines))
    full = os.environ.get("BOOKINGEST_EXPLAIN_FULL") == "1"
    for took, statement, lines in sorted(plans, key=lambda p: -p[0]):
        print(f"\n=== {took:.2f} s: {' '.join(statement.split())[:160]}")
        print("\n".join(lines if full else lines[:12]))


def machine() -> dict[str, Any]:
    cpu = next((ln.split(":", 1)[1].strip() for ln in _lines("/proc/cpuinfo") if ln.startswith("model name")), "?")
    memory = next((ln.split()[1] for ln in _lines("/proc/meminfo") if ln.startswith("MemTotal")), "0")
    return {
        "machine": f"{os.cpu_count()} CPUs ({cpu}), {int(memory) / 2**20:.0f} GB, {platform.python_version()}",
        "load_average": os.getloadavg()[0],
    }


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def summary(results: dict[str, Any]) -> str:
    out = [f"{results['bookings']:,} bookings, the report of {results['period']}; {results['machine']}"]
    out.append(f"load average at the end: {results['load_average']:.1f}")
    out += ["", "| what | seconds (median) |", "|---|---:|"]
    out += [f"| {what} | {seconds:.2f} |" for what, seconds in results["seconds"].items()]
    out.append("")
    out.append(f"pandas / report_figures: {results['ratio']:.1f}x (target >= 5x); report_figures target <= 5 s")
    out.append(
        f"monthly rows: {results['monthly_rows']}, differing from pandas: {results['monthly_differences']}; "
        f"rows pandas read: {results['rows_read_by_pandas']:,}"
    )
    return "\n".join(out)


def _url(admin: str, name: str) -> str:
    return "postgresql+psycopg://" + admin.split("://", 1)[1].rsplit("/", 1)[0] + "/" + name


def _admin(admin: str) -> Engine:
    return create_engine(_url(admin, admin.rsplit("/", 1)[1]), isolation_level="AUTOCOMMIT")


def _prepare(admin: str, name: str, url: str, n: int, rebuild: bool) -> None:
    """The benchmark database, built unless it exists with its n bookings (and not --rebuild)."""
    server = _admin(admin)
    with server.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
    server.dispose()
    if exists and not rebuild:
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                reuse = conn.execute(text("SELECT count(*) FROM bookings")).scalar() == n
            if reuse:  # made by an older bookingest, perhaps: brought to this one's schema first
                subprocess.run(
                    [str(Path(sys.executable).with_name("bookingest")), "db", "upgrade", "--db", url], check=True
                )
                print(f"reusing {name} ({n:,} bookings; --rebuild to build it again)")
                return
        except Exception:  # a half-built database: built again below
            pass
        finally:
            engine.dispose()
    _drop(admin, name)
    with _admin(admin).connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    print(f"building {name}: {n:,} bookings", flush=True)
    began = time.perf_counter()
    try:
        engine = open_database(url)
        build(engine, n)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        engine.dispose()
    except BaseException:
        _drop(admin, name)
        raise
    print(f"built in {time.perf_counter() - began:.0f} s", flush=True)


def _drop(admin: str, name: str) -> None:
    engine = _admin(admin)
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    engine.dispose()


if __name__ == "__main__":
    main()
