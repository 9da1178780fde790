"""Several queries run as ONE statement: each query's rows aggregated into a JSON array under its
name, all of them UNION ALL. What the queries share (a CTE: a report's stays, split by month) is
then computed once by the database, however many figures read it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import CompoundSelect, Connection, Select, String, literal_column, select, union_all

from loaders.dialects import dialect_of


def run_together(
    conn: Connection, queries: Mapping[str, Select[Any] | CompoundSelect[Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Each query's rows as dicts (column name: value) under its name: whole numbers as int,
    others as float (the report rounds money to cents), dates as ISO text."""
    dialect = dialect_of(conn)
    parts = []
    for name, query in queries.items():
        rows = query.subquery(f"figure_{name}")
        # The names are the queries' own (identifiers of this code), so they are written inline:
        # PostgreSQL cannot type a bound parameter among json_build_object's arguments.
        pairs = [part for c in rows.c for part in (literal_column(_quoted(c.name)), c)]
        parts.append(
            select(literal_column(_quoted(name), String).label("figure"), dialect.json_rows(*pairs).label("rows"))
            .select_from(rows)
        )  # fmt: skip
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in queries}
    for figure, rows_json in conn.execute(union_all(*parts)):
        found[figure] = json.loads(rows_json) if rows_json else []  # no rows: NULL (PostgreSQL)
    return found


def _quoted(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a plain name: {name!r}")
    return f"'{name}'"
