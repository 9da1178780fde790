"""Which database failures are transient (retry the file) and which terminal, on real exception objects."""

from __future__ import annotations

import pickle
import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path

import psycopg
import psycopg.errors as pg
import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError

from loaders.errors import (
    DatabaseDiskFull,
    DatabaseReadOnly,
    DatabaseUnavailable,
    DuplicateFile,
    GaveUp,
    SchemaNotCurrent,
    SchemaUpgradeFailed,
    file_failure,
    is_disk_full,
    is_read_only,
    is_transient,
    is_unreachable,
)

TRANSIENT = {
    "serialization-failure": OperationalError(
        "UPDATE bookings ...", {}, pg.SerializationFailure("could not serialize access")
    ),
    "deadlock": OperationalError("UPDATE bookings ...", {}, pg.DeadlockDetected("deadlock detected")),
    "lock-not-available": OperationalError("LOCK ...", {}, pg.LockNotAvailable("could not obtain lock")),
    "admin-shutdown": OperationalError("SELECT 1", {}, pg.AdminShutdown("terminating connection")),
    "connection-failure": OperationalError("SELECT 1", {}, pg.ConnectionFailure("connection lost")),
    "connection-invalidated": DBAPIError(
        "SELECT 1", {}, psycopg.OperationalError("server closed the connection"), connection_invalidated=True
    ),
    "sqlite-locked": OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked")),
}
TERMINAL = {
    "unique-violation": IntegrityError("INSERT ...", {}, pg.UniqueViolation("duplicate key value")),
    "check-violation": IntegrityError("INSERT ...", {}, pg.CheckViolation("violates check constraint")),
    "undefined-table": ProgrammingError("SELECT ...", {}, pg.UndefinedTable("relation does not exist")),
    "sqlite-check": IntegrityError("INSERT ...", {}, sqlite3.IntegrityError("CHECK constraint failed: status")),
    "duplicate-file": DuplicateFile("ab" * 32, "data/a.csv"),
    "database-unavailable-bad-url": DatabaseUnavailable("nonsense", "this is not a database URL"),
    "value-error": ValueError("a bug"),
}


@pytest.mark.parametrize("exc", list(TRANSIENT.values()), ids=list(TRANSIENT))
def test_transient_failures_are_retried(exc: BaseException) -> None:
    assert is_transient(exc) is True


@pytest.mark.parametrize("exc", list(TERMINAL.values()), ids=list(TERMINAL))
def test_terminal_failures_are_not_retried(exc: BaseException) -> None:
    assert is_transient(exc) is False


@pytest.mark.parametrize(
    "exc",
    [pg.SerializationFailure("could not serialize access"), pg.DeadlockDetected("deadlock detected")],
    ids=["serialization-failure", "deadlock"],
)
def test_a_driver_error_not_wrapped_by_sqlalchemy_is_judged_by_its_sqlstate_too(exc: BaseException) -> None:
    """The PostgreSQL merge COPYs through the raw psycopg cursor, so its errors reach the
    caller unwrapped; a serialization failure there is as transient as anywhere else."""
    assert is_transient(exc) is True


@pytest.mark.parametrize(
    "exc",
    [
        DuplicateFile("ab" * 32, "data/a.csv"),
        DatabaseUnavailable("sqlite:///x.db", "unable to open database file"),
        DatabaseReadOnly("sqlite:///x.db", "the file x.db cannot be written (Read-only file system)"),
        DatabaseDiskFull("sqlite:///x.db", "database or disk is full"),
        GaveUp(31.2, 8, "connection refused", unreachable=True),
        SchemaNotCurrent("sqlite:///x.db", "0002", "0003"),
        SchemaNotCurrent("sqlite:///x.db", None, "0003", matches="0001"),
        SchemaNotCurrent("sqlite:///x.db", "9999", "0003", newer=True),
        SchemaUpgradeFailed("sqlite:///x.db", "0002", "duplicate column name: row_hash"),
    ],
)
def test_loader_errors_survive_pickling_with_their_facts(exc: BaseException) -> None:
    copy = pickle.loads(pickle.dumps(exc))
    assert type(copy) is type(exc)
    assert str(copy) == str(exc)
    assert copy.__dict__ == exc.__dict__
    assert is_transient(copy) == is_transient(exc)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _raised(fn: Callable[[], object]) -> BaseException:
    try:
        fn()
    except Exception as err:
        return err
    raise AssertionError("no error")


def test_a_refused_connection_is_transient_as_psycopg_and_sqlalchemy_raise_it() -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/x"  # nothing listens there
    engine = create_engine(url)
    wrapped = _raised(lambda: engine.connect())
    raw = _raised(lambda: psycopg.connect(url.replace("+psycopg", "")))
    engine.dispose()

    for err in (wrapped, raw):
        assert "Connection refused" in str(err)
        assert is_unreachable(err) and is_transient(err), repr(err)


@pytest.mark.postgres
def test_a_database_that_does_not_exist_is_not_transient(pg_server_url: str) -> None:
    url = pg_server_url.rsplit("/", 1)[0] + "/bookingest_no_such_database"
    engine = create_engine(url)
    err = _raised(lambda: engine.connect())
    engine.dispose()

    assert "does not exist" in str(err)
    assert not is_unreachable(err) and not is_transient(err)


DISK_FULL = {
    "postgresql": OperationalError(
        "INSERT ...", {}, pg.DiskFull('could not extend file "base/1/2": No space left on device')
    ),
    "sqlite": OperationalError("INSERT ...", {}, sqlite3.OperationalError("database or disk is full")),
}


@pytest.mark.parametrize("exc", list(DISK_FULL.values()), ids=list(DISK_FULL))
def test_a_full_disk_is_named_and_not_retried(exc: BaseException) -> None:
    assert is_disk_full(exc) and not is_transient(exc)
    assert file_failure(exc).startswith("the disk holding the database is full (")


def test_a_disk_io_error_is_a_full_disk_only_where_the_disk_has_no_room(tmp_path: Path) -> None:
    io_error = OperationalError("SELECT 1", {}, sqlite3.OperationalError("disk I/O error"))
    assert not is_disk_full(io_error, tmp_path)  # the test machine's disk has room
    assert not is_disk_full(io_error)


READ_ONLY = {
    "pg-read-only-transaction": ProgrammingError("INSERT ...", {}, pg.ReadOnlySqlTransaction("cannot execute INSERT")),
    "pg-insufficient-privilege": ProgrammingError("INSERT ...", {}, pg.InsufficientPrivilege("permission denied")),
    "sqlite-readonly": OperationalError(
        "INSERT ...", {}, sqlite3.OperationalError("attempt to write a readonly database")
    ),
}


@pytest.mark.parametrize("exc", list(READ_ONLY.values()), ids=list(READ_ONLY))
def test_a_refused_write_is_named_read_only(exc: BaseException) -> None:
    assert is_read_only(exc) and not is_transient(exc)
    assert file_failure(exc).startswith("the database is read-only (")


def test_gave_up_says_for_how_long_and_why_and_a_plain_refusal_never_says_retries() -> None:
    gave_up = GaveUp(30.4, 8, 'connection to server at "127.0.0.1", port 5433 failed: Connection refused', True)
    assert file_failure(gave_up) == (
        'the database could not be reached for 30 s, 8 tries (connection to server at "127.0.0.1", port 5433 '
        "failed: Connection refused); nothing of this file was loaded"
    )
    refused = TERMINAL["check-violation"]
    assert "retr" not in file_failure(refused)
