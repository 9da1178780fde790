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

With `--aliases`, a third run of the French file goes into a database where every listing of
the export is an alias (source airbnb) of a house of another name, set up before the timing:
the set-based alias resolution of every row is then part of what is measured
("French + aliases" / English is the issue's figure).

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


def seed_aliases(url: str, listings: list[str]) -> None:
    """Before a timed run (not timed): the schema, one house per listing, each listing its alias."""
    from sqlalchemy import insert, select

    from loaders.tables import properties, property_aliases
    from pipelines.ingest import open_database
    from schemas.aliases import name_key

    engine = open_database(url)
    with engine.begin() as conn:
        conn.execute(insert(properties), [{"name": f"House {i}"} for i in range(len(listings))])
        ids = dict(conn.execute(select(properties.c.name, properties.c.id)).tuples().all())
        rows = [
            {"source": "airbnb", "alias": name, "alias_key": name_key(name), "property_id": ids[f"House {i}"]}
            for i, name in enumerate(listings)
        ]
        conn.execute(insert(property_aliases), rows)
    engine.dispose()


def ingest(path: Path, url: str, n: int, aliased: bool = False) -> tuple[float, int | None]:
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
    if aliased and summary["new_properties"]:  # every listing must have landed on its house
        raise SystemExit(f"{path.name}: aliases not resolved, new properties {summary['new_properties'][:3]}")
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
    ap.add_argument("--aliases", action="store_true", help="also the French file with every listing an alias")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    files = dict(zip(("en", "fr"), write_exports(args.rows, args.out), strict=True))
    listings = sorted(set(bookings(args.rows)["listing"])) if args.aliases else []
    langs = ("en", "fr", "fr+aliases") if args.aliases else ("en", "fr")
    pg = None if args.no_postgres else Postgres(args.pg)
    databases = [
        d for d in ("sqlite", "postgresql") if not (d == "sqlite" and args.no_sqlite) and (d == "sqlite" or pg)
    ]
    walls: dict[tuple[str, str], list[float]] = {(d, lang): [] for d in databases for lang in langs}
    peaks: dict[tuple[str, str], int] = {}
    for run in range(args.runs):
        for db in databases:
            for lang in langs if run % 2 == 0 else tuple(reversed(langs)):  # A/B, then B/A
                file = files[lang.split("+")[0]]
                if db == "sqlite":
                    target = args.out / f"run_{lang}.db"
                    target.unlink(missing_ok=True)
                    if lang.endswith("+aliases"):
                        seed_aliases(f"sqlite:///{target}", listings)
                    wall, rss = ingest(file, f"sqlite:///{target}", args.rows, "+" in lang)
                    target.unlink(missing_ok=True)
                else:
                    assert pg is not None
                    name = pg.create()
                    try:
                        if lang.endswith("+aliases"):
                            seed_aliases(pg.url(name, "psycopg"), listings)
                        wall, rss = ingest(file, pg.url(name, "psycopg"), args.rows, "+" in lang)
                    finally:
                        pg.drop(name)
                walls[(db, lang)].append(wall)
                peaks[(db, lang)] = max(peaks.get((db, lang), 0), rss or 0)
                print(f"run {run + 1}/{args.runs} {db:<10} {lang}: {wall:7.2f} s", file=sys.stderr)
    print(f"\n{args.rows} rows, {args.runs} run(s) each, median wall time (peak RSS)")
    print(f"{'database':<11} " + " ".join(f"{lang:>18} {lang + '/en':>14}" for lang in langs))
    results = []
    for db in databases:
        medians = {lang: statistics.median(walls[(db, lang)]) for lang in langs}
        cells = []
        for lang in langs:
            mib = f"({peaks[(db, lang)] // 1024} MiB)" if peaks[(db, lang)] else ""
            cells.append(f"{medians[lang]:7.2f} s {mib:>10} {medians[lang] / medians['en']:14.3f}")
        print(f"{db:<11} " + " ".join(cells))
        results.append(
            {
                "database": db,
                **{f"{lang}_s": walls[(db, lang)] for lang in langs},
                **{f"{lang}/en": medians[lang] / medians["en"] for lang in langs if lang != "en"},
            }
        )
    (args.out / f"locale_ratio_{args.rows}.json").write_text(
        json.dumps({"rows": args.rows, "results": results}, indent=2)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
