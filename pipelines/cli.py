"""The `bookingest` command line: argument parsing, the commands, exit statuses (the printing is in output.py)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from pipelines import (
    crash,
    db_command,
    inbox_command,
    layouts_command,
    lifecycle_command,
    payouts_command,
    properties_command,
    report_command,
)
from pipelines.discover import FileOptions, Unread, UsageError, discover, parse_as_of
from pipelines.output import Progress, print_summary
from pipelines.results import FileResult
from pipelines.shown import shown

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    not_text = next((a for a in (sys.argv[1:] if argv is None else argv) if not _is_text(a)), None)
    if not_text is not None:  # a name the database cannot store (bytes that are not UTF-8)
        print(shown(f"bookingest: {not_text!r} is not valid UTF-8 text; rename it or retype it"), file=sys.stderr)
        return EXIT_USAGE
    args = parser.parse_args(argv)
    crash.install_thread_hook(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.run(args))
    except UsageError as err:
        print(shown(f"bookingest: {err}"), file=sys.stderr)  # it may quote a value from a file
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("bookingest: interrupted; files already reported as loaded stay loaded", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`bookingest layouts | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except (SystemExit, GeneratorExit):
        raise
    except BaseException as err:  # the last resort, a Rust reader's PanicException too: a sentence and a log
        return crash.report(err, argv, args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bookingest", description="Load booking exports into one database.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    ingest = sub.add_parser(
        "ingest", help="load export files and folders", description="Load export files and folders."
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="export files, or folders to walk")
    _db_option(ingest)
    ingest.add_argument(
        "--source", help="force a layout instead of detecting it (a name that `bookingest layouts` lists)"
    )
    ingest.add_argument("--property", help="the property of exports that name none (Booking.com: one per account)")
    ingest.add_argument("--as-of", help="the moment the export describes (default: the file's modification time)")
    ingest.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    ingest.add_argument(
        "--dry-run", action="store_true", help="read, check and report as a real run would, then write nothing"
    )
    mode = ingest.add_mutually_exclusive_group()
    mode.add_argument("--prefect", dest="prefect", action="store_const", const="yes", help="run as a Prefect flow run")
    mode.add_argument("--no-prefect", dest="prefect", action="store_const", const="no", help="run in this process only")
    ingest.set_defaults(run=_ingest)

    serve = sub.add_parser(
        "serve",
        help="drain an inbox folder on a schedule: serves the ingest-inbox flow (one machine)",
        description="Serve the ingest-inbox flow from this process: on each tick of --cron, a flow run drains "
        "the inbox once (see prefect.yaml and a work pool for several machines).",
    )
    serve.add_argument("inbox", metavar="INBOX", help="the inbox folder")
    serve.add_argument("--archive", metavar="DIR", help="where processed files go (default: INBOX/archive)")
    _db_option(serve)
    serve.add_argument("--cron", default="*/15 * * * *", help='when to drain the inbox (default: "*/15 * * * *")')
    serve.set_defaults(run=_serve)

    from pipelines import config_command  # a command of its own, imported where it is registered

    config_command.add_parser(sub)
    lifecycle_command.add_parser(sub)
    db_command.add_parser(sub)
    inbox_command.add_parser(sub)
    layouts_command.add_parser(sub)
    payouts_command.add_parser(sub)
    properties_command.add_parser(sub)
    from pipelines import replay_command, status_map_command  # here: the import line above stays as it was

    replay_command.add_parser(sub)
    status_map_command.add_parser(sub)
    report_command.add_parser(sub)
    return parser


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="URL", help="database URL (default: $BOOKINGEST_DATABASE_URL or sqlite:///bookingest.db)"
    )


def _ingest(args: argparse.Namespace) -> int:
    from pipelines.settings import Settings

    settings = Settings.load()
    url = args.db or settings.database_url
    tuning = settings.tuning()
    options = FileOptions(
        source=args.source,
        property=args.property,
        as_of=parse_as_of(args.as_of, "--as-of") if args.as_of is not None else None,  # "" is an error too
    )
    unread: list[Unread] = []  # below the folders: reported as rejected, never skipped without a word
    files = discover(args.paths, options, unread)
    if not files and not unread:
        raise UsageError("no files found in " + ", ".join(args.paths))
    mode = args.prefect or settings.prefect
    if args.dry_run:  # creating the database would be a write
        _must_exist(url, "a dry run writes nothing, so it does not create one; pass --db")
    if args.dry_run and args.prefect == "yes":  # a flow run is a record in Prefect's database
        raise UsageError("--dry-run writes nothing, so it runs in this process only: drop --prefect")
    use_prefect = not args.dry_run and (mode == "yes" or (mode == "auto" and settings.prefect_api_url is not None))
    if not use_prefect and files:
        from sources.workbooks import prefetch

        # A workbook is read meanwhile: the imports below, the connection and the hash take seconds.
        prefetch(files[0][0], tuning)

    from loaders.errors import DatabaseUnavailable
    from pipelines.declared import check_source
    from pipelines.ingest import ingest_paths, open_database

    for path, file_options in files:  # a layout the operator declared is known in its folder only
        check_source(file_options.source, file_options, path)

    try:
        # Opened here in both modes, so that a wrong URL is a usage error, never a per-file one.
        engine = open_database(url, tuning)
        if use_prefect:
            from pipelines.flows import ingest_flow

            results = ingest_flow(args.paths, url, options, tuning)
        else:
            with Progress(len(files)) as progress:
                args.done = []  # what an unexpected error's --json still reports (crash.report)

                def done(result: Any) -> None:
                    args.done.append(result)
                    progress.advance(result)

                results = ingest_paths(engine, files, done, tuning, args.dry_run)
    except DatabaseUnavailable as err:
        raise UsageError(str(err)) from None
    if not use_prefect:  # a flow run reports them itself
        results = [*map(FileResult.unread, unread), *results]

    if args.json:
        summary = {"database": _safe_url(url), "dry_run": args.dry_run, "files": [r.to_json() for r in results]}
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")  # whole or not at all: never half a document
    else:
        print_summary(results, sys.stdout)
    failed = any(r.status == "rejected" or r.rejected for r in results)
    return EXIT_REJECTED if failed else EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from pipelines.serving import serve_inbox
    from pipelines.settings import Settings

    serve_inbox(args.inbox, args.archive, args.db or Settings.load().database_url, args.cron)
    return EXIT_OK


def _must_exist(url: str, hint: str) -> None:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        from pathlib import Path

        if not Path(url.removeprefix("sqlite:///")).exists():
            raise UsageError(f"no database at {url}; {hint}")


def _open_existing(args: argparse.Namespace, writes: bool = False) -> Any:
    """The database for a report command (read-only unless it `writes`): it must exist already."""
    from loaders.errors import DatabaseUnavailable
    from pipelines.ingest import open_database
    from pipelines.settings import Settings

    settings = Settings.load()
    url = args.db or settings.database_url
    _must_exist(url, "run `bookingest ingest` first or pass --db")
    try:
        return open_database(url, settings.tuning(), read_only=not writes)
    except DatabaseUnavailable as err:
        raise UsageError(str(err)) from None


def _date(text: str, option: str) -> Any:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option}: {text!r} is not a date (use YYYY-MM-DD)") from None


def _safe_url(url: str) -> str:
    from pipelines.config_command import masked_url

    return masked_url(url)


if __name__ == "__main__":
    sys.exit(main())
