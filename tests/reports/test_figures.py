"""Every figure of the report on a small case computed by hand, on SQLite and PostgreSQL: a stay
across a month end with Airbnb earnings lines, an owner stay, a cancelled stay, two currencies, a
same-day turnover, a double booking, a stay without payout, an unknown status label."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from airbnb_export import airbnb_csv, airbnb_row
from report_database import EarningsLine, Stay, load_earnings, load_stays
from sqlalchemy import Engine

from pipelines.discover import FileOptions
from pipelines.ingest import ingest_file
from reports.figures import UnknownProperty, report_figures

FLAT, VILLA = "Old Town Flat", "Seaside Villa"  # EUR and USD
JUNE, JULY = dt.date(2025, 6, 1), dt.date(2025, 7, 31)
TODAY = dt.date(2025, 6, 20)


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day)


STAYS = [
    # Across the month end: 3 nights in June, 2 in July; its earnings (450 - 50) replace its payout.
    Stay("HMA1", "airbnb", FLAT, dt.date(2025, 6, 28), dt.date(2025, 7, 3), "confirmed", at("2025-05-01 09:00"), 500.0, "EUR"),
    Stay("BC1", "booking_com", FLAT, dt.date(2025, 6, 10), dt.date(2025, 6, 14), "completed", at("2025-06-08 12:00"), 360.0, "EUR"),
    Stay("BC2", "booking_com", FLAT, dt.date(2025, 6, 17), dt.date(2025, 6, 20), "completed", at("2025-06-16 20:00"), 270.0, "EUR"),
    Stay("OWN1", "owner", FLAT, dt.date(2025, 6, 21), dt.date(2025, 6, 25), "owner_stay"),
    Stay("HMC1", "airbnb", FLAT, dt.date(2025, 6, 15), dt.date(2025, 6, 18), "confirmed", at("2025-06-01 10:00"), 300.0, "EUR"),
    # Shares a night (July 1st) with HMA1: a double booking.
    Stay("HMD1", "airbnb", FLAT, dt.date(2025, 7, 1), dt.date(2025, 7, 2), "confirmed", at("2025-06-30 18:00"), 100.0, "EUR"),
    # VR1 leaves on the day DR1 arrives: a same-day turnover.
    Stay("VR1", "vrbo", VILLA, dt.date(2025, 6, 14), dt.date(2025, 6, 20), "confirmed", at("2025-03-01 08:00"), 600.0, "USD"),
    Stay("DR1", "direct", VILLA, dt.date(2025, 6, 20), dt.date(2025, 6, 22), "confirmed", None, 300.0, "USD"),
    Stay("DR2", "direct", VILLA, dt.date(2025, 7, 10), dt.date(2025, 7, 12), "confirmed", at("2025-07-01 07:00"), None, None),
    Stay("HMI1", "airbnb", VILLA, dt.date(2025, 7, 10), dt.date(2025, 7, 12), "inquiry", at("2025-06-02 07:00")),
]  # fmt: skip
UNKNOWN_LABEL = "Arriving next week"


def build(engine: Engine, tmp_path: Path) -> None:
    load_stays(engine, STAYS, at("2025-06-05 08:00"), "first.csv")
    cancelled = STAYS[4]._replace(status="cancelled")
    load_stays(engine, [cancelled], at("2025-06-12 08:00"), "second.csv")
    load_earnings(
        engine,
        [
            EarningsLine("HMA1", "reservation", 450.0, "EUR", dt.date(2025, 6, 29)),
            EarningsLine("HMA1", "adjustment", -50.0, "EUR", dt.date(2025, 7, 4)),
            EarningsLine("HMA1", "resolution", 80.0, "EUR", dt.date(2025, 7, 10)),  # damage: not the stay's price
        ],
        at("2025-07-15 08:00"),
    )
    path = tmp_path / "airbnb_unknown.csv"
    row = airbnb_row(
        "HMUNKNOWN1", UNKNOWN_LABEL, "Una Known", dt.date(2025, 8, 1), dt.date(2025, 8, 3), FLAT, Decimal(200)
    )
    path.write_bytes(airbnb_csv([row]))
    ingest_file(engine, path, FileOptions(as_of=at("2025-06-15 08:00")))


@pytest.fixture
def figures(engine: Engine, tmp_path: Path) -> dict[str, Any]:
    build(engine, tmp_path)
    return report_figures(engine, dt.date(2025, 6, 10), dt.date(2025, 7, 15), today=TODAY)


def month(property_: str | None, month_: str, currency: str | None, sold: int, blocked: int, available: int,
          occupancy: float, revenue: float | None, adr: float | None, revpar: float | None) -> dict[str, Any]:  # fmt: skip
    return {
        "property": property_, "month": month_, "currency": currency, "nights_sold": sold, "nights_blocked": blocked,
        "nights_available": available, "occupancy": occupancy, "revenue": revenue, "adr": adr, "revpar": revpar,
    }  # fmt: skip


def test_the_period_is_whole_months_and_the_header_says_what_was_asked(figures: dict[str, Any], engine: Engine) -> None:
    assert figures["period"] == {"from": "2025-06-01", "to": "2025-07-31"}
    assert figures["property"] is None and figures["today"] == "2025-06-20"
    assert figures["database"] == engine.url.render_as_string(hide_password=True)
    assert dt.datetime.fromisoformat(figures["generated_at"]).tzinfo is not None
    for key in ("nights_sold", "nights_blocked", "nights_available", "occupancy", "revenue", "adr", "revpar"):
        assert figures["definitions"][key]


def test_monthly_nights_occupancy_and_revenue_per_property_currency_and_in_total(figures: dict[str, Any]) -> None:
    assert figures["monthly"] == [
        # June: HMA1 3 nights at 400 / 5 = 80 (earnings, not its payout), BC1 4 x 90, BC2 3 x 90;
        # OWN1 blocks 4 nights of 30; HMC1 is cancelled.
        month(FLAT, "2025-06", "EUR", 10, 4, 26, 0.3846, 870.0, 87.0, 33.46),
        # July: HMA1's 2 nights (160) and HMD1's 1 (100).
        month(FLAT, "2025-07", "EUR", 3, 0, 31, 0.0968, 260.0, 86.67, 8.39),
        month(VILLA, "2025-06", "USD", 8, 0, 30, 0.2667, 900.0, 112.5, 30.0),
        # DR2 has no payout: its nights are sold, its revenue unknown (no currency).
        month(VILLA, "2025-07", None, 2, 0, 31, 0.0645, None, None, None),
        month(None, "2025-06", "EUR", 10, 4, 56, 0.1786, 870.0, 87.0, 15.54),
        month(None, "2025-06", "USD", 8, 4, 56, 0.1429, 900.0, 112.5, 16.07),
        month(None, "2025-07", "EUR", 3, 0, 62, 0.0484, 260.0, 86.67, 4.19),
        month(None, "2025-07", None, 2, 0, 62, 0.0323, None, None, None),
    ]


def test_channels_bookings_arriving_nights_revenue_and_share(figures: dict[str, Any]) -> None:
    def row(p: str | None, m: str, ch: str, cur: str | None, n: int, nights: int, rev: float | None, share: float) -> dict[str, Any]:  # fmt: skip
        return {"property": p, "month": m, "channel": ch, "currency": cur, "bookings": n, "nights_sold": nights,
                "revenue": rev, "share_of_nights": share}  # fmt: skip

    assert figures["channels"] == [
        row(FLAT, "2025-06", "airbnb", "EUR", 1, 3, 240.0, 0.3),
        row(FLAT, "2025-06", "booking_com", "EUR", 2, 7, 630.0, 0.7),
        row(FLAT, "2025-07", "airbnb", "EUR", 1, 3, 260.0, 1.0),  # HMA1 arrived in June: only HMD1 counts
        row(VILLA, "2025-06", "direct", "USD", 1, 2, 300.0, 0.25),
        row(VILLA, "2025-06", "vrbo", "USD", 1, 6, 600.0, 0.75),
        row(VILLA, "2025-07", "direct", None, 1, 2, None, 1.0),
        row(None, "2025-06", "airbnb", "EUR", 1, 3, 240.0, 0.1667),
        row(None, "2025-06", "booking_com", "EUR", 2, 7, 630.0, 0.3889),
        row(None, "2025-06", "direct", "USD", 1, 2, 300.0, 0.1111),
        row(None, "2025-06", "vrbo", "USD", 1, 6, 600.0, 0.3333),
        row(None, "2025-07", "airbnb", "EUR", 1, 3, 260.0, 0.6),
        row(None, "2025-07", "direct", None, 1, 2, None, 0.4),
    ]


def test_stays_length_lead_time_and_cancellations(figures: dict[str, Any]) -> None:
    def stays(p: str | None, ch: str | None, n: int, average: float) -> dict[str, Any]:
        return {"property": p, "channel": ch, "bookings": n, "average_length_of_stay": average}

    assert figures["stays"] == [
        stays(FLAT, "airbnb", 2, 3.0), stays(FLAT, "booking_com", 2, 3.5), stays(FLAT, None, 4, 3.25),
        stays(VILLA, "direct", 2, 2.0), stays(VILLA, "vrbo", 1, 6.0), stays(VILLA, None, 3, 3.33),
        stays(None, "airbnb", 2, 3.0), stays(None, "booking_com", 2, 3.5), stays(None, "direct", 2, 2.0),
        stays(None, "vrbo", 1, 6.0), stays(None, None, 7, 3.29),
    ]  # fmt: skip
    lead = {(r["channel"], r["bucket"]): r["bookings"] for r in figures["lead_time"]}
    buckets = ("0-6 days", "7-29 days", "30-89 days", "90-179 days", "180+ days", "unknown")
    assert [r["bucket"] for r in figures["lead_time"]] == list(buckets) * 5  # 4 channels and the total
    # HMA1 58 days, HMD1 1; BC1 2, BC2 1; VR1 105; DR1 no booking date, DR2 9.
    assert {k: n for k, n in lead.items() if n} == {
        ("airbnb", "0-6 days"): 1, ("airbnb", "30-89 days"): 1, ("booking_com", "0-6 days"): 2,
        ("direct", "7-29 days"): 1, ("direct", "unknown"): 1, ("vrbo", "90-179 days"): 1,
        (None, "0-6 days"): 3, (None, "7-29 days"): 1, (None, "30-89 days"): 1, (None, "90-179 days"): 1,
        (None, "unknown"): 1,
    }  # fmt: skip
    # Booked in June or July: HMC1 (cancelled) and HMD1; BC1, BC2; DR1 (first seen June 5th), DR2.
    # HMA1 and VR1 were booked before; the inquiry and the owner stay were never bookings.
    assert figures["cancellations"] == [
        {"channel": "airbnb", "booked": 2, "cancelled": 1, "rate": 0.5},
        {"channel": "booking_com", "booked": 2, "cancelled": 0, "rate": 0.0},
        {"channel": "direct", "booked": 2, "cancelled": 0, "rate": 0.0},
    ]


def test_on_the_books_today_and_a_year_before_the_history_began(figures: dict[str, Any]) -> None:
    books = figures["on_the_books"]
    assert [r["month"] for r in books][:4] == ["2025-06", "2025-06", "2025-07", "2025-08"]
    assert len({r["month"] for r in books}) == 12
    # HMD1 and DR2 were booked after today; HMC1 was called off on June 12th.
    assert books[:3] == [
        {"month": "2025-06", "currency": "EUR", "nights": 10, "revenue": 870.0, "nights_last_year": None, "revenue_last_year": None},
        {"month": "2025-06", "currency": "USD", "nights": 8, "revenue": 900.0, "nights_last_year": None, "revenue_last_year": None},
        {"month": "2025-07", "currency": "EUR", "nights": 2, "revenue": 160.0, "nights_last_year": None, "revenue_last_year": None},
    ]  # fmt: skip
    assert books[3] == {"month": "2025-08", "currency": None, "nights": 0, "revenue": None,
                        "nights_last_year": None, "revenue_last_year": None}  # fmt: skip


def test_on_the_books_a_year_later_reads_the_history_of_a_stay_called_off_since(engine: Engine, tmp_path: Path) -> None:
    build(engine, tmp_path)
    books = report_figures(engine, JUNE, JULY, today=dt.date(2026, 6, 10))["on_the_books"]
    # As of 2025-06-10: HMA1, BC1, VR1, DR1 and HMC1 (cancelled only on the 12th); BC2 booked on the 16th.
    assert books[:3] == [
        {"month": "2026-06", "currency": "EUR", "nights": 0, "revenue": None, "nights_last_year": 10, "revenue_last_year": 900.0},
        {"month": "2026-06", "currency": "USD", "nights": 0, "revenue": None, "nights_last_year": 8, "revenue_last_year": 900.0},
        {"month": "2026-07", "currency": "EUR", "nights": 0, "revenue": None, "nights_last_year": 2, "revenue_last_year": 160.0},
    ]  # fmt: skip
    assert books[3]["nights_last_year"] == 0 and books[3]["revenue_last_year"] is None


def test_cleaning_schedule_next_fourteen_days_turnovers_first(figures: dict[str, Any]) -> None:
    def task(day: str, p: str, turnover: bool, guest: str, booking: str) -> dict[str, Any]:
        return {"date": day, "property": p, "kind": "cleaning", "same_day_turnover": turnover, "status": "open",
                "guest": guest, "booking": booking}  # fmt: skip

    assert figures["cleaning"] == [
        task("2025-06-20", VILLA, True, "Guest VR1", "vrbo VR1"),  # before the flat: a turnover
        task("2025-06-20", FLAT, False, "Guest BC2", "booking_com BC2"),
        task("2025-06-22", VILLA, False, "Guest DR1", "direct DR1"),
        task("2025-06-25", FLAT, False, "Guest OWN1", "owner OWN1"),
        task("2025-07-02", FLAT, False, "Guest HMD1", "airbnb HMD1"),
        task("2025-07-03", FLAT, False, "Guest HMA1", "airbnb HMA1"),
    ]


def test_double_bookings_open_now_and_data_quality(figures: dict[str, Any]) -> None:
    (pair,) = figures["double_bookings"]
    assert pair["property"] == FLAT and (pair["from"], pair["to"]) == ("2025-07-01", "2025-07-02")
    assert {"HMA1" in pair["first"] + pair["second"], "HMD1" in pair["first"] + pair["second"]} == {True}
    quality = figures["data_quality"]
    assert (quality["files_loaded"], quality["files_rejected"], quality["files_duplicate"]) == (4, 0, 0)
    ((reason,),) = [[r["reason"] for r in quality["quarantined_by_reason"]]]
    assert UNKNOWN_LABEL in reason and [r["rows"] for r in quality["quarantined_by_reason"]] == [1]
    assert [(Path(r["file"]).name, r["rows"]) for r in quality["quarantined_by_file"]] == [("airbnb_unknown.csv", 1)]
    assert quality["unknown_labels"] == [{"source": "airbnb", "label": UNKNOWN_LABEL, "rows": 1}]
    assert quality["bookings_without_payout"] == 1  # DR2


def test_one_property(engine: Engine, tmp_path: Path) -> None:
    build(engine, tmp_path)
    figures = report_figures(engine, JUNE, JULY, property=VILLA, today=TODAY)
    assert figures["property"] == VILLA
    assert [(r["property"], r["month"], r["nights_sold"], r["nights_available"]) for r in figures["monthly"]] == [
        (VILLA, "2025-06", 8, 30), (VILLA, "2025-07", 2, 31), (None, "2025-06", 8, 30), (None, "2025-07", 2, 31),
    ]  # fmt: skip
    assert {r["property"] for r in figures["cleaning"]} == {VILLA}
    assert figures["double_bookings"] == [] and figures["data_quality"]["bookings_without_payout"] == 1
    assert [r["channel"] for r in figures["cancellations"]] == ["direct"]
    with pytest.raises(UnknownProperty, match="no property named 'Nowhere'"):
        report_figures(engine, JUNE, JULY, property="Nowhere")
