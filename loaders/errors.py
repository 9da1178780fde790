"""Database problems named after what went wrong, each marked transient (retry) or terminal."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy.exc import DBAPIError, OperationalError

# PostgreSQL SQLSTATEs that a retry of the same transaction can cure.
_TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03", "57P01", "57P02", "57P03"}
# What psycopg says, without a SQLSTATE, when the server cannot be reached or went away (a
# restart, a network cut); a wrong password or database name is none of these.
_UNREACHABLE = (
    "connection refused",
    "server closed the connection unexpectedly",
    "terminating connection",
    "connection timed out",
    "timeout expired",
    "could not receive data",
    "could not send data",
    "connection reset",
    "consuming input failed",
    "the connection is lost",
    "the connection is closed",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "the database system is not yet accepting connections",
)
_ROOM = 1 << 20  # less free space than this, and a disk I/O error is the disk being full
_READ_ONLY_SQLSTATES = {"25006", "42501"}  # read_only_sql_transaction, insufficient_privilege


class LoaderError(Exception):
    transient = False


class DatabaseUnavailable(LoaderError):
    """The database URL is wrong or the server cannot be reached."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason)
        self.url = url
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot use the database {self.url}: {self.reason}"


class DatabaseReadOnly(DatabaseUnavailable):
    """This process cannot write the database (a read-only file, folder, mount, role or server)."""

    def __str__(self) -> str:
        return f"the database {self.url} is read-only: {self.reason}"


class DatabaseDiskFull(DatabaseUnavailable):
    """The disk holding the database has no room left."""

    def __str__(self) -> str:
        return f"the disk holding the database {self.url} is full ({self.reason})"


class SchemaNotCurrent(DatabaseUnavailable):
    """The database's schema is not at this version's newest revision: an older one, one made before
    migrations (`found` None, `matches` the revision its schema has), or one this version does not
    know (`newer`). Only `bookingest db upgrade` changes it, never a start-up."""

    def __init__(self, url: str, found: str | None, needed: str, matches: str = "", newer: bool = False) -> None:
        LoaderError.__init__(self, url, found, needed, matches, newer)
        self.url, self.found, self.needed, self.matches, self.newer = url, found, needed, matches, newer
        self.reason = str(self)

    def __str__(self) -> str:
        if self.newer:
            return (
                f"the database {self.url} is at schema revision {self.found}, made by a newer bookingest "
                f"(this version knows revisions up to {self.needed}): use that newer version with it"
            )
        if self.found is None and not self.matches:
            return (
                f"the database {self.url} holds some of bookingest's tables but not all, so it matches no schema "
                "revision: restore it from a backup, or use a new database"
            )
        if self.found is None:
            needs = "the one this version needs" if self.matches == self.needed else f"this version needs {self.needed}"
            return (
                f"the database {self.url} was made by an earlier bookingest, before schema migrations "
                f"(its schema matches revision {self.matches}; {needs}): back it up, then run `bookingest db upgrade`"
            )
        return (
            f"the database {self.url} is at schema revision {self.found} and this version of bookingest "
            f"needs {self.needed}: back it up, then run `bookingest db upgrade`"
        )


class SchemaUpgradeFailed(DatabaseUnavailable):
    """A revision failed: its transaction, with every revision before it, was rolled back."""

    def __init__(self, url: str, revision: str, cause: str) -> None:
        LoaderError.__init__(self, url, revision, cause)
        self.url, self.revision, self.cause = url, revision, cause
        self.reason = str(self)

    def __str__(self) -> str:
        return (
            f"the schema upgrade of the database {self.url} failed at revision {self.revision} ({self.cause}), "
            "so none of it was applied: the database is as it was"
        )


class MergeLost(LoaderError):
    """A merge committed, yet once the database's disk had every commit, the row its transaction
    named (merge_lock.kept_if) was not there: a crash of the server lost the commit."""

    transient = True  # the file's retry loads it again

    def __str__(self) -> str:
        return "the database server crashed before the merge reached its disk, so the merge was lost"


class GaveUp(LoaderError):
    """A transient database error that did not pass within the retry time (Tuning.retry_for_seconds)."""

    def __init__(self, seconds: float, tries: int, cause: str, unreachable: bool) -> None:
        super().__init__(seconds, tries, cause, unreachable)
        self.seconds = seconds
        self.tries = tries
        self.cause = cause
        self.unreachable = unreachable

    def __str__(self) -> str:
        return f"the database {self.what()}"

    def what(self) -> str:
        kind = "could not be reached" if self.unreachable else "stayed busy"
        return f"{kind} for {self.seconds:.0f} s, {self.tries} tries ({self.cause})"


class MergeUnconfirmed(GaveUp):
    """The database went away after a merge's commit, before the commit could be seen on disk."""

    def __str__(self) -> str:
        return (
            f"the database {self.what()} after the merge was committed, before it was confirmed on disk: "
            "run it again (a file is then a duplicate if its merge was kept)"
        )


class DuplicateFile(LoaderError):
    """These exact bytes were loaded before (same SHA-256)."""

    def __init__(self, sha256: str, first_path: str) -> None:
        super().__init__(sha256, first_path)
        self.sha256 = sha256
        self.first_path = first_path

    def __str__(self) -> str:
        return f"the same file was already loaded as {self.first_path}"


def is_transient(exc: BaseException) -> bool:
    """True for failures a retry can cure: lost connections, serialization failures, deadlocks, locks."""
    if isinstance(exc, LoaderError):
        return exc.transient
    # The PostgreSQL COPY runs on the raw psycopg cursor, whose errors arrive unwrapped.
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(sqlstate, str) and (sqlstate in _TRANSIENT_SQLSTATES or sqlstate.startswith("08")):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        sqlstate = getattr(exc.orig, "sqlstate", None) or ""
        if sqlstate in _TRANSIENT_SQLSTATES or sqlstate.startswith("08"):
            return True
        if isinstance(exc, OperationalError) and "database is locked" in str(exc.orig):
            return True
    return is_unreachable(exc)


def file_failure(exc: BaseException) -> str:
    """Why a file loaded nothing, for a database error that ended its load, in one sentence."""
    if isinstance(exc, MergeUnconfirmed):
        return str(exc)
    if isinstance(exc, GaveUp):
        return f"{exc}; nothing of this file was loaded"
    if is_read_only(exc):
        return f"the database is read-only ({first_line(exc)}); nothing of this file was loaded"
    if is_disk_full(exc):
        return f"the disk holding the database is full ({first_line(exc)}); nothing of this file was loaded"
    return f"the database refused the file, nothing was loaded ({first_line(exc)})"


def first_line(exc: BaseException) -> str:
    """The driver's message, its first line (SQLAlchemy's own adds the SQL and a link)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0].removeprefix("connection failed: ") if text else type(exc).__name__


def _sqlstate(exc: BaseException) -> str:
    return getattr(getattr(exc, "orig", exc), "sqlstate", None) or ""


def is_unreachable(exc: BaseException) -> bool:
    """The server could not be reached, or the connection to it was lost."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if _sqlstate(exc).startswith("08") or _sqlstate(exc) in {"57P01", "57P02", "57P03"}:
        return True
    driver = getattr(exc, "orig", exc)
    if _sqlstate(exc) or type(driver).__name__ != "OperationalError":
        return False
    message = str(driver).lower()
    return any(words in message for words in _UNREACHABLE)


def is_read_only(exc: BaseException) -> bool:
    """A write the database refused because this process may only read it."""
    return _sqlstate(exc) in _READ_ONLY_SQLSTATES or "readonly database" in str(getattr(exc, "orig", exc))


def is_disk_full(exc: BaseException, folder: Path | None = None) -> bool:
    """A write that found no room on the database's disk (PostgreSQL's disk_full, SQLite's
    SQLITE_FULL); SQLite's "disk I/O error" too when `folder`, the database's, has no room left
    (its -shm file cannot grow on a full disk: SQLITE_IOERR_SHMSIZE)."""
    message = str(getattr(exc, "orig", exc))
    if _sqlstate(exc) == "53100" or "database or disk is full" in message or "No space left on device" in message:
        return True
    return "disk I/O error" in message and folder is not None and free_bytes(folder) < _ROOM


def free_bytes(folder: Path) -> int:
    """The bytes this process may still write in `folder`'s file system (0 if it cannot tell)."""
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 0
