"""The floor: the fastest read plus a raw COPY of the same rows into an unindexed table.

    python benchmarks/approaches/floor.py FILE DB_URL

fastexcel (xlsx) or pyarrow.csv (CSV) into Arrow, a table whose column types are Arrow's own
(text, bigint, double precision, timestamp), no index, no key, no casts, no merge; COPY fed
with CSV written by Arrow. Nothing else: no loader can be faster than reading the file and
COPYing it. PostgreSQL only. Prints one JSON line: the table and the rows copied.
"""

from __future__ import annotations

import io
import json
import sys
import traceback
from pathlib import Path

TABLE = "bookings_floor"


def conninfo(url: str) -> str:
    for prefix in ("postgresql+psycopg://", "postgresql+psycopg2://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url.removeprefix(prefix)
    if url.startswith("postgresql://"):
        return url
    raise ValueError(f"floor runs on PostgreSQL only (COPY); got {url!r}")


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
    path, url = Path(argv[0]), conninfo(argv[1])
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
    options = pacsv.WriteOptions(include_header=False)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({ddl})")
        with cur.copy(f"COPY {TABLE} FROM STDIN (FORMAT csv)") as copy:
            for batch in table.to_batches(max_chunksize=100_000):
                buf = io.BytesIO()
                pacsv.write_csv(pa.Table.from_batches([batch]), buf, options)
                copy.write(buf.getbuffer())
    print(json.dumps({"approach": "floor", "table": TABLE, "rows": table.num_rows}))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception as err:
        traceback.print_exc()
        print(f"floor: FAILED: {type(err).__name__}: {str(err).strip()}".splitlines()[0], file=sys.stderr)
        sys.exit(1)
