"""Plain-Python readings of the product's rules (from DESIGN.md, never from the product's code),
against which every executor of a rule is checked."""

# Rule oracles
# Self-contained on purpose: nothing here imports the product, so that an executor and its
# oracle cannot share a mistake.

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

# DESIGN.md's nine canonical statuses, and the ones in which a booking occupies its unit.
RULE_STATUSES = (
    "inquiry", "pending", "confirmed", "in_house", "completed", "cancelled", "declined", "no_show", "owner_stay",
)  # fmt: skip
OCCUPYING = frozenset({"confirmed", "in_house", "completed", "owner_stay"})


class PlainStay(NamedTuple):
    code: str
    property: str
    check_in: dt.date
    check_out: dt.date
    status: str


class PlainTask(NamedTuple):
    due: dt.date
    status: str  # "open" or "cancelled"
    same_day_turnover: bool


def nights(stay: PlainStay) -> set[dt.date]:
    """The nights a stay occupies: from the check-in day up to, not including, the check-out day."""
    return {stay.check_in + dt.timedelta(days=n) for n in range((stay.check_out - stay.check_in).days)}


def arriving_guests(stays: Iterable[PlainStay], leaving: PlainStay, day: dt.date) -> set[str]:
    """Codes of the other occupying stays of the property of `leaving` that check in on `day`."""
    return {
        s.code
        for s in stays
        if s.status in OCCUPYING and s.property == leaving.property and s.check_in == day and s.code != leaving.code
    }


def expected_tasks(stays: Iterable[PlainStay], ever_active: Iterable[str] = ()) -> dict[str, PlainTask]:
    """The cleaning task of every booking occupying its unit now or at some earlier load
    (`ever_active` codes; a task, once made, stays): due on the check-out day, open while the
    booking occupies its unit and cancelled otherwise, a same-day turnover when another
    occupying booking of the property checks in that day."""
    stays = list(stays)
    had_task = set(ever_active) | {s.code for s in stays if s.status in OCCUPYING}
    return {
        s.code: PlainTask(
            s.check_out,
            "open" if s.status in OCCUPYING else "cancelled",
            bool(arriving_guests(stays, s, s.check_out)),
        )
        for s in stays
        if s.code in had_task
    }


def overlapping_pairs(stays: Iterable[PlainStay]) -> dict[frozenset[str], tuple[dt.date, dt.date]]:
    """Pairs of occupying stays of one property that share at least one night, with the first
    shared night and the day after the last one."""
    occupying = [s for s in stays if s.status in OCCUPYING]
    pairs: dict[frozenset[str], tuple[dt.date, dt.date]] = {}
    for i, one in enumerate(occupying):
        for other in occupying[i + 1 :]:
            shared = nights(one) & nights(other) if one.property == other.property else set()
            if shared:
                pairs[frozenset((one.code, other.code))] = (min(shared), max(shared) + dt.timedelta(days=1))
    return pairs
