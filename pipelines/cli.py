"""The `bookingest` command line: argument parsing, the commands, exit statuses (the printing is in output.py)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from pipelines import layouts_command, payouts_command, properties_command
from pipelines.discover import FileOptions, UsageError, discover, parse_as_of
from pipelines.output import Progress, print_summary, print_table

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.run(args))
    except UsageError as err:
        print(f"bookingest: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("bookingest: interrupted; files already reported as loaded stay loaded", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`bookingest layouts | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


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

    hist = sub.add_parser("history", help="a booking's timeline, one line per change")
    hist.add_argument("code", metavar="CODE", help="the booking's confirmation code / book number")
    hist.add_argument("--source", help="only the booking from this source (airbnb, booking_com, vrbo, direct, owner)")
    _db_option(hist)
    hist.set_defaults(run=_history)

    sched = sub.add_parser("tasks", help="the cleaning schedule between two dates")
    sched.add_argument("--from", dest="start", required=True, metavar="DATE", help="first day (YYYY-MM-DD)")
    sched.add_argument("--to", dest="end", required=True, metavar="DATE", help="last day (YYYY-MM-DD)")
    sched.add_argument("--property", help="only this property")
    sched.add_argument("--all", action="store_true", help="include cancelled tasks")
    sched.add_argument("--json", action="store_true", help="print JSON on stdout")
    _db_option(sched)
    sched.set_defaults(run=_tasks)

    mark = sub.add_parser("task", help="mark a cleaning task done, or lock it against imports")
    mark.add_argument("task_id", type=int, metavar="ID")
    action = mark.add_mutually_exclusive_group(required=True)
    action.add_argument("--done", action="store_true", help="the cleaning happened; imports never change it again")
    action.add_argument("--lock", action="store_true", help="imports never change it")
    action.add_argument(
        "--unlock", action="store_true", help="imports may change it again; it follows its booking at once"
    )
    _db_option(mark)
    mark.set_defaults(run=_task)

    conf = sub.add_parser("conflicts", help="double bookings: active stays of one property that overlap")
    conf.add_argument("--property", help="only this property")
    conf.add_argument("--json", action="store_true", help="print JSON on stdout")
    _db_option(conf)
    conf.set_defaults(run=_conflicts)

    serve = sub.add_parser("serve", help="watch an inbox folder on a schedule as a Prefect deployment")
    serve.add_argument("inbox", metavar="FOLDER")
    _db_option(serve)
    serve.add_argument("--cron", default="0 * * * *", help="when to ingest the inbox (default: hourly)")
    serve.set_defaults(run=_serve)

    layouts_command.add_parser(sub)
    payouts_command.add_parser(sub)
    properties_command.add_parser(sub)
    return parser


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
        as_of=parse_as_of(args.as_of, "--as-of") if args.as_of else None,
    )
    files = discover(args.paths, options)
    if not files:
        raise UsageError("no files found in " + ", ".join(args.paths))
    mode = args.prefect or settings.prefect
    if args.dry_run:  # creating the database would be a write
        _must_exist(url, "a dry run writes nothing, so it does not create one; pass --db")
    if args.dry_run and args.prefect == "yes":  # a flow run is a record in Prefect's database
        raise UsageError("--dry-run writes nothing, so it runs in this process only: drop --prefect")
    use_prefect = not args.dry_run and (mode == "yes" or (mode == "auto" and settings.prefect_api_url is not None))
    if not use_prefect:
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
                results = ingest_paths(engine, files, progress.advance, tuning, args.dry_run)
    except DatabaseUnavailable as err:
        raise UsageError(str(err)) from None

    if args.json:
        summary = {"database": _safe_url(url), "dry_run": args.dry_run, "files": [r.to_json() for r in results]}
        json.dump(summary, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_summary(results, sys.stdout)
    failed = any(r.status == "rejected" or r.rejected for r in results)
    return EXIT_REJECTED if failed else EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from pipelines.flows import ingest_flow
    from pipelines.settings import Settings

    url = args.db or Settings.load().database_url
    ingest_flow.serve(
        name="bookingest-inbox",
        cron=args.cron,
        parameters={"paths": [args.inbox], "database_url": url},
    )
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


def _history(args: argparse.Namespace) -> int:
    from reports.bookings import history

    timelines = history(_open_existing(args), args.code, args.source)
    if not timelines:
        print(
            f"bookingest: no booking with code {args.code!r}" + (f" from {args.source}" if args.source else ""),
            file=sys.stderr,
        )
        return EXIT_REJECTED
    for key, lines in timelines.items():
        print(key)
        for line in lines:
            print(f"  {line}")
    return EXIT_OK


def _tasks(args: argparse.Namespace) -> int:
    from reports.bookings import cleaning_schedule

    start, end = _date(args.start, "--from"), _date(args.end, "--to")
    if end < start:
        raise UsageError("--to is before --from")
    lines = cleaning_schedule(_open_existing(args), start, end, args.property, include_cancelled=args.all)
    if args.json:
        json.dump(
            [{**line.__dict__, "date": line.date.isoformat()} for line in lines],
            sys.stdout,
            indent=2,
            ensure_ascii=False,
        )
        sys.stdout.write("\n")
        return EXIT_OK
    header = ("date", "property", "guest leaving", "guest arriving", "same-day", "task", "status")
    table = [
        (str(t.date), t.property, t.guest_leaving or "-", t.guest_arriving or "-", "SAME DAY" if t.same_day_turnover else "",
         str(t.task_id), t.status + (" (locked)" if t.locked else ""))
        for t in lines
    ]  # fmt: skip
    print_table(header, table, sys.stdout)
    print(f"\n{len(lines)} cleaning task(s) from {start} to {end}")
    return EXIT_OK


def _task(args: argparse.Namespace) -> int:
    import datetime as dt

    from loaders.rules.tasks import mark_task

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    locked = None if args.done else bool(args.lock)
    if not mark_task(_open_existing(args, writes=True), args.task_id, now, done=bool(args.done), locked=locked):
        raise UsageError(f"no task with id {args.task_id}")
    print(f"task {args.task_id}: " + ("done" if args.done else "locked" if args.lock else "unlocked"))
    return EXIT_OK


def _conflicts(args: argparse.Namespace) -> int:
    from reports.bookings import conflicts

    found = conflicts(_open_existing(args), args.property)
    if args.json:
        json.dump([{**c.__dict__, "overlap_from": str(c.overlap_from), "overlap_to": str(c.overlap_to)} for c in found],
                  sys.stdout, indent=2, ensure_ascii=False)  # fmt: skip
        sys.stdout.write("\n")
    else:
        for c in found:
            print(c)
        print(f"{len(found)} double booking(s)")
    return EXIT_OK


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


if __name__ == "__main__":
    sys.exit(main())
