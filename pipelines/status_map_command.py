"""`bookingest status-map`: the labels that quarantined rows (`unknown`), and adding one to the map (`add`)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from pipelines.discover import UsageError
from pipelines.output import print_table
from pipelines.shown import shown
from schemas.vocab import Source, Status

EXIT_OK, EXIT_REFUSED = 0, 1


def add_parser(sub: Any) -> None:
    """Register `status-map unknown` and `status-map add` on the CLI's subparsers."""
    from pipelines import cli  # cli imports this module: its helpers are there by now

    status_map = sub.add_parser("status-map", help="the status map: labels that quarantined rows, adding one")
    actions = status_map.add_subparsers(dest="action", metavar="ACTION", required=True)
    unknown = actions.add_parser("unknown", help="the status labels that quarantined rows, by source, with counts")
    unknown.add_argument("--json", action="store_true", help="print JSON on stdout")
    cli._db_option(unknown)
    unknown.set_defaults(run=list_unknown)

    add = actions.add_parser("add", help="map a platform's status label to one of the 9 statuses")
    add.add_argument("source", metavar="SOURCE", help=f"the platform: {', '.join(Source)}")
    add.add_argument("label", metavar="LABEL", help='the label as the export writes it, e.g. "Arriving next week"')
    add.add_argument("status", metavar="STATUS", help=f"the canonical status: {', '.join(Status)}")
    add.add_argument("--replace", action="store_true", help="change the status of a label the map has already")
    cli._db_option(add)
    add.set_defaults(run=add_label)


def list_unknown(args: argparse.Namespace) -> int:
    from loaders.db import status_map_entries
    from loaders.quarantine import unknown_labels
    from pipelines import cli
    from schemas.status_map import StatusMap

    engine = cli._open_existing(args)
    found = unknown_labels(engine, StatusMap(status_map_entries(engine)))
    if args.json:
        sys.stdout.write(json.dumps([u.__dict__ for u in found], indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    table = [(u.source, u.label, str(u.rows), str(u.files), u.status or "unknown") for u in found]
    print_table(("source", "label", "rows", "files", "maps to now"), table, sys.stdout, right=(2, 3))
    unknown = [u for u in found if u.status is None]
    print(f"\n{len(unknown)} unknown label(s) quarantine {sum(u.rows for u in unknown)} row(s)", end="")
    print('; add each with `bookingest status-map add SOURCE "LABEL" STATUS`' if unknown else "")
    if len(unknown) < len(found):  # mapped since: the rows wait for a replay
        print("labels mapped since their rows were quarantined: run `bookingest replay --all` to load those rows")
    return EXIT_OK


def add_label(args: argparse.Namespace) -> int:
    from loaders import status_labels
    from pipelines import cli
    from pipelines.settings import Settings

    source, status, label = args.source.strip().lower(), args.status.strip().lower(), args.label.strip()
    if source not in list(Source):
        raise UsageError(f"unknown source {args.source!r}; choose one of: {', '.join(Source)}")
    if status not in list(Status):
        raise UsageError(f"unknown status {args.status!r}; choose one of the 9 statuses: {', '.join(Status)}")
    if not label:
        raise UsageError("the label is empty; give it as the export writes it, in quotes")
    engine = cli._open_existing(args, writes=True)
    outcome = status_labels.add_label(engine, source, label, status, args.replace, Settings.load().tuning())
    existing = ", ".join(f"'{raw}' -> {st}" for raw, st in outcome.existing)
    if outcome.done == "conflict":
        print(
            shown(f"bookingest: the status map has {source} {existing} already; nothing changed "
                  f"(add --replace to make it {status})"),
            file=sys.stderr,
        )  # fmt: skip
        return EXIT_REFUSED
    if outcome.done == "same":
        print(shown(f"{source} '{label}' maps to {status} already ({existing}); nothing changed"))
        return EXIT_OK
    verb = "added" if outcome.done == "added" else f"replaced ({existing})"
    numbers = " (the number in it matches any number)" if re.search(r"\d", label) else ""
    print(shown(f"{verb}: {source} '{label}' -> {status}{numbers}; run `bookingest replay --all` to load its rows"))
    return EXIT_OK
