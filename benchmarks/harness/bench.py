"""The benchmark's wiring: which approaches and bookingest scenarios run on which file and database, in which order, checked how."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from .chart import chart
from .config import APPROACH_DIR, AS_OF, LABELS, SCENARIOS, SMALL_CHANGE, SMALL_ROWS, SetupError, log
from .databases import Postgres, remove_sqlite, sqlite_count
from .datafiles import DataCache, Files
from .measure import Run, Series, timed
from .report import machine_info, ratios, rows_label, write_results


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.out: Path = args.out
        self.logs = self.out / "logs"
        self.work = self.out / "work"  # every process runs here: nothing lands in the repository
        self.work.mkdir(parents=True, exist_ok=True)
        self.pg = Postgres(args.pg, keep=args.keep_databases)
        self.data = DataCache(self.out / "data", args.change)
        self.bookingest = bookingest_command()
        self.series: list[Series] = []
        self.scenarios: list[Series] = []
        self.started = dt.datetime.now(dt.UTC)
        self.load_before = os.getloadavg()
        self.pct = f"{args.change:.0%}" if args.change >= 0.01 else f"{args.change:.2%}"

    # -- one process run

    def command(self, approach: str, file: Path, db_url: str, as_of: str = AS_OF["first"]) -> list[str]:
        if approach.startswith("bookingest"):
            return [*self.bookingest, "ingest", str(file), "--db", db_url, "--no-prefect", "--json", "--as-of", as_of]
        return [sys.executable, str(APPROACH_DIR / f"{approach}.py"), str(file), db_url]

    def run_one(self, approach: str, file: Path, db_url: str, log: Path, as_of: str = AS_OF["first"]) -> Run:
        return timed(self.command(approach, file, db_url, as_of), log, self.args.timeout, self.work)

    def verify_count(self, run: Run, expected: int, count: Any) -> None:
        """Fail the run unless the target table holds `expected` rows (counted outside the timing)."""
        if not run.ok:
            return
        try:
            n = count()
        except Exception as err:
            run.ok, run.error = False, f"could not count the loaded rows: {str(err).strip().splitlines()[0]}"
            return
        if n != expected:
            run.ok, run.error = False, f"the table holds {n:,} rows, expected {expected:,}"

    def check_bookingest(self, run: Run, expect: dict[str, int]) -> None:
        """bookingest's own counters against what the file must give."""
        if not run.ok:
            return
        out = run.output or {}
        if out.get("status") != "loaded":
            run.ok, run.error = False, f"bookingest reported {out.get('status')!r}: {out.get('reason')}"
            return
        wrong = [f"{k}={out.get(k)} (expected {v})" for k, v in expect.items() if out.get(k) != v]
        if wrong:
            run.ok, run.error = False, "unexpected counters: " + ", ".join(wrong)

    # -- the series

    def first_load(self, approach: str, kind: str, rows: int, files: Files, run_no: int, series: Series,
                   same: Series | None, changed: Series | None) -> None:  # fmt: skip
        tag = self.logs / f"{rows}" / kind
        name = self.pg.create()
        try:
            db_url = self.pg.url(name, "psycopg" if approach == "bookingest" else "")
            run = self.run_one(approach, files.base, db_url, tag / f"{approach}-{run_no}.log")
            if approach == "bookingest":
                self.check_bookingest(run, {"rows": rows, "inserted": rows, "updated": 0, "rejected": 0})
                self.verify_count(run, rows, lambda: self.pg.count(name, "bookings"))
            else:
                table = (run.output or {}).get("table", "")
                self.verify_count(run, rows, lambda: self.pg.count(name, table))
            series.runs.append(run)
            self._progress(series, run, run_no)
            if approach != "bookingest" or same is None or changed is None:
                return
            if not run.ok:
                for s in (same, changed):
                    s.runs.append(Run(None, None, None, False, error="the first load failed"))
                return
            run = self.run_one(approach, files.same, db_url, tag / f"{approach}-same-{run_no}.log", AS_OF["same"])
            self.check_bookingest(run, {"rows": rows, "inserted": 0, "updated": 0, "unchanged": rows, "rejected": 0})
            same.runs.append(run)
            self._progress(same, run, run_no)
            run = self.run_one(
                approach, files.changed, db_url, tag / f"{approach}-changed-{run_no}.log", AS_OF["changed"]
            )
            self.check_bookingest(run, {"rows": rows, "inserted": 0, "updated": files.expected_changed, "rejected": 0})
            self.verify_count(run, rows, lambda: self.pg.count(name, "bookings"))
            changed.runs.append(run)
            self._progress(changed, run, run_no)
        finally:
            self.pg.drop(name)

    def sqlite_load(self, kind: str, rows: int, files: Files, run_no: int, series: Series) -> None:
        db = self.work / f"bench_{os.getpid()}_sqlite_{run_no}.db"
        remove_sqlite(db)
        try:
            run = self.run_one("bookingest_sqlite", files.base, f"sqlite:///{db}",
                               self.logs / f"{rows}" / kind / f"bookingest_sqlite-{run_no}.log")  # fmt: skip
            self.check_bookingest(run, {"rows": rows, "inserted": rows, "updated": 0, "rejected": 0})
            self.verify_count(run, rows, lambda: sqlite_count(db))
            series.runs.append(run)
            self._progress(series, run, run_no)
        finally:
            if not self.args.keep_databases:
                remove_sqlite(db)

    def size_and_kind(self, rows: int, kind: str) -> None:
        files = self.data.files(kind, rows)
        approaches = list(self.args.approaches)
        series = {a: Series(a, LABELS[a], kind, rows) for a in approaches}
        sqlite = kind in self.args.sqlite_kinds and "bookingest" in approaches
        if sqlite:
            series["bookingest_sqlite"] = Series("bookingest_sqlite", LABELS["bookingest_sqlite"], kind, rows)
        scenarios = "bookingest" in approaches and not self.args.no_scenarios
        same = Series("same", SCENARIOS["same"], kind, rows) if scenarios else None
        changed = Series("changed", SCENARIOS["changed"].format(pct=self.pct), kind, rows) if scenarios else None
        self.series.extend(series.values())
        self.scenarios.extend(s for s in (same, changed) if s is not None)
        for run_no in range(1, self.args.runs + 1):
            for approach in approaches:
                self.first_load(approach, kind, rows, files, run_no, series[approach], same, changed)
            if sqlite:
                self.sqlite_load(kind, rows, files, run_no, series["bookingest_sqlite"])

    def small(self) -> None:
        """A 50-row CSV end to end, warm: into a new database, then a changed file into it."""
        base = self.data.generated("csv", SMALL_ROWS)
        changed_file = self.data.generated("csv", SMALL_ROWS, SMALL_CHANGE)
        expected = self.data.expected_changed(SMALL_ROWS, SMALL_CHANGE)
        new = Series("small_new", SCENARIOS["small_new"], "csv", SMALL_ROWS)
        existing = Series("small_existing", SCENARIOS["small_existing"], "csv", SMALL_ROWS)
        self.scenarios.extend([new, existing])
        for run_no in range(1, self.args.runs + 1):
            name = self.pg.create()
            try:
                db_url = self.pg.url(name, "psycopg")
                run = self.run_one("bookingest", base, db_url, self.logs / "small" / f"new-{run_no}.log")
                self.check_bookingest(run, {"inserted": SMALL_ROWS, "rejected": 0})
                new.runs.append(run)
                self._progress(new, run, run_no)
                run = self.run_one("bookingest", changed_file, db_url, self.logs / "small" / f"existing-{run_no}.log",
                                   AS_OF["changed"])  # fmt: skip
                self.check_bookingest(run, {"inserted": 0, "updated": expected, "rejected": 0})
                existing.runs.append(run)
                self._progress(existing, run, run_no)
            finally:
                self.pg.drop(name)

    def large(self, rows: int) -> None:
        """One first load of a large CSV (5M rows by default), for its peak memory: a CSV is
        read, checked and stored in chunks, so memory must not grow with the file."""
        file = self.data.generated("csv", rows)
        large = Series("large", SCENARIOS["large"], "csv", rows)
        self.scenarios.append(large)
        name = self.pg.create()
        try:
            run = self.run_one("bookingest", file, self.pg.url(name, "psycopg"), self.logs / "large" / f"{rows}.log")
            self.check_bookingest(run, {"inserted": rows, "rejected": 0})
            large.runs.append(run)
            self._progress(large, run, 1)
        finally:
            self.pg.drop(name)

    def warm_up(self) -> None:
        """Every approach once on a 50-row file of every kind, not recorded: imports and caches warm."""
        for kind in self.args.kinds:
            file = self.data.generated(kind, SMALL_ROWS)
            for approach in self.args.approaches:
                name = self.pg.create()
                try:
                    driver = "psycopg" if approach == "bookingest" else ""
                    run = self.run_one(
                        approach, file, self.pg.url(name, driver), self.logs / "warmup" / f"{approach}-{kind}.log"
                    )
                finally:
                    self.pg.drop(name)
                if not run.ok:
                    log(f"warm-up: {approach} on {kind} FAILED: {run.error} (see {run.log})")

    def _progress(self, s: Series, run: Run, run_no: int) -> None:
        what = (
            f"{run.wall_s:.2f} s, {run.peak_rss_mb or 0:.0f} MB"
            if run.ok and run.wall_s is not None
            else f"FAILED: {run.error}"
        )
        log(f"[{rows_label(s.rows)} {s.kind}] run {run_no}/{self.args.runs} {s.label}: {what}")

    # -- reporting

    def machine(self) -> dict[str, Any]:
        return machine_info(self.pg, self.load_before)

    def write(self, final: bool = False) -> None:
        doc = {
            "date": self.started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds") if final else None,
            "complete": final,
            "command": [Path(sys.argv[0]).as_posix(), *sys.argv[1:]],
            "settings": {
                "sizes": self.args.sizes,
                "kinds": self.args.kinds,
                "runs": self.args.runs,
                "approaches": self.args.approaches,
                "sqlite_kinds": self.args.sqlite_kinds,
                "change": self.args.change,
                "as_of": AS_OF,
                "timeout_s": self.args.timeout,
            },
            "machine": self.machine(),
            "results": [s.to_json() for s in self.series],
            "ratios": ratios(self.series),
            "scenarios": [s.to_json() for s in self.scenarios],
        }
        write_results(self.out, doc, self.series, self.scenarios)
        try:
            chart(self.series, self.scenarios, self.out / "time_vs_rows.png")
        except Exception as err:  # a missing matplotlib must not cost the measurements
            log(f"chart not written: {type(err).__name__}: {err}")

    def failures(self) -> list[str]:
        return [
            f"{s.label} {s.kind} {rows_label(s.rows)}: {s.error}" for s in (*self.series, *self.scenarios) if not s.ok
        ]


def bookingest_command() -> list[str]:
    beside = Path(sys.executable).parent / "bookingest"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("bookingest")
    if found:
        return [found]
    raise SetupError("the `bookingest` command is not installed (pip install -e . in the virtualenv)")
