"""Airbnb-style exports written inline by the tests: one header, one row shape, one writer."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal

# The header exactly as Airbnb writes it.
AIRBNB_HEADER = (
    "Confirmation code,Status,Guest name,Contact,# of adults,# of children,# of infants,Start date,End date,"
    "# of nights,Booked,Listing,Earnings"
)
BOOKING_COM_HEADER = "Book number,Booked by,Guest name(s),Check-in,Check-out,Booked on,Status,Price,Commission amount"


def mdy(day: dt.date) -> str:
    """A date as Airbnb writes it: M/D/YYYY without zero padding."""
    return f"{day.month}/{day.day}/{day.year}"


def airbnb_row(
    code: str, status: str, guest: str, check_in: dt.date, check_out: dt.date, listing: str, earnings: Decimal,
    booked: str = "10/1/2025",
) -> list[str]:  # fmt: skip
    """One reservation's cells: two adults, a fixed contact, money as "$1,234.56"."""
    return [
        code, status, guest, "+1 (312) 555-0100", "2", "0", "0", mdy(check_in), mdy(check_out),
        str((check_out - check_in).days), booked, listing, f"${earnings:,.2f}",
    ]  # fmt: skip


def airbnb_csv(rows: Iterable[list[str]], newline: str = "\n", bom: bool = False) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator=newline)
    buf.write(AIRBNB_HEADER + newline)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + buf.getvalue().encode("utf-8")
