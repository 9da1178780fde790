"""The schema's revisions (Alembic, in loaders/migrations): which one a database is at, bringing it to
the newest, and recognizing a database made before migrations. Everything here runs on a connection
the caller holds the schema lock on (loaders.db.schema_lock), in its one transaction."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext, MigrationInfo
from alembic.script import Script, ScriptDirectory
from sqlalchemy import Connection, inspect
from sqlalchemy.exc import SQLAlchemyError

from loaders.analytics import stored  # noqa: F401  (its tables are in the metadata the revisions are compared with)
from loaders.dialects.postgresql import code_collation
from loaders.errors import SchemaNotCurrent, SchemaUpgradeFailed, first_line, is_transient
from loaders.tables import metadata

MIGRATIONS = Path(__file__).with_name("migrations")
# The tables of the schema before migrations (revision 0001): a database holding all of them and
# no alembic_version was made by bookingest 0.1 (see `release_revision`).
RELEASE_TABLES = (
    "properties", "property_aliases", "source_files", "bookings", "status_map", "rejected_rows",
    "source_file_keys", "booking_changes", "tasks", "payouts",
)  # fmt: skip


def alembic_config() -> Config:
    """Alembic's configuration, made in code: the migrations are found in the installed package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@cache
def scripts() -> ScriptDirectory:
    """The revisions, read once per process (every fresh database is upgraded with them)."""
    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    """The newest revision: the schema this version of bookingest reads and writes."""
    newest = scripts().get_current_head()
    assert newest is not None, "loaders/migrations/versions holds no revision"
    return newest


def revisions() -> list[Script]:
    """Every revision, oldest first."""
    return list(reversed(list(scripts().walk_revisions())))


def revision_of(conn: Connection) -> str | None:
    """The revision alembic_version records (None: no such table, or it is empty)."""
    return MigrationContext.configure(conn).get_current_revision()


def has_our_tables(conn: Connection) -> bool:
    """Whether any table of bookingest's is there (with no revision recorded: made before migrations)."""
    return bool(set(inspect(conn).get_table_names()) & {*RELEASE_TABLES, *metadata.tables})


def is_known(revision: str) -> bool:
    return revision in {s.revision for s in scripts().walk_revisions()}


def release_revision(conn: Connection) -> str | None:
    """The revision whose schema a database made before migrations has (None: not all of bookingest
    0.1's tables are there, so it is no database of ours). Its start-up made the tables, then added
    bookings.row_hash (0002) and, on PostgreSQL, gave booking codes the "C" collation (0003)."""
    found = inspect(conn)
    if not set(RELEASE_TABLES) <= set(found.get_table_names()):
        return None
    if "row_hash" not in {c["name"] for c in found.get_columns("bookings")}:
        return "0001"
    if conn.dialect.name == "postgresql" and code_collation(conn) != "C":
        return "0002"
    return "0003"


def refusal(conn: Connection) -> SchemaNotCurrent | None:
    """Why this version may not use the database as it is (None: it is at the newest revision, or
    empty, for `upgrade` to build)."""
    found = revision_of(conn)
    if found == head() or (found is None and not has_our_tables(conn)):
        return None
    if found is None:
        return SchemaNotCurrent(_shown(conn), None, head(), release_revision(conn) or "")
    return SchemaNotCurrent(_shown(conn), found, head(), newer=not is_known(found))


@dataclass(frozen=True)
class Upgrade:
    """What `upgrade` did: the revision it found (or stamped, for a database made before
    migrations) and the revisions it applied, oldest first."""

    found: str | None
    stamped: bool
    applied: list[Script]


def upgrade(conn: Connection, existing: bool = False) -> Upgrade:
    """Bring the database to the newest revision: an empty one always; with `existing` (`bookingest db
    upgrade`) one at an older revision too, and one made before migrations, first stamped with the
    revision its schema has. Anything else is refused (SchemaNotCurrent), unchanged."""
    found = revision_of(conn)
    refused = refusal(conn)
    if refused is not None and (not existing or refused.newer or (found is None and not refused.matches)):
        raise refused
    stamped = False
    if found is None and refused is not None:  # made before migrations: its schema is that revision's
        matched = refused.matches
        _run(conn, lambda rev, context: scripts()._stamp_revs(matched, rev))
        found, stamped = matched, True
    applied = [] if found == head() else _between(found)
    done: list[str] = []
    try:
        if applied:
            _run(conn, lambda rev, context: scripts()._upgrade_revs(head(), rev), done)
    except SQLAlchemyError as err:
        if is_transient(err):  # the caller retries the whole transaction
            raise
        failed = applied[min(len(done), len(applied) - 1)].revision  # the first not applied
        raise SchemaUpgradeFailed(_shown(conn), failed, first_line(err)) from err
    return Upgrade(found, stamped, applied)


def _between(found: str | None) -> list[Script]:
    """The revisions after `found` up to the newest, oldest first."""
    return list(reversed(list(scripts().iterate_revisions(head(), found or "base"))))


def _run(conn: Connection, steps: Any, done: list[str] | None = None) -> None:
    """Run Alembic's `steps` function (what command.upgrade and command.stamp pass) on `conn`, in its
    transaction, with the cached revisions: no env.py read, no second connection. The revisions
    applied are added to `done` as they are."""

    def applied(
        ctx: MigrationContext, step: MigrationInfo, heads: Collection[Any], run_args: Mapping[str, Any]
    ) -> None:
        if done is not None:
            done.append(str(step.up_revision_id))

    with EnvironmentContext(alembic_config(), scripts(), fn=steps) as env:
        env.configure(connection=conn, on_version_apply=applied, **context_options())
        env.run_migrations()


def context_options() -> dict[str, Any]:
    """How the migrations are compared and run, for `_run` and for env.py (Alembic's own command line)."""
    return {"target_metadata": metadata, "compare_type": True, "compare_server_default": True}


def _shown(conn: Connection) -> str:
    return conn.engine.url.render_as_string(hide_password=True)
