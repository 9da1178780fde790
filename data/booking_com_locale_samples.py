"""Booking.com samples of issue 11, section 3, written by make_samples.py: the extranet download
from an extranet in Croatian, and the short reservations export.

* ``booking_hr_reservations_2025-12.xls``: a BIFF .xls as the extranet serves it (xlwt, like the
  English download in make_samples.py), Croatian headers (those a published importer of the
  Croatian file maps), the book number a number cell, dates and times in ISO text, amounts
  like "126.6314 EUR", Booking.com's own status codes (the importer matches the Croatian file
  on them). Every row is valid, so the demo over ``data/samples/`` loads everything.
* ``data/quirks/booking_hr_cancellation_conflicts_2025-12.xls``: the same download with two more
  rows that contradict themselves (status `ok` with a `Datum otkazivanja`): the
  cancellation-date conflict, which must be quarantined. It lives outside the demo folder.
* ``booking_short_2025-12.csv``: the short export, `Property name` naming the house, dates
  like `15 December 2025`, the currency in its own column. UTF-8, comma separated.

Made-up guests; deterministic (no clock, no randomness): the files are byte-identical between
runs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import xlwt

HR_NAME = "booking_hr_reservations_2025-12.xls"
HR_AS_OF = dt.datetime(2025, 12, 1, 7, 30, 0)
QUIRK_NAME = "booking_hr_cancellation_conflicts_2025-12.xls"
HR_PROPERTY = "Kuća Lavanda"  # the download names no property: the manifest gives it
SHORT_NAME = "booking_short_2025-12.csv"
SHORT_AS_OF = dt.datetime(2025, 12, 1, 7, 45, 0)
COMMISSION = 15.0
HR_HEADER = [
    "Broj rezervacije", "Nositelj rezervacije", "Ime(na) gosta", "Prijava", "Odjava", "Rezervirano",
    "Status", "Jedinice", "Osobe", "Odrasli", "Djeca", "Dob djece", "Cijena", "Provizija %",
    "Iznos provizije", "Status plaćanja", "Način plaćanja (pružatelj usluga naplate)", "Napomene",
    "Booker country", "Svrha putovanja", "Uređaj", "Vrsta jedinice", "Trajanje (noćenja)",
    "Datum otkazivanja", "Adresa", "Broj telefona",
]  # fmt: skip
SHORT_HEADER = [
    "Property name", "Location", "Booker name", "Genius booker", "Arrival", "Departure", "Booked on",
    "Status", "Total payment", "Commission", "Currency", "Reservation number",
]  # fmt: skip

# fmt: off
# (number, booker, guests, check-in, check-out, booked on, status, adults, children, ages, price, cancelled on)
HR_ROWS = [
    ("4100000011", "Horvat, Ivana", "Ivana Horvat", "2025-10-02", "2025-10-05", "2025-09-01 10:15:00", "ok", 2, 0, "", 312.5, None),
    ("4100000029", "Kovačević, Luka", "Luka Kovačević", "2025-10-09", "2025-10-12", "2025-09-14 21:02:41", "cancelled_by_guest", 2, 1, "5", 401.25, "2025-09-30"),
    ("4100000037", "Babić, Ana", "Ana Babić", "2025-10-15", "2025-10-18", "2025-09-20 08:44:10", "ok", 1, 0, "", 288.0, None),
    ("4100000045", "Marić, Petra", "Petra Marić", "2025-10-22", "2025-10-26", "2025-10-01 17:30:05", "no_show", 2, 0, "", 420.8, None),
    # Status `ok` but a cancellation date: the two columns disagree (quarantined).
    ("4100000053", "Jurić, Marko", "Marko Jurić", "2025-11-03", "2025-11-06", "2025-10-05 12:00:00", "ok", 2, 0, "", 333.3333, "2025-10-20"),
    ("4100000061", "Novak, Maja", "Maja Novak", "2025-11-12", "2025-11-15", "2025-10-18 09:09:09", "cancelled_by_hotel", 2, 0, "", 299.9, "2025-10-25"),
    ("4100000079", "Knežević, Tena", "Tena Knežević", "2025-11-20", "2025-11-24", "2025-10-28 19:45:33", "ok", 2, 2, "3, 8", 1023.64, None),
    ("4100000087", "Vuković, Dario", "Dario Vuković", "2025-12-04", "2025-12-07", "2025-11-10 14:20:00", "ok", 3, 0, "", 356.1, "2025-11-12"),  # conflict
    ("4100000095", "Perić, Nika", "Nika Perić", "2025-12-12", "2025-12-15", "2025-11-16 07:07:07", "ok", 2, 0, "", 327.4, None),
]
# (property, location, booker, genius, arrival, departure, booked on, status, total, number)
SHORT_ROWS = [
    ("Kuća Lavanda", "Rovinj", "Ema Radić", "Yes", "2025-12-17", "2025-12-20", "2025-11-02", "ok", 345.0, "3200000014"),
    ("Kuća Lavanda", "Rovinj", "Filip Šarić", "No", "2025-12-21", "2025-12-26", "2025-11-19", "ok", 1250.75, "3200000022"),
    ("Apartman Mare", "Split", "Lana Tomić", "Yes", "2025-12-15", "2025-12-18", "2025-10-30", "cancelled_by_guest", 288.0, "3200000030"),
    ("Apartman Mare", "Split", "Ivan Pavlović", "No", "2025-12-27", "2026-01-02", "2025-11-25", "ok", 702.3, "3200000048"),
    ("Apartman Mare", "Split", "Mia Božić", "No", "2026-01-09", "2026-01-11", "2025-11-28", "no_show", 190.0, "3200000056"),
]
# fmt: on


def commission(status: str, price: float) -> float:
    return 0.0 if status.startswith("cancelled") else round(price * COMMISSION / 100, 4)


def hr_cells(row: tuple) -> list:
    number, booker, guests, cin, cout, booked, status, adults, children, ages, price, cancelled = row
    nights = (dt.date.fromisoformat(cout) - dt.date.fromisoformat(cin)).days
    return [
        float(number), booker, guests, cin, cout, booked, status, 1.0, float(adults + children), float(adults),
        float(children), ages, f"{price:.4f} EUR", COMMISSION, f"{commission(status, price):.4f} EUR",
        "Refunded" if status.startswith("cancelled") else "Fully paid", "Payments by Booking.com", "", "hr",
        "Leisure", "Mobile", "Apartman s balkonom", float(nights), cancelled or "", "Ulica Ivana Gundulića 3, Zagreb",
        "+385 91 555 01" + number[-2:],
    ]  # fmt: skip


def long_date(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day.strftime('%B')} {day.year}"  # "15 December 2025" (the C locale's month names)


def check() -> None:
    for rows, nights_at in ((HR_ROWS, 3), (SHORT_ROWS, 4)):
        numbers = [r[0] if rows is HR_ROWS else r[9] for r in rows]
        assert len(set(numbers)) == len(numbers)
        for r in rows:
            assert r[nights_at] < r[nights_at + 1]
    assert len([r for r in HR_ROWS if conflicting(r)]) == 2


def conflicting(row: tuple) -> bool:
    return bool(row[11]) and not row[6].startswith("cancelled")


def write_hr(path: Path, rows: list[tuple]) -> None:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    bold = xlwt.easyxf("font: bold on")
    for c, name in enumerate(HR_HEADER):
        ws.write(0, c, name, bold)
    for i, row in enumerate(rows, start=1):
        for c, value in enumerate(hr_cells(row)):
            if value != "":
                ws.write(i, c, value)  # empty cells stay blank
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())


def write_short(out: Path) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(SHORT_HEADER)
    for prop, location, booker, genius, cin, cout, booked, status, total, number in SHORT_ROWS:
        cells = [prop, location, booker, genius, long_date(cin), long_date(cout), long_date(booked), status]
        w.writerow([*cells, f"{total:.2f}", f"{commission(status, total):.2f}", "EUR", number])
    (out / SHORT_NAME).write_bytes(buf.getvalue().encode("utf-8"))


def write(out: Path, quirks: Path) -> None:
    """The demo samples into `out`; the file with the two contradicting rows into `quirks`."""
    check()
    write_hr(out / HR_NAME, [r for r in HR_ROWS if not conflicting(r)])
    write_hr(quirks / QUIRK_NAME, HR_ROWS)
    write_short(out)
