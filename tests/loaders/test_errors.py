"""Which database failures are transient (retry the file) and which terminal, on real exception objects."""

from __future__ import annotations

import pickle
import sqlite3

import psycopg
import psycopg.errors as pg
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError

from loaders.errors import DatabaseUnavailable, DuplicateFile, is_transient

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
    [DuplicateFile("ab" * 32, "data/a.csv"), DatabaseUnavailable("sqlite:///x.db", "unable to open database file")],
)
def test_loader_errors_survive_pickling_with_their_facts(exc: BaseException) -> None:
    copy = pickle.loads(pickle.dumps(exc))
    assert type(copy) is type(exc)
    assert str(copy) == str(exc)
    assert copy.__dict__ == exc.__dict__
    assert is_transient(copy) == is_transient(exc)
