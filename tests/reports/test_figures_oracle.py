"""The report's figures on generated bookings and earnings lines against the pandas computation
of tests/report_oracle.py, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
import pytest
import report_oracle as oracle
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from report_database import EarningsLine, Stay, load_earnings, load_stays
from sqlalchemy import Engine, delete

from loaders.tables import (
    booking_changes,
    bookings,
    payouts,
    properties,
    rejected_rows,
    source_file_keys,
    source_files,
    tasks,
)
from reports.figures import report_figures

DAY_0 = dt.date(2025, 5, 20)
START, END = dt.date(2025, 6, 1), dt.date(2025, 8, 31)
AS_OF = dt.datetime(2025, 5, 1, 8)
STATUSES = (
    "inquiry",
    "pending",
    "confirmed",
    "in_house",
    "completed",
    "cancelled",
    "declined",
    "no_show",
    "owner_stay",
)
SOURCES = ("airbnb", "booking_com", "vrbo", "direct", "owner")
CENTS = st.integers(-5_000, 200_000).map(lambda c: c / 100)

STAY = st.tuples(
    st.integers(0, 2),  # house
    st.sampled_from(SOURCES),
    st.integers(0, 100),  # check-in, days after DAY_0
    st.integers(1, 45),  # nights: many stays cross a month end
    st.sampled_from(STATUSES),
    st.none() | st.integers(-3, 400),  # booked this many days before check-in
    st.none() | CENTS,
    st.sampled_from(["EUR", "USD", None]),
    # Airbnb earnings lines of the stay: (kind, amount, currency)
    st.lists(
        st.tuples(st.sampled_from(["reservation", "adjustment", "resolution"]), CENTS, st.sampled_from(["EUR", "USD"])),
        max_size=3,
    ),
)


def generated(specs: list[Any]) -> tuple[list[Stay], list[EarningsLine]]:
    stays, lines = [], []
    for n, (house, source, day, nights, status, lead, payout, currency, earnings) in enumerate(specs):
        check_in = DAY_0 + dt.timedelta(days=day)
        booked = None if lead is None else dt.datetime.combine(check_in - dt.timedelta(days=lead), dt.time(13, 30))
        code = f"HM{n:08d}"
        stays.append(
            Stay(
                code,
                source,
                f"House {house}",
                check_in,
                check_in + dt.timedelta(days=nights),
                status,
                booked,
                payout,
                currency,
            )
        )
        if source == "airbnb":
            lines += [EarningsLine(code, kind, amount, cur, check_in) for kind, amount, cur in earnings]
    return stays, lines


def frames(stays: list[Stay], lines: list[EarningsLine]) -> tuple[pd.DataFrame, pd.DataFrame]:
    b = pd.DataFrame(
        [{"source": s.source, "code": s.code, "property": s.property, "check_in": s.check_in, "check_out": s.check_out,
          "status": s.status, "booked_at": s.booked_at, "first_as_of": AS_OF, "payout": s.payout, "currency": s.currency}
         for s in stays],
        columns=["source", "code", "property", "check_in", "check_out", "status", "booked_at", "first_as_of", "payout", "currency"],
    )  # fmt: skip
    e = pd.DataFrame([line._asdict() for line in lines], columns=["code", "kind", "amount", "currency", "paid_on"])
    e["source"] = "airbnb"
    return b, e


def clear(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in (
            tasks,
            booking_changes,
            rejected_rows,
            source_file_keys,
            payouts,
            bookings,
            source_files,
            properties,
        ):
            conn.execute(delete(table))


def close(actual: Any, expected: Any, key: str = "") -> bool:
    """Equal, money and nights to the cent (the report rounds them to 2 places, and the databases
    sum money in floats or decimals), ratios to 4 places."""
    if isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(close(actual[k], expected[k], k) for k in expected)
    if isinstance(expected, float) and actual is not None:
        two_places = "rev" in key or key in ("adr", "average_length_of_stay")
        return math.isclose(actual, expected, abs_tol=0.0051 if two_places else 0.00006)
    return bool(actual == expected)


def same_rows(actual: list[dict[str, Any]], expected: list[dict[str, Any]], *dims: str) -> None:
    def key(r: dict[str, Any]) -> tuple[str, ...]:
        return tuple(str(r[d]) for d in dims)

    mine = {key(r): r for r in actual}
    assert len(mine) == len(actual) and sorted(mine) == sorted(key(r) for r in expected)
    for row in expected:
        assert close(mine[key(row)], row), (mine[key(row)], row)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(st.lists(STAY, min_size=1, max_size=14))
@pytest.mark.slow
def test_figures_match_the_pandas_computation(engine: Engine, specs: list[Any]) -> None:
    clear(engine)
    stays, lines = generated(specs)
    load_stays(engine, stays, AS_OF)
    if lines:
        load_earnings(engine, lines, AS_OF + dt.timedelta(days=1))
    figures = report_figures(engine, START, END, today=dt.date(2025, 6, 15))

    b, e = frames(stays, lines)
    night_rows = oracle.nights(b, e)
    houses = sorted(b["property"].unique())
    same_rows(figures["monthly"], oracle.monthly(night_rows, houses, START, END), "property", "month", "currency")
    same_rows(figures["channels"], oracle.channels(night_rows, START, END), "property", "month", "channel", "currency")
    same_rows(figures["stays"], oracle.stays(b, START, END), "property", "channel")
    lead = {(r["channel"], r["bucket"]): r["bookings"] for r in figures["lead_time"] if r["bookings"]}
    assert lead == oracle.lead_times(b, START, END)
    same_rows(figures["cancellations"], oracle.cancellations(b, START, END), "channel")
