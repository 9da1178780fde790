"""The databases of the runs: a fresh PostgreSQL database per run (created, counted, dropped) and the SQLite files."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .config import SetupError


class Postgres:
    """Creates a fresh database per run (and drops it) through an admin connection URL."""

    def __init__(self, admin_url: str, keep: bool = False) -> None:
        parts = urlsplit(admin_url)
        if parts.scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
            raise SetupError(f"--pg must be a postgresql:// URL, not {admin_url!r}")
        self.parts = parts._replace(scheme="postgresql")
        self.admin = urlunsplit(self.parts)
        self.keep = keep
        self.serial = 0
        try:
            import psycopg

            with psycopg.connect(self.admin, connect_timeout=10) as conn:
                self.version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
                self.version_full = str(conn.execute("SELECT version()").fetchone()[0])  # type: ignore[index]
        except Exception as err:
            raise SetupError(f"cannot connect to PostgreSQL at {safe_url(self.admin)}: {str(err).strip()}") from None

    def url(self, name: str, driver: str = "") -> str:
        scheme = "postgresql+" + driver if driver else "postgresql"
        return urlunsplit(self.parts._replace(scheme=scheme, path="/" + name))

    def create(self) -> str:
        import psycopg

        self.serial += 1
        name = f"bench_{os.getpid()}_{self.serial}"
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop(self, name: str) -> None:
        if self.keep:
            return
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def count(self, name: str, table: str) -> int:
        import psycopg

        ident = ".".join(f'"{p}"' for p in table.split("."))
        with psycopg.connect(self.url(name)) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {ident}").fetchone()[0])  # type: ignore[index]


def safe_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(":" + parts.password + "@", ":***@"))
    return urlunsplit(parts)


def sqlite_count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM bookings").fetchone()[0])


def remove_sqlite(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
