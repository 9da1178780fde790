"""The commands on a booking's lifecycle: `history`, `tasks` (the cleaning schedule), `task` (mark one), `conflicts`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pipelines.discover import UsageError
from pipelines.output import print_table
from pipelines.shown import shown

EXIT_OK, EXIT_NOT_FOUND = 0, 1
# What `tasks --json` prints of a schedule line (the rest is for the calendar).
JSON_KEYS = ("task_id", "property", "date", "guest_leaving", "guest_arriving", "same_day_turnover", "status", "locked")
ICS_DAYS_BACK = 30  # a calendar without --from keeps the past month's cleanings
MAX_ID = 2**31 - 1  # the tasks' id column is a 32-bit INTEGER on PostgreSQL: a larger id names no task


def add_parser(sub: Any) -> None:
    """Register the four commands on the CLI's subparsers."""
    from pipelines import cli  # cli imports this module: its helpers are there by now

    hist = sub.add_parser("history", help="a booking's timeline, one line per change")
    hist.add_argument("code", metavar="CODE", help="the booking's confirmation code / book number")
    hist.add_argument("--source", help="only the booking from this source (airbnb, booking_com, vrbo, direct, owner)")
    cli._db_option(hist)
    hist.set_defaults(run=history)

    sched = sub.add_parser("tasks", help="the cleaning schedule between two dates (a page, a CSV, a calendar)")
    sched.add_argument("--from", dest="start", metavar="DATE", help="first day (YYYY-MM-DD)")
    sched.add_argument("--to", dest="end", metavar="DATE", help="last day (YYYY-MM-DD)")
    sched.add_argument("--property", help="only this property")
    sched.add_argument("--all", action="store_true", help="include cancelled tasks")
    output = sched.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print JSON on stdout")
    output.add_argument("--out", metavar="FILE", help="write a printable page (FILE.html) or a spreadsheet (FILE.csv)")
    output.add_argument(
        "--ics",
        metavar="FILE",
        help=f"write an iCalendar file, cancelled cleanings included (default: from {ICS_DAYS_BACK} days ago, no end)",
    )
    cli._db_option(sched)
    sched.set_defaults(run=schedule)

    mark = sub.add_parser("task", help="mark a cleaning task done, or lock it against imports")
    mark.add_argument("task_id", type=int, metavar="ID")
    action = mark.add_mutually_exclusive_group(required=True)
    action.add_argument("--done", action="store_true", help="the cleaning happened; imports never change it again")
    action.add_argument("--lock", action="store_true", help="imports never change it")
    action.add_argument(
        "--unlock", action="store_true", help="imports may change it again; it follows its booking at once"
    )
    cli._db_option(mark)
    mark.set_defaults(run=task)

    conf = sub.add_parser("conflicts", help="double bookings: active stays of one property that overlap")
    conf.add_argument("--property", help="only this property")
    conf.add_argument("--json", action="store_true", help="print JSON on stdout")
    cli._db_option(conf)
    conf.set_defaults(run=double_bookings)


def history(args: argparse.Namespace) -> int:
    from pipelines import cli
    from reports.bookings import history

    timelines = history(cli._open_existing(args), args.code, args.source)
    if not timelines:
        which = f"{args.code!r}" + (f" from {args.source}" if args.source else "")
        print(shown(f"bookingest: no booking with code {which}"), file=sys.stderr)
        return EXIT_NOT_FOUND
    for key, lines in timelines.items():
        print(shown(key))
        for line in lines:
            print(shown(f"  {line}"))
    return EXIT_OK


def schedule(args: argparse.Namespace) -> int:
    import datetime as dt

    from pipelines import cli
    from reports.bookings import cleaning_schedule

    today = dt.datetime.now(dt.UTC).date()
    if args.ics is None and (args.start is None or args.end is None):
        raise UsageError("tasks needs --from and --to (only --ics has defaults)")
    start = cli._date(args.start, "--from") if args.start else today - dt.timedelta(days=ICS_DAYS_BACK)
    end = cli._date(args.end, "--to") if args.end else None
    if end is not None and end < start:
        raise UsageError("--to is before --from")
    target = _target(args.out or args.ics, (".html", ".htm", ".csv") if args.out else (".ics",))
    include_cancelled = args.all or args.ics is not None
    lines = cleaning_schedule(cli._open_existing(args), start, end, args.property, include_cancelled=include_cancelled)
    if target is not None:
        return _write_schedule(target, lines, start, end, args.property)
    if args.json:
        rows = [{key: getattr(line, key) for key in JSON_KEYS} for line in lines]
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False, default=_iso) + "\n")
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


def _iso(value: Any) -> str:
    return str(value.isoformat())  # the dates and times of a schedule line, for JSON


def _target(name: str | None, suffixes: tuple[str, ...]) -> Path | None:
    """The file to write, checked before the database is read."""
    if name is None:
        return None
    path = Path(name)
    if path.suffix.lower() not in suffixes:
        raise UsageError(f"{name}: the file name must end in {' or '.join(suffixes)}")
    if not path.parent.is_dir():
        raise UsageError(f"{name}: there is no folder {path.parent}")
    if path.is_dir():
        raise UsageError(f"{name} is a folder; name a file")
    return path


def _write_schedule(path: Path, lines: list[Any], start: Any, end: Any, property_name: str | None) -> int:
    import datetime as dt

    suffix = path.suffix.lower()
    if suffix == ".ics":
        from reports.ics import schedule_ics

        data = schedule_ics(lines, property_name)
    elif suffix == ".csv":
        from reports.cleaning import schedule_csv

        data = schedule_csv(lines).encode("utf-8-sig")  # the BOM: Excel then reads UTF-8 names right
    else:
        from reports.cleaning import schedule_html

        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        data = schedule_html(lines, start, end, property_name, now).encode("utf-8")
    from reports.output_file import OutputError, replacing

    try:
        with replacing(path) as partial:  # whole or not at all, as the report's files
            partial.write_bytes(data)
    except OutputError as err:
        raise UsageError(str(err)) from None
    tasks = len({line.task_id for line in lines})
    print(shown(f"{tasks} cleaning task(s) from {start} to {end or 'the last one'} written to {path}"))
    return EXIT_OK


def task(args: argparse.Namespace) -> int:
    import datetime as dt

    from loaders.rules.tasks import mark_task
    from pipelines import cli

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    locked = None if args.done else bool(args.lock)
    engine = cli._open_existing(args, writes=True)
    if not 0 < args.task_id <= MAX_ID or not mark_task(engine, args.task_id, now, done=bool(args.done), locked=locked):
        raise UsageError(f"no task with id {args.task_id}")
    print(f"task {args.task_id}: " + ("done" if args.done else "locked" if args.lock else "unlocked"))
    return EXIT_OK


def double_bookings(args: argparse.Namespace) -> int:
    from pipelines import cli
    from reports.bookings import conflicts

    found = conflicts(cli._open_existing(args), args.property)
    if args.json:
        rows = [{**c.__dict__, "overlap_from": str(c.overlap_from), "overlap_to": str(c.overlap_to)} for c in found]
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    else:
        for c in found:
            print(shown(c))
        print(f"{len(found)} double booking(s)")
    return EXIT_OK
