"""derive.first_load_tasks: the in-memory task rules of a first load, against a plain Python
reading of the rules (one task per active booking, due on check-out, a turnover when another
active booking of the property arrives that day)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from loaders.derive import first_load_tasks

STAY = st.tuples(st.integers(1, 4), st.integers(-3, 30), st.integers(1, 4), st.booleans())


@settings(max_examples=80, derandomize=True)
@given(stays=st.lists(STAY, max_size=60), rows=st.integers(1, 7))
def test_first_load_tasks_follow_the_rules(stays: list[tuple[int, int, int, bool]], rows: int) -> None:
    # Days around the epoch (negative ones too), double bookings and back-to-back stays all occur.
    frame = pd.DataFrame(
        {
            "id": np.arange(1, len(stays) + 1, dtype="int32"),
            "property_id": np.array([s[0] for s in stays], dtype="int32"),
            "check_in": np.array([s[1] for s in stays], dtype="int32"),
            "check_out": np.array([s[1] + s[2] for s in stays], dtype="int32"),
            "active": np.array([s[3] for s in stays], dtype=bool),
        }
    )
    now = dt.datetime(2026, 1, 1, 12)
    parts = list(first_load_tasks(frame, now, rows=rows))
    assert all(len(p) <= rows for p in parts)
    got = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["booking_id"])

    arrivals = {(p, i) for p, i, n, active in stays if active}
    epoch = dt.date(1970, 1, 1)
    expected = [
        (k + 1, epoch + dt.timedelta(days=i + n), (p, i + n) in arrivals)
        for k, (p, i, n, active) in enumerate(stays)
        if active
    ]
    actual = [
        (int(r.booking_id), pd.Timestamp(r.due_date).date(), bool(r.same_day_turnover))
        for r in got.itertuples(index=False)
    ]
    assert actual == expected
    if len(got):
        assert set(got["kind"]) == {"cleaning"} and set(got["status"]) == {"open"}
        assert not got["locked"].any() and (got["created_at"] == now).all()
