"""The commands on quarantined rows: `rejected` (list them) and `replay` (load those that pass now)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pipelines.discover import UsageError
from pipelines.output import print_table
from pipelines.shown import shown

EXIT_OK, EXIT_STILL_QUARANTINED, EXIT_USAGE = 0, 1, 2
MAX_ID = 2**31 - 1  # source_files.id is a 32-bit INTEGER on PostgreSQL: a larger id names no file
_REJECTED = ("file", "name", "row", "column", "value", "reason")
_REPLAYED = ("file", "name", "quarantined", "replayed", "inserted", "updated", "unchanged", "still", "as file")


def add_parser(sub: Any) -> None:
    """Register `rejected` and `replay` on the CLI's subparsers."""
    from pipelines import cli  # cli imports this module: its helpers are there by now

    rejected = sub.add_parser("rejected", help="the quarantined rows: file, row, column, value and reason")
    rejected.add_argument("--file", type=int, metavar="ID", help="only the rows of this file (its id)")
    rejected.add_argument("--json", action="store_true", help="print JSON on stdout")
    cli._db_option(rejected)
    rejected.set_defaults(run=list_rejected)

    replay = sub.add_parser(
        "replay",
        help="load the quarantined rows that pass now (after `status-map add`, or a new alias)",
        description="Read a loaded file again, check its quarantined rows again, load those that pass now.",
    )
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--file", type=int, metavar="ID", help="the file whose rows to replay (its id)")
    which.add_argument("--all", action="store_true", help="every file that has quarantined rows")
    replay.add_argument("--json", action="store_true", help="print JSON on stdout")
    cli._db_option(replay)
    replay.set_defaults(run=run_replay)


def _file_id(value: int | None) -> int | None:
    if value is not None and not 0 < value <= MAX_ID:
        raise UsageError(f"no file with id {value}")
    return value


def list_rejected(args: argparse.Namespace) -> int:
    from loaders.quarantine import quarantined
    from pipelines import cli

    file_id = _file_id(args.file)
    engine = cli._open_existing(args)
    if file_id is not None:
        from loaders.quarantine import stored_file

        if stored_file(engine, file_id) is None:
            raise UsageError(f"no file with id {file_id}")
    found = quarantined(engine, file_id)
    if args.json:
        sys.stdout.write(json.dumps([row.__dict__ for row in found], indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    table = [(str(q.file_id), q.file, str(q.row), q.column or "-", "-" if q.value is None else q.value, q.reason)
             for q in found]  # fmt: skip
    print_table(_REJECTED, table, sys.stdout, right=(0, 2))
    rows = len({(q.file_id, q.row) for q in found})
    print(f"\n{rows} quarantined row(s) in {len({q.file_id for q in found})} file(s)")
    return EXIT_OK


def run_replay(args: argparse.Namespace) -> int:
    from loaders.errors import GaveUp
    from loaders.quarantine import with_quarantined_rows
    from loaders.retry import retrying
    from pipelines import cli
    from pipelines.replay import ReplayResult, is_earnings, replay_file
    from pipelines.settings import Settings

    file_id = _file_id(args.file)
    tuning = Settings.load().tuning()
    engine = cli._open_existing(args, writes=True)
    # --all: not the earnings exports, whose quarantined lines no replay can load (see is_earnings)
    ids = (
        [file_id]
        if file_id is not None
        else [n for n, layout in with_quarantined_rows(engine) if not is_earnings(layout)]
    )
    results: list[ReplayResult] = []
    for one in ids:
        try:
            results.append(retrying(lambda n=one: replay_file(engine, n, tuning), tuning))  # type: ignore[misc]
        except UsageError as err:  # gone, changed, its declared layouts unusable now
            if file_id is not None:  # the one file asked for: a usage error, in one sentence
                raise
            results.append(ReplayResult(one, "", error=str(err)))
        except GaveUp as err:
            results.append(ReplayResult(one, "", error=f"the database {err.what()}; nothing of it was replayed"))
    if args.json:
        sys.stdout.write(json.dumps({"files": [r.to_json() for r in results]}, indent=2, ensure_ascii=False) + "\n")
    else:
        _print(results)
    if any(r.error for r in results):
        return EXIT_USAGE
    return EXIT_STILL_QUARANTINED if any(r.still for r in results) else EXIT_OK


def _print(results: list[Any]) -> None:
    counts = ("quarantined", "replayed", "inserted", "updated", "unchanged", "still")
    table = [(str(r.file_id), r.path or "-", *(str(getattr(r, c)) for c in counts), str(r.replay_id or "-"))
             for r in results]  # fmt: skip
    print_table(_REPLAYED, table, sys.stdout, right=(0, *range(2, len(_REPLAYED))))
    for r in results:
        if r.error:
            print(shown(f"\nfile {r.file_id}: not replayed: {r.error}"))
        if r.reasons_changed:
            print(shown(f"\nfile {r.file_id}: {r.reasons_changed} row(s) still quarantined for a new reason"))
        for conflict in r.conflicts:
            print(shown(f"  double booking: {conflict}"))
    loaded, still = sum(r.replayed for r in results), sum(r.still for r in results)
    print(
        f"\n{len(results)} file(s): {loaded} row(s) replayed, {still} still quarantined"
        + ("; see `bookingest rejected`" if still else "")
    )
