"""Benchmark bookingest against the other ways of loading the same export (issue 4).

    python benchmarks/run.py                                   # 10k, 100k, 1M rows; CSV and xlsx; 3 runs
    python benchmarks/run.py --sizes 2000,20000 --runs 1       # a quick check
    python benchmarks/run.py --kinds csv --approaches expert,bookingest

What it does:

1. Generates the Airbnb-style exports once with benchmarks/generate.py and caches them in
   OUT/data (regenerated only when generate.py changes): for every size and kind the export, a
   copy with the same rows but different bytes (CSV: one trailing empty line; xlsx: a zip
   comment), and a copy with a fraction of the rows changed (`generate.py --change`). Each 1M-row
   workbook takes several minutes to write (about 7 min on 2 CPUs).
2. Warms up: every approach runs once on a 50-row file (not recorded), so that no measurement
   pays for a cold import cache.
3. For each size and kind, runs every approach on the same file, each run a separate process
   under `/usr/bin/time -v` (wall time and peak RSS of the whole process), each against a FRESH
   PostgreSQL database `bench_<pid>_<n>` created for the run and dropped afterwards, and takes
   the median wall time of --runs runs (peak RSS: the largest of the runs). After every run the
   target table's rows are counted (outside the timing); a wrong count is a failure.
   Approaches (benchmarks/approaches/*.py take FILE DB_URL):
     naive_pandas  pandas (+openpyxl for xlsx) and DataFrame.to_sql(if_exists="append"), no merge
     dlt_merge     pandas (calamine for xlsx) and a dlt pipeline, write_disposition="merge"
     expert        fastexcel / pyarrow.csv, COPY to staging, one INSERT … ON CONFLICT DO UPDATE … WHERE
     floor         fastexcel / pyarrow.csv and a raw COPY into an unindexed table
     bookingest    `bookingest ingest FILE --db URL --no-prefect --json --as-of …`
4. bookingest scenarios, in the database of each bookingest run, one after the other:
     same rows     the same rows in a new file (different bytes, later --as-of): inserted and
                   updated must both be 0
     N% changed    the `--change` file (later --as-of still): inserted must be 0, updated must
                   equal the number of rows the generator changed
   and, for the kinds in --sqlite-kinds, the first load into a fresh SQLite file
   (`bookingest_sqlite`), compared with the PostgreSQL time; and once per benchmark a 50-row CSV
   end to end (warm): into a new database, then a changed 50-row file into that database.
5. Prints and writes OUT/results.json, OUT/results.md (with the date, nproc, memory, CPU model,
   PostgreSQL version, package versions and the load average) and OUT/time_vs_rows.png (log-log
   wall time against rows, one line per approach and kind). They are rewritten after every size
   and kind, so an interrupted run keeps what it measured. Each run's output is in OUT/logs.

A failing approach is reported as FAILED with its last error line; the others go on.
Exit status: 0 when everything ran and every check held, 1 when anything failed, 2 for a
usage or set-up error (no PostgreSQL, no /usr/bin/time).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

# Run as a script, so benchmarks/ is on sys.path and harness/ imports by name (as approaches/ import _common).
from harness.bench import Bench
from harness.chart import combined_chart
from harness.config import APPROACHES, DEFAULT_PG, HERE, KINDS, TIME, SetupError, log
from harness.databases import safe_url
from harness.report import ratio_table, ratios, scenario_table, series_table


def _csv_list(choices: tuple[str, ...] | None, kind: type = str):  # type: ignore[no-untyped-def]
    def parse(text: str) -> list[Any]:
        items = [p.strip() for p in text.split(",") if p.strip()]
        try:
            values = [kind(p.replace("_", "")) if kind is int else kind(p) for p in items]
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a comma-separated list of {kind.__name__}: {text!r}") from None
        if choices is not None:
            bad = [v for v in values if v not in choices]
            if bad:
                raise argparse.ArgumentTypeError(
                    f"unknown {', '.join(map(str, bad))}; choose from {', '.join(choices)}"
                )
        if kind is int and any(v < 1 for v in values):
            raise argparse.ArgumentTypeError("sizes must be positive")
        return list(dict.fromkeys(values))

    return parse


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python benchmarks/run.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--sizes", type=_csv_list(None, int), default=[10_000, 100_000, 1_000_000], metavar="N,N,…",
                   help="rows per export (default: 10000,100000,1000000)")  # fmt: skip
    p.add_argument(
        "--runs",
        type=int,
        default=3,
        metavar="N",
        help="runs per approach, size and kind; the median is reported (default: 3)",
    )
    p.add_argument(
        "--kinds", type=_csv_list(KINDS), default=list(KINDS), metavar="KIND,…", help="csv, xlsx (default: both)"
    )
    p.add_argument("--out", type=Path, default=HERE / "out", metavar="DIR",
                   help="results, logs and the cached data files (default: benchmarks/out)")  # fmt: skip
    p.add_argument("--approaches", type=_csv_list(APPROACHES), default=list(APPROACHES), metavar="NAME,…",
                   help=f"which approaches to run (default: all of {', '.join(APPROACHES)})")  # fmt: skip
    p.add_argument("--sqlite-kinds", type=_csv_list(KINDS), default=["csv"], metavar="KIND,…",
                   help="kinds whose bookingest first load is also measured on SQLite (default: csv)")  # fmt: skip
    p.add_argument("--no-sqlite", dest="sqlite_kinds", action="store_const", const=[], help="skip the SQLite runs")
    p.add_argument("--no-scenarios", action="store_true",
                   help="skip bookingest's same-rows and changed-file reloads and the 50-row runs")  # fmt: skip
    p.add_argument("--memory-rows", type=int, default=0, metavar="N",
                   help="also one bookingest first load of an N-row CSV, for its peak memory (e.g. 5000000)")  # fmt: skip
    p.add_argument("--chart-from", nargs="+", metavar="FILE",
                   help="measure nothing: chart earlier runs, RESULTS.json … OUT.png (the last is written)")  # fmt: skip
    p.add_argument("--change", type=float, default=0.01, metavar="F",
                   help="fraction of rows the changed file alters (default: 0.01)")  # fmt: skip
    p.add_argument("--pg", default=DEFAULT_PG, metavar="URL",
                   help="PostgreSQL admin URL used to create and drop the bench_* databases "
                   "(default: $BENCH_PG_URL or postgresql://postgres@127.0.0.1:5432/postgres)")  # fmt: skip
    p.add_argument(
        "--timeout",
        type=float,
        default=7200,
        metavar="S",
        help="kill a run after S seconds; it counts as FAILED (default: 7200)",
    )
    p.add_argument("--no-warmup", dest="warmup", action="store_false", help="skip the warm-up runs on a 50-row file")
    p.add_argument(
        "--keep-databases", action="store_true", help="do not drop the bench_* databases and SQLite files (debugging)"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.chart_from:
        if len(args.chart_from) < 2:
            parser().error("--chart-from needs at least one results.json and the PNG to write")
        *results, out = args.chart_from
        missing = [r for r in results if not Path(r).is_file()]
        if missing:
            parser().error(f"no such results file: {', '.join(missing)}")
        combined_chart([Path(r) for r in results], Path(out))
        print(f"Written: {out}")
        return 0
    if args.runs < 1:
        parser().error("--runs must be at least 1")
    if not 0 < args.change < 1:
        parser().error("--change must be between 0 and 1")
    args.out = args.out.resolve()
    args.sqlite_kinds = [k for k in args.sqlite_kinds if k in args.kinds]
    if not Path(TIME).exists():
        print(f"run.py: {TIME} is missing (Debian/Ubuntu: apt-get install time)", file=sys.stderr)
        return 2
    try:
        bench = Bench(args)
    except SetupError as err:
        print(f"run.py: {err}", file=sys.stderr)
        return 2
    log(f"PostgreSQL {bench.pg.version} at {safe_url(bench.pg.admin)}; results in {args.out}")
    try:
        # Every file first, so that a generator failure stops the benchmark before it measures anything.
        for rows in args.sizes:
            for kind in args.kinds:
                bench.data.files(kind, rows)
        if args.warmup:
            bench.warm_up()
        if not args.no_scenarios and "bookingest" in args.approaches:
            bench.small()
        for rows in args.sizes:
            for kind in args.kinds:
                bench.size_and_kind(rows, kind)
                bench.write()
        if args.memory_rows and "bookingest" in args.approaches:
            bench.large(args.memory_rows)
        bench.write(final=True)
    except SetupError as err:
        print(f"run.py: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        bench.write()
        print(f"run.py: interrupted; what was measured is in {args.out}", file=sys.stderr)
        return 130

    print(f"\nFirst load (median of {args.runs} run(s); wall time and peak RSS of each process)\n")
    print(series_table(bench.series))
    print("Ratios of median wall times\n")
    print(ratio_table(ratios(bench.series)))
    if bench.scenarios:
        print("bookingest scenarios\n")
        print(scenario_table(bench.scenarios))
    print(f"Written: {args.out / 'results.json'}, {args.out / 'results.md'}, {args.out / 'time_vs_rows.png'}")
    failures = bench.failures()
    if failures:
        print(f"\n{len(failures)} FAILED:", *failures, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
