"""The report figures computed the pandas way, from every booking and earnings line: the tests'
independent reading of the README's definitions (nothing here imports the product), and what
benchmarks/report.py times against the database's views.

`bookings`: one row per booking with source, code, property, check_in, check_out (dates),
status, booked_at, first_as_of (times), payout, currency. `lines`: one row per earnings line with
source, code, kind, amount, currency. `houses`: every property's name."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

import pandas as pd

SOLD = {"confirmed", "in_house", "completed"}
BLOCKED = {"owner_stay"}
MADE = SOLD | {"cancelled", "no_show"}
PRICE_KINDS = {"reservation", "adjustment"}
BUCKETS = [("0-6 days", 7), ("7-29 days", 30), ("30-89 days", 90), ("90-179 days", 180), ("180+ days", 10**9)]
UNKNOWN = "unknown"


def with_revenue(bookings: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """`bookings` with `revenue` and `revenue_currency`: the price lines' sum where the booking
    has lines in one currency (its own, when it states one), else its payout."""
    price = lines[lines["kind"].isin(PRICE_KINDS)]
    sums = price.groupby(["source", "code"]).agg(
        amount=("amount", "sum"), line_currency=("currency", "first"), currencies=("currency", "nunique")
    )
    sums = sums[sums["currencies"] <= 1].reset_index()
    out = bookings.merge(sums, how="left", on=["source", "code"])
    use = out["currencies"].notna() & (out["currency"].isna() | (out["line_currency"] == out["currency"]))
    out["revenue"] = out["amount"].where(use, out["payout"])
    out["revenue_currency"] = out["line_currency"].where(use, out["currency"])
    return out


def nights(bookings: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """One row per night of every sold or blocked stay: property, channel, currency, month, the
    night's share of the revenue, whether the stay arrives in that month."""
    stays = with_revenue(bookings, lines)
    stays = stays[stays["status"].isin(SOLD | BLOCKED)].copy()
    stays["n"] = (pd.to_datetime(stays["check_out"]) - pd.to_datetime(stays["check_in"])).dt.days
    each = stays.loc[stays.index.repeat(stays["n"])].copy()
    each["night"] = pd.to_datetime(each["check_in"]) + pd.to_timedelta(each.groupby(level=0).cumcount(), unit="D")
    each["month"] = each["night"].dt.strftime("%Y-%m")
    each["arrival_month"] = pd.to_datetime(each["check_in"]).dt.strftime("%Y-%m")
    each["share"] = each["revenue"] / each["n"]
    each["sold"] = each["status"].isin(SOLD)
    return each.reset_index(drop=True)


def months_of(start: dt.date, end: dt.date) -> list[tuple[str, int]]:
    out, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append((f"{year:04d}-{month:02d}", calendar.monthrange(year, month)[1]))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _money(values: pd.Series) -> float | None:
    known = values.dropna()
    return None if known.empty else float(known.sum())


def _currency(value: Any) -> str | None:
    return None if value is None or value != value else str(value)  # NaN: no currency


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def monthly(night_rows: pd.DataFrame, houses: list[str], start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """One row per property (then all properties: None), month and currency of its sold nights
    (currency None and no nights when it sold none). Grouped once, not filtered per property:
    benchmarks/report.py runs it on 1M bookings."""
    months = months_of(start, end)
    in_period = night_rows[night_rows["month"].isin([m for m, _ in months])]
    sold = in_period[in_period["sold"]]
    blocked = in_period[~in_period["sold"]].groupby(["property", "month"]).size()
    blocked_all = blocked.groupby(level="month").sum()
    sales: dict[tuple[Any, str], list[tuple[Any, int, float | None]]] = {}
    for by in (["property"], []):
        counted = sold.groupby([*by, "month", "revenue_currency"], dropna=False)["share"].agg(["size", _money])
        for key, (count, revenue) in counted.iterrows():
            *dims, month, currency = key if isinstance(key, tuple) else (key,)
            known = None if revenue is None or revenue != revenue else float(revenue)  # agg makes None NaN
            sales.setdefault((dims[0] if by else None, month), []).append((currency, int(count), known))
    rows = []
    for scope in [*sorted(houses), None]:
        for month, days in months:
            if scope is None:
                nights_blocked, available = int(blocked_all.get(month, 0)), days * len(houses)
            else:
                nights_blocked, available = int(blocked.get((scope, month), 0)), days
            available -= nights_blocked
            for currency, count, revenue in sales.get((scope, month), [(None, 0, None)]):
                rows.append({
                    "property": scope, "month": month, "currency": _currency(currency),
                    "nights_sold": count, "nights_blocked": nights_blocked, "nights_available": available,
                    "occupancy": _ratio(count, available), "revenue": revenue,
                    "adr": _ratio(revenue, count), "revpar": _ratio(revenue, available),
                })  # fmt: skip
    return rows


def channels(night_rows: pd.DataFrame, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    labels = [m for m, _ in months_of(start, end)]
    sold = night_rows[night_rows["sold"] & night_rows["month"].isin(labels)]
    rows = []
    for scope in [*sorted(sold["property"].unique()), None]:
        mine = sold if scope is None else sold[sold["property"] == scope]
        for (month, channel, currency), group in mine.groupby(["month", "source", "revenue_currency"], dropna=False):
            everything = len(mine[mine["month"] == month])
            arrivals = group[group["arrival_month"] == month]["code"].nunique()
            rows.append({
                "property": scope, "month": month, "channel": channel,
                "currency": _currency(currency), "bookings": arrivals,
                "nights_sold": len(group), "revenue": _money(group["share"]),
                "share_of_nights": _ratio(len(group), everything),
            })  # fmt: skip
    return rows


def _checking_in(bookings: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    labels = {m for m, _ in months_of(start, end)}
    months = pd.to_datetime(bookings["check_in"]).dt.strftime("%Y-%m")
    return bookings[bookings["status"].isin(SOLD) & months.isin(labels)]


def stays(bookings: pd.DataFrame, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    arriving = _checking_in(bookings, start, end).copy()
    arriving["n"] = (pd.to_datetime(arriving["check_out"]) - pd.to_datetime(arriving["check_in"])).dt.days
    rows = []
    for by in (["property", "source"], ["property"], ["source"], []):
        groups = arriving.groupby(by) if by else [((), arriving)]
        for key, group in groups:
            if group.empty:
                continue
            values = dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True))
            rows.append({
                "property": values.get("property"), "channel": values.get("source"), "bookings": len(group),
                "average_length_of_stay": group["n"].sum() / len(group),
            })  # fmt: skip
    return rows


def lead_times(bookings: pd.DataFrame, start: dt.date, end: dt.date) -> dict[tuple[str | None, str], int]:
    arriving = _checking_in(bookings, start, end)
    days = (pd.to_datetime(arriving["check_in"]) - pd.to_datetime(arriving["booked_at"]).dt.normalize()).dt.days
    bucket = days.map(lambda d: UNKNOWN if pd.isna(d) else next(label for label, below in BUCKETS if d < below))
    counts: dict[tuple[str | None, str], int] = {}
    for channel, label in zip(arriving["source"], bucket, strict=True):
        for key in ((channel, label), (None, label)):
            counts[key] = counts.get(key, 0) + 1
    return counts


def cancellations(bookings: pd.DataFrame, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    labels = {m for m, _ in months_of(start, end)}
    booked_on = pd.to_datetime(bookings["booked_at"].fillna(bookings["first_as_of"])).dt.strftime("%Y-%m")
    made = bookings[bookings["status"].isin(MADE) & booked_on.isin(labels)]
    rows = []
    for channel, group in sorted(made.groupby("source"), key=lambda g: str(g[0])):
        cancelled = int((group["status"] == "cancelled").sum())
        rows.append({"channel": channel, "booked": len(group), "cancelled": cancelled, "rate": cancelled / len(group)})
    return rows
