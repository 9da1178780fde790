"""Deterministic generator of realistic booking exports of any size, for the benchmarks.

    python benchmarks/generate.py airbnb-csv 1000000 out/airbnb_1m.csv
    python benchmarks/generate.py airbnb-xlsx 100000 out/airbnb_100k.xlsx
    python benchmarks/generate.py house-xlsx 100000 out/house_100k.xlsx
    python benchmarks/generate.py airbnb-csv 1000000 out/airbnb_1m_changed.csv --change 0.01

The same arguments always give the same rows. Stays never overlap within a listing; about
50 bookings per listing; statuses, guests and money follow a realistic mix. `--change F`
alters a fraction F of the rows (dates moved, cancellations, guest counts) and nothing else.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from pathlib import Path

import numpy as np

HEADERS = [
    "Confirmation code", "Status", "Guest name", "Contact", "# of adults", "# of children",
    "# of infants", "Start date", "End date", "# of nights", "Booked", "Listing", "Earnings",
]  # fmt: skip
FIRST = ["Anna", "Liam", "Sofia", "Noah", "Mia", "Lukas", "Chloé", "Mateo", "Zoë", "Hiroshi", "Aisha", "Jakub"]
LAST = ["Müller", "Smith", "Rossi", "Kowalski", "García", "Dubois", "Sato", "Okafor", "Nguyen", "Jensen"]
STATUSES = np.array(["Confirmed", "Past guest", "Canceled by guest", "Pending", "Currently hosting", "Declined"])
STATUS_P = [0.45, 0.35, 0.1, 0.04, 0.03, 0.03]
ALPHABET = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ23456789"))
EPOCH = dt.date(2023, 1, 1)


def bookings(n: int, change: float = 0.0, seed: int = 7) -> dict[str, np.ndarray]:
    """n bookings as columns of numpy arrays; `change` alters that fraction deterministically."""
    rng = np.random.default_rng(seed)
    per_listing = 50
    listing = np.arange(n) // per_listing
    nights = rng.integers(1, 8, n)
    gaps = rng.integers(0, 4, n)
    # Stays follow one another per listing: start = cumulative (nights + gap) within the listing.
    step = nights + gaps
    cum = np.cumsum(step)
    first_of_listing = np.r_[0, cum[per_listing - 1 :: per_listing][:-1]] if n > per_listing else np.array([0])
    start = cum - step - np.repeat(first_of_listing, per_listing)[:n]
    status = rng.choice(STATUSES, n, p=STATUS_P)
    adults = rng.integers(1, 5, n)
    children = rng.integers(0, 3, n)
    infants = (rng.random(n) < 0.05).astype(int)
    booked = start - rng.integers(3, 120, n)
    earnings = np.round(nights * rng.uniform(80, 260, n), 2)
    first = rng.choice(FIRST, n)
    last = rng.choice(LAST, n)
    if change:
        rng2 = np.random.default_rng(seed + 1)
        changed = rng2.random(n) < change
        kind = rng2.integers(0, 3, n)
        # Moving a stay later by up to its gap keeps the listing free of overlaps.
        moved = changed & (kind == 0) & (gaps > 0)
        start = np.where(moved, start + 1, start)
        nights = np.where(moved, np.maximum(nights, 1), nights)
        status = np.where(changed & (kind == 1), "Canceled by guest", status)
        adults = np.where(changed & (kind == 2), adults + 1, adults)
    idx = np.arange(n, dtype=np.int64)
    mixed = (idx * 2654435761 + 12345) % (32**8)  # a bijection on 8 base-32 digits
    digits = [(mixed // 32**k) % 32 for k in range(8)]
    codes = np.char.add("HM", _join(digits))
    return {
        "code": codes, "status": status, "guest": np.char.add(np.char.add(first, " "), last),
        "contact": np.char.add("+1 555 ", (idx % 10_000_000).astype(str)),
        "adults": adults, "children": children, "infants": infants, "start": start, "nights": nights,
        "booked": booked, "listing": np.char.add("Listing ", (listing + 1).astype(str)), "earnings": earnings,
    }  # fmt: skip


def _join(digits: list[np.ndarray]) -> np.ndarray:
    out = ALPHABET[digits[0]]
    for d in digits[1:]:
        out = np.char.add(out, ALPHABET[d])
    return out


def _dates(offsets: np.ndarray, fmt: str) -> np.ndarray:
    days = np.datetime64(EPOCH) + offsets.astype("timedelta64[D]")
    if fmt == "mdy":
        y = days.astype("datetime64[Y]").astype(int) + 1970
        m = days.astype("datetime64[M]").astype(int) % 12 + 1
        d = (days - days.astype("datetime64[M]")).astype(int) + 1
        return np.char.add(np.char.add(np.char.add(m.astype(str), "/"), np.char.add(d.astype(str), "/")), y.astype(str))
    return days


def window(b: dict[str, np.ndarray], start: int, stop: int) -> dict[str, np.ndarray]:
    """Bookings start..stop-1 of `b` (an account's export of part of its listings)."""
    return {name: column[start:stop] for name, column in b.items()}


def write_airbnb_csv(n: int, path: Path, change: float = 0.0) -> None:
    write_airbnb_bookings(bookings(n, change), path)


def write_airbnb_bookings(b: dict[str, np.ndarray], path: Path) -> None:
    start, end, booked = _dates(b["start"], "mdy"), _dates(b["start"] + b["nights"], "mdy"), _dates(b["booked"], "mdy")
    money = np.array([f"${v:,.2f}" for v in b["earnings"]])
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        w.writerow(HEADERS)
        w.writerows(
            zip(
                b["code"],
                b["status"],
                b["guest"],
                b["contact"],
                b["adults"],
                b["children"],
                b["infants"],
                start,
                end,
                b["nights"],
                booked,
                b["listing"],
                money,
                strict=True,
            )
        )


def write_xlsx(n: int, path: Path, change: float = 0.0, house: bool = False) -> None:
    write_xlsx_bookings(bookings(n, change), path, house)


def write_xlsx_bookings(b: dict[str, np.ndarray], path: Path, house: bool = False) -> None:
    import xlsxwriter  # constant_memory streams rows; openpyxl would take minutes at 1M rows

    n = len(b["code"])
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    money_fmt = book.add_format({"num_format": "$#,##0.00"})
    if house:
        summary = book.add_worksheet("Summary")
        summary.write(0, 0, "Cleaning summary")
        summary.write(1, 0, f"{n} bookings")
    sheet = book.add_worksheet("Schedule" if house else "Reservations")
    row = 0
    headers = [*HEADERS, "Booking source"] if house else HEADERS
    if house:
        sheet.write(0, 0, "Cleaning schedule")
        row = 2
    sheet.write_row(row, 0, headers)
    epoch = dt.datetime(EPOCH.year, EPOCH.month, EPOCH.day)
    for i in range(n):
        row += 1
        start = epoch + dt.timedelta(days=int(b["start"][i]))
        sheet.write_string(row, 0, str(b["code"][i]))
        sheet.write_string(row, 1, str(b["status"][i]))
        sheet.write_string(row, 2, str(b["guest"][i]))
        sheet.write_string(row, 3, str(b["contact"][i]))
        sheet.write_number(row, 4, int(b["adults"][i]))
        sheet.write_number(row, 5, int(b["children"][i]))
        sheet.write_number(row, 6, int(b["infants"][i]))
        sheet.write_datetime(row, 7, start, date_fmt)
        sheet.write_datetime(row, 8, start + dt.timedelta(days=int(b["nights"][i])), date_fmt)
        sheet.write_number(row, 9, int(b["nights"][i]))
        sheet.write_datetime(row, 10, epoch + dt.timedelta(days=int(b["booked"][i])), date_fmt)
        sheet.write_string(row, 11, str(b["listing"][i]))
        sheet.write_number(row, 12, float(b["earnings"][i]), money_fmt)
        if house:
            sheet.write_string(row, 13, "Airbnb")
    if house:
        sheet.write_string(row + 1, 0, "Total")
    book.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["airbnb-csv", "airbnb-xlsx", "house-xlsx"])
    parser.add_argument("rows", type=int)
    parser.add_argument("path", type=Path)
    parser.add_argument("--change", type=float, default=0.0, help="fraction of rows to alter")
    args = parser.parse_args()
    args.path.parent.mkdir(parents=True, exist_ok=True)
    if args.kind == "airbnb-csv":
        write_airbnb_csv(args.rows, args.path, args.change)
    else:
        write_xlsx(args.rows, args.path, args.change, house=args.kind == "house-xlsx")


if __name__ == "__main__":
    main()
