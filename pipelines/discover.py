"""Finding the files of a run: folders are walked, a folder's bookingest.toml supplies options."""

from __future__ import annotations

import datetime as dt
import fnmatch
import functools
import os
import stat
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class Unread:
    """A file or folder below a named folder that was not read, and why in one sentence."""

    path: Path
    reason: str


def discover(paths: list[str], cli: FileOptions, unread: list[Unread] | None = None) -> list[tuple[Path, FileOptions]]:
    """Every file named or found below a named folder, with its options; UsageError for a bad
    path. What a folder holds but cannot be read (a subfolder without permission, a FIFO, a
    dangling link) goes to `unread`, to be reported: UsageError when no list is given."""
    missed: list[Unread] = []
    found: list[tuple[Path, FileOptions]] = []
    for arg in paths:
        path = Path(arg)
        try:
            kind = _kind(path)
        except OSError as err:  # a link loop, a folder on the way that cannot be entered
            raise UsageError(f"{arg} cannot be read ({err.strerror})") from None
        if kind == "folder":
            files = _walk(path, missed)
        elif kind == "file":
            files = [path]
        elif kind in ("missing", "dangling"):
            raise UsageError(
                f"no such file or folder: {arg}" + (" (a symbolic link to nothing)" if kind == "dangling" else "")
            )
        else:  # never opened: a FIFO or a device would block the run or never end
            raise UsageError(f"{arg} is not a regular file ({kind}); bookingest reads export files and folders")
        for file in files:
            found.append((file, replace(cli.over(_manifest_options(file)), declared=declared_in(file.parent))))
    if missed and unread is None:
        raise UsageError(f"{missed[0].path}: {missed[0].reason}")
    (unread if unread is not None else []).extend(missed)
    return in_as_of_order(dict(found).items())  # a file named twice is still read once


def in_as_of_order(files: Iterable[tuple[Path, FileOptions]]) -> list[tuple[Path, FileOptions]]:
    """The files in as-of order (their declared as-of, else their modification time), then by
    name; a file gone since it was found (another inbox worker filed it away) is left out."""
    keyed = []
    for path, options in files:
        try:
            keyed.append(((options.as_of or _mtime(path), str(path)), (path, options)))
        except FileNotFoundError:
            continue
    return [item for _, item in sorted(keyed, key=lambda k: k[0])]


_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def _kind(path: Path) -> str:
    """'file', 'folder', 'missing', 'dangling' (a link to nothing), or what else it is, from its
    status alone: a path that is not a regular file is never opened. OSError if it has none."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "dangling" if path.is_symlink() else "missing"
    if stat.S_ISDIR(mode):
        return "folder"
    return "file" if stat.S_ISREG(mode) else _KINDS.get(stat.S_IFMT(mode), "not a file")


def _walk(root: Path, unread: list[Unread]) -> list[Path]:
    """The files below `root`, hidden ones skipped; what cannot be read is added to `unread`."""

    def failed(err: OSError) -> None:
        where = Path(err.filename) if err.filename else root
        if where == root:
            raise UsageError(f"the folder {root} cannot be read ({err.strerror})")
        unread.append(Unread(where, f"the folder cannot be read ({err.strerror}); its files were not looked at"))

    files = []
    for folder, dirs, names in os.walk(root, onerror=failed):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # hidden folders, as hidden files
        for name in [d for d in dirs if not is_text(d)]:
            dirs.remove(name)
            unread.append(Unread(Path(folder, name), NOT_TEXT + "; its files were not looked at"))
        for name in names:
            path = Path(folder, name)
            if _ignored(path, root):
                continue
            if not is_text(name):
                unread.append(Unread(path, NOT_TEXT + "; not read"))
                continue
            try:
                kind = _kind(path)
            except OSError as err:
                unread.append(Unread(path, f"the file cannot be read ({err.strerror})"))
                continue
            if kind == "file":
                files.append(path)
            elif kind == "dangling":
                unread.append(Unread(path, "a symbolic link to nothing; not read"))
            elif kind != "folder":  # a link to a folder is not followed, as before
                unread.append(Unread(path, f"not a regular file ({kind}); not read"))
    return sorted(files)


NOT_TEXT = "its name is not valid UTF-8 text, so it cannot be recorded (rename it)"


def is_text(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # os.fsdecode made the bytes that are not UTF-8 lone surrogates
        return False
    return True


def _ignored(file: Path, root: Path) -> bool:
    parts = file.relative_to(root).parts
    return (
        file.suffix.lower() == ".toml"  # configuration (bookingest.toml, layouts files), never an export
        or any(p.startswith(".") for p in parts)  # hidden files and folders
        or file.name.startswith("~$")  # Excel's lock files
    )


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file of the operator's, or UsageError saying why it cannot be used."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UsageError(f"{path}: not valid TOML ({err})") from None
    except RecursionError:  # tomllib recurses once per level of nesting
        raise UsageError(f"{path}: not valid TOML (arrays or tables nested too deeply)") from None
    except OSError as err:
        raise UsageError(f"{path} cannot be read ({err.strerror})") from None


_MANIFEST_KEYS = {"layouts", "files", "aliases"}
_ENTRY_KEYS = {"match": (str,), "source": (str,), "property": (str,), "as_of": (str, dt.datetime, dt.date)}


def _manifest_options(file: Path) -> FileOptions:
    manifest = file.parent / MANIFEST
    if not manifest.is_file():
        return FileOptions()
    data = read_toml(manifest)
    unknown = sorted(set(data) - _MANIFEST_KEYS)
    if unknown:
        raise UsageError(
            f"{manifest}: unknown key(s) {', '.join(unknown)} (it takes {', '.join(sorted(_MANIFEST_KEYS))})"
        )
    try:
        options = FileOptions(aliases=declared_aliases(data.get("aliases", [])))
    except ValueError as err:
        raise UsageError(f"{manifest}: {err}") from None
    entries = data.get("files", [])
    if not isinstance(entries, list):
        raise UsageError(f"{manifest}: 'files' must be a list of [[files]] tables")
    for n, entry in enumerate(entries, start=1):
        _check_entry(entry, f"{manifest}: [[files]] entry {n}")
        if fnmatch.fnmatch(file.name, entry["match"]):
            as_of = entry.get("as_of")
            if isinstance(as_of, dt.datetime | dt.date):
                as_of = as_of.isoformat()
            options = replace(
                options,
                source=entry.get("source", options.source),
                property=entry.get("property", options.property),
                as_of=parse_as_of(as_of, f"{manifest} entry {n}") if as_of is not None else options.as_of,
            )
    return options


def _check_entry(entry: object, where: str) -> None:
    """A [[files]] entry that can be used, or UsageError naming the key that is wrong."""
    if not isinstance(entry, dict) or "match" not in entry:
        raise UsageError(f"{where} has no 'match' pattern")
    unknown = sorted(set(entry) - set(_ENTRY_KEYS))
    if unknown:
        raise UsageError(f"{where} has unknown key(s) {', '.join(unknown)} (it takes {', '.join(_ENTRY_KEYS)})")
    for key, value in entry.items():
        if not isinstance(value, _ENTRY_KEYS[key]) or isinstance(value, dt.time):
            wanted = "a date-time" if key == "as_of" else "a text"
            raise UsageError(f"{where}: '{key}' must be {wanted}, not {value!r}")
        if isinstance(value, str) and not value.strip():
            raise UsageError(f"{where}: '{key}' is empty")


def _mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(tzinfo=None)


def declared_in(folder: Path) -> tuple[Declared, ...]:
    """The layouts declared for the exports of `folder`: in the file its bookingest.toml names
    (`layouts = "path"`, relative to the folder), else in its layouts.toml, if any. Checked when
    loaded (also against the status map seed); a UsageError says what is wrong where."""
    path = folder / LAYOUTS_FILE
    manifest = folder / MANIFEST
    if manifest.is_file():
        named = read_toml(manifest).get("layouts")
        if named is not None and not (isinstance(named, str) and (folder / named).is_file()):
            raise UsageError(f"{manifest}: layouts = {named!r} does not name a layouts file (a path from {folder})")
        path = folder / named if named is not None else path
    if not path.is_file():
        return ()
    try:
        return _declared(path, path.read_bytes())
    except DeclaredLayoutError as err:
        raise UsageError(str(err)) from None
    except RecursionError:  # tomllib recurses once per level of nesting
        raise UsageError(f"{path}: not valid TOML (arrays or tables nested too deeply)") from None
    except OSError as err:
        raise UsageError(f"{path} cannot be read ({err.strerror})") from None


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
