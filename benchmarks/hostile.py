"""The hostile inputs of issue 12 at their real sizes, each ingested by `bookingest ingest` under
/usr/bin/time -v: exit status, status and reason, wall time and peak RSS, in a Markdown table.
The bound: every case rejected (a 1 MB CSV cell may load as a normal value) within 1.5 GB and 30 s.

    python benchmarks/hostile.py                      # every case, into OUT (default /tmp/bookingest-hostile)
    python benchmarks/hostile.py --cases far_cell,zip_bomb_18.7mb --timeout 60

Zip bombs are written quickly (tests/hostile_files.py repeats one deflated block), the 4 GB files
are sparse (truncate: no disk), the .xls cases are the Booking.com sample truncated or with a
chunk written twice. Each case is ingested into a fresh SQLite file; a run still going after
--timeout seconds is killed and reported as such. Each run's standard error is kept in
OUT/CASE.stderr (the file itself is deleted after its run).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import hostile_files  # noqa: E402  (a test helper, shared with the tests)
from airbnb_export import AIRBNB_HEADER  # noqa: E402

ROW = "HMAAAA{n:04d},Confirmed,{guest},+1 555 0100,2,0,0,1/3/2026,1/7/2026,4,11/26/2025,Old Town Flat,$100.00\n"
GB = 1 << 30
MB = 1 << 20


def _sparse(size: int) -> Callable[[Path], None]:
    def write(file: Path) -> None:
        with file.open("wb") as f:
            f.truncate(size)

    return write


def _sparse_xlsx(file: Path) -> None:
    """A real workbook's bytes, then a hole up to 4 GB: a zip whose directory is lost at its end."""
    with file.open("wb") as f:
        f.write((hostile_files.SAMPLES / "cleaning_schedule.xlsx").read_bytes())
        f.truncate(4 * GB)


def _big_cell(size: int) -> Callable[[Path], None]:
    def write(file: Path) -> None:
        with file.open("w", encoding="utf-8") as f:
            f.write(AIRBNB_HEADER + "\n" + ROW.format(n=1, guest="A" * size) + ROW.format(n=2, guest="Ann"))

    return write


def _wide(file: Path) -> None:
    extra = ",".join(f"x{i}" for i in range(20_000))
    with file.open("w", encoding="utf-8") as f:
        f.write(f"{AIRBNB_HEADER},{extra}\n")
        for n in range(50):
            f.write(ROW.format(n=n, guest="Ann").rstrip("\n") + "," * 20_000 + "\n")


def _html_rows(file: Path) -> None:
    """A Booking.com-style HTML table saved as .xls, of valid rows, 100 MB."""
    head = (hostile_files.SAMPLES / "booking_com_reservations_2026-01.xls").read_text(encoding="utf-8")
    start, end = head.index("<tr>", head.index("</tr>")), head.rindex("</tr>") + len("</tr>")
    rows = head[start:end]
    with file.open("w", encoding="utf-8") as f:
        f.write(head[:start])
        while f.tell() < 100 * MB:
            f.write(rows)
        f.write(head[end:])


def _unclosed(file: Path) -> None:
    with file.open("w", encoding="utf-8") as f:
        f.write("<html><body><table>")
        piece = "<tr><td><b><i>x" * 1000
        while f.tell() < 100 * MB:
            f.write(piece)


def _bomb(compressed_mb: float, lying: bool = False) -> Callable[[Path], None]:
    def write(file: Path) -> None:
        hostile_files.bomb_xlsx(file, compressed_mb, lying=lying)

    return write


def _bytes(make: Callable[[], bytes]) -> Callable[[Path], None]:
    def write(file: Path) -> None:
        file.write_bytes(make())

    return write


CASES: dict[str, Callable[[Path], None]] = {
    "zip_bomb_18.7mb.xlsx": _bomb(18.7),
    "zip_bomb_23mb.xlsx": _bomb(23),
    "zip_bomb_lying_23mb.xlsx": _bomb(23, lying=True),
    "far_cell.xlsx": _bytes(hostile_files.far_cell_xlsx),
    "sparse_4gb.csv": _sparse(4 * GB),
    "sparse_4gb.xlsx": _sparse_xlsx,
    "truncated.xls": _bytes(hostile_files.truncated_xls),
    **{
        f"duplicated_{at}_{length}.xls": _bytes(lambda at=at, length=length: hostile_files.duplicated_xls(at, length))
        for at, length in [(4096, 512), (8192, 1024), (1000, 3000), (12000, 2048), (512, 8192)]
    },
    "cell_1mb.csv": _big_cell(MB),
    "cell_200mb.csv": _big_cell(200 * MB),
    "wide_20000_columns.csv": _wide,
    "html_rows_100mb.xls": _html_rows,
    "html_unclosed_100mb.html": _unclosed,
}


def run(file: Path, db: Path, timeout: float) -> dict[str, object]:
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):  # a killed run's
        stale.unlink(missing_ok=True)
    command = ["/usr/bin/time", "-v", str(Path(sys.executable).parent / "bookingest"), "ingest", str(file)]
    command += ["--db", f"sqlite:///{db}", "--no-prefect", "--json"]
    started = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"exit": "killed", "status": f"still running after {timeout:.0f} s", "wall": timeout, "rss": None}
    wall = time.monotonic() - started
    file.with_name(file.name + ".stderr").write_text(done.stderr)  # kept: what a miss said
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    try:
        (result,) = json.loads(done.stdout)["files"]
        status = f"{result['status']}: {result['reason']}"
    except (ValueError, KeyError, TypeError):
        status = "no JSON: " + (done.stderr.strip().splitlines() or ["(nothing)"])[0][:200]
    return {"exit": done.returncode, "status": status, "wall": wall, "rss": int(rss.group(1)) * 1024 if rss else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("/tmp/bookingest-hostile"))
    parser.add_argument("--cases", help="comma-separated names (default: all): " + ", ".join(CASES))
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    names = args.cases.split(",") if args.cases else list(CASES)
    print("| case | file size | exit | status: reason | wall s | peak RSS MB | bound met |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        file = args.out / name
        CASES[name](file)
        got = run(file, args.out / "hostile.sqlite", args.timeout)
        rss, wall = got["rss"], float(str(got["wall"]))
        # Met: a clear verdict (rejected with its reason; a 1 MB cell may also load as a normal
        # value), within 1.5 GB and 30 s.
        clear = str(got["status"]).startswith(("rejected", "loaded")) and "internal error" not in str(got["status"])
        ok = got["exit"] != "killed" and clear and wall <= 30 and isinstance(rss, int) and rss <= 1.5 * GB
        shown_rss = f"{rss / MB:.0f}" if isinstance(rss, int) else "-"
        size = file.stat().st_size
        print(
            f"| {name} | {size / MB:,.1f} MB | {got['exit']} | {str(got['status']).replace('|', '/')} "
            f"| {wall:.1f} | {shown_rss} | {'yes' if ok else 'NO'} |",
            flush=True,
        )
        file.unlink()


if __name__ == "__main__":
    main()
