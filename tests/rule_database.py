"""The rule tests' database (tests/loaders/rules): plain stays loaded as files through the real
merge, one database reused by every hypothesis example (emptied in between), its tasks read back."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from hypothesis import strategies as st
from oracles import OCCUPYING, RULE_STATUSES, PlainStay, PlainTask
from sqlalchemy import Engine, delete, select

from loaders.file_load import FileRecord, loading
from loaders.tables import booking_changes, bookings, properties, rejected_rows, source_file_keys, source_files, tasks
from schemas import booking
from schemas.tuning import DEFAULT_TUNING, Tuning

DAY_0 = dt.date(2026, 3, 2)
# Few houses and a short window: double bookings, back-to-back stays and turnovers are frequent.
STAY = st.tuples(st.integers(0, 1), st.integers(0, 6), st.integers(1, 3), st.sampled_from(RULE_STATUSES))
# One export: booking number -> (house, check-in day, nights, status).
EXPORT = st.dictionaries(st.integers(0, 9), STAY, max_size=8)
# What a later export changes or adds (the rest of an earlier one it restates as it was, or omits).
CHANGES = st.dictionaries(st.integers(0, 9), STAY, max_size=4)


def plain_stays(export: dict[int, tuple[int, int, int, str]]) -> dict[str, PlainStay]:
    stays = {}
    for n, (house, day, nights, status) in export.items():
        check_in = DAY_0 + dt.timedelta(days=day)
        code = f"HM{n:04d}"
        stays[code] = PlainStay(code, f"House {house}", check_in, check_in + dt.timedelta(days=nights), status)
    return stays


def canonical(stays: Iterable[PlainStay]) -> pd.DataFrame:
    """The canonical frame of these stays, as the loader receives it (the guest is the code)."""
    records = [
        {
            "row_number": row, "source": "airbnb", "external_code": s.code, "property_name": s.property,
            "guest_name": s.code, "guest_contact": None, "adults": 2, "children": 0, "infants": 0,
            "check_in": s.check_in, "check_out": s.check_out, "nights": (s.check_out - s.check_in).days,
            "booked_at": dt.datetime(2026, 1, 1), "raw_status": s.status, "status": s.status,
            "payout": 100.0, "gross": float("nan"), "currency": "EUR",
        }
        for row, s in enumerate(stays, start=2)
    ]  # fmt: skip
    frame = pd.DataFrame(records, columns=booking.COLUMNS)
    frame["listing_name"] = frame["listing_name"].astype("str")  # no listing beside the house
    for name in ("check_in", "check_out", "booked_at"):
        frame[name] = pd.to_datetime(frame[name])
    for name in ("adults", "children", "infants", "nights"):
        frame[name] = frame[name].astype("Int64")
    return frame


EPOCH = dt.date(1970, 1, 1)


def stays_frame(stays: list[PlainStay]) -> pd.DataFrame:
    """The stays as the in-memory executors take them: ids, property numbers, check-in and
    check-out as days since the epoch, and whether each occupies its unit."""
    houses = {name: n for n, name in enumerate(sorted({s.property for s in stays}))}
    return pd.DataFrame(
        {
            "id": np.arange(len(stays), dtype="int32"),
            "property_id": np.array([houses[s.property] for s in stays], dtype="int32"),
            "check_in": np.array([(s.check_in - EPOCH).days for s in stays], dtype="int32"),
            "check_out": np.array([(s.check_out - EPOCH).days for s in stays], dtype="int32"),
            "active": np.array([s.status in OCCUPYING for s in stays], dtype=bool),
        }
    )


@dataclass
class RuleDatabase:
    engine: Engine
    files: int = 0

    def clear(self) -> None:
        with self.engine.begin() as conn:
            for table in (tasks, booking_changes, rejected_rows, source_file_keys, bookings, source_files, properties):
                conn.execute(delete(table))

    def load(self, stays: Iterable[PlainStay], tuning: Tuning = DEFAULT_TUNING) -> int:
        """One export of these stays, merged as a file (a newer export each time); its id."""
        self.files += 1
        name = f"export-{self.files}.csv"
        as_of = dt.datetime(2026, 1, 1) + dt.timedelta(hours=self.files)
        record = FileRecord(hashlib.sha256(name.encode()).hexdigest(), name, "airbnb", as_of)
        frame = canonical(stays)
        with loading(self.engine, record, tuning=tuning) as load:
            load.stage(frame, [])
            load.merge(len(frame), 0)
        return load.file_id

    def tasks(self) -> dict[str, tuple[PlainTask, bool, int]]:
        """Every task, by its booking's code: (due, status, turnover), locked, task id."""
        t = tasks.c
        query = select(bookings.c.external_code, t.due_date, t.status, t.same_day_turnover, t.locked, t.id).join(
            bookings, bookings.c.id == t.booking_id
        )
        with self.engine.connect() as conn:
            return {
                r.external_code: (PlainTask(r.due_date, r.status, bool(r.same_day_turnover)), bool(r.locked), r.id)
                for r in conn.execute(query)
            }
