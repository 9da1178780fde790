"""What every approach script shares: the PostgreSQL URL, the Arrow-to-COPY path, the exit protocol."""

from __future__ import annotations

import io
import sys
import traceback
from collections.abc import Callable


def pg_conninfo(url: str, approach: str) -> str:
    """A libpq URL from any PostgreSQL URL spelling; these approaches run on PostgreSQL only."""
    for prefix in ("postgresql+psycopg://", "postgresql+psycopg2://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url.removeprefix(prefix)
    if url.startswith("postgresql://"):
        return url
    raise ValueError(f"{approach} runs on PostgreSQL only; got {url!r}")


def copy_arrow(cursor, table, sql: str, batch_rows: int = 100_000) -> None:  # type: ignore[no-untyped-def]
    """COPY an Arrow table through Arrow's CSV writer, one batch at a time (bounded memory)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    options = pacsv.WriteOptions(include_header=False)
    with cursor.copy(sql) as copy:
        for batch in table.to_batches(max_chunksize=batch_rows):
            buf = io.BytesIO()
            pacsv.write_csv(pa.Table.from_batches([batch]), buf, options)
            copy.write(buf.getbuffer())


def run(approach: str, main: Callable[[list[str]], int]) -> None:
    """Exit with main's status; on an exception print the traceback and, last, one line
    `APPROACH: FAILED: Error: message` that the runner shows in its table."""
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception as err:
        traceback.print_exc()
        print(f"{approach}: FAILED: {type(err).__name__}: {str(err).strip()}".splitlines()[0], file=sys.stderr)
        sys.exit(1)
