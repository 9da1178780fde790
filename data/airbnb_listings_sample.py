"""A plain Airbnb reservations export of the workbook's houses (issue 11, section 2), written by make_samples.py.

The host downloads it from Airbnb between the second and the third workbook version: it names
each house by its Airbnb listing title (the `Listing` the workbook carries beside `Properties`),
never by the operator's short name. Some rows are the workbook's own Airbnb stays (same codes,
stated as the workbook states them); the others are stays booked since, which only this export
lists, one of them arriving the day an owner stay of the same house ends. Loaded after a workbook
taught the titles, every row lands on its house; loaded before, the titles become properties
that the next workbook merges into the houses. Made-up guests only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import workbook_samples as wb

NAME = "airbnb_reservations_2026-01-10.csv"
AS_OF = dt.datetime(2026, 1, 10, 6, 0, 0)
HEADER = [
    "Confirmation code", "Status", "Guest name", "Contact", "# of adults", "# of children", "# of infants",
    "Start date", "End date", "# of nights", "Booked", "Listing", "Earnings",
]  # fmt: skip
# (code, house, start, end, guest, adults, booked): stays only this export lists.
NEW = [
    ("HMQ2W7XK4D", wb.DUNE, "2026-02-05", "2026-02-07", "Ayla Kaya", 2, "2026-01-09"),  # after an owner stay
    ("HMT6N3RB8Z", wb.LAKE, "2026-02-09", "2026-02-12", "Bruno Sousa", 3, "2026-01-08"),
    ("HMZ4C8VJ2P", wb.PINE, "2026-02-13", "2026-02-16", "Freya Nilsen", 2, "2026-01-09"),
]


def _date(day: dt.date) -> str:
    return f"{day.month}/{day.day}/{day.year}"


def rows() -> list[list[object]]:
    """The workbook's Airbnb stays of the houses with a listing title, booked by the export's
    day (every other one), and the new stays."""
    known = [
        r
        for r in wb.build()
        if r.platform == wb.AIRBNB and r.house in wb.TITLES and r.version <= 2 and r.booked <= AS_OF.date()
    ][::2]
    out: list[list[object]] = [
        [r.code, r.status, r.guest, r.contact, r.adults or 1, 0, 0, _date(r.start), _date(r.end), r.nights,
         _date(r.booked), wb.TITLES[r.house], f"${r.earnings:,.2f}"]
        for r in known
    ]  # fmt: skip
    for n, (code, house, start, end, guest, adults, booked) in enumerate(NEW):
        s, e = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        earnings = round((e - s).days * wb.RATES[house] * 0.97 + 60, 2)
        out.append(
            [code, "Confirmed", guest, f"+1 (415) 555-02{n:02d}", adults, 0, 0, _date(s), _date(e), (e - s).days,
             _date(dt.date.fromisoformat(booked)), wb.TITLES[house], f"${earnings:,.2f}"]
        )  # fmt: skip
    return out


def check(written: list[list[object]]) -> None:
    """Some stays are the workbook's, some new; no new stay overlaps a stay of its house, and one
    arrives the day an owner stay ends (a turnover seen only once the title is the house's)."""
    stays = wb.build()
    codes = {r.code for r in stays}
    assert 0 < sum(row[0] in codes for row in written) < len(written)
    title_of = {t: h for h, t in wb.TITLES.items()}
    turnover = False
    for code, house, start, end, *_ in NEW:
        assert code not in codes and house == title_of[wb.TITLES[house]]
        s, e = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        mine = [r for r in stays if r.house == house]
        assert not any(r.start < e and s < r.end for r in mine), code
        turnover |= any(r.platform == wb.OWNER and r.end == s for r in mine)
    assert turnover


def write(out: Path) -> None:
    written = rows()
    check(written)
    buf = io.StringIO(newline="")
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows([HEADER, *written])
    (out / NAME).write_bytes(buf.getvalue().encode("utf-8-sig"))
