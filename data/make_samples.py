#!/usr/bin/env python3
"""Deterministic generator for the sample short-term-rental booking exports.

Run from the repository root:

    python data/make_samples.py

It (re)writes everything in ``data/samples/``:

* ``airbnb_reservations_2025-12-01.csv``   Airbnb "Reservations" CSV export
  (UTF-8 with BOM, CRLF, every field quoted), 3 listings, as of 2025-12-01.
* ``booking_com_reservations_2025-12.xls`` Booking.com extranet export as a
  real BIFF8 workbook (xlwt), property "Old Town Flat", as of 2025-12-01.
* ``booking_com_reservations_2026-01.xls`` the same export format taken on
  2026-01-05 but saved as an HTML table with an ``.xls`` name.
* ``cleaning_schedule.xlsx``               the operator's own workbook
  (openpyxl): a "Summary" sheet and a "Schedule" sheet whose table starts on
  row 3 and ends with a "Total" row.
* ``cleaning_schedule_v1.xlsx`` .. ``_v3.xlsx`` the operator's workbook as real
  ones are, three versions a few days apart (see ``workbook_samples.py``; xlsxwriter).
* ``airbnb_reservations_fr_2025-12.csv`` the same export from a French-speaking host
  account (see ``airbnb_fr_sample.py``): day-first dates, "1\u202f023,64\u00a0€".
* ``airbnb_earnings_*.csv`` Airbnb's earnings (transaction history) exports: current and older
  English, Brazilian Portuguese (see ``earnings_samples.py``); money lines, not bookings.
* ``airbnb_reservations_pt_2025-12.csv`` the same from a host account in Brazilian Portuguese
  (see ``airbnb_pt_sample.py``): DD/MM/YYYY dates, "R$\u00a01.234,56".
* ``airbnb_reservations_es_2025-12.csv`` the same from a Spanish-speaking host account (see
  ``airbnb_es_sample.py``): D/M/YYYY dates, "$\u00a01.234,56".
* ``booking_hr_reservations_2025-12.xls`` the Booking.com download from a Croatian extranet
  (the same with two self-contradicting rows is ``data/quirks/``), and
  ``booking_short_2025-12.csv`` Booking.com's short export (see ``booking_com_locale_samples.py``).
* ``airbnb_reservations_wrapped_2026-01.csv`` and ``airbnb_reservations_fr_mojibake_2026-01.csv``
  exports as people save them: every line one quoted field, UTF-8 read as Mac Roman (see
  ``resaved_samples.py``).
* ``example_pms_reservations_2025-12.csv`` the export of a layout the operator declares in
  ``data/example_layouts.toml`` (see ``declared_sample.py``).
* ``airbnb_reservations_2026-01-10.csv`` a plain Airbnb export naming the workbook's houses
  by their listing titles (see ``airbnb_listings_sample.py``): the aliases at work.
* ``bookingest.toml``                      per-folder manifest for the CLI.

Every row is valid data. ``data/quirks/`` holds files with rows that must be
quarantined (the Croatian download with two rows whose cancellation date
contradicts their status), kept out of the demo folder so that the demo loads
everything.
CSV/HTML/TOML/XLS output is byte-identical between
runs; the .xlsx is written with fixed document properties and fixed ZIP entry
timestamps so it is byte-identical too (content-identical is what matters).

Deliberate cross-platform double booking (the only overlap between active
stays anywhere in the samples, asserted below):

    Airbnb      HMQ7D2KX9P  "Old Town Flat"  2025-12-12 -> 2025-12-16 (Zoë Müller)
    Booking.com 6547074679  "Old Town Flat"  2025-12-14 -> 2025-12-17 (Anna Kowalski)

They share the nights of 2025-12-14 and 2025-12-15 (2 nights). The pair is
unchanged in the January export.

Only the standard library, openpyxl, xlwt and xlsxwriter (for the cached values of
formulas, which openpyxl cannot write) are used.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import random
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import airbnb_es_sample
import airbnb_fr_sample
import airbnb_pt_sample
import earnings_samples
import booking_com_locale_samples
import declared_sample
import airbnb_listings_sample
import openpyxl
import resaved_samples
import workbook_samples
import xlwt
from openpyxl.styles import Alignment, Font

OUT = Path(__file__).resolve().parent / "samples"
QUIRKS = Path(__file__).resolve().parent / "quirks"  # files with rows that must be quarantined

EXPORT_DAY = dt.date(2025, 12, 1)          # Airbnb CSV / Booking.com Dec export
AIRBNB_AS_OF = dt.datetime(2025, 12, 1, 6, 0, 0)
BCOM_DEC_AS_OF = dt.datetime(2025, 12, 1, 7, 0, 0)
BCOM_JAN_AS_OF = dt.datetime(2026, 1, 5, 7, 0, 0)
SCHEDULE_AS_OF = dt.datetime(2025, 12, 2, 9, 0, 0)
WINDOW = (dt.date(2025, 10, 1), dt.date(2026, 3, 31))   # all stays inside

OLD_TOWN = "Old Town Flat"
HARBOUR = "Harbour View Loft"
GARDEN = "Garden Cottage"
LISTINGS = (OLD_TOWN, HARBOUR, GARDEN)

# The one intended double booking (see module docstring).
DOUBLE_BOOKING_AIRBNB = "HMQ7D2KX9P"
DOUBLE_BOOKING_BCOM = "6547074679"

rng = random.Random(20251201)


def d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


# ---------------------------------------------------------------------------
# Phone numbers: one template per country, '#' filled from the seeded RNG.
# ---------------------------------------------------------------------------
PHONE_TEMPLATES = {
    "US": "+1 (3##) 555-01##", "GB": "+44 7700 900###", "DE": "+49 15# ########",
    "FR": "+33 6 ## ## ## ##", "IT": "+39 3## ### ####", "JP": "+81 90-####-####",
    "ES": "+34 6## ### ###", "IN": "+91 9#### #####", "IE": "+353 8# ### ####",
    "VN": "+84 9# ### ## ##", "NO": "+47 4## ## ###", "CN": "+86 13# #### ####",
    "RS": "+381 6# ### ####", "CZ": "+420 6## ### ###", "MX": "+52 55 #### ####",
    "DK": "+45 2# ## ## ##", "AU": "+61 4## ### ###", "AE": "+971 5# ### ####",
    "PL": "+48 5## ### ###", "IL": "+972 5#-###-####", "SE": "+46 7# ### ## ##",
    "NG": "+234 80# ### ####", "BR": "+55 11 9####-####", "HU": "+36 30 ### ####",
    "AT": "+43 664 #######", "NL": "+31 6 ########", "FI": "+358 40 #######",
    "PT": "+351 91# ### ###", "RO": "+40 7## ### ###", "KR": "+82 10-####-####",
    "CH": "+41 7# ### ## ##", "BG": "+359 88# ### ###", "CA": "+1 (604) 555-01##",
}


def phone(country: str) -> str:
    return "".join(str(rng.randrange(10)) if ch == "#" else ch
                   for ch in PHONE_TEMPLATES[country])


# ---------------------------------------------------------------------------
# Status vocabularies
# ---------------------------------------------------------------------------
AIRBNB_CANONICAL = [
    "Confirmed", "Arriving today", "Arriving tomorrow", "Arrives in 3 days",
    "Arrives in 5 days", "Currently hosting", "Checking out today", "Past guest",
    "Awaiting guest review", "Pending", "Trip requested", "Canceled",
    "Canceled by guest", "Canceled by you", "Canceled by Airbnb", "Declined",
    "Expired", "Inquiry", "Pre-approved",
]
# Statuses that hold the calendar. "Pre-approved" does not block an Airbnb
# calendar, but the samples keep it clear of other stays anyway (conservative).
AIRBNB_BLOCKING = {
    "confirmed", "arriving today", "arriving tomorrow", "arrives in 3 days",
    "arrives in 5 days", "currently hosting", "checking out today", "past guest",
    "awaiting guest review", "pending", "trip requested", "pre-approved",
}
AIRBNB_ZERO_PAYOUT = {
    "canceled", "canceled by you", "canceled by airbnb", "declined", "expired",
    "inquiry", "pre-approved",
}
BCOM_BLOCKING = {"ok", "no_show"}
SCHEDULE_BLOCKING = {"confirmed", "reserved", "owner staying", "currently hosting"}


def norm_status(s: str) -> str:
    return " ".join(s.split()).lower()


# ---------------------------------------------------------------------------
# Airbnb reservations (as of 2025-12-01)
# ---------------------------------------------------------------------------
@dataclass
class AirbnbRow:
    code: str
    status: str            # raw label, as exported (case/spaces vary)
    guest: str
    contact: str
    adults: int
    children: int
    infants: int
    start: dt.date
    end: dt.date
    booked: dt.date
    listing: str
    earnings: float

    @property
    def nights(self) -> int:
        return (self.end - self.start).days


# nightly rate (USD), cleaning fee, host service fee
AIRBNB_PRICING = {OLD_TOWN: (112, 60, 0.03), HARBOUR: (185, 85, 0.03), GARDEN: (138, 75, 0.03)}

HYPERLINK_GUEST = '=HYPERLINK("http://example.com","Click")'

# (listing, raw status, start, end, guest, phone country, adults, children,
#  infants, booked, payout)   payout: None = full payout, else fraction of it
AIRBNB_SPEC = [
    # --- Old Town Flat -----------------------------------------------------
    (OLD_TOWN, "Past guest", "2025-10-03", "2025-10-07", "Emma Johnson", "US", 2, 0, 0, "2025-09-14", None),
    (OLD_TOWN, "Past guest", "2025-10-11", "2025-10-15", "Lukas Becker", "DE", 2, 1, 0, "2025-09-30", None),
    (OLD_TOWN, "Canceled", "2025-10-12", "2025-10-16", "Noah Williams", "CA", 1, 0, 0, "2025-09-20", 0),
    (OLD_TOWN, "PAST GUEST", "2025-10-20", "2025-10-25", "Sofia Rossi", "IT", 2, 0, 0, "2025-08-29", None),
    (OLD_TOWN, "Past guest", "2025-11-01", "2025-11-05", "Hiroshi Yamamoto", "JP", 2, 0, 0, "2025-10-02", None),
    (OLD_TOWN, "Past guest", "2025-11-09", "2025-11-13", "Chloé Lambert", "FR", 1, 0, 0, "2025-10-28", None),
    (OLD_TOWN, "Awaiting guest review", "2025-11-20", "2025-11-24", "Mateo Fernández", "ES", 2, 1, 1, "2025-11-02", None),
    (OLD_TOWN, "Checking out today", "2025-11-27", "2025-12-01", "Olivia Brown", "GB", 2, 0, 0, "2025-11-11", None),
    (OLD_TOWN, "Arriving today", "2025-12-01", "2025-12-04", "Aarav Sharma", "IN", 3, 0, 0, "2025-11-19", None),
    (OLD_TOWN, "Canceled by guest", "2025-12-02", "2025-12-05", "Jakub Dvořák", "CZ", 2, 0, 0, "2025-11-03", 0.5),
    # Airbnb half of the deliberate double booking (HMQ7D2KX9P x Booking.com 6547074679).
    (OLD_TOWN, "Confirmed", "2025-12-12", "2025-12-16", "Zoë Müller", "DE", 2, 0, 0, "2025-10-21", None),
    (OLD_TOWN, "Confirmed", "2025-12-21", "2025-12-27", HYPERLINK_GUEST, "US", 2, 1, 0, "2025-11-15", None),
    (OLD_TOWN, "  confirmed", "2026-01-03", "2026-01-07", "Liam O'Connor", "IE", 2, 0, 0, "2025-11-26", None),
    (OLD_TOWN, "Declined", "2026-01-04", "2026-01-08", "Fatima Al-Sayed", "AE", 4, 0, 0, "2025-11-22", 0),
    (OLD_TOWN, "Pending", "2026-01-16", "2026-01-19", "Nguyen Thi Lan", "VN", 2, 0, 0, "2025-11-30", None),
    (OLD_TOWN, "Trip requested", "2026-02-12", "2026-02-15", "Ingrid Solberg", "NO", 2, 0, 0, "2025-11-30", None),
    (OLD_TOWN, "Inquiry", "2026-02-13", "2026-02-16", "Wei Zhang", "CN", 2, 0, 0, "2025-11-29", 0),
    (OLD_TOWN, "Confirmed", "2026-03-12", "2026-03-15", "Ana Popović", "RS", 2, 0, 0, "2025-11-08", None),
    # --- Harbour View Loft -------------------------------------------------
    (HARBOUR, "Past guest", "2025-10-09", "2025-10-16", "James Thompson", "GB", 4, 0, 0, "2025-09-01", None),
    (HARBOUR, "past guest ", "2025-10-24", "2025-10-31", "Søren Madsen", "DK", 2, 2, 0, "2025-09-18", None),
    (HARBOUR, "Awaiting guest review", "2025-11-21", "2025-11-26", "Mohammed Haddad", "AE", 3, 0, 0, "2025-11-05", None),
    (HARBOUR, "Currently hosting", "2025-11-28", "2025-12-03", "Élodie Fournier", "FR", 2, 0, 0, "2025-10-30", None),
    (HARBOUR, "Arrives in 3 days", "2025-12-04", "2025-12-06", "Kenji Sato", "JP", 1, 0, 0, "2025-11-24", None),
    (HARBOUR, "Arrives in 5 days", "2025-12-06", "2025-12-09", "Priya Patel", "IN", 2, 1, 0, "2025-11-12", None),
    (HARBOUR, "Canceled by you", "2025-12-08", "2025-12-11", "Lucas Oliveira", "BR", 2, 0, 0, "2025-11-20", 0),
    (HARBOUR, "Confirmed", "2025-12-12", "2025-12-19", "Maja Nowicka", "PL", 2, 0, 0, "2025-10-05", None),
    (HARBOUR, "Expired", "2025-12-20", "2025-12-23", "Daniel Cohen", "IL", 2, 0, 0, "2025-11-18", 0),
    (HARBOUR, "Confirmed", "2025-12-30", "2026-01-03", "Charlotte Davies", "GB", 4, 0, 0, "2025-09-27", None),
    (HARBOUR, "Canceled by Airbnb", "2026-01-01", "2026-01-04", "Björn Lindqvist", "SE", 2, 0, 0, "2025-11-10", 0),
    (HARBOUR, "Pre-approved", "2026-02-05", "2026-02-08", "Aisha Okafor", "NG", 2, 0, 0, "2025-11-28", 0),
    (HARBOUR, "CONFIRMED", "2026-02-14", "2026-02-17", "Ethan Walker", "US", 2, 0, 0, "2025-11-21", None),
    # --- Garden Cottage ----------------------------------------------------
    (GARDEN, "Past guest", "2025-10-04", "2025-10-11", "Hannah Weber", "DE", 2, 2, 0, "2025-08-02", None),
    (GARDEN, "Past guest", "2025-10-11", "2025-10-18", "Oscar Nilsson", "SE", 2, 1, 1, "2025-09-09", None),
    (GARDEN, "Past guest", "2025-10-25", "2025-11-01", "Lucía Gómez", "ES", 3, 1, 0, "2025-09-22", None),
    (GARDEN, "awaiting guest review", "2025-11-19", "2025-11-23", "Yasmin Rahman", "GB", 2, 0, 0, "2025-10-31", None),
    (GARDEN, "Canceled by guest", "2025-11-24", "2025-11-28", "Sebastian Koch", "AT", 2, 0, 0, "2025-11-01", 0),
    (GARDEN, "Currently hosting", "2025-11-29", "2025-12-02", "Emily Chen", "US", 2, 0, 0, "2025-11-14", None),
    (GARDEN, "Arriving tomorrow", "2025-12-02", "2025-12-04", "Pierre Moreau", "FR", 2, 0, 0, "2025-11-22", None),
    (GARDEN, "Arrives in  3 days", "2025-12-04", "2025-12-09", "Anna Kovács", "HU", 2, 2, 0, "2025-11-02", None),
    (GARDEN, "Confirmed", "2025-12-20", "2025-12-27", "Arjun Mehta", "IN", 4, 2, 0, "2025-10-12", None),
    (GARDEN, "Trip requested", "2026-01-23", "2026-01-26", "Freya Andersen", "DK", 2, 0, 0, "2025-11-30", None),
    (GARDEN, "Expired", "2026-02-20", "2026-02-22", "Diego Ramírez", "MX", 2, 0, 0, "2025-11-16", 0),
    (GARDEN, "Confirmed", "2026-03-06", "2026-03-10", "Katarzyna Lewandowska", "PL", 2, 1, 0, "2025-11-23", None),
]

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"   # Airbnb avoids 0/O, 1/I


def airbnb_code(used: set) -> str:
    while True:
        code = "HM" + "".join(rng.choice(CODE_ALPHABET) for _ in range(8))
        if code not in used and code != DOUBLE_BOOKING_AIRBNB:
            used.add(code)
            return code


def build_airbnb() -> list[AirbnbRow]:
    used: set = set()
    rows = []
    for (listing, status, start, end, guest, country, adults, children, infants,
         booked, payout) in AIRBNB_SPEC:
        start_d, end_d = d(start), d(end)
        rate, cleaning, fee = AIRBNB_PRICING[listing]
        nightly = rate + rng.randint(-12, 18)
        full = round(((end_d - start_d).days * nightly + cleaning) * (1 - fee), 2)
        earnings = full if payout is None else round(full * payout, 2)
        if listing == OLD_TOWN and start == "2025-12-12":
            code = DOUBLE_BOOKING_AIRBNB
            used.add(code)
        else:
            code = airbnb_code(used)
        rows.append(AirbnbRow(code, status, guest, phone(country), adults, children,
                              infants, start_d, end_d, d(booked), listing, earnings))
    rows.sort(key=lambda r: (r.start, LISTINGS.index(r.listing)))
    return rows


def check_airbnb(rows: list[AirbnbRow]) -> None:
    D = EXPORT_DAY
    seen = {norm_status(r.status) for r in rows}
    for label in AIRBNB_CANONICAL:
        assert label in [r.status for r in rows], f"missing exact label {label!r}"
        assert label.lower() in seen
    assert len({r.code for r in rows}) == len(rows)
    for r in rows:
        s = norm_status(r.status)
        assert re.fullmatch(r"HM[A-Z0-9]{8}", r.code), r.code
        assert WINDOW[0] <= r.start < r.end <= WINDOW[1], r
        assert r.booked <= D and r.booked <= r.start, r
        if s == "arriving today":
            assert r.start == D, r
        elif s == "arriving tomorrow":
            assert r.start == D + dt.timedelta(days=1), r
        elif s.startswith("arrives in "):
            n = int(s.split()[2])
            assert r.start == D + dt.timedelta(days=n), r
        elif s == "currently hosting":
            assert r.start < D < r.end, r
        elif s == "checking out today":
            assert r.end == D, r
        elif s == "past guest":
            assert r.end <= D - dt.timedelta(days=14), r
        elif s == "awaiting guest review":
            assert D - dt.timedelta(days=14) < r.end < D, r
        elif s == "confirmed":
            assert r.start >= D + dt.timedelta(days=7), r
        elif s in {"pending", "trip requested", "inquiry", "pre-approved", "expired"}:
            assert r.start > D, r
        if s in AIRBNB_ZERO_PAYOUT:
            assert r.earnings == 0, r
        else:
            assert s.startswith("canceled") or r.earnings > 0, r


def airbnb_date(x: dt.date) -> str:
    return f"{x.month}/{x.day}/{x.year}"


def money(x: float) -> str:
    return f"${x:,.2f}"


AIRBNB_HEADER = ["Confirmation code", "Status", "Guest name", "Contact", "# of adults",
                 "# of children", "# of infants", "Start date", "End date", "# of nights",
                 "Booked", "Listing", "Earnings"]


def write_airbnb_csv(rows: list[AirbnbRow], path: Path) -> None:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(AIRBNB_HEADER)
    for r in rows:
        w.writerow([r.code, r.status, r.guest, r.contact, r.adults, r.children, r.infants,
                    airbnb_date(r.start), airbnb_date(r.end), r.nights,
                    airbnb_date(r.booked), r.listing, money(r.earnings)])
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))


# ---------------------------------------------------------------------------
# Booking.com reservations for "Old Town Flat"
# ---------------------------------------------------------------------------
BCOM_HEADER = [
    "Book number", "Booked by", "Guest name(s)", "Check-in", "Check-out", "Booked on",
    "Status", "Rooms", "Persons", "Adults", "Children", "Children's age(s)", "Price",
    "Commission %", "Commission amount", "Payment status",
    "Payment method (Payment Provider)", "Remarks", "Booker group", "Booker country",
    "Travel purpose", "Device", "Unit type", "Duration (nights)", "Cancellation date",
    "Address", "Phone number",
]
assert len(BCOM_HEADER) == 27

BCOM_COMMISSION = 15.0
UNIT_TYPE = "Apartment with Balcony"
PAY_BCOM = "Payments by Booking.com"
PAY_PROPERTY = "Credit card (Pay at property)"


@dataclass
class BcomRow:
    book_number: str       # 10 digits
    booked_by: str
    guests: str
    checkin: dt.date
    checkout: dt.date
    booked_on: dt.datetime
    status: str
    adults: int
    children: int
    ages: str
    price: float
    payment_status: str
    payment_method: str
    remarks: str
    group: str
    country: str
    purpose: str
    device: str
    cancelled_on: dt.date | None
    address: str
    phone: str

    @property
    def nights(self) -> int:
        return (self.checkout - self.checkin).days

    @property
    def commission(self) -> float:
        if self.status.startswith("cancelled"):
            return 0.0
        return round(self.price * BCOM_COMMISSION / 100, 4)

    def cells(self) -> list:
        """Values in header order; numbers as int/float, the rest as str."""
        return [
            self.book_number, self.booked_by, self.guests, self.checkin.isoformat(),
            self.checkout.isoformat(), self.booked_on.strftime("%Y-%m-%d %H:%M:%S"),
            self.status, 1, self.adults + self.children, self.adults, self.children,
            self.ages, f"{self.price:.4f} EUR", BCOM_COMMISSION,
            f"{self.commission:.4f} EUR", self.payment_status, self.payment_method,
            self.remarks, self.group, self.country, self.purpose, self.device, UNIT_TYPE,
            self.nights, self.cancelled_on.isoformat() if self.cancelled_on else "",
            self.address, self.phone,
        ]


# (booker "Last, First" or "First Last", guest name(s), check-in, check-out,
#  booked on, status, adults, children, ages, payment status, payment method,
#  remarks, booker group, country, purpose, device, cancellation date,
#  address, phone country)
BCOM_DEC_SPEC = [
    ("Schmidt, Jonas", "Jonas Schmidt", "2025-10-01", "2025-10-03", "2025-09-02 18:41:07", "ok", 2, 0, "",
     "Fully paid", PAY_BCOM, "", "Couple", "de", "Leisure", "Mobile", None,
     "Lindenstraße 14, 10969 Berlin", "DE"),
    ("Dubois, Camille", "Camille Dubois", "2025-10-08", "2025-10-11", "2025-09-21 09:12:55", "ok", 2, 1, "6",
     "Fully paid", PAY_BCOM, "Approximate time of arrival: between 15:00 and 16:00", "Family", "fr",
     "Leisure", "Desktop", None, "12 rue des Lilas, 69003 Lyon", "FR"),
    ("van der Berg, Sanne", "Sanne van der Berg", "2025-10-17", "2025-10-19", "2025-10-10 22:03:18", "no_show", 1, 0, "",
     "Fully paid", PAY_BCOM, "", "Solo traveller", "nl", "Business", "Mobile", None,
     "Keizersgracht 221, 1016 DV Amsterdam", "NL"),
    ("García López, Javier", "Javier García López", "2025-10-25", "2025-10-29", "2025-09-30 13:27:40", "ok", 2, 0, "",
     "Fully paid", PAY_BCOM, "Late check-in around 23:00 & parking needed", "Couple", "es", "Leisure",
     "Mobile", None, "Calle de Alcalá 48, 28014 Madrid", "ES"),
    ("Rossi, Giulia", "Giulia Rossi", "2025-10-26", "2025-10-30", "2025-10-01 07:55:12", "cancelled_by_guest", 2, 0, "",
     "Refunded", PAY_BCOM, "", "Couple", "it", "Leisure", "Tablet", "2025-10-04",
     "Via Garibaldi 7, 10122 Torino", "IT"),
    ("Novák, Tomáš", "Tomáš Novák", "2025-10-29", "2025-11-01", "2025-10-14 20:16:29", "ok", 3, 0, "",
     "Fully paid", PAY_PROPERTY, "", "Group", "cz", "Leisure", "Desktop", None,
     "Vinohradská 112, 130 00 Praha 3", "CZ"),
    ("O'Brien, Siobhan", "Siobhan O'Brien", "2025-11-03", "2025-11-06", "2025-10-18 11:48:02", "cancelled_by_guest", 2, 0, "",
     "Refunded", PAY_BCOM, "", "Couple", "ie", "Leisure", "Mobile", "2025-10-27",
     "14 Harcourt Street, Dublin 2, D02 K277", "IE"),
    ("Johansson, Erik", "Erik Johansson", "2025-11-06", "2025-11-09", "2025-10-22 16:05:44", "ok", 1, 0, "",
     "Fully paid", PAY_BCOM, "Invoice to company: Nordvik AB", "Business traveller", "se", "Business",
     "Desktop", None, "Sveavägen 31, 111 34 Stockholm", "SE"),
    ("Tanaka, Yuki", "Yuki Tanaka", "2025-11-14", "2025-11-17", "2025-10-30 02:36:51", "ok", 2, 0, "",
     "Fully paid", PAY_BCOM, "", "Couple", "jp", "Leisure", "Mobile", None,
     "", "JP"),
    ("Smith, Oliver", "Oliver Smith", "2025-11-17", "2025-11-20", "2025-11-02 19:22:10", "ok", 2, 2, "4, 9",
     "Fully paid", PAY_BCOM, "Baby cot please (child <2 yrs not included in guest count)", "Family", "gb",
     "Leisure", "Tablet", None, "27 Marlborough Road, Bristol BS6 5AL", "GB"),
    ("Nowak, Marek", "Marek Nowak", "2025-11-24", "2025-11-27", "2025-11-09 00:26:33", "ok", 2, 0, "",
     "Fully paid", PAY_BCOM, "", "Couple", "pl", "Leisure", "Mobile", None,
     "ul. Marszałkowska 84/92, 00-514 Warszawa", "PL"),
    ("Fischer, Lea", "Lea Fischer", "2025-12-05", "2025-12-08", "2025-11-16 14:09:37", "ok", 2, 0, "",
     "Paid online", PAY_BCOM, "Christmas market trip", "Couple", "at", "Leisure", "Mobile", None,
     "Mariahilfer Straße 88, 1070 Wien", "AT"),
    ("Horváth, Bence", "Bence Horváth", "2025-12-08", "2025-12-11", "2025-11-12 08:44:19", "cancelled_by_guest", 2, 0, "",
     "Refunded", PAY_BCOM, "", "Couple", "hu", "Leisure", "Desktop", "2025-11-28",
     "Andrássy út 52, 1062 Budapest", "HU"),
    # The Booking.com half of the deliberate double booking (see docstring).
    ("Kowalski, Anna", "Anna Kowalski", "2025-12-14", "2025-12-17", "2025-11-23 21:37:05", "ok", 2, 0, "",
     "Paid online", PAY_BCOM, "", "Couple", "pl", "Leisure", "Mobile", None,
     "ul. Długa 5, 80-827 Gdańsk", "PL"),
    ("Silva, Beatriz", "Beatriz Silva", "2025-12-27", "2026-01-02", "2025-10-19 10:58:23", "ok", 2, 1, "7",
     "Paid online", PAY_BCOM, "New Year's Eve – arriving by train", "Family", "pt", "Leisure", "Desktop",
     None, "Rua Augusta 120, 1100-053 Lisboa", "PT"),
    ("Jensen, Mikkel", "Mikkel Jensen", "2025-12-28", "2025-12-31", "2025-10-25 17:31:46", "cancelled_by_hotel", 2, 0, "",
     "Refunded", PAY_BCOM, "", "Couple", "dk", "Leisure", "Mobile", "2025-11-15",
     "Nørrebrogade 44, 2200 København N", "DK"),
    ("Müller, Lukas", "Lukas Müller", "2026-01-09", "2026-01-12", "2025-11-27 12:14:58", "ok", 1, 0, "",
     "Paid online", PAY_BCOM, "", "Business traveller", "ch", "Business", "Desktop", None,
     "Bahnhofstrasse 21, 8001 Zürich", "CH"),
    ("Popescu, Andrei", "Andrei Popescu", "2026-01-22", "2026-01-25", "2025-11-29 23:49:03", "ok", 2, 0, "",
     "Paid online", PAY_BCOM, "", "Couple", "ro", "Leisure", "Mobile", None,
     "Strada Lipscani 19, 030031 București", "RO"),
    ("Kim, Jiwoo", "Jiwoo Kim", "2026-02-27", "2026-03-02", "2025-11-20 05:03:27", "ok", 2, 0, "",
     "Paid online", PAY_BCOM, "", "Couple", "kr", "Leisure", "Mobile", None,
     "", "KR"),
    ("Brown, Emily", "Michael Brown", "2026-03-26", "2026-03-30", "2025-11-30 16:27:12", "ok", 2, 2, "3, 5",
     "Paid online", PAY_BCOM, "Booked for my brother's family", "Family", "us", "Leisure", "Desktop",
     None, "410 Park Avenue, New York, NY 10022", "US"),
]

# Rows only in the January export (booked after the December export).
BCOM_JAN_NEW_SPEC = [
    ("Lefèvre, Hugo", "Hugo Lefèvre", "2026-01-27", "2026-01-30", "2025-12-09 19:04:41", "ok", 2, 0, "",
     "Paid online", PAY_BCOM, "", "Couple", "fr", "Leisure", "Mobile", None,
     "8 avenue Jean Médecin, 06000 Nice", "FR"),
    ("Wiśniewska, Katarzyna", "Katarzyna Wiśniewska", "2026-02-06", "2026-02-09", "2025-12-15 10:37:16", "ok", 1, 0, "",
     "Paid online", PAY_BCOM, "", "Solo traveller", "pl", "Leisure", "Tablet", None,
     "ul. Floriańska 3, 31-019 Kraków", "PL"),
    ("Bianchi, Marco", "Marco Bianchi", "2026-02-19", "2026-02-22", "2025-12-22 22:51:09", "ok", 2, 1, "2",
     "Paid online", PAY_PROPERTY, "Early check-in if possible & a high chair", "Family", "it", "Leisure",
     "Mobile", None, "Corso Buenos Aires 15, 20124 Milano", "IT"),
    ("Aino Virtanen", "Aino Virtanen", "2026-03-06", "2026-03-09", "2026-01-02 08:19:55", "ok", 2, 0, "",
     "Paid online", PAY_BCOM, "", "Couple", "fi", "Leisure", "Desktop", None,
     "Mannerheimintie 12, 00100 Helsinki", "FI"),
    ("Dimitrov, Georgi", "Georgi Dimitrov", "2026-03-17", "2026-03-20", "2026-01-04 13:42:30", "ok", 1, 0, "",
     "Paid online", PAY_BCOM, "", "Business traveller", "bg", "Business", "Mobile", None,
     "bul. Vitosha 45, 1000 Sofia", "BG"),
]

# What changed between the December and the January export.
BCOM_JAN_DROP_BEFORE = dt.date(2025, 10, 15)   # January export filtered on arrival >= this
BCOM_JAN_MOVED = ("2026-01-09", 2)             # ok booking shifted by +2 days
BCOM_JAN_CANCELLED = ("2026-01-22", dt.date(2025, 12, 20))   # ok -> cancelled_by_guest


def bcom_number(used: set) -> str:
    while True:
        n = str(rng.randint(5_100_000_000, 6_999_999_999))
        if n not in used and n != DOUBLE_BOOKING_BCOM:
            used.add(n)
            return n


def build_bcom(spec: list, used: set) -> list[BcomRow]:
    rows = []
    for (booker, guests, cin, cout, booked, status, adults, children, ages, pay_status,
         pay_method, remarks, group, country, purpose, device, cancelled, address,
         phone_country) in spec:
        cin_d, cout_d = d(cin), d(cout)
        rate = rng.uniform(98, 136)
        price = round(rate * (cout_d - cin_d).days, 4)
        if booker == "Kowalski, Anna":
            number = DOUBLE_BOOKING_BCOM
            used.add(number)
        else:
            number = bcom_number(used)
        rows.append(BcomRow(number, booker, guests, cin_d, cout_d,
                            dt.datetime.fromisoformat(booked), status, adults, children, ages,
                            price, pay_status, pay_method, remarks, group, country, purpose,
                            device, d(cancelled) if cancelled else None, address,
                            phone(phone_country.upper())))
    return rows


def derive_january(dec: list[BcomRow], new: list[BcomRow]) -> list[BcomRow]:
    out = []
    for r in dec:
        if r.checkin < BCOM_JAN_DROP_BEFORE:
            continue
        r = BcomRow(**r.__dict__)
        if r.checkin == d(BCOM_JAN_MOVED[0]):
            shift = dt.timedelta(days=BCOM_JAN_MOVED[1])
            r.checkin += shift
            r.checkout += shift
        if r.checkin == d(BCOM_JAN_CANCELLED[0]):
            r.status = "cancelled_by_guest"
            r.cancelled_on = BCOM_JAN_CANCELLED[1]
            r.payment_status = "Refunded"
        out.append(r)
    out.extend(new)
    out.sort(key=lambda r: (r.checkin, r.book_number))
    return out


def check_bcom(rows: list[BcomRow], as_of: dt.datetime) -> None:
    assert len({r.book_number for r in rows}) == len(rows)
    assert {r.status for r in rows} == {"ok", "cancelled_by_guest", "cancelled_by_hotel", "no_show"}
    for r in rows:
        assert re.fullmatch(r"[1-9][0-9]{9}", r.book_number)
        assert WINDOW[0] <= r.checkin < r.checkout <= WINDOW[1], r
        assert r.booked_on.date() < r.checkin and r.booked_on <= as_of, r
        if r.status.startswith("cancelled"):
            assert r.cancelled_on and r.booked_on.date() <= r.cancelled_on <= as_of.date(), r
            assert r.cancelled_on <= r.checkin, r
        else:
            assert r.cancelled_on is None, r
        if r.status == "no_show":
            assert r.checkout <= as_of.date(), r
        assert len(r.country) == 2 and r.country.islower()
        assert (r.children == 0) == (r.ages == "")


def write_bcom_xls(rows: list[BcomRow], path: Path) -> None:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    bold = xlwt.easyxf("font: bold on")
    for c, name in enumerate(BCOM_HEADER):
        ws.write(0, c, name, bold)
    for i, r in enumerate(rows, start=1):
        for c, value in enumerate(r.cells()):
            if c == 0:
                value = float(value)          # Book number is a NUMBER cell
            elif isinstance(value, int):
                value = float(value)
            if value == "":
                continue                       # empty cells stay blank
            ws.write(i, c, value)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())


def write_bcom_html(rows: list[BcomRow], path: Path) -> None:
    def fmt(v) -> str:
        if isinstance(v, float):
            return f"{v:g}"
        return html.escape(str(v), quote=False)

    lines = [
        "<html>",
        "<head>",
        '<meta charset="utf-8">',
        "<title>Reservations</title>",
        "</head>",
        "<body>",
        "<table>",
        "<tr>" + "".join(f"<th>{fmt(h)}</th>" for h in BCOM_HEADER) + "</tr>",
    ]
    for r in rows:
        lines.append("<tr>" + "".join(f"<td>{fmt(v)}</td>" for v in r.cells()) + "</tr>")
    lines += ["</table>", "</body>", "</html>", ""]
    path.write_bytes("\n".join(lines).encode("utf-8"))


# ---------------------------------------------------------------------------
# Operator's cleaning schedule workbook
# ---------------------------------------------------------------------------
@dataclass
class ScheduleRow:
    code: str | None
    status: str
    guest: str
    contact: str
    adults: int
    children: int
    infants: int
    start: dt.date
    end: dt.date
    booked: dt.date
    listing: str
    earnings: float
    source: str
    nights_as_date: bool = False

    @property
    def nights(self) -> int:
        return (self.end - self.start).days


SCHEDULE_AIRBNB_CODES_BY_START = [   # (listing, start) of Airbnb rows copied verbatim
    (OLD_TOWN, "2025-12-12"), (OLD_TOWN, "2025-12-21"), (OLD_TOWN, "2026-01-03"),
    (HARBOUR, "2025-11-28"), (HARBOUR, "2025-12-12"), (HARBOUR, "2025-12-30"),
    (GARDEN, "2025-12-20"),
]

# (code, status, guest, phone country, adults, children, infants, start, end,
#  booked, listing, earnings, source, nights cell formatted as a date?)
SCHEDULE_OTHER_SPEC = [
    ("HA-7K2M9P", "Confirmed", "Sarah Mitchell", "US", 2, 0, 0, "2025-12-19", "2025-12-23", "2025-11-04",
     HARBOUR, 712.50, "VRBO", True),
    ("HA-3QX8WT", "Reserved", "Jan de Vries", "NL", 2, 2, 0, "2025-12-14", "2025-12-19", "2025-11-17",
     GARDEN, 689.25, "VRBO", False),
    ("HA-9F4RL2", "Cancelled", "Mark Evans", "GB", 2, 0, 0, "2025-12-16", "2025-12-19", "2025-11-09",
     OLD_TOWN, 0.0, "VRBO", False),
    (None, "Confirmed", "Helena Costa", "PT", 2, 0, 0, "2025-12-18", "2025-12-21", "2025-11-25",
     OLD_TOWN, 330.00, "Direct", True),
    ("D-2025-014", "Confirmed", "Rafael Mendes", "BR", 3, 0, 0, "2025-12-26", "2025-12-30", "2025-11-28",
     HARBOUR, 760.00, "Direct", False),
    (None, "Confirmed", "Klaus Hoffmann", "DE", 2, 0, 0, "2026-01-02", "2026-01-06", "2025-12-01",
     GARDEN, 560.00, "Direct", False),
    (None, "Owner Staying", "Marta Novak", "PL", 2, 0, 0, "2025-12-10", "2025-12-14", "2025-10-01",
     GARDEN, 0.0, "Owner Staying", False),
    (None, "Owner Staying", "Marta Novak", "PL", 2, 1, 0, "2025-12-28", "2026-01-01", "2025-10-01",
     GARDEN, 0.0, "Owner Staying", False),
]

SCHEDULE_HEADER = AIRBNB_HEADER + ["Booking source"]
DATE_FMT = "dd/mm/yyyy"
MONEY_FMT = '"$"#,##0.00'


def build_schedule(airbnb: list[AirbnbRow]) -> list[ScheduleRow]:
    rows = []
    by_key = {(r.listing, r.start.isoformat()): r for r in airbnb}
    for key in SCHEDULE_AIRBNB_CODES_BY_START:
        a = by_key[key]
        rows.append(ScheduleRow(a.code, a.status, a.guest, a.contact, a.adults, a.children,
                                a.infants, a.start, a.end, a.booked, a.listing, a.earnings,
                                "Airbnb", nights_as_date=(key == (HARBOUR, "2025-12-12"))))
    owner_phone = None
    for (code, status, guest, country, adults, children, infants, start, end, booked,
         listing, earnings, source, nights_as_date) in SCHEDULE_OTHER_SPEC:
        contact = phone(country)
        if source == "Owner Staying":          # same owner, same phone
            owner_phone = owner_phone or contact
            contact = owner_phone
        rows.append(ScheduleRow(code, status, guest, contact, adults, children, infants,
                                d(start), d(end), d(booked), listing, earnings, source,
                                nights_as_date))
    rows.sort(key=lambda r: (r.start, LISTINGS.index(r.listing)))
    return rows


def check_schedule(rows: list[ScheduleRow], airbnb: list[AirbnbRow]) -> None:
    by_code = {r.code: r for r in airbnb}
    assert {r.source for r in rows} == {"Airbnb", "VRBO", "Direct", "Owner Staying"}
    assert 2 <= sum(r.nights_as_date for r in rows) <= 3
    for r in rows:
        assert WINDOW[0] <= r.start < r.end <= WINDOW[1] and r.booked <= SCHEDULE_AS_OF.date()
        if r.source == "Airbnb":
            a = by_code[r.code]
            assert (a.status, a.guest, a.contact, a.adults, a.children, a.infants, a.start,
                    a.end, a.booked, a.listing, a.earnings) == \
                   (r.status, r.guest, r.contact, r.adults, r.children, r.infants, r.start,
                    r.end, r.booked, r.listing, r.earnings)
        elif r.source == "VRBO":
            assert re.fullmatch(r"HA-[0-9A-Z]{6}", r.code) and r.status in {"Confirmed", "Reserved", "Cancelled"}
        elif r.source == "Direct":
            assert r.status == "Confirmed"
        else:
            assert r.code is None and r.status == "Owner Staying"
    direct = [r for r in rows if r.source == "Direct"]
    assert sum(r.code is None for r in direct) == 2


def fixed_zip(path: Path, stamp: dt.datetime) -> None:
    """Rewrite an xlsx with fixed entry timestamps and dcterms:modified."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as zin:
        entries = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + iso.encode() + rb"\g<2>", data)
            info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o600 << 16
            zout.writestr(info, data)
    path.write_bytes(buf.getvalue())


def write_schedule_xlsx(rows: list[ScheduleRow], path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.properties.creator = "Marta Novak"
    wb.properties.lastModifiedBy = "Marta Novak"
    wb.properties.title = "Cleaning schedule"
    wb.properties.created = dt.datetime(2025, 11, 3, 8, 15, 0)
    wb.properties.modified = SCHEDULE_AS_OF

    summary = wb.active
    summary.title = "Summary"
    summary["A1"] = "Cleaning summary"
    summary["A1"].font = Font(bold=True, size=14)
    summary["A2"] = "Period"
    summary["B2"] = "December 2025"
    summary["A3"] = "Updated"
    summary["B3"] = "2 Dec 2025, 09:00"
    summary["A5"] = "Cleanings per property"
    summary["A5"].font = Font(bold=True)
    row = 6
    for listing in LISTINGS:
        n = sum(1 for r in rows if r.listing == listing
                and norm_status(r.status) in SCHEDULE_BLOCKING)
        summary.cell(row=row, column=1, value=listing)
        summary.cell(row=row, column=2, value=n)
        row += 1
    summary.cell(row=row + 1, column=1, value="Cleaner on call")
    summary.cell(row=row + 1, column=2, value="Iwona (+48 601 222 333)")
    summary.column_dimensions["A"].width = 24
    summary.column_dimensions["B"].width = 24

    ws = wb.create_sheet("Schedule")
    ws["A1"] = "Cleaning schedule — December 2025"
    ws["A1"].font = Font(bold=True, size=14)
    for c, name in enumerate(SCHEDULE_HEADER, start=1):
        cell = ws.cell(row=3, column=c, value=name)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    r_i = 4
    for r in rows:
        values = [r.code, r.status, r.guest, r.contact, r.adults, r.children, r.infants,
                  dt.datetime.combine(r.start, dt.time()), dt.datetime.combine(r.end, dt.time()),
                  r.nights, dt.datetime.combine(r.booked, dt.time()), r.listing, r.earnings,
                  r.source]
        for c, v in enumerate(values, start=1):
            cell = ws.cell(row=r_i, column=c, value=v)
            if isinstance(v, str) and v.startswith("="):
                cell.data_type = "s"          # a text value, not a formula
            if c in (8, 9, 11):
                cell.number_format = DATE_FMT
            elif c == 10 and r.nights_as_date:
                cell.number_format = DATE_FMT  # operator quirk: integer shown as a date
            elif c == 13:
                cell.number_format = MONEY_FMT
        r_i += 1
    ws.cell(row=r_i, column=1, value="Total").font = Font(bold=True)
    ws.cell(row=r_i, column=10, value=sum(r.nights for r in rows)).font = Font(bold=True)
    total = ws.cell(row=r_i, column=13, value=round(sum(r.earnings for r in rows), 2))
    total.font = Font(bold=True)
    total.number_format = MONEY_FMT
    widths = [14, 22, 26, 20, 9, 9, 9, 12, 12, 9, 12, 20, 12, 15]
    for c, w in enumerate(widths, start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width = w
    ws.freeze_panes = "A4"
    wb.save(path)
    fixed_zip(path, SCHEDULE_AS_OF)


# ---------------------------------------------------------------------------
# Cross-file calendar checks
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Stay:
    listing: str
    start: dt.date
    end: dt.date
    source: str
    code: str
    status: str


def blocking_stays(airbnb, schedule, bcom) -> list[Stay]:
    stays = [Stay(r.listing, r.start, r.end, "airbnb", r.code, r.status)
             for r in airbnb if norm_status(r.status) in AIRBNB_BLOCKING]
    # Airbnb rows of the schedule are copies of CSV rows: do not count them twice.
    stays += [Stay(r.listing, r.start, r.end, "schedule:" + r.source,
                   r.code or f"({r.guest})", r.status)
              for r in schedule if r.source != "Airbnb"
              and norm_status(r.status) in SCHEDULE_BLOCKING]
    stays += [Stay(OLD_TOWN, r.checkin, r.checkout, "booking_com", r.book_number, r.status)
              for r in bcom if r.status in BCOM_BLOCKING]
    return stays


def overlaps_and_turnovers(stays: list[Stay]):
    overlaps, turnovers = [], []
    for i, a in enumerate(stays):
        for b in stays[i + 1:]:
            if a.listing != b.listing:
                continue
            if a.start < b.end and b.start < a.end:
                nights = (min(a.end, b.end) - max(a.start, b.start)).days
                overlaps.append((a, b, nights))
            if a.end == b.start or b.end == a.start:
                first, second = (a, b) if a.end == b.start else (b, a)
                turnovers.append((first, second))
    return overlaps, turnovers


def check_calendar(stays: list[Stay], label: str):
    overlaps, turnovers = overlaps_and_turnovers(stays)
    codes = [{a.code, b.code} for a, b, _ in overlaps]
    assert codes == [{DOUBLE_BOOKING_AIRBNB, DOUBLE_BOOKING_BCOM}], (label, overlaps)
    assert overlaps[0][2] == 2, overlaps
    airbnb_pairs = [(a, b) for a, b in turnovers if a.source == b.source == "airbnb"]
    assert len(airbnb_pairs) >= 2, airbnb_pairs
    return overlaps, turnovers


# ---------------------------------------------------------------------------
MANIFEST = """\
# Options for files in this folder that the exports themselves do not carry.
# A file may match several entries; later entries override earlier keys.

# The layouts this folder's exports may have besides the built-in ones (README: "Declaring
# your own layout"); without this key, a layouts.toml in the folder is read.
layouts = "../example_layouts.toml"

[[files]]
match = "booking_com_*"        # fnmatch glob on the file name
source = "booking_com"
property = "Old Town Flat"      # Booking.com exports are one property per account

[[files]]
match = "airbnb_reservations_2025-12-01.csv"
as_of = "2025-12-01T06:00:00"

[[files]]
match = "airbnb_reservations_fr_2025-12.csv"
as_of = "2025-12-01T06:30:00"

[[files]]
match = "airbnb_reservations_es_2025-12.csv"
as_of = "2025-12-01T06:45:00"

[[files]]
match = "airbnb_reservations_pt_2025-12.csv"
as_of = "2025-12-01T06:50:00"

[[files]]
match = "booking_hr_reservations_2025-12.xls"
as_of = "2025-12-01T07:30:00"
property = "Kuća Lavanda"       # the download names no property

[[files]]
match = "booking_short_2025-12.csv"
as_of = "2025-12-01T07:45:00"

[[files]]
match = "booking_com_reservations_2025-12.xls"
as_of = "2025-12-01T07:00:00"

[[files]]
match = "booking_com_reservations_2026-01.xls"
as_of = "2026-01-05T07:00:00"

[[files]]
match = "cleaning_schedule.xlsx"
as_of = "2025-12-02T09:00:00"

[[files]]
match = "cleaning_schedule_v1.xlsx"
as_of = "2026-01-05T08:00:00"

[[files]]
match = "cleaning_schedule_v2.xlsx"
as_of = "2026-01-08T08:00:00"

[[files]]
match = "cleaning_schedule_v3.xlsx"
as_of = "2026-01-12T08:00:00"

[[files]]
match = "airbnb_reservations_wrapped_2026-01.csv"
as_of = "2026-01-06T06:00:00"

[[files]]
match = "airbnb_reservations_fr_mojibake_2026-01.csv"
as_of = "2026-01-06T06:30:00"

[[files]]
match = "example_pms_reservations_2025-12.csv"
as_of = "2025-12-01T08:00:00"

[[files]]
match = "airbnb_reservations_2026-01-10.csv"
as_of = "2026-01-10T06:00:00"
"""


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)

    airbnb = build_airbnb()
    check_airbnb(airbnb)

    used_numbers: set = set()
    bcom_dec = build_bcom(BCOM_DEC_SPEC, used_numbers)
    bcom_dec.sort(key=lambda r: (r.checkin, r.book_number))
    check_bcom(bcom_dec, BCOM_DEC_AS_OF)
    bcom_new = build_bcom(BCOM_JAN_NEW_SPEC, used_numbers)
    assert all(r.booked_on > BCOM_DEC_AS_OF for r in bcom_new)
    bcom_jan = derive_january(bcom_dec, bcom_new)
    check_bcom(bcom_jan, BCOM_JAN_AS_OF)

    schedule = build_schedule(airbnb)
    check_schedule(schedule, airbnb)

    _, turn_dec = check_calendar(blocking_stays(airbnb, schedule, bcom_dec), "December")
    _, turn_jan = check_calendar(blocking_stays(airbnb, schedule, bcom_jan), "January")

    write_airbnb_csv(airbnb, OUT / "airbnb_reservations_2025-12-01.csv")
    airbnb_fr_sample.write(OUT)
    earnings_samples.write(OUT)
    assert f'match = "{airbnb_fr_sample.NAME}"\nas_of = "{airbnb_fr_sample.AS_OF.isoformat()}"' in MANIFEST
    airbnb_es_sample.write(OUT)
    assert f'match = "{airbnb_es_sample.NAME}"\nas_of = "{airbnb_es_sample.AS_OF.isoformat()}"' in MANIFEST
    airbnb_pt_sample.write(OUT)
    assert f'match = "{airbnb_pt_sample.NAME}"\nas_of = "{airbnb_pt_sample.AS_OF.isoformat()}"' in MANIFEST
    QUIRKS.mkdir(parents=True, exist_ok=True)
    booking_com_locale_samples.write(OUT, QUIRKS)
    for name, as_of in ((booking_com_locale_samples.HR_NAME, booking_com_locale_samples.HR_AS_OF),
                        (booking_com_locale_samples.SHORT_NAME, booking_com_locale_samples.SHORT_AS_OF)):
        assert f'match = "{name}"\nas_of = "{as_of.isoformat()}"' in MANIFEST, name
    write_bcom_xls(bcom_dec, OUT / "booking_com_reservations_2025-12.xls")
    write_bcom_html(bcom_jan, OUT / "booking_com_reservations_2026-01.xls")
    write_schedule_xlsx(schedule, OUT / "cleaning_schedule.xlsx")
    workbook_turnovers = workbook_samples.write_all(OUT, fixed_zip)
    for name, as_of, _ in workbook_samples.VERSIONS:
        assert f'match = "{name}"\nas_of = "{as_of.isoformat()}"' in MANIFEST, name
    resaved_samples.write(OUT)
    declared_sample.write(OUT)
    for name, as_of in (
        (resaved_samples.WRAPPED, resaved_samples.WRAPPED_AS_OF),
        (resaved_samples.MOJIBAKE, resaved_samples.MOJIBAKE_AS_OF),
        (declared_sample.NAME, declared_sample.AS_OF),
    ):
        assert f'match = "{name}"\nas_of = "{as_of.isoformat()}"' in MANIFEST, name
    airbnb_listings_sample.write(OUT)
    listings = airbnb_listings_sample
    assert f'match = "{listings.NAME}"\nas_of = "{listings.AS_OF.isoformat()}"' in MANIFEST
    (OUT / "bookingest.toml").write_bytes(MANIFEST.encode("utf-8"))

    print(f"airbnb rows: {len(airbnb)}; booking.com Dec: {len(bcom_dec)}, "
          f"Jan: {len(bcom_jan)}; schedule rows: {len(schedule)}")
    print(f"double booking: Airbnb {DOUBLE_BOOKING_AIRBNB} x Booking.com {DOUBLE_BOOKING_BCOM}")
    seen = []
    for a, b in turn_dec + turn_jan:
        key = (a.listing, a.end, a.code, b.code)
        if key not in seen:
            seen.append(key)
    print("same-day turnovers:")
    for listing, day, c1, c2 in sorted(seen, key=lambda k: (k[0], k[1])):
        print(f"  {listing:18} {day}  {c1} -> {c2}")
    for house, day, before, after in sorted(workbook_turnovers):
        print(f"  {house:18} {day}  {before} -> {after}  (workbook)")


if __name__ == "__main__":
    main()
