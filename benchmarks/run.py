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
import datetime as dt
import hashlib
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
GENERATE = HERE / "generate.py"
APPROACH_DIR = HERE / "approaches"
SCRIPTS = ("naive_pandas", "dlt_merge", "expert", "floor")
APPROACHES = (*SCRIPTS, "bookingest")
KINDS = ("csv", "xlsx")
GENERATOR_KIND = {"csv": "airbnb-csv", "xlsx": "airbnb-xlsx"}
AS_OF = {"first": "2025-01-01T00:00:00", "same": "2025-01-02T00:00:00", "changed": "2025-01-03T00:00:00"}
SMALL_ROWS = 50
SMALL_CHANGE = 0.2
TIME = "/usr/bin/time"
DEFAULT_PG = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

# Series in the main table, in this order; scenarios are reported separately.
LABELS = {
    "naive_pandas": "naive_pandas (pandas + to_sql)",
    "dlt_merge": "dlt_merge (dlt, merge)",
    "expert": "expert (COPY + ON CONFLICT)",
    "floor": "floor (read + raw COPY)",
    "bookingest": "bookingest (PostgreSQL)",
    "bookingest_sqlite": "bookingest (SQLite)",
}
SCENARIOS = {
    "same": "bookingest: same rows, new file",
    "changed": "bookingest: {pct} changed",
    "small_new": f"bookingest: {SMALL_ROWS}-row CSV, new database (warm)",
    "small_existing": f"bookingest: {SMALL_ROWS}-row changed CSV, existing database (warm)",
    "large": "bookingest: large CSV, first load (bounded memory)",
}


class SetupError(Exception):
    """Something the benchmark needs is missing: exit 2 with one sentence."""


# ---------------------------------------------------------------- measurements


@dataclass
class Run:
    """One process run under /usr/bin/time -v."""

    wall_s: float | None
    peak_rss_mb: float | None
    exit_status: int | None
    ok: bool
    error: str | None = None
    output: dict[str, Any] | None = None  # the approach's JSON (bookingest: its file summary)
    log: str | None = None


@dataclass
class Series:
    """The runs of one approach (or scenario) on one kind and size."""

    name: str  # approach key or scenario key
    label: str
    kind: str
    rows: int
    runs: list[Run] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)  # failed expectations, readable

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.ok for r in self.runs) and not self.checks

    @property
    def median_wall_s(self) -> float | None:
        walls = [r.wall_s for r in self.runs if r.ok and r.wall_s is not None]
        return statistics.median(walls) if walls and self.ok else None

    @property
    def peak_rss_mb(self) -> float | None:
        peaks = [r.peak_rss_mb for r in self.runs if r.peak_rss_mb is not None]
        return max(peaks) if peaks and self.ok else None

    @property
    def rows_per_s(self) -> float | None:
        wall = self.median_wall_s
        return self.rows / wall if wall else None

    @property
    def error(self) -> str | None:
        if self.ok:
            return None
        if not self.runs:
            return "not run"
        errors = [r.error for r in self.runs if r.error] + self.checks
        return errors[0] if errors else "failed"

    def counters(self) -> dict[str, int] | None:
        """bookingest's inserted/updated/unchanged/rejected of the last successful run."""
        for r in reversed(self.runs):
            if r.output and "inserted" in r.output:
                return {k: int(r.output[k]) for k in ("rows", "inserted", "updated", "unchanged", "rejected")}
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "label": self.label, "kind": self.kind, "rows": self.rows,
            "status": "ok" if self.ok else "FAILED", "error": self.error,
            "median_wall_s": self.median_wall_s, "rows_per_s": self.rows_per_s, "peak_rss_mb": self.peak_rss_mb,
            "counters": self.counters(), "checks_failed": self.checks, "runs": [asdict(r) for r in self.runs],
        }  # fmt: skip


_ELAPSED = re.compile(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)")
_RSS = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")
_EXIT = re.compile(r"Exit status: (\d+)")
_SIGNAL = re.compile(r"Command terminated by signal (\d+)")


def parse_time_v(text: str) -> tuple[float | None, float | None, int | None, str | None]:
    """(wall s, peak RSS MB, exit status, signal message) from `/usr/bin/time -v` output."""
    wall = rss = status = None
    if m := _ELAPSED.search(text):
        parts = [float(p) for p in m.group(1).split(":")]
        wall = 0.0
        for p in parts:
            wall = wall * 60 + p
    if m := _RSS.search(text):
        rss = int(m.group(1)) / 1024
    if m := _EXIT.search(text):
        status = int(m.group(1))
    sig = _SIGNAL.search(text)
    return wall, rss, status, (f"killed by signal {sig.group(1)}" if sig else None)


def timed(cmd: list[str], log: Path, timeout: float, cwd: Path) -> Run:
    """Run `cmd` as its own process group under /usr/bin/time -v; never raises for the command's failures."""
    log.parent.mkdir(parents=True, exist_ok=True)
    time_file = log.with_suffix(".time")
    time_file.unlink(missing_ok=True)
    full = [TIME, "-v", "-o", str(time_file), *cmd]
    proc = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
                            start_new_session=True)  # fmt: skip
    try:
        out, err = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the group we started: /usr/bin/time and the command
        out, err = proc.communicate()
        timed_out = True
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    log.write_text(f"$ {' '.join(cmd)}\n--- stdout\n{out}\n--- stderr\n{err}\n")
    time_text = time_file.read_text() if time_file.exists() else ""
    wall, rss, status, killed = parse_time_v(time_text)
    if status is None and not killed:
        status = proc.returncode
    run = Run(wall_s=wall, peak_rss_mb=rss, exit_status=status, ok=False, log=str(log))
    if timed_out:
        run.error = f"timed out after {timeout:.0f} s"
    elif killed:
        run.error = killed
    elif wall is None:
        run.error = f"/usr/bin/time reported nothing (exit {proc.returncode}): {_last_line(err)}"
    run.output = _parse_output(out)
    if run.error is not None:
        return run
    if status != 0:
        said = run.output or {}
        if said.get("status") or said.get("reason"):  # bookingest explains itself in its JSON summary
            detail = f"{said.get('status')}: {said.get('reason') or ''}".strip()
            if said.get("problems"):
                detail += f" ({said.get('rejected')} row(s) rejected; first: {said['problems'][0]})"
        else:
            detail = _last_line(err) or _last_line(out)
        run.error = f"exit {status}: {detail}"
    else:
        run.ok = True
    if run.ok and run.output is None:
        run.ok, run.error = False, f"no JSON summary on stdout: {_last_line(out) or _last_line(err)}"
    return run


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def _parse_output(out: str) -> dict[str, Any] | None:
    """The approach's last JSON line, or bookingest's whole --json document (its one file)."""
    text = out.strip()
    if not text:
        return None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        try:
            doc = json.loads(text.splitlines()[-1])
        except json.JSONDecodeError:
            return None
    if isinstance(doc, dict) and isinstance(doc.get("files"), list) and doc["files"]:
        return dict(doc["files"][0])
    return doc if isinstance(doc, dict) else None


# ---------------------------------------------------------------- PostgreSQL


class Postgres:
    """Creates a fresh database per run (and drops it) through an admin connection URL."""

    def __init__(self, admin_url: str, keep: bool = False) -> None:
        parts = urlsplit(admin_url)
        if parts.scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
            raise SetupError(f"--pg must be a postgresql:// URL, not {admin_url!r}")
        self.parts = parts._replace(scheme="postgresql")
        self.admin = urlunsplit(self.parts)
        self.keep = keep
        self.serial = 0
        try:
            import psycopg

            with psycopg.connect(self.admin, connect_timeout=10) as conn:
                self.version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
                self.version_full = str(conn.execute("SELECT version()").fetchone()[0])  # type: ignore[index]
        except Exception as err:
            raise SetupError(f"cannot connect to PostgreSQL at {_safe(self.admin)}: {str(err).strip()}") from None

    def url(self, name: str, driver: str = "") -> str:
        scheme = "postgresql+" + driver if driver else "postgresql"
        return urlunsplit(self.parts._replace(scheme=scheme, path="/" + name))

    def create(self) -> str:
        import psycopg

        self.serial += 1
        name = f"bench_{os.getpid()}_{self.serial}"
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop(self, name: str) -> None:
        if self.keep:
            return
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def count(self, name: str, table: str) -> int:
        import psycopg

        ident = ".".join(f'"{p}"' for p in table.split("."))
        with psycopg.connect(self.url(name)) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {ident}").fetchone()[0])  # type: ignore[index]


def _safe(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(":" + parts.password + "@", ":***@"))
    return urlunsplit(parts)


# ---------------------------------------------------------------- data files


@dataclass
class Files:
    """The exports of one size and kind."""

    base: Path
    same: Path
    changed: Path
    expected_changed: int


def generator_hash() -> str:
    return hashlib.sha256(GENERATE.read_bytes()).hexdigest()


class DataCache:
    """Generated files in OUT/data, regenerated only when generate.py or the arguments change."""

    def __init__(self, root: Path, change: float) -> None:
        self.root = root
        self.change = change
        self.root.mkdir(parents=True, exist_ok=True)
        self.manifest_path = root / "MANIFEST.json"
        self.manifest: dict[str, Any] = {}
        if self.manifest_path.exists():
            try:
                self.manifest = json.loads(self.manifest_path.read_text())
            except json.JSONDecodeError:
                self.manifest = {}
        self.hash = generator_hash()

    def _fresh(self, path: Path, key: dict[str, Any]) -> bool:
        return path.exists() and self.manifest.get(path.name) == key

    def _record(self, path: Path, key: dict[str, Any]) -> None:
        self.manifest[path.name] = key
        self._save()

    def _save(self) -> None:
        tmp = self.manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.manifest, indent=2, sort_keys=True))
        os.replace(tmp, self.manifest_path)

    def generated(self, kind: str, rows: int, change: float = 0.0) -> Path:
        suffix = f"_change{change:g}" if change else ""
        path = self.root / f"airbnb_{rows}{suffix}.{kind}"
        key = {"generator": self.hash, "kind": GENERATOR_KIND[kind], "rows": rows, "change": change}
        if self._fresh(path, key):
            return path
        tmp = path.with_name(path.name + ".partial")
        cmd = [sys.executable, str(GENERATE), GENERATOR_KIND[kind], str(rows), str(tmp)]
        if change:
            cmd += ["--change", repr(change)]
        _log(f"generating {path.name} ({rows:,} rows{', ' + format(change, '.0%') + ' changed' if change else ''}) …")
        started = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            tmp.unlink(missing_ok=True)
            raise SetupError(f"generate.py failed for {path.name}: {_last_line(done.stderr)}")
        os.replace(tmp, path)
        self._record(path, key)
        _log(f"  {path.name}: {path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")
        return path

    def same_rows(self, base: Path, kind: str) -> Path:
        """The same rows in a file whose bytes (so whose SHA-256) differ from `base`."""
        path = base.with_name(base.stem + "_same" + base.suffix)
        key = {"from": base.name, "base_sha256": _sha256(base)}
        if self._fresh(path, key):
            return path
        tmp = path.with_name(path.name + ".partial")
        shutil.copyfile(base, tmp)
        if kind == "csv":
            with tmp.open("ab") as f:  # one empty record at the end: ignored by every CSV reader
                f.write(b"\r\n")
        else:
            with zipfile.ZipFile(tmp, "a") as z:  # a zip comment: the workbook's content is untouched
                z.comment = b"bookingest benchmark: the same rows in a new file"
        os.replace(tmp, path)
        self._record(path, key)
        return path

    def expected_changed(self, rows: int, change: float) -> int:
        """How many bookings the generator really changed (dates, status or guests differ)."""
        key = f"expected_changed:{self.hash}:{rows}:{change!r}"
        if key in self.manifest:
            return int(self.manifest[key])
        generate = _import_generate()
        a, b = generate.bookings(rows), generate.bookings(rows, change)
        differs = (a["start"] != b["start"]) | (a["nights"] != b["nights"]) | (a["status"] != b["status"])
        differs |= (a["adults"] != b["adults"]) | (a["children"] != b["children"]) | (a["infants"] != b["infants"])
        n = int(differs.sum())
        self.manifest[key] = n
        self._save()
        return n

    def files(self, kind: str, rows: int) -> Files:
        base = self.generated(kind, rows)
        return Files(base, self.same_rows(base, kind), self.generated(kind, rows, self.change),
                     self.expected_changed(rows, self.change))  # fmt: skip


def _import_generate() -> Any:
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------- the benchmark


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.out: Path = args.out
        self.logs = self.out / "logs"
        self.work = self.out / "work"  # every process runs here: nothing lands in the repository
        self.work.mkdir(parents=True, exist_ok=True)
        self.pg = Postgres(args.pg, keep=args.keep_databases)
        self.data = DataCache(self.out / "data", args.change)
        self.bookingest = _bookingest_command()
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
        _remove_sqlite(db)
        try:
            run = self.run_one("bookingest_sqlite", files.base, f"sqlite:///{db}",
                               self.logs / f"{rows}" / kind / f"bookingest_sqlite-{run_no}.log")  # fmt: skip
            self.check_bookingest(run, {"rows": rows, "inserted": rows, "updated": 0, "rejected": 0})

            def count() -> int:
                with sqlite3.connect(db) as conn:
                    return int(conn.execute("SELECT count(*) FROM bookings").fetchone()[0])

            self.verify_count(run, rows, count)
            series.runs.append(run)
            self._progress(series, run, run_no)
        finally:
            if not self.args.keep_databases:
                _remove_sqlite(db)

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
                    _log(f"warm-up: {approach} on {kind} FAILED: {run.error} (see {run.log})")

    def _progress(self, s: Series, run: Run, run_no: int) -> None:
        what = (
            f"{run.wall_s:.2f} s, {run.peak_rss_mb or 0:.0f} MB"
            if run.ok and run.wall_s is not None
            else f"FAILED: {run.error}"
        )
        _log(f"[{_rows(s.rows)} {s.kind}] run {run_no}/{self.args.runs} {s.label}: {what}")

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
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / "results.json").write_text(json.dumps(doc, indent=2) + "\n")
        (self.out / "results.md").write_text(markdown(doc, self.series, self.scenarios))
        try:
            chart(self.series, self.scenarios, self.out / "time_vs_rows.png")
        except Exception as err:  # a missing matplotlib must not cost the measurements
            _log(f"chart not written: {type(err).__name__}: {err}")

    def failures(self) -> list[str]:
        return [f"{s.label} {s.kind} {_rows(s.rows)}: {s.error}" for s in (*self.series, *self.scenarios) if not s.ok]


def ratios(series: list[Series]) -> list[dict[str, Any]]:
    """Per size and kind: bookingest/floor, dlt/bookingest, bookingest/expert, naive/bookingest, SQLite/PostgreSQL."""
    by = {(s.rows, s.kind, s.name): s.median_wall_s for s in series}
    pairs = [
        ("bookingest/floor", "bookingest", "floor"),
        ("dlt/bookingest", "dlt_merge", "bookingest"),
        ("bookingest/expert", "bookingest", "expert"),
        ("naive/bookingest", "naive_pandas", "bookingest"),
        ("SQLite/PostgreSQL (bookingest)", "bookingest_sqlite", "bookingest"),
    ]
    out = []
    for rows, kind in dict.fromkeys((s.rows, s.kind) for s in series):
        entry: dict[str, Any] = {"rows": rows, "kind": kind}
        for label, top, bottom in pairs:
            if (rows, kind, top) not in by or (rows, kind, bottom) not in by:
                continue
            a, b = by[(rows, kind, top)], by[(rows, kind, bottom)]
            entry[label] = round(a / b, 3) if a and b else None
        out.append(entry)
    return out


# ---------------------------------------------------------------- output


def _rows(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def _fmt(v: float | None, digits: int = 2) -> str:
    return "-" if v is None else f"{v:,.{digits}f}"


def md_table(header: list[str], rows: list[list[str]]) -> str:
    right = [
        i
        for i, h in enumerate(header)
        if i > 0 and not h.startswith(("approach", "scenario", "kind", "status", "check"))
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return (
            "| "
            + " | ".join(
                c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
            + " |"
        )

    sep = "|" + "|".join(("-" * (w + 1) + ":") if i in right else ("-" * (w + 2)) for i, w in enumerate(widths)) + "|"
    return "\n".join([line(header), sep, *(line(r) for r in rows)]) + "\n"


def series_table(series: list[Series]) -> str:
    header = ["approach", "kind", "rows", "wall s (median)", "rows/s", "peak RSS MB", "runs", "status"]
    rows = [
        [s.label, s.kind, f"{s.rows:,}", _fmt(s.median_wall_s), _fmt(s.rows_per_s, 0), _fmt(s.peak_rss_mb, 0),
         str(len(s.runs)), "ok" if s.ok else f"FAILED: {s.error}"]
        for s in series
    ]  # fmt: skip
    return md_table(header, rows)


def ratio_table(entries: list[dict[str, Any]]) -> str:
    names = list(dict.fromkeys(k for e in entries for k in e if k not in ("rows", "kind")))
    rows = [
        [
            e["kind"],
            f"{e['rows']:,}",
            *(("n/a" if n not in e else "FAILED" if e[n] is None else _fmt(e[n])) for n in names),
        ]
        for e in entries
    ]
    return md_table(["kind", "rows", *names], rows)


def scenario_table(scenarios: list[Series]) -> str:
    header = ["scenario", "kind", "rows", "wall s (median)", "rows/s", "peak RSS MB", "inserted", "updated",
              "unchanged", "rejected", "check"]  # fmt: skip
    rows = []
    for s in scenarios:
        c = s.counters() or {}
        rows.append([s.label, s.kind, f"{s.rows:,}", _fmt(s.median_wall_s), _fmt(s.rows_per_s, 0), _fmt(s.peak_rss_mb, 0),
                     *(str(c.get(k, "-")) for k in ("inserted", "updated", "unchanged", "rejected")),
                     "ok" if s.ok else f"FAILED: {s.error}"])  # fmt: skip
    return md_table(header, rows)


def machine_info(pg: Postgres, load_before: tuple[float, float, float]) -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        nproc = int(subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError, ValueError):
        nproc = len(os.sched_getaffinity(0))
    from importlib import metadata

    versions = {}
    for pkg in ("bookingest", "pandas", "pyarrow", "fastexcel", "openpyxl", "python-calamine", "sqlalchemy", "psycopg",
                "psycopg2-binary", "dlt", "pandera"):  # fmt: skip
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    commit = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(HERE), "diff", "HEAD"], capture_output=True)
    diff_sha = hashlib.sha256(dirty.stdout).hexdigest()[:12] if dirty.stdout.strip() else None
    return {
        "nproc": nproc, "cpu_count": os.cpu_count(), "cpu_model": cpu, "memory_gb": mem_gb,
        "postgresql": pg.version, "postgresql_full": pg.version_full, "python": platform.python_version(),
        "platform": platform.platform(), "load_average_at_start": [round(x, 2) for x in load_before],
        "load_average_now": [round(x, 2) for x in os.getloadavg()], "packages": versions,
        "git_commit": (commit.stdout.strip() + ("+dirty" if diff_sha else "")) if commit.returncode == 0 else None,
        "git_diff_sha256": diff_sha,  # the uncommitted working tree measured (bookingest is installed editable)
    }  # fmt: skip


def markdown(doc: dict[str, Any], series: list[Series], scenarios: list[Series]) -> str:
    m = doc["machine"]
    lines = [
        "# bookingest benchmark results" + ("" if doc["complete"] else " (incomplete: still running or interrupted)"),
        "",
        f"- date: {doc['date']} (UTC)" + (f", finished {doc['finished']}" if doc["finished"] else ""),
        f"- command: `python {' '.join(doc['command'])}`",
        f"- machine: {m['nproc']} CPUs (nproc), {m['memory_gb']} GB memory, {m['cpu_model']}",
        f"- load average (1, 5, 15 min): {m['load_average_at_start']} at start, {m['load_average_now']} at the end "
        "(the machine may be shared: read the times with that in mind)",
        f"- PostgreSQL {m['postgresql']}; Python {m['python']}; {m['platform']}; git {m['git_commit']}"
        + (f" (working-tree diff sha256 {m['git_diff_sha256']})" if m.get("git_diff_sha256") else ""),
        "- packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v),
        f"- wall time and peak RSS of each whole process from `/usr/bin/time -v`; median of {doc['settings']['runs']} "
        "run(s), each against a fresh database; peak RSS is the largest of the runs",
        "",
        "## First load",
        "",
        series_table(series),
        "## Ratios of median wall times",
        "",
        ratio_table(doc["ratios"]),
        "## bookingest scenarios",
        "",
        f"Same rows: the same rows in a file with different bytes, --as-of {AS_OF['same']}, into the database of the "
        f"first load (--as-of {AS_OF['first']}); nothing may be inserted or updated. Changed: the `--change "
        f"{doc['settings']['change']}` file, --as-of {AS_OF['changed']}, into that database after the same-rows file; "
        "updated must equal the bookings the generator changed. The 50-row runs are warm "
        "(every approach ran once before).",
        "",
        scenario_table(scenarios),
    ]
    return "\n".join(lines) + "\n"


def chart(series: list[Series], scenarios: list[Series], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(12, 6), dpi=120)
    styles = {"csv": "-", "xlsx": "--"}
    colors = plt.get_cmap("tab10")
    names = [*LABELS, "same", "changed"]
    plotted = 0
    for s_list in (series, [s for s in scenarios if s.name in ("same", "changed")]):
        groups: dict[tuple[str, str], list[Series]] = {}
        for s in s_list:
            groups.setdefault((s.name, s.kind), []).append(s)
        for (name, kind), group in groups.items():
            points = sorted((s.rows, s.median_wall_s) for s in group if s.median_wall_s)
            if not points:
                continue
            xs, ys = zip(*points, strict=True)
            marker = "s" if name in ("same", "changed") else "o"
            ax.plot(xs, ys, styles.get(kind, ":"), marker=marker, color=colors(names.index(name) % 10),
                    label=f"{group[0].label} — {kind}")  # fmt: skip
            plotted += 1
    ax.set_xscale("log")
    ax.set_yscale("log")
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    sizes = sorted({s.rows for s in series})
    if sizes:
        ax.xaxis.set_major_locator(FixedLocator(sizes))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _rows(round(x))))
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda y, _: f"{y:g}" if f"{y:g}"[0] in "25" else ""))
    ax.set_xlabel("rows in the export")
    ax.set_ylabel("wall time of the whole process, s (median)")
    ax.set_title("Loading an Airbnb-style export into PostgreSQL (SQLite where noted)")
    ax.grid(True, which="both", alpha=0.3)
    if plotted:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    tmp = path.with_name(path.stem + ".partial.png")
    fig.savefig(tmp)
    plt.close(fig)
    os.replace(tmp, path)


def series_from_json(path: Path) -> tuple[list[Series], list[Series]]:
    """The first-load series and the scenarios of a results.json."""
    doc = json.loads(path.read_text())

    def load(entry: dict[str, Any]) -> Series:
        runs = [Run(**r) for r in entry["runs"]]
        return Series(entry["name"], entry["label"], entry["kind"], entry["rows"], runs, entry["checks_failed"])

    return [load(e) for e in doc["results"]], [load(e) for e in doc["scenarios"]]


def combined_chart(results: list[Path], path: Path) -> None:
    """One chart of time against rows from several results.json (e.g. a 10k/100k run with every
    approach and a 1M run without the slowest)."""
    series: list[Series] = []
    scenarios: list[Series] = []
    for result in results:
        more, extra = series_from_json(result)
        series += more
        scenarios += extra
    chart(series, scenarios, path)


def _remove_sqlite(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def _bookingest_command() -> list[str]:
    beside = Path(sys.executable).parent / "bookingest"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("bookingest")
    if found:
        return [found]
    raise SetupError("the `bookingest` command is not installed (pip install -e . in the virtualenv)")


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- command line


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
    _log(f"PostgreSQL {bench.pg.version} at {_safe(bench.pg.admin)}; results in {args.out}")
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
