"""first_load_tasks and any_overlap: the in-memory rules of a first load, against
a plain Python reading of the rules (one task per active booking, due on check-out, a turnover
when another active booking of the property arrives that day; a double booking when two active
stays of one property share a night)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from loaders.rules.overlaps import any_overlap
from loaders.rules.tasks import first_load_tasks

STAY = st.tuples(st.integers(1, 4), st.integers(-3, 30), st.integers(1, 4), st.booleans())


def _frame(stays: list[tuple[int, int, int, bool]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": np.arange(1, len(stays) + 1, dtype="int32"),
            "property_id": np.array([s[0] for s in stays], dtype="int32"),
            "check_in": np.array([s[1] for s in stays], dtype="int32"),
            "check_out": np.array([s[1] + s[2] for s in stays], dtype="int32"),
            "active": np.array([s[3] for s in stays], dtype=bool),
        }
    )


@settings(max_examples=80, derandomize=True)
@given(stays=st.lists(STAY, max_size=60), rows=st.integers(1, 7))
def test_first_load_tasks_follow_the_rules(stays: list[tuple[int, int, int, bool]], rows: int) -> None:
    # Days around the epoch (negative ones too), double bookings and back-to-back stays all occur.
    frame = _frame(stays)
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
        (int(r["booking_id"]), pd.Timestamp(r["due_date"]).date(), bool(r["same_day_turnover"]))
        for r in got.to_dict("records")
    ]
    assert actual == expected
    if len(got):
        assert set(got["kind"]) == {"cleaning"} and set(got["status"]) == {"open"}
        assert not got["locked"].any() and (got["created_at"] == now).all()


@settings(max_examples=150, derandomize=True)
@given(stays=st.lists(STAY, max_size=12))
def test_any_overlap_finds_exactly_the_double_bookings(stays: list[tuple[int, int, int, bool]]) -> None:
    active = [(p, i, i + n) for p, i, n, is_active in stays if is_active]
    expected = any(p == q and i < o2 and j < o1 for k, (p, i, o1) in enumerate(active) for q, j, o2 in active[k + 1 :])
    assert any_overlap(_frame(stays)) is expected


def test_any_overlap_sees_neither_back_to_back_stays_nor_other_properties() -> None:
    # Property 1 ends on day 10 where property 2's stay of the same days begins: no overlap.
    apart = [(1, 0, 10, True), (1, 10, 5, True), (2, 0, 10, True), (2, 3, 2, False)]
    assert any_overlap(_frame(apart)) is False
    assert any_overlap(_frame([*apart, (2, 9, 3, True)])) is True
