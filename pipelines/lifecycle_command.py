"""The commands on a booking's lifecycle: `history`, `tasks` (the cleaning schedule), `task` (mark one), `conflicts`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pipelines.discover import UsageError
from pipelines.output import print_table, shown

EXIT_OK, EXIT_NOT_FOUND = 0, 1
MAX_ID = 2**31 - 1  # the tasks' id column is a 32-bit INTEGER on PostgreSQL: a larger id names no task


def add_parser(sub: Any) -> None:
    """Register the four commands on the CLI's subparsers."""
    from pipelines import cli  # cli imports this module: its helpers are there by now

    hist = sub.add_parser("history", help="a booking's timeline, one line per change")
    hist.add_argument("code", metavar="CODE", help="the booking's confirmation code / book number")
    hist.add_argument("--source", help="only the booking from this source (airbnb, booking_com, vrbo, direct, owner)")
    cli._db_option(hist)
    hist.set_defaults(run=history)

    sched = sub.add_parser("tasks", help="the cleaning schedule between two dates")
    sched.add_argument("--from", dest="start", required=True, metavar="DATE", help="first day (YYYY-MM-DD)")
    sched.add_argument("--to", dest="end", required=True, metavar="DATE", help="last day (YYYY-MM-DD)")
    sched.add_argument("--property", help="only this property")
    sched.add_argument("--all", action="store_true", help="include cancelled tasks")
    sched.add_argument("--json", action="store_true", help="print JSON on stdout")
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
    from pipelines import cli
    from reports.bookings import cleaning_schedule

    start, end = cli._date(args.start, "--from"), cli._date(args.end, "--to")
    if end < start:
        raise UsageError("--to is before --from")
    lines = cleaning_schedule(cli._open_existing(args), start, end, args.property, include_cancelled=args.all)
    if args.json:
        rows = [{**line.__dict__, "date": line.date.isoformat()} for line in lines]
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
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
