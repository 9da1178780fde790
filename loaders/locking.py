"""Merges into one database take turns: the lock each file's transaction holds."""

from __future__ import annotations

from sqlalchemy import Connection, text

_MERGE_LOCK = 0x626B6E67  # any constant: all bookingest merges into one database take turns


def lock_merges(conn: Connection) -> None:
    """Serialize merges on PostgreSQL (SQLite serializes writers itself).

    Concurrent ingests then cannot deadlock on each other's rows, and the counts each one
    reports are exact; the lock is released at commit or rollback.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MERGE_LOCK})
        # Room for the hash joins and sorts of a million-row merge (this transaction only).
        conn.execute(text("SET LOCAL work_mem = '256MB'"))
