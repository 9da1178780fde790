"""The status labels of the layouts an operator declared, entered into the one status map before a run's files load."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from loaders import db
from pipelines.discover import FileOptions, UsageError
from schemas.status_map import StatusMap, StatusMapEntry, match_key
from sources.layouts import LAYOUTS
from sources.layouts.declared import Declared, DeclaredLayoutError, check_statuses


def check_source(name: str | None, options: FileOptions | None = None, path: Path | None = None) -> None:
    """A UsageError unless `name` (--source, or a bookingest.toml's source) is a built-in layout or
    one declared for the file's folder (`options.declared`)."""
    names = [*LAYOUTS, *(d.layout.name for d in (options.declared if options else ()))]
    if name is not None and name not in names:
        where = f" for {path}" if path else ""
        raise UsageError(f"unknown --source {name!r}{where}; choose one of: {', '.join(names)}")


def status_map_for(engine: Engine, files: list[tuple[Path, FileOptions]], dry_run: bool = False) -> StatusMap:
    """The status map a run's files are normalized with: the database's, plus the labels of the
    layouts declared for them that it lacks, added to the status_map table (not by a dry run,
    which writes nothing: it uses them in memory). A label the table maps to another status for
    the same source is a UsageError, before any file is read: there is one status map."""
    existing = db.status_map_entries(engine)
    declared = list({(d.file.resolve(), d.index): d for _, o in files for d in o.declared}.values())
    if not declared:
        return StatusMap(existing)
    try:
        check_statuses(declared, existing, "the database's status_map table")
    except DeclaredLayoutError as err:
        raise UsageError(str(err)) from None
    missing = _missing(declared, {(s, match_key(r)) for s, r, _ in existing})
    if missing and not dry_run:
        db.add_status_entries(engine, missing)
    return StatusMap([*existing, *missing])


def _missing(declared: list[Declared], mapped: set[tuple[str, str]]) -> list[StatusMapEntry]:
    """The declared entries whose (source, label) the map lacks, each once."""
    out: dict[tuple[str, str], StatusMapEntry] = {}
    for entry in (e for d in declared for e in d.status_entries()):
        key = (entry.source, match_key(entry.raw_status))
        if key not in mapped:
            out.setdefault(key, entry)
    return list(out.values())
