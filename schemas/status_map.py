"""The one status mapping table: the versioned seed file, label matching, and vectorized mapping."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from schemas.aliases import name_key
from schemas.vocab import Source, Status

SEED_PATH = Path(__file__).with_name("status_map.csv")
_DIGITS = re.compile(r"\d+")


class StatusMapEntry(NamedTuple):
    source: str
    raw_status: str
    status: str


class StatusMapError(ValueError):
    """The status map seed file has an entry that cannot be used."""


def match_key(label: str) -> str:
    """The form a label is matched in: case and repeated white space ignored, numbers as '#'."""
    return _DIGITS.sub("#", name_key(label))


def load_seed(path: Path = SEED_PATH) -> list[StatusMapEntry]:
    """Read the versioned seed file (comment lines start with '#')."""
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    entries = []
    for n, rec in enumerate(csv.DictReader(lines), start=1):
        source, raw, status = rec["source"].strip(), rec["raw_status"].strip(), rec["status"].strip()
        if source not in Source.__members__.values() or status not in Status.__members__.values():
            raise StatusMapError(
                f"{path.name} entry {n} ({source}, {raw!r} -> {status}) names an unknown source or status"
            )
        entries.append(StatusMapEntry(source, raw, status))
    return entries


class StatusMap:
    """(source, raw label) -> canonical status, matching labels by `match_key`."""

    def __init__(self, entries: Iterable[tuple[str, str, str]]) -> None:
        self._by_key: dict[tuple[str, str], str] = {}
        for source, raw, status in entries:
            self._by_key[(source, match_key(raw))] = status

    def lookup(self, source: str, raw: str) -> str | None:
        return self._by_key.get((source, match_key(raw)))

    def map_series(self, sources: pd.Series, raw: pd.Series) -> pd.Series:
        """Canonical status per row, <NA> where the label is unknown.

        Only the distinct (source, label) pairs are looked up in Python; an export of a million
        rows has a few dozen of them.
        """
        pairs = pd.DataFrame({"s": sources.astype("str"), "r": raw.fillna("").astype("str")})
        distinct = pairs.drop_duplicates()
        distinct["status"] = [self.lookup(s, r) for s, r in zip(distinct["s"], distinct["r"], strict=True)]
        merged = pairs.merge(distinct, on=["s", "r"], how="left")
        return pd.Series(merged["status"].to_numpy(), index=sources.index, dtype="str").where(
            merged["status"].notna().to_numpy()
        )

    def as_mapping(self) -> Mapping[tuple[str, str], str]:
        return dict(self._by_key)
