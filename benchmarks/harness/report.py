"""Reporting: the ratios, the results tables, the machine's description and the results.json / results.md written to OUT."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from .config import AS_OF, HERE
from .databases import Postgres
from .measure import Series


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


def rows_label(n: int) -> str:
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

    versions: dict[str, str | None] = {}
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


def write_results(out: Path, doc: dict[str, Any], series: list[Series], scenarios: list[Series]) -> None:
    """OUT/results.json and OUT/results.md, rewritten whole after every size and kind."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(doc, indent=2) + "\n")
    (out / "results.md").write_text(markdown(doc, series, scenarios))
