"""Platform exports written inline by the tests: one Airbnb header, one row shape, one writer each."""

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
AIRBNB_COLUMNS = AIRBNB_HEADER.split(",")
# The columns a reader needs to recognise an Airbnb export, in Airbnb's order: the reader and
# mapping tests write this short form so that each row stays readable.
AIRBNB_SHORT_COLUMNS = [
    c for c in AIRBNB_COLUMNS if c not in ("Contact", "# of children", "# of infants", "# of nights", "Booked")
]
BOOKING_COM_HEADER = "Book number,Booked by,Guest name(s),Check-in,Check-out,Booked on,Status,Price,Commission amount"


def mdy(day: dt.date) -> str:
    """A date as Airbnb writes it: M/D/YYYY without zero padding."""
    return f"{day.month}/{day.day}/{day.year}"


def dollars(amount: Decimal) -> str:
    """Money as Airbnb writes it: "$1,234.56"."""
    return f"${amount:,.2f}"


def airbnb_row(
    code: str, status: str, guest: str, check_in: dt.date, check_out: dt.date, listing: str, earnings: Decimal,
    booked: str = "10/1/2025",
) -> list[str]:  # fmt: skip
    """One reservation's cells: two adults, a fixed contact, money as "$1,234.56"."""
    return [
        code, status, guest, "+1 (312) 555-0100", "2", "0", "0", mdy(check_in), mdy(check_out),
        str((check_out - check_in).days), booked, listing, dollars(earnings),
    ]  # fmt: skip


def confirmed_stay(code: str, guest: str = "Ann Example", contact: str = "+1 555 0100") -> list[str]:
    """A confirmed four-night stay of 2026-01-03 in "Flat" for $1.00; `guest` and `contact` are
    the cells tests make odd (huge, multi-line)."""
    row = airbnb_row(
        code, "Confirmed", guest, dt.date(2026, 1, 3), dt.date(2026, 1, 7), "Flat", Decimal(1), "11/26/2025"
    )
    row[3] = contact
    return row


def airbnb_csv(rows: Iterable[list[str]], newline: str = "\n", bom: bool = False) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator=newline)
    buf.write(AIRBNB_HEADER + newline)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + buf.getvalue().encode("utf-8")


def booking_com_csv(rows: Iterable[tuple[str, str, dt.date, dt.date, str, Decimal]]) -> bytes:
    """(book number, guest, check-in, check-out, status, price) rows; commission 15 %."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    buf.write(BOOKING_COM_HEADER + "\n")
    for number, guest, check_in, check_out, status, price in rows:
        commission = (price * Decimal("0.15")).quantize(Decimal("0.01"))
        writer.writerow(
            [
                number,
                guest,
                guest,
                check_in.isoformat(),
                check_out.isoformat(),
                "2025-10-01",
                status,
                f"{price} EUR",
                f"{commission} EUR",
            ]
        )
    return buf.getvalue().encode("utf-8")
