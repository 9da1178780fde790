"""The inbox's files that are ready to take: settled, not partial downloads, not the archive or rejected folders."""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.discover import NOT_TEXT, FileOptions, Unread, UsageError, discover, in_as_of_order, is_text

DEFAULT_SETTLE_SECONDS = 10.0
DEFAULT_LEASE_SECONDS = 300.0  # a claim's lease, renewed every third of it while its file is processed
ARCHIVE, REJECTED = "archive", "rejected"  # the default folders, inside the inbox
# What a browser, a download manager or an office program writes while a file is not complete.
PARTIAL = ("*.part", "*.crdownload", "*.tmp", "~$*")


@dataclass
class Listing:
    """One look at the inbox: the files ready to take, those still changing, what cannot be read."""

    ready: list[Path] = field(default_factory=list)
    settling: list[Path] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)


def default_folders(inbox: Path, archive: Path | None = None, rejected: Path | None = None) -> tuple[Path, Path]:
    """The archive and rejected folders: as given, else INBOX/archive and INBOX/rejected."""
    return archive or inbox / ARCHIVE, rejected or inbox / REJECTED


def ready_files(
    folder: Path,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    now: float | None = None,
    skip: Iterable[Path] | None = None,
) -> list[Path]:
    """The files below `folder` that nobody has written for `settle_seconds` (see `look`)."""
    return look(folder, settle_seconds, now, skip).ready


def look(
    folder: Path,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    now: float | None = None,
    skip: Iterable[Path] | None = None,
) -> Listing:
    """The inbox as it is now. A file is ready when neither its content (mtime) nor its inode
    (ctime: a copy that sets an old mtime with `cp -p` or `rsync -t` changes it then) changed in
    the last `settle_seconds`: one stat per file, no state kept between runs. Partial downloads
    (PARTIAL), hidden files and folders, Excel lock files and configuration (.toml) are left
    alone, as are the folders in `skip` (default: INBOX/archive and INBOX/rejected), which are
    never walked: a run costs the files waiting in the inbox, not all it ever received."""
    skipped = {_key(p) for p in (default_folders(folder) if skip is None else skip)}
    cutoff = (dt.datetime.now(dt.UTC).timestamp() if now is None else now) - settle_seconds
    listing = Listing()
    if _key(folder) in skipped:
        return listing
    for where, dirs, names in os.walk(folder, onerror=lambda err: _unreadable(err, listing)):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and _key(Path(where, d)) not in skipped)
        for name in sorted(names):
            if name.startswith(".") or name.lower().endswith(".toml") or _partial(name):
                continue
            path = Path(where, name)
            try:
                info = path.stat()
            except FileNotFoundError:  # filed away by another worker meanwhile, or a link to nothing
                if path.is_symlink():
                    listing.unread.append(Unread(path, "a symbolic link to nothing; not read"))
                continue
            except OSError as err:
                listing.unread.append(Unread(path, f"the file cannot be read ({err.strerror})"))
                continue
            if stat.S_ISDIR(info.st_mode):
                continue  # a link to a folder is not followed, as in a walk of `ingest`
            if not stat.S_ISREG(info.st_mode):  # never opened: a FIFO would block the run
                listing.unread.append(Unread(path, "not a regular file; not read"))
                continue
            settled = max(info.st_mtime, info.st_ctime) <= cutoff
            (listing.ready if settled else listing.settling).append(path)
    return listing


def _partial(name: str) -> bool:
    return any(fnmatch.fnmatch(name.lower(), pattern) for pattern in PARTIAL)


def _unreadable(err: OSError, listing: Listing) -> None:
    where = Path(err.filename) if err.filename else Path(".")
    listing.unread.append(Unread(where, f"the folder cannot be read ({err.strerror}); its files were not looked at"))


def _key(path: Path) -> str:
    """A folder as compared with the skipped ones: absolute, links resolved where they exist."""
    return os.path.normcase(str(path.resolve()))


def with_options(files: list[Path], unread: list[Unread]) -> list[tuple[Path, FileOptions]]:
    """The ready files with their folders' options (bookingest.toml, declared layouts), in
    as-of order (pipelines.discover, which also reports a name that is not UTF-8 text)."""
    unread += [Unread(p, NOT_TEXT + "; not read") for p in files if not is_text(str(p))]
    found = []
    for path in (p for p in files if is_text(str(p))):
        try:
            found += discover([str(path)], FileOptions(), unread)
        except UsageError:
            if os.path.lexists(path):
                raise
            # gone since the folder was listed: another worker filed it away
    return in_as_of_order(found)
