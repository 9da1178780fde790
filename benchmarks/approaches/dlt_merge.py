"""dlt with a merge: pandas reads the export, a dlt pipeline merges it into PostgreSQL.

    python benchmarks/approaches/dlt_merge.py FILE DB_URL

`write_disposition="merge"` keyed on the confirmation code (dlt's normalized column name
`confirmation_code`), dlt's default loader file format for postgres, dataset (schema)
`bench_dlt`, table `bookings_dlt` (for Arrow/pandas items dlt writes CSV, COPYs it into a
staging dataset and merges with SQL). xlsx is read with pandas' calamine engine, CSV with
`pd.read_csv`; the frame is yielded as it is (dlt infers the types and normalizes the names).
dlt's pipeline state and data dir live in a temporary directory that is removed afterwards,
and its telemetry is off, so runs do not leak into each other or into ~/.dlt.
Prints one JSON line: the table and rows loaded.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from _common import pg_conninfo, run

DATASET, TABLE = "bench_dlt", "bookings_dlt"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path, url = Path(argv[0]), pg_conninfo(argv[1], "dlt_merge")
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")

    with tempfile.TemporaryDirectory(prefix="bench_dlt_") as tmp:
        os.environ["DLT_DATA_DIR"] = tmp
        os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
        os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
        import dlt
        import pandas as pd

        if path.suffix.lower() in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, engine="calamine")
        else:
            frame = pd.read_csv(path)

        @dlt.resource(name=TABLE, write_disposition="merge", primary_key="confirmation_code")
        def bookings():  # type: ignore[no-untyped-def]
            yield frame

        from dlt.destinations.impl.postgres.configuration import PostgresCredentials

        credentials = PostgresCredentials()
        credentials.parse_native_representation(url)
        if credentials.password is None:
            credentials.password = ""  # dlt insists on a password; trust/peer/.pgpass setups have none in the URL

        pipeline = dlt.pipeline(
            pipeline_name="bench_dlt",
            pipelines_dir=tmp,
            destination=dlt.destinations.postgres(credentials=credentials),
            dataset_name=DATASET,
            progress="log" if os.environ.get("BENCH_DLT_PROGRESS") else None,
        )
        info = pipeline.run(bookings())
        info.raise_on_failed_jobs()
    print(json.dumps({"approach": "dlt_merge", "table": f"{DATASET}.{TABLE}", "rows": len(frame)}))
    return 0


if __name__ == "__main__":
    run("dlt_merge", main)
