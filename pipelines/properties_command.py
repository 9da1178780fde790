"""The `bookingest properties` command: the houses with their aliases and booking counts; `alias`
adds a platform's name for a house; `merge` joins two properties that are one house."""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import json
import sys
from typing import Any

from sqlalchemy import Connection, func, select

from loaders.aliases import add_aliases
from loaders.merge_lock import merged_in_turn
from loaders.property_merge import merge_properties
from loaders.tables import bookings, properties, tasks
from pipelines.discover import UsageError
from pipelines.output import print_table
from pipelines.shown import shown
from reports.bookings import conflicts
from reports.properties import houses
from schemas.vocab import Source

EXIT_OK, EXIT_REFUSED = 0, 1
SOURCES = [s.value for s in Source]


def add_parser(sub: Any) -> None:
    """Register the command on the CLI's subparsers."""
    cmd = sub.add_parser(
        "properties",
        help="the houses with their aliases and bookings; add an alias; merge two properties",
        description="List every property (house) with its aliases, each platform's name for it, and "
        "how many bookings it holds.",
    )
    _options(cmd)
    actions = cmd.add_subparsers(dest="action", metavar="ACTION")
    alias = actions.add_parser(
        "alias",
        help="make a platform's name for a house (a listing title) an alias of it",
        description="From now on, rows of SOURCE naming NAME land on HOUSE. A property of its own called "
        "NAME is that house: it is merged into HOUSE.",
    )
    alias.add_argument("house", metavar="HOUSE", help="the property the name stands for")
    alias.add_argument("--source", required=True, help=f"the platform that calls it so ({', '.join(SOURCES)})")
    alias.add_argument("alias", metavar="NAME", help='the platform\'s name for it, e.g. "Sunny 2BR by the sea"')
    _options(alias, nested=True)
    merge = actions.add_parser(
        "merge",
        help="join two properties that are one house",
        description="OTHER's bookings move to KEEP, its aliases follow and its name becomes an alias of KEEP "
        "for the sources its bookings came from; OTHER is deleted; the same-day turnovers and double "
        "bookings of KEEP are recomputed, all in one transaction.",
    )
    merge.add_argument("keep", metavar="KEEP", help="the property that stays")
    merge.add_argument("other", metavar="OTHER", help="the property that is the same house")
    _options(merge, nested=True)
    cmd.set_defaults(run=run)


def _options(parser: argparse.ArgumentParser, nested: bool = False) -> None:
    # Given before or after the action: the action's parser must not reset what the command's set.
    default = argparse.SUPPRESS if nested else None
    parser.add_argument("--json", action="store_true", default=default or False, help="print JSON on stdout")
    parser.add_argument("--db", metavar="URL", default=default, help="database URL (default: $BOOKINGEST_DATABASE_URL)")


def run(args: argparse.Namespace) -> int:
    from pipelines import cli  # the report commands' database opener (cli imports this module)
    from pipelines.settings import Settings

    engine = cli._open_existing(args, writes=args.action is not None)
    tuning = Settings.load().tuning()
    if args.action is None:
        return _list(engine, args.json)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with merged_in_turn(engine, tuning) as conn:  # as an ingest's merge: one at a time
        if args.action == "alias":
            return _alias(conn, args, now, tuning)
        return _merge(conn, args, now, tuning)


def _list(engine: Any, as_json: bool) -> int:
    found = houses(engine)
    if as_json:
        json.dump([h.to_json() for h in found], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return EXIT_OK
    rows = [(h.name, str(h.bookings), "; ".join(f"{s}: {a}" for s, a in h.aliases) or "-") for h in found]
    print_table(("property", "bookings", "aliases (source: name)"), rows, sys.stdout, right=[1])
    print(f"\n{len(found)} propert{'y' if len(found) == 1 else 'ies'}")
    return EXIT_OK


def _property(conn: Connection, name: str) -> int:
    """The id of the property called `name`; UsageError naming the closest ones otherwise."""
    p = properties.c
    found = conn.execute(select(p.id).where(p.name == name)).scalar()
    if found is not None:
        return int(found)
    names = list(conn.execute(select(p.name)).scalars())
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else "; `bookingest properties` lists them"
    raise UsageError(f"no property is called {name!r}{hint}")


def _alias(conn: Connection, args: argparse.Namespace, now: dt.datetime, tuning: Any) -> int:
    if args.source not in SOURCES:
        raise UsageError(f"unknown --source {args.source!r}; choose one of: {', '.join(SOURCES)}")
    alias = args.alias.strip()  # kept as written; matched by schemas.aliases.name_key
    if not alias or len(alias) > 200:
        raise UsageError(f"an alias is 1 to 200 characters, not {len(alias)}: {args.alias!r}")
    house = _property(conn, args.house)
    outcome = add_aliases(conn, [(args.source, alias, house)], now, tuning)
    result: dict[str, Any] = {"house": args.house, "source": args.source, "alias": alias}
    if outcome.kept:
        _, _, other, _ = outcome.kept[0]
        print(
            shown(
                f"bookingest: {args.source} {alias!r} is already an alias of {other!r}, so it was not added; if the "
                f"two are one house: bookingest properties merge {other!r} {args.house!r}"
            ),
            file=sys.stderr,
        )
        return EXIT_REFUSED
    if outcome.refused and not outcome.added:
        print(f"bookingest: {outcome.refused[0]}", file=sys.stderr)
        return EXIT_REFUSED
    lines = [f"{args.source} {alias!r} is " + ("now" if outcome.added else "already") + f" an alias of {args.house!r}"]
    lines += [
        f"{m.other!r} was that house: merged into {m.keep!r} ({m.moved} booking(s) moved)" for m in outcome.merged
    ]
    result |= {"added": bool(outcome.added), "merged": [m.other for m in outcome.merged]}
    _say(args, lines, result)
    return EXIT_OK


def _merge(conn: Connection, args: argparse.Namespace, now: dt.datetime, tuning: Any) -> int:
    keep, other = _property(conn, args.keep), _property(conn, args.other)
    if keep == other:
        raise UsageError(f"{args.keep!r} and {args.other!r} are the same property")
    merged = merge_properties(conn, keep, other, now, tuning)
    # Recomputed in the merge's transaction: what the house now holds.
    b, t = bookings.c, tasks.c
    turnovers = conn.execute(
        select(func.count()).select_from(tasks.join(bookings, b.id == t.booking_id))
        .where(b.property_id == keep, t.same_day_turnover.is_(True))
    ).scalar_one()  # fmt: skip
    found = [str(c) for c in conflicts(conn, property_name=merged.keep)]
    aliases = ", ".join(f"{s} {a!r}" for s, a in merged.aliases) or "none"
    lines = [
        f"merged {merged.other!r} into {merged.keep!r}: {merged.moved} booking(s) moved; aliases of "
        f"{merged.keep!r}: {aliases}",
        f"{turnovers} same-day turnover(s) at {merged.keep!r}; {len(found)} double booking(s)" + (":" if found else ""),
        *(f"  {c}" for c in found),
    ]
    result = {
        "keep": merged.keep,
        "other": merged.other,
        "moved": merged.moved,
        "aliases": [{"source": s, "alias": a} for s, a in merged.aliases],
        "same_day_turnovers": turnovers,
        "double_bookings": found,
    }
    _say(args, lines, result)
    return EXIT_OK


def _say(args: argparse.Namespace, lines: list[str], result: dict[str, Any]) -> None:
    if args.json:
        json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(shown("\n".join(lines)))
