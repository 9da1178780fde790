"""What the in-memory task rules and double-booking check of a first load need of each booking, a chunk at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders import rules


class Stays:
    """Each chunk's stays as arrays, in 21 bytes a row."""

    def __init__(self) -> None:
        self._parts: list[dict[str, np.ndarray]] = []

    def add(self, rows: pd.DataFrame) -> None:
        self._parts.append(
            {
                "id": rows["id"].to_numpy("int32"),
                "property_id": rows["property_id"].to_numpy("int32"),
                "check_in": rows["check_in"].to_numpy("datetime64[D]").astype("int32"),
                "check_out": rows["check_out"].to_numpy("datetime64[D]").astype("int32"),
                "active": rules.active_mask(rows["status"]),
                "row": rows["row_number"].to_numpy("int32"),
            }
        )

    def discard(self, source_rows: list[int]) -> None:
        if self._parts:
            gone = np.asarray(source_rows, dtype="int64")
            kept = [~np.isin(s["row"], gone) for s in self._parts]
            self._parts = [{k: v[keep] for k, v in s.items()} for s, keep in zip(self._parts, kept, strict=True)]

    def __len__(self) -> int:
        return sum(len(s["id"]) for s in self._parts)

    def frame(self) -> pd.DataFrame:
        """The stays of every chunk as one frame; each column's pieces are let go as soon as
        it is joined, so that a 5M-row load does not hold them twice. Once only."""
        parts, self._parts = self._parts, []
        columns = {name: np.concatenate([part.pop(name) for part in parts]) for name in list(parts[0])}
        return pd.DataFrame(columns, copy=False)
