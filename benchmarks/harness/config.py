"""What the benchmark runs, by name: its paths, approaches, kinds, --as-of times and labels; the set-up error and the progress log."""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # benchmarks/: generate.py, approaches/, the default out/
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


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
