"""Samples of exports as people save them (issue 11, section 5), written by make_samples.py.

* ``airbnb_reservations_wrapped_2026-01.csv``: an Airbnb reservations export that a spreadsheet
  read as one column and saved again, so that every line is one quoted field
  (``"HM…,""Status"",…"``).
* ``airbnb_reservations_fr_mojibake_2026-01.csv``: a French Airbnb export whose UTF-8 was read as
  Mac Roman on the way and saved again as UTF-8 (``# des b√©b√©s``, ``328,44¬†‚Ç¨``).

Made-up guests, and houses of their own, so that these bookings overlap none of the other samples.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import airbnb_fr_sample

WRAPPED = "airbnb_reservations_wrapped_2026-01.csv"
WRAPPED_AS_OF = dt.datetime(2026, 1, 6, 6, 0, 0)
MOJIBAKE = "airbnb_reservations_fr_mojibake_2026-01.csv"
MOJIBAKE_AS_OF = dt.datetime(2026, 1, 6, 6, 30, 0)

AIRBNB_HEADER = [
    "Confirmation code", "Status", "Guest name", "Contact", "# of adults", "# of children", "# of infants",
    "Start date", "End date", "# of nights", "Booked", "Listing", "Earnings",
]  # fmt: skip
BIRCH = "Birch Hollow"
QUARRY = "Quarry Barn"
# (code, status, guest, contact, adults, children, infants, start, end, booked, listing, earnings)
WRAPPED_ROWS = [
    ("HMWRA2P4K6", "Past guest", "Maren Holt", "+47 412 55 301", 2, 0, 0, "2025-12-02", "2025-12-06", "2025-11-02", BIRCH, 531.20),
    ("HMWRB3Q5L7", "Confirmed", "Diego Alvarado", "+52 55 5550 1207", 4, 1, 0, "2026-01-09", "2026-01-16", "2025-11-20", BIRCH, 1384.75),
    ("HMWRC4R6M8", "Canceled by guest", "Yuki Tanabe", "+81 90-5550-0308", 2, 0, 0, "2026-01-20", "2026-01-23", "2025-12-01", BIRCH, 0.0),
    ("HMWRD5S7N9", "Arriving tomorrow", "Aoife Brennan", "+353 85 555 0409", 1, 0, 0, "2026-01-07", "2026-01-10", "2025-12-15", QUARRY, 402.00),
    ("HMWRE6T8P2", "Awaiting guest review", "Kofi Mensah", "+233 20 555 0510", 2, 2, 1, "2025-12-28", "2026-01-03", "2025-10-30", QUARRY, 1023.64),
]  # fmt: skip
MAS = "Mas des Oliviers"
# The French export's columns and notation (airbnb_fr_sample), other guests and a house of its own.
MOJIBAKE_ROWS = [
    ("HMMJA2B4C6", "Ancien voyageur", "Bénédicte Aubépine", "+33 6 55 50 11 01", 2, 0, 0, "2025-12-04", "2025-12-08", "2025-11-10", MAS, 328.44),
    ("HMMJD3E5F7", "Séjour en cours", "Grégoire Lœwy", "+33 6 55 50 11 02", 2, 1, 1, "2026-01-03", "2026-01-08", "2025-11-29", MAS, 1023.64),
    ("HMMJG4H6J8", "Annulée par le voyageur", "Renée Château", "+41 79 555 11 03", 2, 0, 0, "2026-01-10", "2026-01-12", "2025-12-20", MAS, 0.0),
    ("HMMJK5L7M9", "Confirmée", "Zoë Ørsted", "+45 20 55 51 04", 3, 0, 0, "2026-01-15", "2026-01-19", "2025-12-28", MAS, 512.90),
]  # fmt: skip


def _mdy(iso: str) -> str:
    x = dt.date.fromisoformat(iso)
    return f"{x.month}/{x.day}/{x.year}"


def _lines(rows: list[list[object]], header: list[str], quoting: int) -> list[str]:
    buf = io.StringIO()
    w = csv.writer(buf, quoting=quoting, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().splitlines()


def check(rows: list[tuple]) -> None:  # type: ignore[type-arg]
    active = [r for r in rows if not r[1].startswith(("Canceled", "Annulée"))]
    for i, a in enumerate(active):
        assert a[9] < a[7] < a[8], a
        for b in active[i + 1 :]:
            assert a[10] != b[10] or a[8] <= b[7] or b[8] <= a[7], (a, b)  # no double booking


def write(out: Path) -> None:
    check(WRAPPED_ROWS)
    check(MOJIBAKE_ROWS)
    body = [
        [code, status, guest, contact, a, c, i, _mdy(start), _mdy(end),
         (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days, _mdy(booked), listing, f"${money:,.2f}"]
        for code, status, guest, contact, a, c, i, start, end, booked, listing, money in WRAPPED_ROWS
    ]  # fmt: skip
    # The spreadsheet saw each line as one cell and saved it as one quoted field, its quotes doubled.
    lines = _lines(body, AIRBNB_HEADER, csv.QUOTE_MINIMAL)
    wrapped = "".join('"' + line.replace('"', '""') + '"\r\n' for line in lines)
    (out / WRAPPED).write_bytes(b"\xef\xbb\xbf" + wrapped.encode("utf-8"))

    body = [
        [code, status, guest, contact, a, c, i, airbnb_fr_sample.day_first(start), airbnb_fr_sample.day_first(end),
         (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days, booked, listing,
         airbnb_fr_sample.euros(money)]
        for code, status, guest, contact, a, c, i, start, end, booked, listing, money in MOJIBAKE_ROWS
    ]  # fmt: skip
    text = "\n".join(_lines(body, airbnb_fr_sample.HEADER, csv.QUOTE_ALL)) + "\n"
    # Its UTF-8 bytes read as Mac Roman, and what that showed saved again as UTF-8.
    (out / MOJIBAKE).write_bytes(text.encode("utf-8").decode("mac_roman").encode("utf-8"))
