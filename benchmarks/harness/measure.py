"""Measuring one process: a command run as a whole process under `/usr/bin/time -v`, its figures parsed, and the series of runs."""

from __future__ import annotations

import json
import os
import re
import signal
import statistics
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .config import TIME


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
        run.error = f"/usr/bin/time reported nothing (exit {proc.returncode}): {last_line(err)}"
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
            detail = last_line(err) or last_line(out)
        run.error = f"exit {status}: {detail}"
    else:
        run.ok = True
    if run.ok and run.output is None:
        run.ok, run.error = False, f"no JSON summary on stdout: {last_line(out) or last_line(err)}"
    return run


def last_line(text: str) -> str:
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
