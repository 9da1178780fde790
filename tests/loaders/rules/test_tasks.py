"""The cleaning-task rule: every executor of it (the set-based SQL of a file's merge, both ways
of finding the neighbours; the numpy of a first load; one task at a time on unlocking; the
cleaning schedule's arrivals) against the plain-Python oracle, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracles import OCCUPYING, PlainStay, PlainTask, arriving_guests, expected_tasks
from rule_database import CHANGES, EPOCH, EXPORT, RuleDatabase, plain_stays, stays_frame

from loaders.rules import tasks as task_rules
from loaders.rules.tasks import first_load_tasks, mark_task
from reports.bookings import cleaning_schedule
from schemas.tuning import DEFAULT_TUNING, Tuning

NOW = dt.datetime(2026, 2, 1, 12)
APPLY_TASK_RULES = task_rules.apply_task_rules


def _numpy_tasks(stays: list[PlainStay]) -> dict[str, PlainTask]:
    """first_load_tasks over these stays, by booking code."""
    parts = list(first_load_tasks(stays_frame(stays), NOW, rows=3))
    got: dict[str, PlainTask] = {}
    for part in parts:
        days = part["due_date"].to_numpy("datetime64[D]").astype("int64").tolist()
        columns = zip(
            part["booking_id"].tolist(), days, part["status"].tolist(), part["same_day_turnover"].tolist(), strict=True
        )
        for booking_id, day, status, turnover in columns:
            got[stays[int(booking_id)].code] = PlainTask(EPOCH + dt.timedelta(days=day), str(status), bool(turnover))
    return got


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=EXPORT,
    second=CHANGES,
    restated=st.booleans(),
    locks=st.sets(st.integers(0, 9), max_size=2),
    all_arrivals=st.booleans(),
)
def test_every_executor_of_the_task_rule_agrees_with_the_oracle(
    rule_db: RuleDatabase,
    monkeypatch: pytest.MonkeyPatch,
    first: dict[int, Any],
    second: dict[int, Any],
    restated: bool,
    locks: set[int],
    all_arrivals: bool,
) -> None:
    # The merge's task rules may join every arrival (few_bookings=0) instead of those days' only;
    # a spy tells that the second merge ran them.
    tuning = Tuning(few_bookings=0) if all_arrivals else DEFAULT_TUNING
    calls: list[int] = []

    def apply_task_rules(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        APPLY_TASK_RULES(*args, **kwargs)

    monkeypatch.setattr(task_rules, "apply_task_rules", apply_task_rules)
    rule_db.clear()
    # The second export changes some bookings and adds some; it may restate the others unchanged.
    a, b = plain_stays(first), plain_stays({**(first if restated else {}), **second})
    final = {**a, **b}

    # In memory, as a first load computes them.
    assert _numpy_tasks(list(final.values())) == expected_tasks(final.values())

    # The first export: a first load (PostgreSQL: in memory) or a merge (SQLite).
    rule_db.load(a.values(), tuning)
    after_first = expected_tasks(a.values())
    assert {code: task for code, (task, _, _) in rule_db.tasks().items()} == after_first

    # Some tasks are locked; the second export's merge leaves those alone and follows the rule for the rest.
    locked = {f"HM{n:04d}" for n in locks} & set(after_first)
    ids = {code: task_id for code, (_, _, task_id) in rule_db.tasks().items()}
    for code in locked:
        assert mark_task(rule_db.engine, ids[code], NOW, locked=True)
    calls.clear()
    rule_db.load(b.values(), tuning)
    if b and (a or rule_db.engine.dialect.name == "sqlite"):
        assert calls, "the merge did not run apply_task_rules"
    ever_active = {s.code for s in a.values() if s.status in OCCUPYING}
    expected = expected_tasks(final.values(), ever_active)
    got = rule_db.tasks()
    assert set(got) == set(expected)
    for code, (task, is_locked, _) in got.items():
        assert is_locked == (code in locked)
        assert task == (after_first[code] if code in locked else expected[code]), code

    # Unlocked one at a time, each follows its booking at once.
    for code in locked:
        assert mark_task(rule_db.engine, got[code][2], NOW, locked=False)
    assert {code: task for code, (task, _, _) in rule_db.tasks().items()} == expected

    # The cleaning schedule names who arrives on each task's day: exactly the turnover's neighbours.
    lines = cleaning_schedule(rule_db.engine, dt.date(2026, 1, 1), dt.date(2026, 12, 31), include_cancelled=True)
    codes = {task_id: code for code, (_, _, task_id) in got.items()}
    arriving: dict[str, set[str]] = {}
    for line in lines:
        arriving.setdefault(codes[line.task_id], set()).update([line.guest_arriving] if line.guest_arriving else [])
        assert line.same_day_turnover == expected[codes[line.task_id]].same_day_turnover
    assert arriving == {code: arriving_guests(final.values(), final[code], task.due) for code, task in expected.items()}


def test_marking_a_task(rule_db: RuleDatabase) -> None:
    """done is final: the rules and an unlock leave it alone; a task that does not exist is reported."""
    stays = plain_stays({1: (0, 0, 2, "confirmed"), 2: (0, 2, 2, "confirmed")})
    rule_db.load(stays.values())
    task_id = rule_db.tasks()["HM0001"][2]
    assert mark_task(rule_db.engine, task_id, NOW, done=True)
    rule_db.load(plain_stays({1: (0, 4, 2, "cancelled")}).values())
    assert mark_task(rule_db.engine, task_id, NOW, locked=False)
    assert rule_db.tasks()["HM0001"] == (PlainTask(dt.date(2026, 3, 4), "done", True), False, task_id)
    assert not mark_task(rule_db.engine, task_id + 100, NOW, locked=True)
