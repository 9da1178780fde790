"""One file read in chunks, and each chunk mapped, validated and normalized: what an ingest
(pipelines.ingest) stages and a replay (pipelines.replay) checks again."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from pipelines.discover import FileOptions
from schemas.problems import Rejected
from schemas.status_map import StatusMap
from schemas.tuning import Tuning
from sources import normalize
from sources.readers import RawTable, read_export_chunks
from sources.repeats import Tally
from sources.workbooks import Prefetch


def read_chunks(
    path: Path, options: FileOptions, ahead: Prefetch | None, tuning: Tuning
) -> tuple[RawTable, Iterator[RawTable]]:
    """The first chunk (it names the layout and how many rows to expect) and the rest, read lazily."""
    declared = [d.layout for d in options.declared]
    chunks = read_export_chunks(path, str(path), options.source, ahead=ahead, tuning=tuning, declared=declared)
    return next(chunks), chunks


def normalized_chunks(
    tables: Iterable[RawTable], options: FileOptions, status_map: StatusMap, tally: Tally, repaired: dict[str, None]
) -> Iterator[tuple[pd.DataFrame, list[Rejected]]]:
    """Each chunk mapped, validated and normalized, counted by the tally, which takes out the
    codes the chunk lists again: what to stage. `repaired` gathers what the chunks repaired."""
    for table in tables:
        repaired.update(dict.fromkeys(table.repaired))
        valid, rejected = normalize.checked(table, options.property, status_map)
        yield tally.add(table, valid, rejected), rejected
