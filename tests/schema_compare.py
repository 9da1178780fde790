"""The comparison of a database's schema with loaders.tables, shared by the migration tests."""

from __future__ import annotations

import re
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, Connection, String, inspect

from loaders import migrate
from loaders.analytics.views import REPORT_VIEW_NAMES
from loaders.tables import metadata

RELEASE_VIEWS = {"booking_conflicts", "booking_history", "payout_lines"}  # made by revision 0001
VIEWS = {*RELEASE_VIEWS, *REPORT_VIEW_NAMES}  # and the report views, by 0006


def _literals(sql: str) -> list[str]:
    """The quoted values of a check's SQL (a vocabulary), whatever way the database prints it."""
    return sorted(set(re.findall(r"'([^']*)'", sql)))


def schema_differences(conn: Connection) -> list[Any]:
    """Every difference between the database's schema and loaders.tables (empty: none)."""
    context = MigrationContext.configure(conn, opts=migrate.context_options())
    found: list[Any] = list(compare_metadata(context, metadata))
    reflected = inspect(conn)
    for table in metadata.tables.values():
        columns = {c["name"]: c for c in reflected.get_columns(table.name)}
        for column in table.columns:
            if isinstance(column.type, String) and column.name in columns:
                wanted = getattr(column.type.dialect_impl(conn.dialect), "collation", None)
                got = getattr(columns[column.name]["type"], "collation", None)
                if wanted != got:
                    found.append(("collation", table.name, column.name, got, wanted))
        declared = {str(c.name): _literals(str(c.sqltext)) for c in table.constraints if isinstance(c, CheckConstraint)}
        stored = {str(c["name"]): _literals(c["sqltext"]) for c in reflected.get_check_constraints(table.name)}
        if declared != stored:
            found.append(("checks", table.name, stored, declared))
    views = set(reflected.get_view_names())
    if not views >= VIEWS:  # later revisions may add views of their own
        found.append(("views missing", sorted(VIEWS - views)))
    return found
