"""The report benchmark's database: N made-up bookings over about three years, loaded through
bookingest's own merge (loaders.file_load, as tests/report_database.py does for the tests).

Deterministic (one seed). Per property the stays follow one another without overlapping (0-2
free days between them, so some same-day turnovers), starting in January 2023; every property
is paid in one currency (EUR or USD, two to one). Sources: airbnb 50%, booking_com 30%, vrbo
20% of the channel bookings, one file each; owner stays (3%) as a fourth file of source owner.
Statuses: completed before the export's day, confirmed after it, in_house across it; about
10% cancelled, 2% declined, 1% no-show, 1% inquiry, 1% pending. Booked 0-300 days before
check-in (never after the export's day; 2% without a booking date). For 40% of the Airbnb
bookings an earnings export has a reservation line (the payout give or take 5%), some an
adjustment line or a resolution line (which is not revenue).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine

# The product's packages first: tests/ has folders of the same names (tests/loaders, ...).
ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
from report_database import EarningsLine, Stay, load_earnings, load_stays  # noqa: E402

START = dt.date(2023, 1, 1)
AS_OF = dt.datetime(2025, 7, 1, 6)  # the moment every export describes
PER_PROPERTY = 200  # bookings per property: about 1,000 days of stays
CHANNELS = ["airbnb", "booking_com", "vrbo"]
CHANNEL_P = [0.5, 0.3, 0.2]
STATUS_DRAW = ["live", "cancelled", "declined", "no_show", "inquiry", "pending", "owner_stay"]
STATUS_P = [0.82, 0.10, 0.02, 0.01, 0.01, 0.01, 0.03]


def stays(n: int, seed: int = 14) -> pd.DataFrame:
    """n bookings as a frame of columns: code, source, property, check_in, check_out, status,
    booked_at, payout, currency."""
    rng = np.random.default_rng(seed)
    houses = max(1, -(-n // PER_PROPERTY))
    house = np.arange(n) // PER_PROPERTY
    nights = rng.choice(np.arange(1, 15), n, p=_weights([18, 16, 15, 13, 10, 8, 8, 3, 2, 2, 1, 1, 1, 2]))
    gaps = rng.choice([0, 1, 2], n, p=[0.3, 0.4, 0.3])
    step = nights + gaps
    cum = np.cumsum(step)
    before_house = np.r_[0, cum][house * PER_PROPERTY]  # the steps of the houses before
    offset = rng.integers(0, 60, houses)[house]  # houses start on different days
    check_in = (cum - step - before_house + offset).astype("timedelta64[D]") + np.datetime64(START)
    check_out = check_in + nights.astype("timedelta64[D]")
    drawn = rng.choice(STATUS_DRAW, n, p=STATUS_P)
    today = np.datetime64(AS_OF.date())
    live = np.where(check_out <= today, "completed", np.where(check_in > today, "confirmed", "in_house"))
    status = np.where(drawn == "live", live, drawn)
    source = np.where(status == "owner_stay", "owner", rng.choice(CHANNELS, n, p=CHANNEL_P))
    lead = rng.integers(0, 301, n).astype("timedelta64[D]")
    booked = np.minimum(check_in - lead, today).astype("datetime64[s]") + np.timedelta64(13 * 3600, "s")
    booked_at = pd.Series(booked).where(rng.random(n) >= 0.02)
    currency = np.where(rng.random(houses) < 2 / 3, "EUR", "USD")[house]
    payout = np.round(nights * rng.uniform(60, 240, n), 2)
    payout = np.where(status == "owner_stay", np.nan, payout)
    return pd.DataFrame({
        "code": np.char.add("RB", np.char.zfill(np.arange(n).astype(str), 8)), "source": source,
        "property": np.char.add("House ", np.char.zfill((house + 1).astype(str), 5)),
        "check_in": check_in, "check_out": check_out, "status": status, "booked_at": booked_at,
        "payout": payout, "currency": currency,
    })  # fmt: skip


def _weights(counts: list[int]) -> np.ndarray:
    w = np.array(counts, dtype=float)
    return w / w.sum()


def earnings(frame: pd.DataFrame, seed: int = 15) -> list[EarningsLine]:
    """The Airbnb earnings lines of 40% of the Airbnb bookings (some adjusted or resolved)."""
    rng = np.random.default_rng(seed)
    airbnb = frame[(frame["source"] == "airbnb") & frame["payout"].notna()]
    paid = airbnb[rng.random(len(airbnb)) < 0.4]
    lines = []
    draws = rng.random((len(paid), 3))
    for (code, check_in, payout, currency), (r, a, s) in zip(
        paid[["code", "check_in", "payout", "currency"]].itertuples(index=False), draws, strict=True
    ):
        day = pd.Timestamp(check_in).date()
        lines.append(EarningsLine(code, "reservation", round(payout * (0.95 + r / 10), 2), currency, day))
        if a < 0.1:
            lines.append(EarningsLine(code, "adjustment", round(-payout * a, 2), currency, day))
        if s < 0.02:
            lines.append(EarningsLine(code, "resolution", 50.0, currency, day))
    return lines


def build(engine: Engine, n: int, log: bool = True) -> None:
    """Load the n bookings (a file per source) and the earnings lines into `engine`'s database."""
    frame = stays(n)
    for i, (source, part) in enumerate(frame.groupby("source", sort=True)):
        records = [
            Stay(code, str(source), house, ci.date(), co.date(), status, None if pd.isna(b) else b.to_pydatetime(),
                 None if pd.isna(p) else float(p), cur)
            for code, house, ci, co, status, b, p, cur in part[
                ["code", "property", "check_in", "check_out", "status", "booked_at", "payout", "currency"]
            ].itertuples(index=False)
        ]  # fmt: skip
        _say(log, f"loading {len(records):,} {source} bookings")
        load_stays(engine, records, AS_OF + dt.timedelta(seconds=i), name=f"{source}-export.csv")
    lines = earnings(frame)
    _say(log, f"loading {len(lines):,} Airbnb earnings lines")
    load_earnings(engine, lines, AS_OF + dt.timedelta(hours=1))


def _say(log: bool, message: str) -> None:
    if log:
        print(f"  {dt.datetime.now():%H:%M:%S} {message}", flush=True)
