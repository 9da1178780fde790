"""The operator's "Cleaning schedule" workbook as real ones are, in three versions a few days apart.

Written by ``make_samples.py`` (made-up guests only):

* the data sheet is the first of several (checklists, a bed list, a day-by-day priority sheet
  about 1,450 columns wide, "Book directly", "Owner staying");
* its header is in row 1 but the table starts in column B; Airbnb's headers, then
  ``Properties`` (the operator's short house name), two blank-headed columns, the two checklist
  columns, the source column (``Booking source`` in v1, ``Airbnb/VRBO`` from v2 on), ``Check 1``
  and ``Check for conflicts``;
* the source column is a formula whose cached value is ``AIRBNB``, ``VRBO``, ``Owner staying``
  or ``Directly`` (openpyxl cannot write cached values of formulas; xlsxwriter can);
* Vrbo rows: ``HA-`` codes, status ``Booked``, empty Listing, Contact, counts, nights, Earnings;
  owner stays: ``Owner staying`` in the code and status cells; the direct stay: ``Directly``,
  ``Booked``, for a year.

Each version repeats the rows of the one before unchanged and adds the stays booked since.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

LAKE, PINE, DUNE, MAPLE = "Lakeside", "Pine Lodge", "Dune House", "Maple Studio"
HOUSES = (LAKE, PINE, DUNE, MAPLE)
TITLES = {
    LAKE: "Lakeside cabin with hot tub",
    PINE: "Cosy Pine Lodge near the trails",
    DUNE: "Dune House, 2 min to the beach",
    MAPLE: "Maple Studio in the old town",
}
# (version it first appears in, as of)
VERSIONS = (
    ("cleaning_schedule_v1.xlsx", dt.datetime(2026, 1, 5, 8, 0), "Booking source"),
    ("cleaning_schedule_v2.xlsx", dt.datetime(2026, 1, 8, 8, 0), "Airbnb/VRBO"),
    ("cleaning_schedule_v3.xlsx", dt.datetime(2026, 1, 12, 8, 0), "Airbnb/VRBO"),
)
AIRBNB, VRBO, OWNER, DIRECT = "AIRBNB", "VRBO", "Owner staying", "Directly"

# (first version, platform, house, start, end, status, guest, adults, booked)
SPEC = [
    (1, AIRBNB, LAKE, "2025-12-27", "2026-01-03", "Past guest", "Nora Lindahl", 2, "2025-11-02"),
    (1, AIRBNB, LAKE, "2026-01-06", "2026-01-10", "Confirmed", "Felix Brandt", 3, "2025-12-01"),
    (1, VRBO, LAKE, "2026-01-10", "2026-01-14", "Booked", "Ruth Okonkwo", None, "2025-12-11"),  # turnover
    (1, AIRBNB, LAKE, "2026-01-20", "2026-01-25", "Confirmed", "Tariq Haddad", 2, "2025-12-20"),
    (1, AIRBNB, PINE, "2026-01-02", "2026-01-06", "Currently hosting", "Ines Carvalho", 2, "2025-12-05"),
    (1, AIRBNB, PINE, "2026-01-06", "2026-01-11", "Confirmed", "Oskar Wiśniewski", 4, "2025-12-09"),  # turnover
    (1, OWNER, PINE, "2026-01-13", "2026-01-17", "Owner staying", "Owner", None, "2025-10-15"),
    (1, AIRBNB, PINE, "2026-01-17", "2026-01-21", "Confirmed", "Grace Mbeki", 2, "2025-12-28"),  # turnover
    (1, AIRBNB, DUNE, "2025-12-20", "2025-12-27", "Past guest", "Henrik Aalto", 2, "2025-10-30"),
    (1, AIRBNB, DUNE, "2026-01-03", "2026-01-07", "Currently hosting", "Paula Restrepo", 2, "2025-12-12"),
    (1, AIRBNB, DUNE, "2026-01-09", "2026-01-12", "Confirmed", "Yusuf Demir", 1, "2025-12-30"),
    (1, VRBO, DUNE, "2026-01-15", "2026-01-19", "Booked", "Colm Brennan", None, "2025-12-18"),
    (1, AIRBNB, DUNE, "2026-01-24", "2026-01-28", "Confirmed", "Mei Tanaka", 2, "2026-01-02"),
    (1, DIRECT, MAPLE, "2025-12-01", "2026-12-01", "Booked", "Tomasz Wrona", None, "2025-11-10"),  # a year
    (1, AIRBNB, LAKE, "2026-02-06", "2026-02-09", "Confirmed", "Alba Serrano", 2, "2025-12-22"),
    (2, AIRBNB, LAKE, "2026-01-14", "2026-01-18", "Confirmed", "Dmitri Volkov", 2, "2026-01-07"),  # turnover
    (2, AIRBNB, PINE, "2026-01-24", "2026-01-27", "Confirmed", "Lea Schmid", 2, "2026-01-06"),
    (2, AIRBNB, DUNE, "2026-01-19", "2026-01-22", "Confirmed", "Sven Olsen", 2, "2026-01-07"),  # turnover
    (2, OWNER, DUNE, "2026-02-01", "2026-02-05", "Owner staying", "Owner", None, "2026-01-06"),
    (2, AIRBNB, PINE, "2026-02-02", "2026-02-06", "Confirmed", "Amara Diallo", 3, "2026-01-07"),
    (3, VRBO, PINE, "2026-01-27", "2026-02-01", "Booked", "Jonas Petrov", None, "2026-01-10"),  # turnover
    (3, AIRBNB, LAKE, "2026-01-28", "2026-02-02", "Confirmed", "Chiara Bellini", 2, "2026-01-11"),
    (3, AIRBNB, DUNE, "2026-01-28", "2026-01-31", "Confirmed", "Rohan Iyer", 2, "2026-01-10"),  # turnover
    (3, AIRBNB, PINE, "2026-02-09", "2026-02-13", "Confirmed", "Eva Horvat", 2, "2026-01-11"),
    (3, AIRBNB, DUNE, "2026-02-07", "2026-02-10", "Confirmed", "Liam Byrne", 2, "2026-01-11"),
]

HEADER = [
    "Confirmation code",
    "Status",
    "Guest name",
    "Contact",
    "# of adults",
    "# of children",
    "# of infants",
    "Start date",
    "End date",
    "# of nights",
    "Booked",
    "Listing",
    "Earnings",
    "Properties",
    None,
    None,
    "Walk Through before guest check in",
    "Clean up after guests check out",
    "SOURCE",
    "Check 1",
    "Check for conflicts",
]
FIRST_COLUMN = 1  # column B: column A is empty
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RATES = {LAKE: 165, PINE: 140, DUNE: 190, MAPLE: 95}


@dataclass(frozen=True)
class WorkbookRow:
    version: int
    platform: str
    house: str
    start: dt.date
    end: dt.date
    status: str
    guest: str
    adults: int | None
    booked: dt.date
    code: str  # the code cell as typed: a code, or the words "Owner staying" / "Directly"
    contact: str | None
    earnings: float | None

    @property
    def nights(self) -> int:
        return (self.end - self.start).days


def build() -> list[WorkbookRow]:
    rng = random.Random(20260105)
    rows, used = [], set()
    for version, platform, house, start, end, status, guest, adults, booked in SPEC:
        s, e = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        if platform in (AIRBNB, VRBO):
            while True:
                code = ("HM" if platform == AIRBNB else "HA-") + "".join(
                    rng.choice(CODE_ALPHABET) for _ in range(8 if platform == AIRBNB else 6)
                )
                if code not in used:
                    used.add(code)
                    break
        else:
            code = platform  # "Owner staying" or "Directly" where the code would be
        airbnb = platform == AIRBNB
        contact = f"+1 (415) 555-01{rng.randrange(100):02d}" if airbnb else None
        earnings = round((e - s).days * RATES[house] * 0.97 + 60, 2) if airbnb else None
        if platform == DIRECT:
            earnings = 28_800.0  # the year's rent, agreed directly
        rows.append(
            WorkbookRow(
                version,
                platform,
                house,
                s,
                e,
                status,
                guest,
                adults,
                dt.date.fromisoformat(booked),
                code,
                contact,
                earnings,
            )
        )
    rows.sort(key=lambda r: (r.start, HOUSES.index(r.house)))
    return rows


def check(rows: list[WorkbookRow]) -> list[tuple[str, dt.date, str, str]]:
    """About one row in five is not Airbnb; no two active stays of a house overlap; the
    same-day turnovers include ones between an Airbnb and a Vrbo or owner stay (returned)."""
    assert len({r.code for r in rows if r.platform in (AIRBNB, VRBO)}) == sum(
        r.platform in (AIRBNB, VRBO) for r in rows
    )
    for version in (1, 2, 3):
        seen = [r for r in rows if r.version <= version]
        other = sum(r.platform != AIRBNB for r in seen)
        assert 0.15 <= other / len(seen) <= 0.35, (version, other, len(seen))
        assert {r.platform for r in seen} == {AIRBNB, VRBO, OWNER, DIRECT}
        assert all(r.booked <= VERSIONS[version - 1][1].date() for r in seen)
    turnovers = []
    for a in rows:
        for b in rows:
            if a is not b and a.house == b.house:
                assert not (a.start < b.end and b.start < a.end), (a, b)
                if a.end == b.start:
                    turnovers.append((a.house, a.end, a.platform, b.platform))
    mixed = [t for t in turnovers if {t[2], t[3]} - {AIRBNB}]
    assert {p for t in mixed for p in t[2:]} >= {AIRBNB, VRBO, OWNER}, mixed
    return turnovers


def write(rows: list[WorkbookRow], version: int, path: Path, as_of: dt.datetime, source_header: str) -> None:
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    book.set_properties({"title": "Cleaning schedule", "author": "Marta Novak", "created": as_of})
    bold = book.add_format({"bold": True})
    date = book.add_format({"num_format": "m/d/yyyy"})
    money = book.add_format({"num_format": '"$"#,##0.00'})
    sheet = book.add_worksheet("Cleaning schedule")
    for c, name in enumerate(HEADER):
        if name is not None:
            sheet.write_string(0, FIRST_COLUMN + c, source_header if name == "SOURCE" else name, bold)
    col = {name: FIRST_COLUMN + c for c, name in enumerate(HEADER) if name}
    letter = {name: xlsxwriter.utility.xl_col_to_name(c) for name, c in col.items()}
    mine = [r for r in rows if r.version <= version]
    for i, r in enumerate(mine, start=1):
        n = i + 1  # the row as Excel numbers it
        code = f"{letter['Confirmation code']}{n}"
        sheet.write_string(i, col["Confirmation code"], r.code)
        sheet.write_string(i, col["Status"], r.status)
        sheet.write_string(i, col["Guest name"], r.guest)
        if r.contact:
            sheet.write_string(i, col["Contact"], r.contact)
        if r.platform == AIRBNB:
            sheet.write_number(i, col["# of adults"], r.adults or 1)
            sheet.write_number(i, col["# of children"], 0)
            sheet.write_number(i, col["# of infants"], 0)
            sheet.write_number(i, col["# of nights"], r.nights)
            sheet.write_string(i, col["Listing"], TITLES[r.house])
        sheet.write_datetime(i, col["Start date"], dt.datetime.combine(r.start, dt.time()), date)
        sheet.write_datetime(i, col["End date"], dt.datetime.combine(r.end, dt.time()), date)
        sheet.write_datetime(i, col["Booked"], dt.datetime.combine(r.booked, dt.time()), date)
        if r.earnings is not None:
            sheet.write_number(i, col["Earnings"], r.earnings, money)
        sheet.write_string(i, col["Properties"], r.house)
        if r.end < as_of.date():
            sheet.write_string(i, col["Clean up after guests check out"], "Done")
        formula = (
            f'=IF(LEFT({code},2)="HM","AIRBNB",IF(LEFT({code},3)="HA-","VRBO",'
            f'IF({code}="Directly","Directly","Owner staying")))'
        )
        sheet.write_formula(i, col["SOURCE"], formula, None, r.platform)  # the cached value
        nights = f"={letter['End date']}{n}-{letter['Start date']}{n}"
        sheet.write_formula(i, col["Check 1"], nights, None, r.nights)
        sheet.write_formula(i, col["Check for conflicts"], f'=IF({letter["Check 1"]}{n}>0,"OK","CHECK")', None, "OK")
    _other_sheets(book, rows, version, bold, date)
    book.close()


def _other_sheets(book: xlsxwriter.Workbook, rows: list[WorkbookRow], version: int, bold: object, date: object) -> None:
    checklists = book.add_worksheet("Checklists")
    for i, line in enumerate(
        ["Turnover checklist", "Strip beds", "Towels x4", "Restock coffee", "Check hot tub", "Photos of each room"]
    ):
        checklists.write_string(i, 0, line, bold if i == 0 else None)
    beds = book.add_worksheet("Bed list")
    beds.write_row(0, 0, ["House", "King", "Queen", "Twin", "Sofa bed"], bold)
    for i, house in enumerate(HOUSES, start=1):
        beds.write_row(i, 0, [house, 1, i % 3, (i + 1) % 2, 1])
    # A day per column, about four years of them: the sheet real workbooks carry.
    priority = book.add_worksheet("Priority")
    first = dt.datetime(2024, 1, 1)
    priority.write_string(0, 0, "House", bold)
    for c in range(1, 1451):
        priority.write_datetime(0, c, first + dt.timedelta(days=c - 1), date)
    for i, house in enumerate(HOUSES, start=1):
        priority.write_string(i, 0, house)
        for r in rows:
            if r.house == house and r.version <= version:
                priority.write_string(i, 1 + (dt.datetime.combine(r.end, dt.time()) - first).days, "clean")
    direct = book.add_worksheet("Book directly")
    direct.write_row(0, 0, ["Guest", "House", "Arrive", "Leave", "Rent"], bold)
    owner = book.add_worksheet("Owner staying")
    owner.write_row(0, 0, ["House", "From", "To"], bold)
    d_i = o_i = 1
    for r in rows:
        if r.version > version:
            continue
        if r.platform == DIRECT:
            direct.write_row(d_i, 0, [r.guest, r.house, r.start.isoformat(), r.end.isoformat(), r.earnings])
            d_i += 1
        elif r.platform == OWNER:
            owner.write_row(o_i, 0, [r.house, r.start.isoformat(), r.end.isoformat()])
            o_i += 1


def write_all(out: Path, fixed_zip: object) -> list[tuple[str, dt.date, str, str]]:
    rows = build()
    turnovers = check(rows)
    for version, (name, as_of, source_header) in enumerate(VERSIONS, start=1):
        write(rows, version, out / name, as_of, source_header)
        fixed_zip(out / name, as_of)  # type: ignore[operator]
    return turnovers
