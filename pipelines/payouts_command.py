"""The `bookingest payouts` command: the lines of the earnings exports with their booking, and totals per currency."""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from typing import Any

from pipelines.output import print_table


def add_parser(sub: Any) -> None:
    """Register the command on the CLI's subparsers."""
    from pipelines import cli  # cli imports this module: its helpers are there by now

    cmd = sub.add_parser(
        "payouts",
        help="money lines of the earnings exports, with their booking, and totals per currency",
        description="List the lines loaded from earnings (transaction history) exports, each with the "
        "booking of its code where that booking is loaded, then the totals per currency.",
    )
    cmd.add_argument("--code", help="only the lines of this booking code")
    cmd.add_argument("--from", dest="start", metavar="DATE", help="first day of the lines' dates (YYYY-MM-DD)")
    cmd.add_argument("--to", dest="end", metavar="DATE", help="last day (YYYY-MM-DD)")
    cmd.add_argument("--json", action="store_true", help="print JSON on stdout")
    cli._db_option(cmd)
    cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pipelines import cli
    from pipelines.discover import UsageError
    from reports.payouts import currency_totals, payout_lines

    start = cli._date(args.start, "--from") if args.start else None
    end = cli._date(args.end, "--to") if args.end else None
    if start and end and end < start:
        raise UsageError("--to is before --from")
    engine = cli._open_existing(args)
    lines = payout_lines(engine, args.code, start, end)
    totals = currency_totals(engine, args.code, start, end)
    if args.json:
        out = {"lines": [_plain(line.__dict__) for line in lines], "totals": [_plain(t.__dict__) for t in totals]}
        json.dump(out, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    header = ("date", "kind", "type", "code", "property", "check-in", "amount", "paid out", "currency")
    rows = [
        (str(p.paid_on), p.kind, p.raw_type, p.code or "-", p.property or ("not loaded" if p.code else "-"),
         str(p.check_in) if p.check_in else "-", _money(p.amount), _money(p.paid_out), p.currency or "-")
        for p in lines
    ]  # fmt: skip
    print_table(header, rows, sys.stdout, right=(6, 7))
    print(f"\n{len(lines)} payout line(s)")
    if totals:
        print_table(
            ("currency", "lines", "amount", "paid out"),
            [(t.currency or "-", str(t.lines), _money(t.amount), _money(t.paid_out)) for t in totals],
            sys.stdout,
            right=(1, 2, 3),
        )
    return 0


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    """A record as JSON writes it: dates as ISO text, money as a string of its exact decimal."""
    return {
        k: (str(v) if isinstance(v, Decimal) else v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in record.items()
    }
