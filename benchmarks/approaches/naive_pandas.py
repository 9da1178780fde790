"""The naive approach: pandas reads the export, `DataFrame.to_sql(if_exists="append")` writes it.

    python benchmarks/approaches/naive_pandas.py FILE DB_URL

No merge, no validation, no types beyond what pandas infers: loading the same file twice
doubles the rows. xlsx is read with openpyxl (pandas' classic engine), CSV with `pd.read_csv`.
Works on PostgreSQL (psycopg 3) and SQLite URLs. Prints one JSON line: the table and rows written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from _common import run

TABLE = "bookings_naive"


def engine_url(url: str) -> str:
    """SQLAlchemy URL; plain postgresql:// URLs use psycopg 3 like bookingest does."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    if url.startswith(("postgresql+", "sqlite:")):
        return url
    raise ValueError(f"unsupported database URL {url!r} (postgresql://… or sqlite:///…)")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path, url = Path(argv[0]), engine_url(argv[1])
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")

    import pandas as pd
    from sqlalchemy import create_engine

    xlsx = path.suffix.lower() in (".xlsx", ".xlsm")
    frame = pd.read_excel(path, engine="openpyxl") if xlsx else pd.read_csv(path)
    engine = create_engine(url)
    try:
        frame.to_sql(TABLE, engine, if_exists="append", index=False)
    finally:
        engine.dispose()
    print(json.dumps({"approach": "naive_pandas", "table": TABLE, "rows": len(frame)}))
    return 0


if __name__ == "__main__":
    run("naive_pandas", main)
