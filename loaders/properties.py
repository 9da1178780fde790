"""The property of every booking row, whatever the load's strategy: the alias's house when the row's
(source, name) is an alias, else the property of that name, created when new. A chunk at a time, in
a few statements for all of its distinct names however many, never a statement per row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Column,
    Connection,
    MetaData,
    String,
    Table,
    Text,
    and_,
    delete,
    exists,
    func,
    insert,
    select,
)

from loaders.dialects import dialect_of
from loaders.tables import properties, property_aliases
from schemas.aliases import name_key

# The distinct (source, name) pairs of a chunk not resolved before, as the resolution joins them.
names = Table(
    "bookingest_names",
    MetaData(),
    Column("source", String(20)),
    Column("name", String(200)),
    Column("name_key", Text),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


def resolution(pairs: Table) -> Any:
    """(source, name, property id, property name) of each pair of `pairs` (columns source, name,
    name_key) that names a property: the rule, stated once."""
    n, a, p = pairs.c, property_aliases.c, properties.c
    house = properties.alias("house")
    aliased = and_(a.source == n.source, a.alias_key == n.name_key)
    joined = (
        pairs.outerjoin(property_aliases, aliased)
        .outerjoin(properties, p.name == n.name)
        .join(house, house.c.id == func.coalesce(a.property_id, p.id))
    )
    aliased_to = a.property_id.label("aliased_to")  # NULL: by its own name
    return select(n.source, n.name, house.c.id, house.c.name.label("house"), aliased_to).select_from(joined)


def unaliased_names(pairs: Table) -> Any:
    """The names of `pairs` that no alias of their source knows: each is a property of its own."""
    n, a = pairs.c, property_aliases.c
    return select(n.name).where(~exists().where(a.source == n.source, a.alias_key == n.name_key)).distinct()


def distinct_rows(*columns: pd.Series) -> tuple[np.ndarray, list[tuple[Any, ...]]]:
    """Per row, the number of its distinct combination of these columns' values; and each
    combination once. Factorized in pandas: Python sees only the distinct combinations."""
    combined = np.zeros(len(columns[0]), dtype="int64")
    uniques: list[Any] = []
    for column in columns:
        column_codes, values = pd.factorize(column)
        combined = combined * max(len(values), 1) + column_codes
        uniques.append(values)
    codes, distinct = pd.factorize(combined)
    out = []
    for number in np.asarray(distinct).tolist():
        row = []
        for u in reversed(uniques):
            number, at = divmod(number, max(len(u), 1))
            row.append(u[at])
        out.append(tuple(reversed(row)))
    return codes, out


def pairs_of(frame: pd.DataFrame) -> tuple[np.ndarray, list[tuple[Any, ...]]]:
    """Per row, the number of its (source, property name); and each pair once."""
    return distinct_rows(frame["source"], frame["property_name"])


def assigned(frame: pd.DataFrame, known: dict[tuple[str, str], tuple[int, str]]) -> tuple[np.ndarray, pd.Series]:
    """Per row, the id and name of the property its pair resolves to in `known` (every pair's there)."""
    codes, pairs = pairs_of(frame)
    found = [known[pair] for pair in pairs]
    ids = np.fromiter((pid for pid, _ in found), dtype="int64", count=len(found))
    houses = pd.Series([house for _, house in found], dtype=frame["property_name"].dtype)
    return ids[codes], houses.iloc[codes].set_axis(frame.index)


class PropertyIds:
    """The property of every row of a chunk (by `resolution`), creating the properties of names
    not seen before in one statement; kept for the next chunk. `created` names the properties
    this load created."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._ids: dict[tuple[str, str], tuple[int, str]] = {}
        self._made = False
        self.created: list[str] = []
        self.aliased: list[tuple[str, str, str]] = []  # (source, name, house) resolved through an alias

    def of(self, frame: pd.DataFrame) -> tuple[np.ndarray, pd.Series]:
        """Per row, its property's id and name (the house's, where the row names an alias)."""
        new = [pair for pair in pairs_of(frame)[1] if pair not in self._ids]
        if new:
            self._resolve(new)
        return assigned(frame, self._ids)

    def adopt(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, str] | None]:
        """Resolve these pairs in the `names` table made already (by loaders.stage_ahead, before
        the merge lock): what they name now."""
        self._made = True
        self._resolve(pairs)
        return {pair: self._ids.get(pair) for pair in pairs}

    def _resolve(self, new: Sequence[tuple[str, str]]) -> None:
        conn = self.conn
        if self._made:
            conn.execute(delete(names))
        else:
            names.create(conn)
            self._made = True
        conn.execute(insert(names), [{"source": s, "name": n, "name_key": name_key(n)} for s, n in new])
        created = conn.execute(
            dialect_of(conn)
            .insert(properties)
            .from_select(["name"], unaliased_names(names))
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(properties.c.name)
        )
        self.created += sorted(created.scalars())
        for r in conn.execute(resolution(names)):
            self._ids[r.source, r.name] = (r.id, r.house)
            if r.aliased_to is not None:
                self.aliased.append((r.source, r.name, r.house))

    def close(self) -> None:
        """Drop the load's temporary table (where the commit does not)."""
        if self._made:
            dialect_of(self.conn).drop_temporary(self.conn, names)
            self._made = False
