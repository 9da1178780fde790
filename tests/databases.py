"""Helpers for the test databases, shared by conftest.py and the tests that manage their own."""

from __future__ import annotations

from sqlalchemy import create_engine, text


def reset_pg_schema(url: str) -> None:
    """Empty a PostgreSQL test database: drop and recreate its public schema."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    admin.dispose()
