"""Does reading an export in the host's language cost more than reading the English one?

    .venv/bin/python benchmarks/locale_ratio.py --rows 20000 --runs 1      # a quick check
    .venv/bin/python benchmarks/locale_ratio.py --rows 1000000 --runs 3    # the issue's measure

Writes the same N bookings (generate.bookings: same codes, guests, stays and amounts) once as an
English Airbnb reservations export ("M/D/YYYY", "$1,234.56") and once as a French one (French
headers and labels, "DD/MM/YYYY" stays, ISO `Réservée`, "1\u202f234,56\u00a0€"), then times
`bookingest ingest FILE --no-prefect --json` of each into a fresh database (SQLite file and
PostgreSQL database, created for the run and dropped), alternating English and French (A/B,
then B/A), and prints each median and the French/English ratio per database. Public tools
only: subprocess and a monotonic clock, plus `/usr/bin/time -v` for the peak memory when it
is there. Every run's --json counters are checked (every row inserted, none rejected).

Statuses: the generator's `Pending` and `Declined` have no verified French label, so in both
files they are written as `Confirmed` and `Canceled by Airbnb`: both files carry the same rows.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from generate import HEADERS, _dates, bookings
from harness.databases import Postgres

HERE = Path(__file__).resolve().parent
BOOKINGEST = str(Path(sys.executable).with_name("bookingest"))
TIME = "/usr/bin/time"
AS_OF = "2025-01-01T00:00:00"
FR_HEADERS = [
    "Code de confirmation", "Statut", "Nom du voyageur", "Contact", "# des adultes", "# des enfants",
    "# des bébés", "Date de début", "Date de fin", "# des nuits", "Réservée", "Annonce", "Revenus",
]  # fmt: skip
SAME_ROWS = {"Pending": "Confirmed", "Declined": "Canceled by Airbnb"}  # see the module docstring
FRENCH = {
    "Confirmed": "Confirmée",
    "Past guest": "Ancien voyageur",
    "Canceled by guest": "Annulée par le voyageur",
    "Canceled by Airbnb": "Annulée par Airbnb",
    "Currently hosting": "Séjour en cours",
}


def _dmy(offsets: np.ndarray) -> np.ndarray:
    days = _dates(offsets, "iso").astype("datetime64[D]")
    return np.datetime_as_string(days).astype("U10")  # YYYY-MM-DD, rewritten day first below


def write_exports(n: int, folder: Path) -> tuple[Path, Path]:
    """The English and the French export of the same n bookings (cached by name)."""
    en, fr = folder / f"airbnb_en_{n}.csv", folder / f"airbnb_fr_{n}.csv"
    if en.exists() and fr.exists():
        return en, fr
    b = bookings(n)
    status = np.array([SAME_ROWS.get(s, s) for s in b["status"]])
    end = b["start"] + b["nights"]
    rows = list(zip(b["code"], status, b["guest"], b["contact"], b["adults"], b["children"], b["infants"], strict=True))
    with en.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(HEADERS)
        money = (f"${v:,.2f}" for v in b["earnings"])
        dates = zip(_dates(b["start"], "mdy"), _dates(end, "mdy"), b["nights"], _dates(b["booked"], "mdy"), strict=True)
        for head, (start, stop, nights, booked), listing, amount in zip(rows, dates, b["listing"], money, strict=True):
            w.writerow([*head, start, stop, nights, booked, listing, amount])
    with fr.open("w", encoding="utf-8", newline="") as f:  # as Airbnb writes it: no BOM, LF, all quoted
        w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(FR_HEADERS)
        euros = (f"{v:,.2f}".replace(",", "\u202f").replace(".", ",") + "\u00a0€" for v in b["earnings"])
        iso = zip(_dmy(b["start"]), _dmy(end), b["nights"], _dmy(b["booked"]), strict=True)
        for head, (start, stop, nights, booked), listing, amount in zip(rows, iso, b["listing"], euros, strict=True):
            day_first = [f"{d[8:10]}/{d[5:7]}/{d[:4]}" for d in (start, stop)]
            w.writerow([head[0], FRENCH[head[1]], *head[2:], *day_first, nights, booked, listing, amount])
    return en, fr


def ingest(path: Path, url: str, n: int) -> tuple[float, int | None]:
    """One timed `bookingest ingest` (wall seconds, peak RSS in KiB when /usr/bin/time is there)."""
    cmd = [BOOKINGEST, "ingest", str(path), "--db", url, "--no-prefect", "--json", "--as-of", AS_OF]
    timed = [TIME, "-v", *cmd] if shutil.which(TIME) else cmd
    started = time.monotonic()
    done = subprocess.run(timed, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"{path.name}: bookingest exited {done.returncode}: {done.stderr.strip()[-500:]}")
    [summary] = json.loads(done.stdout)["files"]
    if (summary["inserted"], summary["rejected"]) != (n, 0):
        raise SystemExit(
            f"{path.name}: {summary['inserted']} inserted, {summary['rejected']} rejected (expected {n}, 0)"
        )
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return wall, int(rss.group(1)) if rss else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000, help="bookings in each export (default 20000)")
    ap.add_argument("--runs", type=int, default=3, help="runs of each language per database (default 3)")
    ap.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--out", type=Path, default=HERE / "out" / "locale")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    files = dict(zip(("en", "fr"), write_exports(args.rows, args.out), strict=True))
    pg = None if args.no_postgres else Postgres(args.pg)
    databases = [
        d for d in ("sqlite", "postgresql") if not (d == "sqlite" and args.no_sqlite) and (d == "sqlite" or pg)
    ]
    walls: dict[tuple[str, str], list[float]] = {(d, lang): [] for d in databases for lang in files}
    peaks: dict[tuple[str, str], int] = {}
    for run in range(args.runs):
        for db in databases:
            for lang in ("en", "fr") if run % 2 == 0 else ("fr", "en"):  # A/B, then B/A
                if db == "sqlite":
                    target = args.out / f"run_{lang}.db"
                    target.unlink(missing_ok=True)
                    wall, rss = ingest(files[lang], f"sqlite:///{target}", args.rows)
                    target.unlink(missing_ok=True)
                else:
                    assert pg is not None
                    name = pg.create()
                    try:
                        wall, rss = ingest(files[lang], pg.url(name, "psycopg"), args.rows)
                    finally:
                        pg.drop(name)
                walls[(db, lang)].append(wall)
                peaks[(db, lang)] = max(peaks.get((db, lang), 0), rss or 0)
                print(f"run {run + 1}/{args.runs} {db:<10} {lang}: {wall:7.2f} s", file=sys.stderr)
    print(f"\n{args.rows} rows, {args.runs} run(s) each, median wall time (peak RSS)")
    print(f"{'database':<11} {'English':>16} {'French':>16} {'French/English':>15}")
    results = []
    for db in databases:
        en, fr = (statistics.median(walls[(db, lang)]) for lang in ("en", "fr"))
        mib = {lang: f"({peaks[(db, lang)] // 1024} MiB)" if peaks[(db, lang)] else "" for lang in ("en", "fr")}
        print(f"{db:<11} {en:7.2f} s {mib['en']:>8} {fr:7.2f} s {mib['fr']:>8} {fr / en:15.3f}")
        results.append(
            {"database": db, "english_s": walls[(db, "en")], "french_s": walls[(db, "fr")], "ratio": fr / en}
        )
    (args.out / f"locale_ratio_{args.rows}.json").write_text(
        json.dumps({"rows": args.rows, "results": results}, indent=2)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
