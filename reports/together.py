"""Several queries run as ONE statement: each query's rows aggregated into a JSON array under its
name, all of them UNION ALL. What the queries share is then computed once by the database,
however many figures read it. The rows come as the report gives them: money rounded to cents
and fractions to four places (`ROUNDED`), in the order asked, so that Python only parses them."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import CompoundSelect, Connection, Select, String, literal_column, select, union_all

from loaders.dialects import dialect_of

MONEY_KEYS = frozenset({"revenue", "adr", "revpar", "revenue_last_year"})
RATIO_KEYS = frozenset({"occupancy", "share_of_nights", "rate"})
NIGHTS_KEYS = frozenset({"average_length_of_stay"})  # nights, to two places
# The decimals each rounded figure keeps, by its key.
ROUNDED = {**dict.fromkeys(MONEY_KEYS | NIGHTS_KEYS, 2), **dict.fromkeys(RATIO_KEYS, 4)}


def run_together(
    conn: Connection,
    queries: Mapping[str, Select[Any] | CompoundSelect[Any]],
    order: Mapping[str, Sequence[str]] | None = None,
    apart: Collection[str] = (),
) -> dict[str, list[dict[str, Any]]]:
    """Each query's rows as dicts (column name: value) under its name, rounded as `ROUNDED` says,
    ordered by the text columns `order` names for it (each a None, the total, after the named
    ones; text by code point, as Python orders str). Each query named `apart` runs as a statement
    of its own, on a connection of its own at the same time where the database can give it
    `conn`'s snapshot (`conn` opened at the dialect's snapshot_isolation): all read one moment."""
    dialect, order = dialect_of(conn), order or {}
    together = {name: q for name, q in queries.items() if name not in apart}
    beside = [{name: queries[name]} for name in apart if name in queries]
    snapshot = dialect.export_snapshot(conn) if beside else None
    found: dict[str, list[dict[str, Any]]] = {}
    if snapshot is None:
        for part in (together, *beside):
            found.update(_rows_of(conn, part, order))
    else:

        def read_beside(part: Mapping[str, Select[Any] | CompoundSelect[Any]]) -> dict[str, list[dict[str, Any]]]:
            with conn.engine.connect() as other:
                dialect.import_snapshot(other, snapshot)
                return _rows_of(other, part, order)

        with ThreadPoolExecutor(max_workers=len(beside)) as pool:
            later = [pool.submit(read_beside, part) for part in beside]
            found.update(_rows_of(conn, together, order))
            for done in later:
                found.update(done.result())
    return {name: found[name] for name in queries}


def _rows_of(
    conn: Connection, queries: Mapping[str, Select[Any] | CompoundSelect[Any]], order: Mapping[str, Sequence[str]]
) -> dict[str, list[dict[str, Any]]]:
    """run_together's rows of `queries`, as one statement."""
    if not queries:
        return {}
    dialect = dialect_of(conn)
    parts = []
    for name, query in queries.items():
        rows = query.subquery(f"figure_{name}")
        # The names are the queries' own (identifiers of this code), so they are written inline:
        # PostgreSQL cannot type a bound parameter among json_build_object's arguments.
        pairs = [
            part
            for c in rows.c
            for part in (
                literal_column(_quoted(c.name)),
                dialect.rounded(c, ROUNDED[c.name]) if c.name in ROUNDED else c,
            )
        ]
        by = [rows.c[key] for key in order.get(name, ())]
        ordered = [part for key in by for part in (key.is_(None), dialect.code_point_order(key))]
        parts.append(
            select(
                literal_column(_quoted(name), String).label("figure"),
                dialect.json_rows(*pairs, order_by=ordered).label("rows"),
            ).select_from(rows)
        )
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in queries}
    for figure, rows_json in conn.execute(union_all(*parts)):
        found[figure] = json.loads(rows_json) if rows_json else []  # no rows: NULL (PostgreSQL)
    if not dialect.orders_json_rows:
        for name in found:
            found[name] = _sorted(found[name], *order.get(name, ()))
    return found


def _sorted(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    """Rows in order of `keys`, a None (the total) after the named ones."""

    def key(row: dict[str, Any]) -> list[tuple[bool, str]]:
        return [(row[k] is None, row[k] or "") for k in keys]

    return sorted(rows, key=key)


def _quoted(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a plain name: {name!r}")
    return f"'{name}'"
