"""Finding the files of a run: folders are walked, a folder's bookingest.toml supplies options."""

from __future__ import annotations

import datetime as dt
import fnmatch
import functools
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from schemas.aliases import DeclaredAlias, declared_aliases
from schemas.status_map import load_seed
from sources.layouts import LAYOUTS
from sources.layouts.declared import Declared, DeclaredLayoutError, check_statuses, load

MANIFEST = "bookingest.toml"
LAYOUTS_FILE = "layouts.toml"  # the layouts an operator declares for the exports of its folder


class UsageError(Exception):
    """Bad arguments or configuration; the CLI exits with status 2."""


@dataclass(frozen=True)
class FileOptions:
    """What the operator tells us about a file that the export itself does not carry."""

    source: str | None = None  # a layout name, to skip detection
    property: str | None = None  # for single-property exports
    as_of: dt.datetime | None = None  # the moment the export describes; default: mtime
    declared: tuple[Declared, ...] = ()  # the layouts the operator declared for the file's folder
    aliases: tuple[DeclaredAlias, ...] = ()  # the folder's [[aliases]], added before the file loads

    def over(self, base: FileOptions) -> FileOptions:
        """These options where set, `base` elsewhere."""
        return FileOptions(
            source=self.source or base.source,
            property=self.property or base.property,
            as_of=self.as_of or base.as_of,
            declared=self.declared or base.declared,
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
            found.append((file, replace(cli.over(_manifest_options(file)), declared=declared_in(file.parent))))
    unique = dict(found)  # a file named twice is still read once
    return sorted(unique.items(), key=lambda item: (item[1].as_of or _mtime(item[0]), str(item[0])))


def _ignored(file: Path, root: Path) -> bool:
    parts = file.relative_to(root).parts
    return (
        file.suffix.lower() == ".toml"  # configuration (bookingest.toml, layouts files), never an export
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
        for key in ("match", "source", "property"):
            if key in entry and not (isinstance(entry[key], str) and entry[key].strip()):
                raise UsageError(f"{manifest}: [[files]] entry {n}: {key!r} must be a text, not {entry[key]!r}")
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


def declared_in(folder: Path) -> tuple[Declared, ...]:
    """The layouts declared for the exports of `folder`: in the file its bookingest.toml names
    (`layouts = "path"`, relative to the folder), else in its layouts.toml, if any. Checked when
    loaded (also against the status map seed); a UsageError says what is wrong where."""
    path = folder / LAYOUTS_FILE
    manifest = folder / MANIFEST
    if manifest.is_file():
        try:
            named = tomllib.loads(manifest.read_text(encoding="utf-8")).get("layouts")
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise UsageError(f"{manifest}: not valid TOML ({err})") from None
        if named is not None and not (isinstance(named, str) and (folder / named).is_file()):
            raise UsageError(f"{manifest}: layouts = {named!r} does not name a layouts file (a path from {folder})")
        path = folder / named if named is not None else path
    if not path.is_file():
        return ()
    try:
        return _declared(path, path.read_bytes())
    except DeclaredLayoutError as err:
        raise UsageError(str(err)) from None


def declared_below(root: Path) -> list[Declared]:
    """Every layout declared for a folder at or below `root` (hidden folders skipped), each once;
    a label two of them map to different statuses for one source is a UsageError, as in a run."""
    folders = [root, *sorted(p for p in root.rglob("*") if p.is_dir() and not _ignored(p, root))]
    seen: dict[tuple[Path, int], Declared] = {}
    for folder in folders:
        seen.update({(d.file.resolve(), d.index): d for d in declared_in(folder)})
    try:
        check_statuses(seen.values(), load_seed(), _SEED)
    except DeclaredLayoutError as err:
        raise UsageError(str(err)) from None
    return list(seen.values())


_SEED = "the status map seed (schemas/status_map.csv)"


@functools.lru_cache(maxsize=32)
def _declared(path: Path, _content: bytes) -> tuple[Declared, ...]:
    # Read once per run for all the files of its folder; keyed by the content, so an edit is read again.
    declared = load(path, LAYOUTS)
    check_statuses(declared, load_seed(), _SEED)
    return tuple(declared)
