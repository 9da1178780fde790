"""Many workers, one PostgreSQL (issue 13, "Scale, measured"): an inbox of exports drained by 1, 2 and 4 workers.

    python benchmarks/inbox_scale.py                           # 200 files; 1, 2 and 4 workers
    python benchmarks/inbox_scale.py --files 40 --workers 1,2  # a quick check

1. Writes an inbox (deterministic, in OUT/inbox): Airbnb CSV and xlsx exports and cleaning-schedule
   workbooks of 50 to --max-rows bookings (benchmarks/generate.py), windows of one pool of
   bookings in four versions, so the files overlap and re-export bookings, changed or not;
   Booking.com downloads (data/samples), CSVs with rows to quarantine, byte-identical copies
   (duplicates), the same rows in new bytes, and bad files (a broken workbook, an unknown
   layout, an empty file, binary noise). Every file has its own modification time: its as-of.
2. For each worker count W, a fresh copy of the inbox (its files' modification times kept) and a
   fresh PostgreSQL database: W `bookingest inbox run INBOX --archive --rejected --settle 0
   --worker benchW-N --json` processes at once over the ONE inbox, as workers run in production:
   the claims in the database (loaders.claims) decide which worker takes which file. Timed from
   the start of the first to the end of the last.
3. Checks: every file reported exactly once, by one worker, claimed once (one claim, one attempt)
   and filed away (the inbox is empty, the archive and rejected folders hold every file once),
   with the same statuses as in the one-worker run (of two identical downloads either may be the
   duplicate); one source_files row per loaded file; the bookings' values, tasks and quarantined
   rows equal to the one-worker (sequential, by as-of) load; and everything, including which
   export last wrote each booking, the history and each file's counts, equal to a sequential load
   of the files in the order the concurrent run committed them (--no-replay skips this).
4. Prints a table (rows/s per worker count, the ratio to one worker, the fraction of the files'
   time spent holding the merge lock) and writes OUT/<date>-inbox-scale.{json,md,png}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from harness.bench import bookingest_command  # noqa: E402
from harness.databases import Postgres  # noqa: E402

SAMPLES = REPO / "data" / "samples"
POOL = 40_000  # bookings the accounts' exports are windows of
VERSIONS = (0.0, 0.01, 0.03, 0.06)  # the pool as four successive exports describe it (--change)
FIRST_AS_OF = dt.datetime(2026, 1, 1, 6, 0)


def _generate() -> Any:
    spec = importlib.util.spec_from_file_location("bench_generate", HERE / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_inbox(folder: Path, files: int, max_rows: int) -> list[str]:
    """Write the inbox; return the file names in the order a sequential load takes them."""
    gen = _generate()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = np.random.default_rng(13)
    pools = [gen.bookings(POOL, change) for change in VERSIONS]
    names: list[str] = []
    csvs: list[str] = []

    def window(rows: int) -> dict[str, np.ndarray]:
        start = int(rng.integers(0, POOL - rows))
        return gen.window(pools[int(rng.integers(0, len(VERSIONS)))], start, start + rows)

    def size(largest: int) -> int:
        return int(np.exp(rng.uniform(np.log(50), np.log(largest))))

    for i in range(files):
        slot = i % 20
        if slot < 10 or slot == 19:  # Airbnb CSV exports, and every 20th the largest size
            name = f"{i:03d}_airbnb.csv"
            gen.write_airbnb_bookings(window(max_rows if slot == 19 else size(max_rows)), folder / name)
            csvs.append(name)
        elif slot in (10, 11, 12, 13):  # workbooks: Airbnb's and the operator's cleaning schedule
            house = slot >= 12
            name = f"{i:03d}_{'cleaning_schedule' if house else 'airbnb'}.xlsx"
            gen.write_xlsx_bookings(window(size(max_rows // 4)), folder / name, house=house)
        elif slot == 14:  # Booking.com: the legacy .xls as downloaded, or the HTML one with new bytes
            sample = ("booking_com_reservations_2025-12.xls", "booking_com_reservations_2026-01.xls")[(i // 20) % 2]
            name = f"{i:03d}_bcom_{sample}"
            data = (SAMPLES / sample).read_bytes()
            (folder / name).write_bytes(data + f"\n<!-- {i} -->\n".encode() if b"<html" in data[:200].lower() else data)
        elif slot == 15:  # an export with labels no status map knows: those rows are quarantined
            name = f"{i:03d}_airbnb_unknown_labels.csv"
            b = window(size(max_rows // 4))
            b["status"] = np.where(np.arange(len(b["status"])) % 50 == 7, "Mystery state", b["status"])
            gen.write_airbnb_bookings(b, folder / name)
        elif slot == 16:  # bad files: rejected whole, in a sentence
            kind = (i // 20) % 4
            name = f"{i:03d}_bad" + (".xlsx", ".csv", ".csv", ".csv")[kind]
            noise = np.random.default_rng(i).bytes(5000)
            data = (b"PK\x03\x04" + noise, b"Room;Guest;When\n1;Ann;soon\n", b"", noise)[kind]
            (folder / name).write_bytes(data)
        elif slot == 17 and csvs:  # the same download twice (its as-of too): one of the two is a duplicate
            original = csvs[-3 if len(csvs) > 2 else 0]
            name = f"{i:03d}_copy_of_{original}"
            shutil.copy2(folder / original, folder / name)
            names.append(name)
            continue
        else:  # the same rows as an earlier export, in new bytes (one trailing empty line)
            original = csvs[-1] if csvs else f"{i:03d}_airbnb.csv"
            if not csvs:
                gen.write_airbnb_bookings(window(size(max_rows)), folder / original)
            name = f"{i:03d}_resaved_{original}"
            (folder / name).write_bytes((folder / original).read_bytes() + b"\r\n")
        stamp = (FIRST_AS_OF + dt.timedelta(minutes=i)).timestamp()
        os.utime(folder / name, (stamp, stamp))  # its as-of: every file its own
        names.append(name)
    (folder / "bookingest.toml").write_text(
        '[[files]]\nmatch = "*_bcom_*"\nsource = "booking_com"\nproperty = "Old Town Flat"\n', encoding="utf-8"
    )
    return names


def drain(
    source: Path, run: Path, workers: int, url: str, logs: Path, settings: dict[str, str]
) -> tuple[float, list[dict[str, Any]]]:
    """Copy the inbox to RUN/inbox and run W `bookingest inbox run` at once over it; the wall
    time and every file's result (and the workers' CPU seconds, user and system, under "cpu_s"
    of the first)."""
    shutil.rmtree(run, ignore_errors=True)
    shutil.copytree(source, run / "inbox")  # copy2: the modification times (the as-of) are kept
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOOKINGEST_", "PREFECT_"))} | settings
    started, cpu, server, machine = time.perf_counter(), _children_cpu(), _postgres_cpu(), _machine_busy()
    procs = []
    for n in range(workers):
        out = (logs / f"worker{n}.json").open("w")
        err = (logs / f"worker{n}.err").open("w")
        cmd = [*bookingest_command(), "inbox", "run", str(run / "inbox"), "--archive", str(run / "archive"),
               "--rejected", str(run / "rejected"), "--db", url, "--settle", "0",
               "--worker", f"bench{workers}-{n}", "--json"]  # fmt: skip
        procs.append((subprocess.Popen(cmd, stdout=out, stderr=err, env=env), out, err))
    for proc, out, err in procs:
        proc.wait()
        out.close()
        err.close()
    wall, cpu = time.perf_counter() - started, _children_cpu() - cpu
    server, machine = _postgres_cpu() - server, _machine_busy() - machine
    results: list[dict[str, Any]] = []
    for n, (proc, _, _) in enumerate(procs):
        if proc.returncode not in (0, 1):
            sys.exit(f"worker {n} exited with {proc.returncode}: see {logs}/worker{n}.err")
        for r in json.loads((logs / f"worker{n}.json").read_text())["files"]:
            results.append({**r, "worker": n})
    if not results:
        sys.exit(f"no worker reported a file: see {logs}")
    results[0].update(cpu_s=cpu, pg_cpu_s=server, machine_busy_s=float(machine[0]), stolen_s=float(machine[1]))
    return wall, results


def filed(run: Path) -> tuple[list[str], list[str]]:
    """The names left in the inbox (its configuration aside), and those in the archive and rejected folders."""
    left = sorted(p.name for p in (run / "inbox").rglob("*") if p.is_file() and p.suffix != ".toml")
    away = [p.name for folder in ("archive", "rejected") for p in (run / folder).rglob("*") if p.is_file()]
    return left, sorted(n for n in away if not n.endswith((".error.txt", ".rejected.csv")))


def claims(url: str) -> list[tuple[str, int, str]]:
    """Every claim: the file's key, its attempts, its outcome."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        rows = conn.execute("SELECT key, attempts, outcome FROM file_claims ORDER BY key").fetchall()
        return [(str(k), int(a), str(o)) for k, a, o in rows]


def _postgres_cpu() -> float:
    """CPU seconds of the local PostgreSQL server's processes so far: the live ones' and, in the
    postmaster's children times, those of the backends that ended (a worker's connections)."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # ended meanwhile
            continue
        if text[text.index("(") + 1 : text.rindex(")")] == "postgres":
            fields = text[text.rindex(")") + 2 :].split()
            total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return total / ticks


def _machine_busy() -> np.ndarray:
    """CPU seconds the whole machine has spent busy (all cores, anything that ran: idle and I/O
    wait excluded), and of them stolen (a virtual machine's cores waiting for the host's)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    busy = sum(fields[:8]) - fields[3] - fields[4]
    return np.array([busy, fields[7]]) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def sequential(folder: Path, order: list[str], url: str) -> None:
    """Load the files one after the other in this order, in this process (the CLI sorts its
    files by as-of: a replay of a commit order cannot go through it)."""
    from pipelines.discover import FileOptions, discover
    from pipelines.ingest import ingest_paths, open_database

    engine = open_database(url)
    try:
        ingest_paths(engine, [discover([str(folder / name)], FileOptions())[0] for name in order])
    finally:
        engine.dispose()


def snapshot(url: str) -> dict[str, Any]:
    """The database's content without its ids: bookings, tasks and history by booking code, and
    the files in the order they committed, with their counts. `bookings` and `tasks` do not depend
    on the order of the loads (each export's as-of decides); `written_by`, `history` and the
    files' counts do."""
    import psycopg

    queries = {
        "bookings": "SELECT b.source, b.external_code, p.name, b.guest_name, b.guest_contact, b.adults, b.children, "
        "b.infants, b.check_in, b.check_out, b.nights, b.booked_at, b.status, b.raw_status, b.payout, b.gross, "
        "b.currency, b.row_hash FROM bookings b JOIN properties p ON p.id = b.property_id",
        # Which export last wrote a booking (and first did): of two that state it alike, the one that
        # came first, so it follows the commit order (like the history), not only the as-of.
        "written_by": "SELECT source, external_code, as_of, first_as_of FROM bookings",
        "tasks": "SELECT b.source, b.external_code, t.kind, t.due_date, t.status, t.same_day_turnover "
        "FROM tasks t JOIN bookings b ON b.id = t.booking_id",
        "history": "SELECT b.source, b.external_code, c.changed_at, c.kind, c.field, c.old_value, c.new_value, "
        "f.as_of FROM booking_changes c JOIN bookings b ON b.id = c.booking_id "
        "JOIN source_files f ON f.id = c.source_file_id",
        "files": "SELECT path, status, rows, inserted, updated, unchanged, rejected FROM source_files ORDER BY id",
        "quarantine": "SELECT f.path, r.row_number, r.column, r.value, r.error FROM rejected_rows r "
        "JOIN source_files f ON f.id = r.source_file_id",
    }
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        out: dict[str, Any] = {}
        for name, sql in queries.items():
            rows = [tuple(str(v) for v in r) for r in conn.execute(sql).fetchall()]  # type: ignore[arg-type]
            if name == "files":
                out[name] = [(Path(r[0]).name, *r[1:]) for r in rows]
            elif name == "quarantine":
                out[name] = sorted((Path(r[0]).name, *r[1:]) for r in rows)
            else:
                out[name] = sorted(rows)
        return out


def check(label: str, got: dict[str, Any], want: dict[str, Any], parts: tuple[str, ...]) -> list[str]:
    """What differs, one line per part (empty: the same)."""
    problems = []
    for part in parts:
        if got[part] != want[part]:
            extra = len(set(got[part]) - set(want[part]))
            missing = len(set(want[part]) - set(got[part]))
            problems.append(f"{label}: {part} differ ({extra} rows more, {missing} rows fewer)")
    return problems


def summarize(workers: int, wall: float, results: list[dict[str, Any]]) -> dict[str, Any]:
    rows = sum(r["rows"] for r in results if r["status"] == "loaded")
    timed = [r["timings"] for r in results if r.get("timings")]
    total = sum(t["total"] for t in timed) or 1.0
    return {
        "workers": workers,
        "wall_s": round(wall, 2),
        # Of the CPU time the workers could have had (wall × workers, at most the cores): low when
        # the machine is busy with other work, or when workers wait for the lock.
        "cpu_s": round(results[0]["cpu_s"], 1),
        "cpu_share": round(results[0]["cpu_s"] / (wall * min(workers, os.cpu_count() or 1)), 2),
        # The workers' own and their PostgreSQL backends' CPU, in cores used on average; and how
        # busy the whole machine was (anything else running included), of all its cores.
        "pg_cpu_s": round(results[0]["pg_cpu_s"], 1),
        "cores_used": round((results[0]["cpu_s"] + results[0]["pg_cpu_s"]) / wall, 2),
        "machine_busy": round(results[0]["machine_busy_s"] / (wall * (os.cpu_count() or 1)), 2),
        "stolen": round(results[0]["stolen_s"] / (wall * (os.cpu_count() or 1)), 2),
        "rows": rows,
        "rows_per_s": round(rows / wall, 1),
        "files": len(results),
        "statuses": {s: sum(r["status"] == s for r in results) for s in sorted({r["status"] for r in results})},
        "per_worker": [sum(r["worker"] == n for r in results) for n in range(workers)],
        "read_s": round(sum(t["read"] for t in timed), 2),
        "staged_s": round(sum(t.get("staged", 0.0) for t in timed), 2),  # before the lock
        "waited_s": round(sum(t["waited"] for t in timed), 2),
        "meanwhile_s": round(sum(t.get("meanwhile", 0.0) for t in timed), 2),  # the next file, the lock busy
        "locked_s": round(sum(t["locked"] for t in timed), 2),
        "files_s": round(total, 2),
        "locked_fraction": round(sum(t["locked"] for t in timed) / total, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--max-rows", type=int, default=20_000, help="the largest export's bookings")
    parser.add_argument("--workers", default="1,2,4", help="worker counts; the first is the reference (use 1)")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--work", type=Path, default=HERE / "out" / "inbox_scale", help="inbox and logs")
    parser.add_argument("--name", default=f"{dt.date.today().isoformat()}-inbox-scale")
    parser.add_argument("--read-ahead-max-rows", type=int, help="the workers' BOOKINGEST_READ_AHEAD_MAX_ROWS "
                        "(0: every file streamed inside the merge lock, as before issue 13)")  # fmt: skip
    parser.add_argument("--machine-slots", type=int, help="the workers' BOOKINGEST_MACHINE_SLOTS: files processed "
                        "at once on this machine (default: its cores; 0: no cap)")  # fmt: skip
    parser.add_argument("--no-replay", action="store_true", help="skip the sequential load in commit order")
    args = parser.parse_args()
    settings = {}
    if args.read_ahead_max_rows is not None:
        settings["BOOKINGEST_READ_AHEAD_MAX_ROWS"] = str(args.read_ahead_max_rows)
    if args.machine_slots is not None:
        settings["BOOKINGEST_MACHINE_SLOTS"] = str(args.machine_slots)
    counts = [int(w) for w in args.workers.split(",")]
    pg = Postgres(args.pg)
    folder = args.work / "inbox"
    names = build_inbox(folder, args.files, args.max_rows)
    print(f"inbox: {len(names)} files, {sum((folder / n).stat().st_size for n in names) / 1e6:.1f} MB in {folder}")
    sys.path.insert(0, str(REPO))
    from pipelines.ingest import open_database

    runs, problems, reference, statuses = [], [], None, None
    load_before = os.getloadavg()
    for workers in counts:
        db = pg.create()
        url = pg.url(db, "psycopg")
        open_database(url).dispose()  # the schema exists before the workers start, as in production
        logs = args.work / f"logs_{workers}"
        shutil.rmtree(logs, ignore_errors=True)
        logs.mkdir(parents=True)
        wall, results = drain(folder, args.work / f"run_{workers}", workers, url, logs, settings)
        reported = sorted(Path(r["path"]).name for r in results)
        if reported != sorted(names):
            problems.append(f"{workers} workers: files not reported exactly once")
        left, away = filed(args.work / f"run_{workers}")
        if left or away != sorted(names):
            problems.append(f"{workers} workers: {len(left)} files left in the inbox, {len(away)} filed away")
        taken = claims(url)
        if sorted(k for k, _, _ in taken) != sorted(names) or any(a != 1 or o == "None" for _, a, o in taken):
            problems.append(f"{workers} workers: not every file claimed once and finished")
        by_name = {Path(r["path"]).name: r["status"] for r in results}
        # Which of two identical downloads is the duplicate depends on who gets there first.
        by_bytes = sorted((hashlib.sha256((folder / n).read_bytes()).hexdigest(), s) for n, s in by_name.items())
        state = snapshot(url)
        loaded = sorted(n for n, s in by_name.items() if s == "loaded")
        if sorted(f[0] for f in state["files"]) != loaded:
            problems.append(f"{workers} workers: source_files is not one row per loaded file")
        if reference is None:
            reference, statuses = state, by_bytes
        else:
            if by_bytes != statuses:
                problems.append(f"{workers} workers: file statuses differ from the 1-worker run")
            problems += check(f"{workers} workers vs 1", state, reference, ("bookings", "tasks", "quarantine"))
        if reference is not state and not args.no_replay:
            # The merges took turns: a sequential load in their commit order gives the same database.
            replay = pg.create()
            replay_url = pg.url(replay, "psycopg")
            sequential(folder, [f[0] for f in state["files"]] + sorted(set(names) - set(loaded)), replay_url)
            problems += check(f"{workers} workers vs their commit order", state, snapshot(replay_url),
                              ("bookings", "written_by", "tasks", "history", "files", "quarantine"))  # fmt: skip
            pg.drop(replay)
        pg.drop(db)
        run = summarize(workers, wall, results)
        runs.append(run)
        print(
            f"{workers} worker(s): {run['wall_s']} s, {run['rows_per_s']} rows/s, lock held {run['locked_fraction']:.0%}"
            f", files per worker {run['per_worker']}"
        )
    report(args, runs, problems, load_before)


def report(args: argparse.Namespace, runs: list[dict[str, Any]], problems: list[str], load_before: Any) -> None:
    base = runs[0]["rows_per_s"]
    lines = [
        f"# Inbox scale: {args.files} files, {runs[0]['rows']:,} rows, one PostgreSQL ({dt.datetime.now():%Y-%m-%d %H:%M})",
        "",
        f"nproc {os.cpu_count()}, load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}; "
        f"BOOKINGEST_READ_AHEAD_MAX_ROWS {args.read_ahead_max_rows if args.read_ahead_max_rows is not None else 'default'}, "
        f"BOOKINGEST_MACHINE_SLOTS {args.machine_slots if args.machine_slots is not None else 'default (the cores)'}",
        "",
        "| workers | wall s | rows/s | × 1 worker | lock held (of files' time) | waited s | next file read meanwhile s | read s | staged ahead s | workers' CPU s (share) "
        "| PostgreSQL CPU s | cores used | machine busy (stolen) | files |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        statuses = ", ".join(f"{n} {s}" for s, n in r["statuses"].items())
        lines.append(f"| {r['workers']} | {r['wall_s']} | {r['rows_per_s']:,.0f} | {r['rows_per_s'] / base:.2f} | "
                     f"{r['locked_fraction']:.0%} | {r['waited_s']} | {r['meanwhile_s']} | {r['read_s']} | {r['staged_s']} | {r['cpu_s']} ({r['cpu_share']:.0%}) | "
                     f"{r['pg_cpu_s']} | {r['cores_used']} | {r['machine_busy']:.0%} ({r['stolen']:.0%}) | {statuses} |")  # fmt: skip
    lines += ["", "Checks: " + ("every file once, databases equal" if not problems else "; ".join(problems))]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.name}.md").write_text(text, encoding="utf-8")
    (args.out / f"{args.name}.json").write_text(json.dumps({"runs": runs, "problems": problems}, indent=2) + "\n")
    chart(runs, args.out / f"{args.name}.png")
    if problems:
        sys.exit(1)


def chart(runs: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), dpi=120)
    labels = [str(r["workers"]) for r in runs]
    left.bar(labels, [r["rows_per_s"] for r in runs], color="tab:blue")
    left.axhline(1.6 * runs[0]["rows_per_s"], color="tab:red", linestyle="--", label="target for 2: 1.6 × one")
    left.set(xlabel="concurrent workers", ylabel="rows/s", title="Throughput, one PostgreSQL")
    left.legend()
    right.bar(labels, [100 * r["locked_fraction"] for r in runs], color="tab:orange")
    right.set(xlabel="concurrent workers", ylabel="% of the files' time", title="Time spent holding the merge lock")
    fig.tight_layout()
    fig.savefig(path)


if __name__ == "__main__":
    main()
