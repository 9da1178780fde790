"""What the samples of Airbnb's reservations export in other languages share (airbnb_fr_sample,
airbnb_es_sample, airbnb_pt_sample): the check that their stays make sense, and writing them."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

Row = Sequence  # (code, status, guest, contact, adults, children, infants, start, end, booked, listing, money, ...)


def check_stays(rows: Sequence[Row], cancelled: Callable[[str], bool], as_of: dt.datetime) -> None:
    """Every stay ends after it starts and was booked before it, by the export's date; the stays
    not cancelled never overlap in one listing."""
    active = [r for r in rows if not cancelled(r[1])]
    for i, a in enumerate(active):
        assert a[7] < a[8] and a[9] < a[7] and dt.date.fromisoformat(a[9]) <= as_of.date(), a
        for b in active[i + 1 :]:
            assert a[10] != b[10] or a[8] <= b[7] or b[8] <= a[7], (a, b)  # no double booking


def write_export(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Row],
    stay_date: Callable[[str], str],
    money: Callable[[Row], str],
    booked_date: Callable[[str], str] = str,
    quoting: int = csv.QUOTE_ALL,
) -> None:
    """The export as the platform writes it in that language: UTF-8 without BOM, LF line ends;
    the stay dates through `stay_date`, the nights from them, the booked date through
    `booked_date`, the amount from `money(row)`."""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, quoting=quoting, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            nights = (dt.date.fromisoformat(r[8]) - dt.date.fromisoformat(r[7])).days
            w.writerow([*r[:7], stay_date(r[7]), stay_date(r[8]), nights, booked_date(r[9]), r[10], money(r)])
