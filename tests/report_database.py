"""The report tests' databases: plain stays (any source, status, money and booking date) loaded
as exports through the real merge, and Airbnb earnings lines stored as an earnings export's."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import pandas as pd
from sqlalchemy import Engine

from loaders.file_load import FileRecord, loading
from loaders.payouts import store_lines
from loaders.tables import payouts
from schemas import booking


class Stay(NamedTuple):
    code: str
    source: str
    property: str
    check_in: dt.date
    check_out: dt.date
    status: str
    booked_at: dt.datetime | None = None
    payout: float | None = None
    currency: str | None = None
    guest: str | None = None


class EarningsLine(NamedTuple):
    code: str  # the Airbnb confirmation code it is for
    kind: str  # payouts.kind: reservation, adjustment, resolution, ...
    amount: float
    currency: str
    paid_on: dt.date


def canonical(stays: Sequence[Stay]) -> pd.DataFrame:
    """The canonical frame of these stays, as the loader receives it from a file."""
    records = [
        {
            "row_number": row, "source": s.source, "external_code": s.code, "property_name": s.property,
            "guest_name": s.guest or f"Guest {s.code}", "guest_contact": None, "adults": 2, "children": 0,
            "infants": 0, "check_in": s.check_in, "check_out": s.check_out, "nights": (s.check_out - s.check_in).days,
            "booked_at": s.booked_at, "raw_status": s.status, "status": s.status,
            "payout": float("nan") if s.payout is None else s.payout, "gross": float("nan"), "currency": s.currency,
        }
        for row, s in enumerate(stays, start=2)
    ]  # fmt: skip
    frame = pd.DataFrame(records, columns=booking.COLUMNS)
    frame["listing_name"] = frame["listing_name"].astype("str")
    for name in ("check_in", "check_out", "booked_at"):
        frame[name] = pd.to_datetime(frame[name])
    for name in ("adults", "children", "infants", "nights"):
        frame[name] = frame[name].astype("Int64")
    frame["payout"] = frame["payout"].astype(float)
    return frame


def _record(name: str, layout: str, as_of: dt.datetime) -> FileRecord:
    return FileRecord(hashlib.sha256(f"{name} {as_of}".encode()).hexdigest(), name, layout, as_of)


def load_stays(engine: Engine, stays: Sequence[Stay], as_of: dt.datetime, name: str = "export.csv") -> int:
    """One export of these stays, merged as a file describing `as_of`; the file's id."""
    frame = canonical(stays)
    with loading(engine, _record(name, "airbnb", as_of)) as load:
        load.stage(frame, [])
        load.merge(len(frame), 0)
    return load.file_id


def load_earnings(engine: Engine, lines: Iterable[EarningsLine], as_of: dt.datetime) -> int:
    """An Airbnb earnings export of these lines (payouts rows, linked to bookings by the view)."""
    names = [c.name for c in payouts.c if c.name not in ("id", "source_file_id", "source_row")]
    records = []
    for row, line in enumerate(lines, start=2):
        record: dict[str, object] = dict.fromkeys(names)
        record.update(
            row_number=row, source="airbnb", kind=line.kind, raw_type=line.kind.title(), paid_on=line.paid_on,
            external_code=line.code, currency=line.currency, amount=line.amount,
            line_key=hashlib.sha256(f"{line} {row}".encode()).hexdigest(),
        )  # fmt: skip
        records.append(record)
    with loading(engine, _record(f"earnings-{as_of:%Y%m%d}.csv", "airbnb_earnings", as_of)) as load:
        load.stage(pd.DataFrame(), [])
        store_lines(load.conn, load.file_id, pd.DataFrame(records, columns=["row_number", *names]))
        load.merge(len(records), 0)
    return load.file_id
