"""A realistic report figures dict (the shape of reports.figures.report_figures) for the writers'
tests and the writers' measurement: several properties over 12 months, two currencies, and guest,
listing and file names that a spreadsheet or a browser would take for code if written carelessly."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

# Text that Excel reads as a formula (or a DDE command) when it is written as a formula, and
# text a browser runs when it is not escaped. Each must come out exactly as written.
HOSTILE_TEXT = (
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-2+3",
    "<script>alert(1)</script>",
)
PROPERTY_NAMES = (
    "Old Town Flat",
    "Harbour View Loft",
    'Villa <b>Sol</b> & "Mar"',  # markup in a listing name: shown, never interpreted
    "=1+1 Cottage",
    "Garden Studio",
    "Riverside House",
)
CHANNELS = ("airbnb", "booking", "vrbo", "direct")
LEAD_TIME_BUCKETS = ("0-6 days", "7-29 days", "30-89 days", "90-179 days", "180+ days", "unknown")


def _months(start: date, count: int) -> list[str]:
    return [
        f"{start.year + (start.month - 1 + i) // 12:04d}-{(start.month - 1 + i) % 12 + 1:02d}" for i in range(count)
    ]


def _days_in(month: str) -> int:
    year, number = int(month[:4]), int(month[5:])
    following = date(year + number // 12, number % 12 + 1, 1)
    return (following - date(year, number, 1)).days


def property_names(count: int) -> list[str]:
    return [PROPERTY_NAMES[i] if i < len(PROPERTY_NAMES) else f"House {i + 1}" for i in range(count)]


def currency_of(index: int) -> str:
    return "USD" if index % 3 == 1 else "EUR"  # the second, fifth, ... house lets in dollars


def _money(value: float) -> float:
    return round(value, 2)


def _monthly(houses: list[str], months: list[str], rng: random.Random) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    totals: dict[tuple[str, str], list[float]] = {}
    for i, house in enumerate(houses):
        currency = currency_of(i)
        for month in months:
            days = _days_in(month)
            blocked = rng.choice((0, 0, 0, 2, 5))
            available = days - blocked
            sold = rng.randint(0, available)
            revenue = _money(sold * rng.uniform(80, 240)) if sold else None
            rows.append(
                {
                    "property": house,
                    "month": month,
                    "currency": currency if sold else None,
                    "nights_sold": sold,
                    "nights_blocked": blocked,
                    "nights_available": available,
                    "occupancy": round(sold / available, 4) if available else None,
                    "revenue": revenue,
                    "adr": _money(revenue / sold) if revenue is not None else None,
                    "revpar": _money(revenue / available) if revenue is not None and available else None,
                }
            )
            total = totals.setdefault((month, currency), [0.0, 0.0, 0.0, 0.0])
            total[0] += sold
            total[1] += blocked
            total[2] += available
            total[3] += revenue or 0.0
    for (month, currency), (t_sold, t_blocked, t_available, t_revenue) in sorted(totals.items()):
        rows.append(
            {
                "property": None,
                "month": month,
                "currency": currency,
                "nights_sold": int(t_sold),
                "nights_blocked": int(t_blocked),
                "nights_available": int(t_available),
                "occupancy": round(t_sold / t_available, 4) if t_available else None,
                "revenue": _money(t_revenue) if t_sold else None,
                "adr": _money(t_revenue / t_sold) if t_sold else None,
                "revpar": _money(t_revenue / t_available) if t_sold and t_available else None,
            }
        )
    return rows


def _channels(houses: list[str], months: list[str], rng: random.Random) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for month in months:
        for currency in ("EUR", "USD"):
            counts = {channel: rng.randint(0, 40) for channel in CHANNELS}
            nights = sum(counts.values())
            for channel, sold in counts.items():
                rows.append(
                    {
                        "property": None,
                        "month": month,
                        "channel": channel,
                        "currency": currency,
                        "bookings": sold // 3,
                        "nights_sold": sold,
                        "revenue": _money(sold * rng.uniform(90, 200)) if sold else None,
                        "share_of_nights": round(sold / nights, 4) if nights else None,
                    }
                )
    for i, house in enumerate(houses):
        rows.append(
            {
                "property": house,
                "month": months[0],
                "channel": CHANNELS[i % len(CHANNELS)],
                "currency": currency_of(i),
                "bookings": 3,
                "nights_sold": 9,
                "revenue": 1234.5,
                "share_of_nights": 1.0,
            }
        )
    return rows


def figures(properties: int = 6, months: int = 12, seed: int = 14) -> dict[str, Any]:
    """The figures of a year (from January 2025) for `properties` made-up houses."""
    rng = random.Random(seed)
    houses = property_names(properties)
    calendar = _months(date(2025, 1, 1), months)
    ahead = _months(date(2026, 1, 1), 6)
    cleaning = [
        {
            "date": f"2025-12-{1 + i // 2:02d}",
            "property": houses[i % len(houses)],
            "kind": "turnover" if i % 2 == 0 else "checkout",
            "same_day_turnover": i % 2 == 0,
            "status": "open",
            "guest": HOSTILE_TEXT[i % len(HOSTILE_TEXT)] if i < 2 * len(HOSTILE_TEXT) else f"Guest {i}",
            "booking": f"airbnb:HM{i:06d}",
        }
        for i in range(14)
    ]
    return {
        "period": {"from": calendar[0] + "-01", "to": f"{calendar[-1]}-{_days_in(calendar[-1]):02d}"},
        "property": None,
        "database": "postgresql+psycopg://analyst:***@db.example:5432/bookings",
        "generated_at": "2025-12-01T07:30:00+00:00",
        "today": "2025-12-01",
        "definitions": {
            "nights_sold": "Nights of confirmed, in-house and completed stays, split by night across months.",
            "nights_blocked": "Nights of owner stays.",
            "nights_available": "Days of the month minus blocked nights.",
            "occupancy": "Nights sold / nights available.",
            "revenue": "Payout allocated to nights pro rata; Airbnb earnings lines where they exist.",
            "adr": "Revenue / nights sold.",
            "revpar": "Revenue / nights available.",
        },
        "monthly": _monthly(houses, calendar, rng),
        "channels": _channels(houses, calendar, rng),
        "stays": [
            {"property": house, "channel": channel, "bookings": rng.randint(1, 30), "average_length_of_stay": 3.25}
            for house in [*houses, None]
            for channel in (*CHANNELS, None)
        ],
        "lead_time": [
            {"channel": channel, "bucket": bucket, "bookings": rng.randint(0, 50)}
            for channel in (*CHANNELS, None)
            for bucket in LEAD_TIME_BUCKETS
        ],
        "cancellations": [{"channel": channel, "booked": 40, "cancelled": 6, "rate": 0.15} for channel in CHANNELS]
        + [{"channel": "expedia", "booked": 0, "cancelled": 0, "rate": None}],
        "on_the_books": [
            {
                "month": month,
                "currency": currency,
                "nights": rng.randint(10, 90),
                "revenue": _money(rng.uniform(1000, 9000)),
                "nights_last_year": rng.randint(10, 90) if month != ahead[-1] else None,
                "revenue_last_year": _money(rng.uniform(1000, 9000)) if month != ahead[-1] else None,
            }
            for month in ahead
            for currency in ("EUR", "USD")
        ],
        "cleaning": cleaning,
        "double_bookings": [
            {
                "property": houses[0],
                "first": "airbnb:HM000001",
                "second": "booking:4455667788",
                "from": "2025-12-20",
                "to": "2025-12-22",
            }
        ],
        "data_quality": {
            "files_loaded": 42,
            "files_rejected": 2,
            "files_duplicate": 5,
            "quarantined_by_reason": [{"reason": "unknown status label", "rows": 7}, {"reason": "-2+3", "rows": 1}],
            "quarantined_by_file": [{"file": "+cmd|' /C calc'!A0.csv", "rows": 3}, {"file": "export.xlsx", "rows": 5}],
            "unknown_labels": [{"source": "airbnb", "label": "@SUM(1)", "rows": 7}],
            "bookings_without_payout": 4,
        },
    }
