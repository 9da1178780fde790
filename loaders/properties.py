"""The properties a load names: each new name created once, in one statement, whatever the load's strategy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ARRAY, Connection, Select, Text, any_, func, literal, select, true

from loaders.dialects import dialect_of
from loaders.tables import properties


def add_missing(conn: Connection, names: Select[Any]) -> None:
    """Create the properties named by the one-column query `names` that do not exist yet."""
    conn.execute(
        dialect_of(conn)
        .insert(properties)
        # SQLite reads ON CONFLICT after an INSERT ... SELECT only when the SELECT has a WHERE.
        .from_select(["name"], names.where(true()))
        .on_conflict_do_nothing(index_elements=["name"])
    )


class PropertyIds:
    """PostgreSQL: the property id of every name of a chunk, creating the properties not seen
    before (one statement for all new names, however many); the ids are kept for the next chunk."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._ids: dict[str, int] = {}

    def of(self, names: pd.Series) -> np.ndarray:
        codes, uniques = pd.factorize(names)
        new = [n for n in uniques if n not in self._ids]
        if new:
            listed = literal(new, ARRAY(Text))
            add_missing(self.conn, select(func.unnest(listed)))
            p = properties.c
            found = self.conn.execute(select(p.name, p.id).where(p.name == any_(listed)))
            self._ids.update((r.name, r.id) for r in found)
        ids = np.fromiter((self._ids[n] for n in uniques), dtype="int64", count=len(uniques))
        return ids[codes]
