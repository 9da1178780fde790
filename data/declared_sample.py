"""The sample of a layout an operator declares (issue 11, section 6), written by make_samples.py.

``example_pms_reservations_2025-12.csv``: the export of the made-up "example PMS" that
``data/example_layouts.toml`` declares (day-first dates, money in de_DE, a Channel column naming
each row's source). Made-up guests, and houses of their own; the Vrbo stay of 15.12 arrives the
day the Airbnb stay before it leaves: a same-day turnover across platforms.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

NAME = "example_pms_reservations_2025-12.csv"
AS_OF = dt.datetime(2025, 12, 1, 8, 0, 0)
HEADER = ["Channel ref", "Channel", "State", "Guest", "Phone", "Adults", "Children", "Unit",
          "Arrive", "Depart", "Nights", "Created", "Payout", "Notes"]  # fmt: skip
ORCHARD = "Orchard Cottage"
MILL = "Mill House"
# (code, channel, state, guest, phone, adults, children, unit, arrive, depart, created, payout)
ROWS = [
    ("HMPMSA2B3C", "Airbnb", "Confirmed", "Greta Lindholm", "+46 70 555 02 01", 2, 0, ORCHARD, "2025-12-12", "2025-12-15", "2025-11-03 14:05", 612.40),
    ("HA-PMS7Q2", "Vrbo", "Checked out", "Tomás Herrera", "+34 611 555 202", 2, 2, ORCHARD, "2025-11-20", "2025-11-24", "2025-10-11 09:30", 744.10),
    ("HA-PMS8R3", "Vrbo", "Confirmed", "Oskar Nyberg", "+358 40 555 0203", 3, 0, ORCHARD, "2025-12-15", "2025-12-19", "2025-11-21 18:45", 905.00),
    ("5400123987", "Booking.com", "Staying", "Ines Vogt", "+49 160 5550204", 2, 0, MILL, "2025-11-28", "2025-12-03", "2025-10-02 07:15", 1048.00),
    ("W-20251107", "Website", "Awaiting payment", "Pieter de Vries", "+31 6 55502050", 4, 1, MILL, "2025-12-19", "2025-12-22", "2025-11-07 12:00", 560.25),
    ("HMPMSD4E5F", "Airbnb", "Cancelled", "Rosa Marín", "+34 622 555 206", 2, 0, MILL, "2025-12-05", "2025-12-08", "2025-11-15 20:10", 0.0),
]  # fmt: skip


def de_money(x: float) -> str:
    """de_DE as babel's CLDR data writes it: '.' between thousands, a decimal comma, U+00A0 before €."""
    return f"{x:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".") + "\u00a0€"


def check() -> None:
    active = [r for r in ROWS if r[2] != "Cancelled"]
    for i, a in enumerate(active):
        assert a[10][:10] < a[8] < a[9] or a[2] in ("Staying", "Checked out"), a
        for b in active[i + 1 :]:
            assert a[7] != b[7] or a[9] <= b[8] or b[9] <= a[8], (a, b)  # no double booking


def write(out: Path) -> None:
    check()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADER)
    for code, channel, state, guest, phone, adults, children, unit, arrive, depart, created, payout in ROWS:
        start, end = dt.date.fromisoformat(arrive), dt.date.fromisoformat(depart)
        booked = dt.datetime.fromisoformat(created)
        w.writerow([code, channel, state, guest, phone, adults, children, unit, start.strftime("%d.%m.%Y"),
                    end.strftime("%d.%m.%Y"), (end - start).days, booked.strftime("%d.%m.%Y %H:%M"),
                    de_money(payout), ""])  # fmt: skip
    (out / NAME).write_bytes(buf.getvalue().encode("utf-8"))
