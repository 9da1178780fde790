"""Finding the files of a run: folders are walked, a folder's bookingest.toml supplies options."""

from __future__ import annotations

import datetime as dt
import fnmatch
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from schemas.aliases import DeclaredAlias, declared_aliases

MANIFEST = "bookingest.toml"


class UsageError(Exception):
    """Bad arguments or configuration; the CLI exits with status 2."""


@dataclass(frozen=True)
class FileOptions:
    """What the operator tells us about a file that the export itself does not carry."""

    source: str | None = None  # a layout name, to skip detection
    property: str | None = None  # for single-property exports
    as_of: dt.datetime | None = None  # the moment the export describes; default: mtime
    aliases: tuple[DeclaredAlias, ...] = ()  # the folder's [[aliases]], added before the file loads

    def over(self, base: FileOptions) -> FileOptions:
        """These options where set, `base` elsewhere."""
        return FileOptions(
            source=self.source or base.source,
            property=self.property or base.property,
            as_of=self.as_of or base.as_of,
            aliases=self.aliases or base.aliases,
        )


def parse_as_of(text: str, where: str) -> dt.datetime:
    """An ISO date or date-time; aware values become naive UTC, as stored."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{where}: {text!r} is not a date-time (use e.g. 2025-12-01T06:00:00)") from None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def discover(paths: list[str], cli: FileOptions) -> list[tuple[Path, FileOptions]]:
    """Every file named or found below a named folder, with its options; UsageError for a bad path."""
    found: list[tuple[Path, FileOptions]] = []
    for arg in paths:
        path = Path(arg)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not _ignored(p, path))
        elif path.is_file():
            files = [path]
        else:
            raise UsageError(f"no such file or folder: {arg}")
        for file in files:
            found.append((file, cli.over(_manifest_options(file))))
    unique = dict(found)  # a file named twice is still read once
    return sorted(unique.items(), key=lambda item: (item[1].as_of or _mtime(item[0]), str(item[0])))


def _ignored(file: Path, root: Path) -> bool:
    parts = file.relative_to(root).parts
    return (
        file.name == MANIFEST
        or any(p.startswith(".") for p in parts)  # hidden files and folders
        or file.name.startswith("~$")  # Excel's lock files
    )


def _manifest_options(file: Path) -> FileOptions:
    manifest = file.parent / MANIFEST
    if not manifest.is_file():
        return FileOptions()
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
        options = FileOptions(aliases=declared_aliases(data.get("aliases", [])))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UsageError(f"{manifest}: not valid TOML ({err})") from None
    except ValueError as err:
        raise UsageError(f"{manifest}: {err}") from None
    entries = data.get("files", [])
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or "match" not in entry:
            raise UsageError(f"{manifest}: [[files]] entry {n} has no 'match' pattern")
        if fnmatch.fnmatch(file.name, str(entry["match"])):
            as_of = entry.get("as_of")
            if isinstance(as_of, dt.datetime | dt.date):
                as_of = as_of.isoformat()
            options = replace(
                options,
                source=entry.get("source", options.source),
                property=entry.get("property", options.property),
                as_of=parse_as_of(str(as_of), f"{manifest} entry {n}") if as_of is not None else options.as_of,
            )
    return options


def _mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(tzinfo=None)
