"""`bookingest inbox run`: drain an inbox folder once (what a scheduled run does), with the ingest's summary."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines import start
from pipelines.output import Progress, Shown, print_summary

if TYPE_CHECKING:
    from pipelines.inbox_run import Inbox


def add_parser(sub: Any) -> None:
    """Register the command on the CLI's subparsers."""
    from pipelines import cli  # cli imports this module: its helpers are there by now

    inbox = sub.add_parser("inbox", help="drain an inbox folder: claim, load and file away each ready file")
    commands = inbox.add_subparsers(dest="inbox_command", metavar="COMMAND", required=True)
    run_cmd = commands.add_parser(
        "run",
        help="process every ready file of the inbox once",
        description="Process every file of the inbox that has settled: claim it in the database, load it, "
        "then move it to ARCHIVE/YYYY/MM (loaded or duplicate) or to REJECTED with NAME.error.txt.",
    )
    run_cmd.add_argument("inbox", nargs="?", metavar="INBOX", help="the inbox folder (default: $BOOKINGEST_INBOX)")
    run_cmd.add_argument(
        "--archive", metavar="DIR", help="where loaded and duplicate files go (default: INBOX/archive)"
    )
    run_cmd.add_argument(
        "--rejected", metavar="DIR", help="where rejected files and sidecars go (default: INBOX/rejected)"
    )
    cli._db_option(run_cmd)
    run_cmd.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    run_cmd.add_argument("--settle", metavar="SECONDS", help="how long a file must be unchanged (default: 10)")
    run_cmd.add_argument("--worker", metavar="NAME", help="this worker's name in the claims (default: host-pid)")
    run_cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pipelines import cli
    from pipelines.discover import UsageError
    from pipelines.settings import Settings

    settings = Settings.load()
    folder = args.inbox or settings.inbox
    if not folder:
        raise UsageError("name the inbox folder (bookingest inbox run INBOX) or set BOOKINGEST_INBOX")
    from pipelines.inbox_run import Inbox

    inbox = Inbox.at(
        Path(folder),
        _folder(args.archive or settings.archive_dir),
        _folder(args.rejected or settings.rejected_dir),
        _seconds(args.settle, "--settle") if args.settle is not None else settings.settle_seconds,
        settings.lease_seconds,
        settings.machine_slots,
    )
    _check_folders(inbox)
    worker = args.worker if args.worker is not None else settings.worker_name
    if not worker.strip():
        raise UsageError("--worker: the worker's name is empty")
    url = args.db or settings.database_url
    tuning = settings.tuning()
    listed_at = time.time()  # before the listing: every file there by then is in it
    files, unread = inbox.waiting()

    from loaders.errors import DatabaseUnavailable
    from pipelines.inbox_run import drain
    from pipelines.ingest import open_database

    try:
        engine = open_database(url, tuning)
    except DatabaseUnavailable as err:
        raise UsageError(str(err)) from None
    with Progress(len(files)) as progress:
        args.done = []  # what an unexpected error's --json still reports (crash.report)

        def done(result: Any) -> None:
            args.done.append(result)
            progress.advance(result)

        results = drain(engine, inbox, worker, tuning, on_file=done, files=files, unread=unread)
    summary: dict[str, Any] = {
        "database": cli._safe_url(url),
        "inbox": str(inbox.folder),
        "archive": str(inbox.archive),
        "rejected": str(inbox.rejected),
        "worker": worker,
    }
    if not inbox.left_for_the_next_run(files, results):  # a run waiting for this place has nothing left
        start.drained(listed_at, summary)
    if args.json:
        summary["files"] = [r.to_json() for r in results]
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        if results:
            print_summary(results, sys.stdout)
            out = Shown(sys.stdout)
            moved = [r for r in results if r.moved_to]
            if moved:
                out.write("\nFiled:\n")
                out.writelines(f"  {r.path} -> {r.moved_to}\n" for r in moved)
        elif settling := inbox.settling():
            Shown(sys.stdout).write(
                f"{inbox.folder}: no file ready; {len(settling)} still changed within the last "
                f"{inbox.settle_seconds:g} s (being written or copied), so the next run takes "
                f"{'it' if len(settling) == 1 else 'them'}\n"
            )
        else:
            Shown(sys.stdout).write(f"{inbox.folder}: no file ready; nothing to do\n")
    failed = any(r.status == "rejected" or r.rejected for r in results)
    return cli.EXIT_REJECTED if failed else cli.EXIT_OK


def _folder(value: str | None) -> Path | None:
    return Path(value) if value else None


def _seconds(text: str, option: str) -> float:
    from pipelines.discover import UsageError

    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{option}: {text!r} is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):
        raise UsageError(f"{option}: {text!r} is not a number of seconds (0 or more)")
    return value


def _check_folders(inbox: Inbox) -> None:
    """The inbox must be a folder we can read; archive and rejected folders are made if missing
    and must be writable: a usage error (exit 2) before any file is claimed."""
    from pipelines.discover import UsageError

    if not inbox.folder.is_dir():
        what = "is not a folder" if inbox.folder.exists() else "does not exist"
        raise UsageError(f"the inbox {inbox.folder} {what}")
    if not os.access(inbox.folder, os.R_OK | os.X_OK):
        raise UsageError(f"the inbox {inbox.folder} cannot be read")
    for name, folder in (("archive", inbox.archive), ("rejected", inbox.rejected)):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise UsageError(f"the {name} folder {folder} cannot be made ({err.strerror})") from None
        if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
            raise UsageError(f"the {name} folder {folder} is not a writable folder (--{name} DIR)")
