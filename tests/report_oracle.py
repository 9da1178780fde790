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


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Records with None for every missing value (NaN, NA)."""
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.to_dict("records")  # type: ignore[return-value]


def _ratios(frame: pd.DataFrame, pairs: dict[str, tuple[str, str]]) -> pd.DataFrame:
    for name, (a, b) in pairs.items():
        frame[name] = frame[a].astype(float) / frame[b].where(frame[b] != 0).astype(float)
    return frame


def monthly(night_rows: pd.DataFrame, houses: list[str], start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    months = pd.DataFrame(months_of(start, end), columns=["month", "days"])
    grid = pd.DataFrame({"property": sorted(houses)}).merge(months, how="cross")
    in_months = night_rows[night_rows["month"].isin(months["month"])]
    blocked = in_months[~in_months["sold"]].groupby(["property", "month"]).size().rename("nights_blocked")
    grid = grid.merge(blocked.reset_index(), how="left", on=["property", "month"]).fillna({"nights_blocked": 0})
    grid["nights_available"] = grid["days"] - grid["nights_blocked"]
    sold = in_months[in_months["sold"]].groupby(["property", "month", "revenue_currency"], dropna=False)
    sold_rows = sold.agg(nights_sold=("share", "size"), revenue=("share", lambda v: v.sum(min_count=1))).reset_index()
    per_property = grid.merge(sold_rows, how="left", on=["property", "month"])
    capacity = grid.groupby("month")[["nights_blocked", "nights_available"]].sum().reset_index()
    all_sold = (
        sold_rows.groupby(["month", "revenue_currency"], dropna=False)
        .agg(nights_sold=("nights_sold", "sum"), revenue=("revenue", lambda v: v.sum(min_count=1)))
        .reset_index()
    )
    total = capacity.merge(all_sold, how="left", on="month").assign(property=None)
    rows = pd.concat([per_property, total], ignore_index=True).fillna({"nights_sold": 0})
    rows = _ratios(rows, {"occupancy": ("nights_sold", "nights_available"), "adr": ("revenue", "nights_sold"),
                          "revpar": ("revenue", "nights_available")})  # fmt: skip
    rows = rows.rename(columns={"revenue_currency": "currency"})
    for name in ("nights_sold", "nights_blocked", "nights_available"):
        rows[name] = rows[name].astype(int)
    columns = ["property", "month", "currency", "nights_sold", "nights_blocked", "nights_available", "occupancy",
               "revenue", "adr", "revpar"]  # fmt: skip
    return _rows(rows[columns])


def channels(night_rows: pd.DataFrame, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    labels = [m for m, _ in months_of(start, end)]
    sold = night_rows[night_rows["sold"] & night_rows["month"].isin(labels)].copy()
    sold["arrives"] = sold["night"] == pd.to_datetime(sold["check_in"])
    dims = ["month", "source", "revenue_currency"]
    measures = {"bookings": ("arrives", "sum"), "nights_sold": ("share", "size"),
                "revenue": ("share", lambda v: v.sum(min_count=1))}  # fmt: skip
    per_property = sold.groupby(["property", *dims], dropna=False).agg(**measures).reset_index()
    total = sold.groupby(dims, dropna=False).agg(**measures).reset_index().assign(property=None)
    rows = pd.concat([per_property, total], ignore_index=True)
    rows["everything"] = rows.groupby(["property", "month"], dropna=False)["nights_sold"].transform("sum")
    rows = _ratios(rows, {"share_of_nights": ("nights_sold", "everything")})
    rows = rows.rename(columns={"source": "channel", "revenue_currency": "currency"})
    rows["bookings"] = rows["bookings"].astype(int)
    columns = ["property", "month", "channel", "currency", "bookings", "nights_sold", "revenue", "share_of_nights"]
    return _rows(rows[columns])


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
