"""The 64-bit hash of a canonical row, by which a re-load finds the rows it restates unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.staging import STAGED
from schemas.keys import MIX
from schemas.vocab import BOOKING_KEY

# Besides the key; the property by the name of the one the row lands on (see file_load.FileLoad.stage).
_HASHED = ["property_name", *(n for n in STAGED if n not in ("row_hash", "source_row", "property_id", *BOOKING_KEY))]
_EMPTY = np.uint64(0xE3B0C44298FC1C14)  # the hash of an empty value where text is hashed value by value


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of each canonical row as it would be staged: its key and every compared
    field (the property as resolved: a name whose alias was added since hashes apart from what
    it was stored as), not where in the file it stands. Starts from the key's hash
    (the frame's `key_hash` column, see schemas.keys.key_hashes)."""
    hashed = frame["key_hash"].to_numpy("uint64")
    for name in _HASHED:
        # Text that repeats (statuses, properties, names) is hashed once per distinct value;
        # an empty value hashes apart from every text (uncategorized, it would hash as "nan").
        unique = name == "guest_contact"  # few repeats: hashed value by value
        column = pd.util.hash_pandas_object(frame[name], index=False, categorize=not unique).to_numpy()
        if unique:
            column = np.where(frame[name].isna().to_numpy(), _EMPTY, column)
        hashed = (hashed * MIX) ^ column
    return hashed.view("int64")  # as PostgreSQL's BIGINT holds it
