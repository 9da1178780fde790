"""What an expert writes when only speed matters: Arrow in, COPY, one set-based upsert.

    python benchmarks/approaches/expert.py FILE DB_URL

- read: fastexcel (xlsx) or pyarrow.csv (CSV) into an Arrow table; the columns are renamed,
  nothing is validated;
- COPY the rows into a temporary staging table through psycopg's `cursor.copy`, fed with
  CSV that Arrow writes (`pyarrow.csv.write_csv`, batch by batch);
- ONE `INSERT INTO bookings_expert … SELECT … FROM staging ON CONFLICT (code) DO UPDATE SET …
  WHERE (…) IS DISTINCT FROM (…)`: new codes inserted, really changed rows updated, unchanged
  rows not written. Dates are cast in SQL (`to_date(…, 'MM/DD/YYYY')` for the CSV's text;
  the workbook's dates arrive typed), money by stripping `$` and `,`.

One transaction. PostgreSQL only. Prints one JSON line: the table and the rows read.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from _common import copy_arrow, pg_conninfo, run

TABLE = "bookings_expert"
HEADERS = {  # export header -> column
    "Confirmation code": "code", "Status": "status", "Guest name": "guest", "Contact": "contact",
    "# of adults": "adults", "# of children": "children", "# of infants": "infants",
    "Start date": "check_in", "End date": "check_out", "# of nights": "nights", "Booked": "booked",
    "Listing": "listing", "Earnings": "earnings",
}  # fmt: skip
COLUMNS = list(HEADERS.values())
TARGET = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    code text NOT NULL, status text, guest text, contact text,
    adults integer, children integer, infants integer,
    check_in date, check_out date, nights integer, booked date,
    listing text, earnings numeric(12, 2)
);
CREATE UNIQUE INDEX IF NOT EXISTS {TABLE}_code ON {TABLE} (code);
"""
# Staging column types per kind of file: the CSV stays text (cast below), the workbook is typed.
STAGING = {
    "csv": "code text, status text, guest text, contact text, adults integer, children integer, infants integer, "
    "check_in text, check_out text, nights integer, booked text, listing text, earnings text",
    "xlsx": "code text, status text, guest text, contact text, adults double precision, children double precision, "
    "infants double precision, check_in timestamp, check_out timestamp, nights double precision, booked timestamp, "
    "listing text, earnings double precision",
}
SELECT = {
    "csv": "code, status, guest, contact, adults, children, infants, to_date(check_in, 'MM/DD/YYYY'), "
    "to_date(check_out, 'MM/DD/YYYY'), nights, to_date(booked, 'MM/DD/YYYY'), listing, "
    "replace(replace(earnings, '$', ''), ',', '')::numeric",
    "xlsx": "code, status, guest, contact, adults::integer, children::integer, infants::integer, check_in::date, "
    "check_out::date, nights::integer, booked::date, listing, earnings::numeric(12, 2)",
}
UPDATED = [c for c in COLUMNS if c != "code"]
UPSERT = (
    f"INSERT INTO {TABLE} AS t ({', '.join(COLUMNS)}) SELECT {{select}} FROM staging "
    f"ON CONFLICT (code) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in UPDATED)} "
    f"WHERE ({', '.join(f't.{c}' for c in UPDATED)}) IS DISTINCT FROM ({', '.join(f'excluded.{c}' for c in UPDATED)})"
)


def read(path: Path):  # type: ignore[no-untyped-def]
    """(kind, Arrow table with the target's column names in the target's order)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import fastexcel
        import pyarrow as pa

        kind, table = "xlsx", pa.table(fastexcel.read_excel(str(path)).load_sheet(0).to_arrow())  # a RecordBatch
    else:
        import pyarrow.csv as pacsv

        kind, table = "csv", pacsv.read_csv(path)
    missing = [h for h in HEADERS if h not in table.column_names]
    if missing:
        raise ValueError(f"{path}: not an Airbnb-style export; missing columns {missing}")
    return kind, table.select(list(HEADERS)).rename_columns(COLUMNS)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path, url = Path(argv[0]), pg_conninfo(argv[1], "expert")
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    import psycopg

    kind, table = read(path)
    with psycopg.connect(url) as conn, conn.cursor() as cur:  # one transaction, committed on success
        cur.execute(TARGET)
        cur.execute(f"CREATE TEMPORARY TABLE staging ({STAGING[kind]}) ON COMMIT DROP")
        copy_arrow(cur, table, f"COPY staging ({', '.join(COLUMNS)}) FROM STDIN (FORMAT csv)")
        cur.execute(UPSERT.format(select=SELECT[kind]))
        written = cur.rowcount
    print(json.dumps({"approach": "expert", "table": TABLE, "rows": table.num_rows, "written": written}))
    return 0


if __name__ == "__main__":
    run("expert", main)
