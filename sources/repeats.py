"""Codes listed more than once in one file, also across its chunks: the last valid row of a code wins."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from schemas.keys import key_hashes
from schemas.problems import Rejected
from schemas.vocab import BOOKING_KEY
from sources.readers import RawTable

# (source, external_code, source_row) of the staged rows with these source rows: how the tally
# reads back the real keys of rows whose hashes collide, without knowing where they are staged.
StagedKeys = Callable[[list[int]], Sequence[tuple[str, str, int]]]


class Tally:
    """What the chunks of one file add up to: rows, rejected rows, problems, and the codes
    listed more than once. Repeats are judged among the rows that passed every check, so a
    broken later row never displaces a good one: the last valid row of a code wins, the
    earlier ones are rejected. Across chunks, a 64-bit hash of every valid key finds them in
    little memory."""

    def __init__(self) -> None:
        self.rows = 0
        self.last_row = 0
        self.rejected_rows: set[int] = set()
        self.problems: list[Rejected] = []
        self._hashes: list[np.ndarray] = []
        self._key_rows: list[np.ndarray] = []
        self._repeats: dict[int, tuple[str, int]] = {}  # row -> (code, the later row of that code)
        self._code_header = "identifier"

    def add(self, table: RawTable, valid: pd.DataFrame, rejected: list[Rejected]) -> pd.DataFrame:
        """Count one chunk; return its valid rows without those whose code it lists again, with
        their key hashes (key_hash)."""
        self.rows += len(table)
        self.last_row = int(table.row_numbers.iloc[-1])
        self.rejected_rows.update(r.row_number for r in rejected)
        self.problems.extend(rejected)
        self._code_header = table.headers.get("external_code", self._code_header)
        key = list(BOOKING_KEY)
        repeated = valid.duplicated(subset=key, keep="last")
        if repeated.any():
            last_row = valid.groupby(key)["row_number"].transform("max")[repeated]
            codes = valid["external_code"][repeated]
            for row, code, later in zip(valid["row_number"][repeated], codes, last_row, strict=True):
                self._repeats[int(row)] = (str(code), int(later))
            valid = valid[~repeated]
        hashes = key_hashes(valid)
        self._hashes.append(hashes)
        self._key_rows.append(valid["row_number"].to_numpy(dtype="int32"))
        return valid.assign(key_hash=hashes)  # the merge starts its row hashes from them

    def repeated(self, staged_keys: StagedKeys) -> tuple[list[int], list[Rejected]]:
        """The staged rows to take out again (their code comes again in a later chunk), and a
        Rejected for every repeated row of the file, naming the row that was used. Rows whose
        key hashes collide are compared by their real keys, read back with `staged_keys`."""
        staged_losers: list[int] = []
        if len(self._hashes) > 1:
            hashes = np.concatenate(self._hashes)
            order = np.argsort(hashes, kind="stable")
            same = hashes[order][1:] == hashes[order][:-1]
            if same.any():
                candidates = np.concatenate(self._key_rows)[order][np.r_[same, False] | np.r_[False, same]]
                code_column = BOOKING_KEY[1]
                keys = pd.DataFrame(staged_keys([int(r) for r in candidates]), columns=[*BOOKING_KEY, "row"])
                keys["later"] = keys.groupby(list(BOOKING_KEY))["row"].transform("max")
                for code, row, later in keys[keys["row"] != keys["later"]][[code_column, "row", "later"]].itertuples(
                    index=False
                ):
                    self._repeats[int(row)] = (str(code), int(later))
                    staged_losers.append(int(row))
        # A row repeated within its chunk names the row that finally won, in whichever chunk.
        winner = {row: later for row, (_, later) in self._repeats.items()}
        rejected = []
        for row in sorted(self._repeats):
            code, later = self._repeats[row]
            while later in winner:
                later = winner[later]
            message = f"the same code appears again at row {later}; that row was used"
            rejected.append(Rejected(row, self._code_header, code, message))
        self.rejected_rows.update(self._repeats)
        self.problems.extend(rejected)
        self._hashes, self._key_rows = [], []  # settled: not held through the merge
        return staged_losers, rejected
