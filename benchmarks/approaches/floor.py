"""The floor: the fastest read plus a raw COPY of the same rows into an unindexed table.

    python benchmarks/approaches/floor.py FILE DB_URL

fastexcel (xlsx) or pyarrow.csv (CSV) into Arrow, a table whose column types are Arrow's own
(text, bigint, double precision, timestamp), no index, no key, no casts, no merge; COPY fed
with CSV written by Arrow. Nothing else: no loader can be faster than reading the file and
COPYing it. PostgreSQL only. Prints one JSON line: the table and the rows copied.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from _common import copy_arrow, pg_conninfo, run

TABLE = "bookings_floor"


def pg_type(arrow_type) -> str:  # type: ignore[no-untyped-def]
    import pyarrow.types as t

    if t.is_integer(arrow_type):
        return "bigint"
    if t.is_floating(arrow_type):
        return "double precision"
    if t.is_timestamp(arrow_type):
        return "timestamp"
    if t.is_date(arrow_type):
        return "date"
    if t.is_boolean(arrow_type):
        return "boolean"
    return "text"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path, url = Path(argv[0]), pg_conninfo(argv[1], "floor")
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    import psycopg
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import fastexcel

        table = pa.table(fastexcel.read_excel(str(path)).load_sheet(0).to_arrow())  # a RecordBatch
    else:
        table = pacsv.read_csv(path)
    columns = [f"c{i}" for i in range(table.num_columns)]  # the headers' text is irrelevant here
    ddl = ", ".join(f"{c} {pg_type(f.type)}" for c, f in zip(columns, table.schema, strict=True))
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({ddl})")
        copy_arrow(cur, table, f"COPY {TABLE} FROM STDIN (FORMAT csv)")
    print(json.dumps({"approach": "floor", "table": TABLE, "rows": table.num_rows}))
    return 0


if __name__ == "__main__":
    run("floor", main)
