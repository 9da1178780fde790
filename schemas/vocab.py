"""Closed vocabularies shared by every stage: booking sources, canonical statuses, file outcomes."""

from __future__ import annotations

from enum import StrEnum


class Source(StrEnum):
    """Where a booking was made; the first half of a booking's natural key."""

    AIRBNB = "airbnb"
    BOOKING_COM = "booking_com"
    VRBO = "vrbo"
    DIRECT = "direct"
    OWNER = "owner"


class Status(StrEnum):
    """The nine canonical booking statuses (see DESIGN.md)."""

    INQUIRY = "inquiry"
    PENDING = "pending"
    CONFIRMED = "confirmed"
    IN_HOUSE = "in_house"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    DECLINED = "declined"
    NO_SHOW = "no_show"
    OWNER_STAY = "owner_stay"


# A booking in one of these occupies its unit: it needs cleaning and can collide with another.
ACTIVE_STATUSES: frozenset[Status] = frozenset({Status.CONFIRMED, Status.IN_HOUSE, Status.COMPLETED, Status.OWNER_STAY})


class TaskStatus(StrEnum):
    """Where a cleaning task stands: open, done by a person, or cancelled with its booking."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


# The one kind of task bookingest derives today (tasks are unique per booking and kind).
TASK_KINDS: tuple[str, ...] = ("cleaning",)


class FileStatus(StrEnum):
    """What happened to one input file."""

    LOADED = "loaded"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class ClaimOutcome(StrEnum):
    """How a worker's claim on an inbox entry ended: the file's status, or gone before it was read."""

    LOADED = "loaded"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    VANISHED = "vanished"  # moved away by another worker after this one had listed it
    RELEASED = "released"  # left in the inbox (the database failed): the next run takes it again


# The natural key of a booking, declared once: the schema, the UNIQUE constraint and the
# upsert's conflict target all use it.
BOOKING_KEY: tuple[str, str] = ("source", "external_code")


class PayoutKind(StrEnum):
    """What one line of an earnings export is (payouts.kind); platforms' own type labels map to
    these in their earnings layouts. `other`: a type no layout knows yet, its label kept."""

    PAYOUT = "payout"  # money sent to the host's bank
    RESERVATION = "reservation"  # a booking's earnings
    ADJUSTMENT = "adjustment"
    RESOLUTION = "resolution"  # from the resolution centre (damage, refunds)
    CO_HOST = "co_host"  # a co-host's share, paid out of the host's earnings
    CREDIT = "credit"  # miscellaneous credits
    OTHER = "other"


# The money of one payout line, declared once: the earnings layouts' fields and the payouts
# table's columns.
PAYOUT_MONEY_FIELDS: tuple[str, ...] = (
    "amount", "paid_out", "service_fee", "fast_pay_fee", "cleaning_fee", "pet_fee",
    "gross", "occupancy_taxes", "remitted_tax",
)  # fmt: skip
