"""The booking key's 64-bit hash: how the ingest finds repeated codes and a re-load finds stored rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from schemas.vocab import BOOKING_KEY

MIX = np.uint64(0x9E3779B97F4A7C15)  # an odd constant: hashes combine by multiply and xor


def key_hashes(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of each row's booking key (BOOKING_KEY: source, external code): the code's
    hash mixed with its source's (the few sources are hashed once each)."""
    source, code = BOOKING_KEY
    code_hash = pd.util.hash_pandas_object(frame[code], index=False, categorize=False).to_numpy()
    source_hash = pd.util.hash_pandas_object(frame[source], index=False).to_numpy()
    return code_hash ^ (source_hash * MIX)
