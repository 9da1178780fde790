"""The tests' independent reading of the product: plain-Python oracles of its rules, and models of
what the database should hold after a sequence of exports. Written from DESIGN.md, never from the
product's code (nothing here imports it), so that an executor and its oracle cannot share a mistake."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import NamedTuple

from airbnb_export import airbnb_csv, airbnb_row

# Rule oracles

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


# Booking/export models
#
# A small model of "the newest export wins" and of the cleaning-task rules, written from
# DESIGN.md and never from bookingest's code, so that the end-to-end tests compare the database
# with an independent reading of the exports.

# DESIGN.md's status table, for the labels the tests write.
CANONICAL = {
    "Confirmed": "confirmed",
    "Currently hosting": "in_house",
    "Past guest": "completed",
    "Pending": "pending",
    "Canceled by guest": "cancelled",
    "ok": "confirmed",
    "cancelled_by_guest": "cancelled",
}
ACTIVE = OCCUPYING  # the rule oracles' reading, above
CALLED_OFF = {"cancelled", "declined", "no_show"}

History = tuple[str, str, dt.datetime, str, str | None, str | Decimal | None, str | Decimal | None]


@dataclass(frozen=True)
class Stay:
    """One Airbnb reservation as an export states it."""

    code: str
    listing: str
    check_in: dt.date
    check_out: dt.date
    status: str = "Confirmed"
    guest: str = "Test Guest"
    earnings: Decimal = Decimal("300.00")
    booked: str = "10/1/2025"

    @property
    def canonical(self) -> str:
        return CANONICAL[self.status]

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days

    def but(self, **changes: object) -> Stay:
        return replace(self, **changes)  # type: ignore[arg-type]

    def cells(self) -> list[str]:
        return airbnb_row(
            self.code, self.status, self.guest, self.check_in, self.check_out, self.listing, self.earnings, self.booked
        )

    def fields(self) -> dict[str, str | Decimal]:
        """The compared fields as booking_changes writes them (payout as a number)."""
        return {
            "check_in": self.check_in.isoformat(),
            "check_out": self.check_out.isoformat(),
            "nights": str(self.nights),
            "status": self.canonical,
            "raw_status": self.status,
            "guest_name": self.guest,
            "payout": self.earnings,
            "property_id": self.listing,
        }


def stays_csv(stays: Iterable[Stay], newline: str = "\n", bom: bool = False) -> bytes:
    return airbnb_csv((s.cells() for s in stays), newline, bom)


@dataclass(frozen=True)
class Export:
    """One export: the moment it describes and the stays it lists."""

    as_of: dt.datetime
    rows: tuple[Stay, ...]

    def csv(self) -> bytes:
        return stays_csv(self.rows)


@dataclass
class Model:
    """The newest export's version of every booking, and what its cleaning task should be."""

    state: dict[str, tuple[dt.datetime, Stay]] = field(default_factory=dict)
    ever_active: set[str] = field(default_factory=set)
    seen: dict[str, dt.datetime] = field(default_factory=dict)  # the newest export listing each code
    frozen: dict[str, dict[str, object]] = field(default_factory=dict)  # done/locked tasks as they were
    history: list[History] = field(default_factory=list)

    def load(self, path: str, stays: Sequence[Stay], as_of: dt.datetime) -> tuple[int, int, int]:
        """Apply one export; return the (inserted, updated, unchanged) counts it must report."""
        inserted = updated = unchanged = 0
        for new in stays:
            known = self.state.get(new.code)
            seen = self.seen.get(new.code)
            self.seen[new.code] = max(as_of, seen) if seen else as_of
            if known is None:
                inserted += 1
                self.history.append((new.code, path, as_of, "created", None, None, None))
            elif seen is not None and seen > as_of:  # a newer export listed it: stale
                unchanged += 1
                continue
            elif known[1] == new:
                unchanged += 1  # restated, not rewritten: as_of stays that of the last change
                continue
            else:
                updated += 1
                self.history.extend((new.code, path, as_of, *c) for c in field_changes(known[1], new))
            self.state[new.code] = (as_of, new)
            if new.canonical in ACTIVE:
                self.ever_active.add(new.code)
        return inserted, updated, unchanged

    def stays(self) -> dict[str, Stay]:
        return {code: stay for code, (_, stay) in self.state.items()}

    def bookings(self) -> dict[str, dict[str, object]]:
        return {code: booking_of(stay, as_of) for code, (as_of, stay) in self.state.items()}

    def tasks(self) -> dict[str, dict[str, object]]:
        stays = self.stays()
        out: dict[str, dict[str, object]] = {}
        for code, stay in stays.items():
            if code in self.frozen:
                out[code] = self.frozen[code]
            elif code in self.ever_active:
                active = stay.canonical in ACTIVE
                out[code] = {
                    "due_date": stay.check_out,
                    "status": "open" if active else "cancelled",
                    "same_day_turnover": active and arrives(stays, stay, stay.check_out),
                    "locked": False,
                }
        return out


def arrives(stays: dict[str, Stay], leaving: Stay, day: dt.date) -> bool:
    """Does another active booking of the same listing check in on `day`?"""
    return any(
        o.code != leaving.code and o.listing == leaving.listing and o.canonical in ACTIVE and o.check_in == day
        for o in stays.values()
    )


def field_changes(old: Stay, new: Stay) -> list[tuple[str, str, str | Decimal, str | Decimal]]:
    """(kind, field, old, new) for every compared field that differs."""
    kinds = {
        "check_in": "dates_moved",
        "check_out": "dates_moved",
        "nights": "dates_moved",
        "raw_status": "status_label",
        "guest_name": "guest_corrected",
        "payout": "payout_corrected",
        "property_id": "property_changed",
    }
    before, after = old.fields(), new.fields()
    out = []
    for name, value in after.items():
        if before[name] == value:
            continue
        if name == "status":
            was, now = before[name] in CALLED_OFF, value in CALLED_OFF
            kind = "cancelled" if now and not was else "reinstated" if was and not now else "status_progressed"
        else:
            kind = kinds[name]
        out.append((kind, name, before[name], value))
    return out


def booking_of(stay: Stay, as_of: dt.datetime) -> dict[str, object]:
    return {
        "source": "airbnb",
        "property": stay.listing,
        "check_in": stay.check_in,
        "check_out": stay.check_out,
        "nights": stay.nights,
        "status": stay.canonical,
        "raw_status": stay.status,
        "guest_name": stay.guest,
        "payout": stay.earnings,
        "as_of": as_of,
    }


def newest(exports: list[Export]) -> dict[str, tuple[dt.datetime, Stay]]:
    """Each booking as the export with the latest as-of that lists it states it."""
    out: dict[str, tuple[dt.datetime, Stay]] = {}
    for e in sorted(exports, key=lambda e: e.as_of):
        for v in e.rows:
            out[v.code] = (e.as_of, v)
    return out


def expected_bookings(exports: list[Export]) -> dict[str, tuple[object, ...]]:
    return {
        code: ("airbnb", v.listing, v.check_in, v.check_out, v.canonical, v.guest, v.earnings, as_of)
        for code, (as_of, v) in newest(exports).items()
    }


def expected_open_tasks(exports: list[Export]) -> dict[str, tuple[object, ...]]:
    final = {code: v for code, (_, v) in newest(exports).items()}
    return {v.code: (v.check_out, arrives(final, v, v.check_out)) for v in final.values() if v.canonical in ACTIVE}


def expected_counts(loaded: list[Export], export: Export) -> tuple[int, int, int]:
    """(inserted, updated, unchanged) for `export` loaded after `loaded`."""
    state = newest(loaded)
    inserted = updated = unchanged = 0
    for v in export.rows:
        if v.code not in state:
            inserted += 1
        elif state[v.code][0] > export.as_of or state[v.code][1] == v:
            unchanged += 1
        else:
            updated += 1
    return inserted, updated, unchanged
