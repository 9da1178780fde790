"""The `bookingest report` command: the figures of a period (occupancy, revenue, channels, ...) as a table or JSON."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import orjson

from pipelines.discover import UsageError
from pipelines.output import print_table
from pipelines.shown import shown

# The monthly figures' columns in the text table: (header, key, how it is shown).
_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("property", "property", "text"), ("month", "month", "text"), ("currency", "currency", "text"),
    ("sold", "nights_sold", "int"), ("blocked", "nights_blocked", "int"), ("available", "nights_available", "int"),
    ("occupancy", "occupancy", "percent"), ("revenue", "revenue", "money"), ("ADR", "adr", "money"),
    ("RevPAR", "revpar", "money"),
)  # fmt: skip


def add_parser(sub: Any) -> None:
    """Register the command on the CLI's subparsers."""
    from pipelines import cli  # cli imports this module: its helpers are there by now

    cmd = sub.add_parser(
        "report",
        help="the figures of a period: occupancy, revenue, channels, lead time, cancellations, ...",
        description="The report of the calendar months from --from's to --to's: per property and month the "
        "nights sold, blocked and available, occupancy, revenue, ADR and RevPAR (per currency), and with "
        "--json every figure (channels, stays, lead time, cancellations, on the books, cleaning, double "
        "bookings, data quality). The README's 'Reports' section defines each.",
    )
    cmd.add_argument("--from", dest="start", required=True, metavar="DATE", help="first day (YYYY-MM-DD)")
    cmd.add_argument("--to", dest="end", required=True, metavar="DATE", help="last day (YYYY-MM-DD)")
    cmd.add_argument("--property", help="only this property")
    cmd.add_argument(
        "--today", metavar="DATE", help="the day on the books, cleaning and double bookings are as of (default: today)"
    )
    cmd.add_argument("--json", action="store_true", help="print every figure as JSON on stdout")
    cmd.add_argument("--out", metavar="FILE", help="write the report to FILE.xlsx (Excel, with charts) or FILE.html")
    cli._db_option(cmd)
    cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pipelines import cli, report_outputs  # the writers' libraries load only for a report
    from reports.figures import PeriodTooLong, UnknownProperty, report_figures

    start, end = _day(args.start, "--from"), _day(args.end, "--to")
    today = _day(args.today, "--today") if args.today is not None else None
    if end < start:
        raise UsageError("--to is before --from")
    writer = report_outputs.writer_for(args.out) if args.out is not None else None
    engine = cli._open_existing(args)
    try:
        figures = report_figures(engine, start, end, args.property, today)
    except (UnknownProperty, PeriodTooLong) as err:
        raise UsageError(str(err)) from None
    if writer is not None:
        report_outputs.write_report(writer, figures, args.out)
        print(shown(f"wrote the report to {args.out}"), file=sys.stderr if args.json else sys.stdout)
        if not args.json:
            return cli.EXIT_OK
    if args.json:
        # orjson: the figures of a million bookings (40 MB, indented) in a tenth of a second; the
        # standard library's indenting encoder is pure Python and took seconds.
        sys.stdout.write(orjson.dumps(figures, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode() + "\n")
        return cli.EXIT_OK
    rows = [[_cell(row[key], shown, key) for _, key, shown in _COLUMNS] for row in figures["monthly"]]
    print_table([h for h, _, _ in _COLUMNS], rows, sys.stdout, right=range(3, len(_COLUMNS)))
    period = figures["period"]
    print(f"\n{period['from']} to {period['to']}; property '(all)' is every property together; --json for every figure")
    return cli.EXIT_OK


def _day(text: str, option: str) -> Any:
    """A date of the command line, within the years whose month a year earlier is a date too."""
    from pipelines import cli

    day = cli._date(text, option)
    if not 1 < day.year < 9999:
        raise UsageError(f"{option}: {text!r} is out of range (years 2 to 9998)")
    return day


def _cell(value: Any, shown: str, key: str) -> str:
    if value is None:
        return "(all)" if key == "property" else "-"
    if shown == "percent":
        return f"{value:.1%}"
    if shown == "money":
        return f"{value:,.2f}"
    return str(value)
