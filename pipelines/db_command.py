"""The `bookingest db` command: `upgrade` the schema to this version's newest revision, show the
`current` one, list the `history` of revisions (Alembic's, in loaders/migrations)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from loaders import db, migrate
from loaders.errors import DatabaseUnavailable
from pipelines.discover import UsageError
from pipelines.shown import shown

EXIT_OK = 0


def add_parser(sub: Any) -> None:
    """Register the command on the CLI's subparsers."""
    cmd = sub.add_parser(
        "db",
        help="the database schema: upgrade it after installing a new version, show its revision, list revisions",
        description="The database schema is built by revisions (Alembic migrations). A new, empty database "
        "is built on first use; an existing one is changed only by `bookingest db upgrade`.",
    )
    actions = cmd.add_subparsers(dest="action", metavar="ACTION", required=True)
    upgrade = actions.add_parser(
        "upgrade",
        help="bring the database to this version's newest revision (back it up first)",
        description="Apply the revisions the database lacks, in one transaction. A database made by a "
        "bookingest from before migrations is first stamped with the revision its schema has.",
    )
    upgrade.set_defaults(run=_upgrade)
    current = actions.add_parser(
        "current",
        help="the database's revision, and whether it is the newest (exit 2 when not)",
        description="Print the revision the database is at; exit 2, saying what to do, when this version "
        "cannot use it as it is. Reads only.",
    )
    current.set_defaults(run=_current)
    history = actions.add_parser(
        "history",
        help="the revisions this version knows, oldest first",
        description="List every revision with what it does; with --db, mark the one the database is at.",
    )
    history.set_defaults(run=_history)
    for parser in (upgrade, current, history):
        parser.add_argument(
            "--db", metavar="URL", help="database URL (default: $BOOKINGEST_DATABASE_URL or sqlite:///bookingest.db)"
        )


def _url(args: argparse.Namespace) -> str:
    from pipelines.settings import Settings

    return str(args.db or Settings.load().database_url)


def _upgrade(args: argparse.Namespace) -> int:
    from pipelines.settings import Settings
    from schemas.status_map import load_seed

    url = _url(args)
    try:
        done = db.upgrade_database(url, load_seed(), Settings.load().tuning())
    except DatabaseUnavailable as err:
        raise UsageError(str(err)) from None
    out = sys.stdout
    if done.stamped:
        print(f"stamped {done.found}: made before migrations, the database has that revision's schema", file=out)
    elif done.found is None:
        print("empty database: building the schema", file=out)
    for script in done.applied:
        print(f"applied {script.revision}  {shown(script.doc)}", file=out)
    if done.applied:
        print(f"upgraded to {migrate.head()}, the newest revision", file=out)
    elif done.stamped:
        print(f"at {migrate.head()}, the newest revision", file=out)
    else:
        print(f"already at {migrate.head()}, the newest revision: nothing to do", file=out)
    return EXIT_OK


def _current(args: argparse.Namespace) -> int:
    from pipelines import cli  # the check that a database file exists (cli imports this module)
    from pipelines.settings import Settings

    url = _url(args)
    cli._must_exist(url, "bookingest builds one on first use, or pass --db")
    try:
        found, refused = db.schema_state(url, Settings.load().tuning())
    except DatabaseUnavailable as err:
        raise UsageError(str(err)) from None
    if refused is not None:
        if found is None:
            made = f"the schema of revision {refused.matches}" if refused.matches else "some of its tables only"
            print(f"none: made before migrations, with {made}")
        else:
            print(found)
        raise UsageError(str(refused))
    if found is None:
        print(f"none: an empty database, built to {migrate.head()} on first use")
    else:
        print(f"{found} (the newest revision)")
    return EXIT_OK


def _history(args: argparse.Namespace) -> int:
    found = None
    if args.db:  # only then: the history is this version's, whatever the database
        from pipelines import cli

        cli._must_exist(args.db, "pass the URL of an existing database")
        try:
            found, _ = db.schema_state(args.db)
        except DatabaseUnavailable as err:
            raise UsageError(str(err)) from None
    for script in migrate.revisions():
        marks = [
            m
            for m, on in (("newest", script.revision == migrate.head()), ("this database", script.revision == found))
            if on
        ]
        print(f"{script.revision}  {shown(script.doc)}" + (f"  ({', '.join(marks)})" if marks else ""))
    return EXIT_OK
