"""Database problems named after what went wrong, each marked transient (retry) or terminal."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

# PostgreSQL SQLSTATEs that a retry of the same transaction can cure.
_TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03", "57P01", "57P02", "57P03"}


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
    return False
