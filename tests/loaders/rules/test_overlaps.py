"""The double-booking rule: every executor of it (numpy over a file's stays, the conflicts
query through the report, also for one file and one property, the booking_conflicts view)
against the plain-Python oracle, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracles import PlainStay, overlapping_pairs
from rule_database import CHANGES, EXPORT, RuleDatabase, plain_stays, stays_frame
from sqlalchemy import Engine, select, text

from loaders.rules.overlaps import any_overlap
from loaders.tables import bookings
from reports.bookings import conflicts

Pairs = dict[frozenset[str], tuple[dt.date, dt.date]]


def _numpy_overlap(stays: list[PlainStay]) -> bool:
    return any_overlap(stays_frame(stays))


def _reported(engine: Engine, **scope: Any) -> Pairs:
    found = conflicts(engine, **scope)
    pairs = {frozenset((c.first.split()[1], c.second.split()[1])): (c.overlap_from, c.overlap_to) for c in found}
    assert len(pairs) == len(found), "a pair reported twice"
    return pairs


def _viewed(engine: Engine) -> Pairs:
    with engine.connect() as conn:
        codes = {r.id: r.external_code for r in conn.execute(select(bookings.c.id, bookings.c.external_code))}
        rows = conn.execute(
            text("SELECT booking_id, other_booking_id, overlap_from, overlap_to FROM booking_conflicts")
        )
        found = [(frozenset((codes[r[0]], codes[r[1]])), (_day(r[2]), _day(r[3]))) for r in rows]
    assert len(dict(found)) == len(found), "a pair in the view twice"
    return dict(found)


def _day(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=EXPORT, second=CHANGES, restated=st.booleans())
def test_every_executor_of_the_overlap_rule_agrees_with_the_oracle(
    rule_db: RuleDatabase, first: dict[int, Any], second: dict[int, Any], restated: bool
) -> None:
    rule_db.clear()
    # The second export changes some bookings and adds some; it may restate the others unchanged.
    a, b = plain_stays(first), plain_stays({**(first if restated else {}), **second})
    final = {**a, **b}
    expected = overlapping_pairs(final.values())

    # In memory, over one file's stays.
    assert _numpy_overlap(list(a.values())) == bool(overlapping_pairs(a.values()))
    assert _numpy_overlap(list(final.values())) == bool(expected)

    rule_db.load(a.values())
    second_file = rule_db.load(b.values())
    assert _reported(rule_db.engine) == expected
    assert _viewed(rule_db.engine) == expected

    # The pairs of one file: those with a booking it inserted or really changed.
    written = {code for code, stay in b.items() if a.get(code) != stay}
    assert _reported(rule_db.engine, file_id=second_file) == {p: d for p, d in expected.items() if p & written}
    # The pairs of one property.
    house = "House 1"
    assert _reported(rule_db.engine, property_name=house) == {
        p: d for p, d in expected.items() if final[next(iter(p))].property == house
    }
