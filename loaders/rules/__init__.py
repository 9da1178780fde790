"""What the rules share: which statuses occupy a unit and which call a booking off, and the stays of the in-memory executors."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy.sql.elements import ColumnElement

from schemas.vocab import ACTIVE_STATUSES, Status

# A booking in one of these occupies its unit: it needs cleaning and can collide with another.
ACTIVE = sorted(s.value for s in ACTIVE_STATUSES)
# A booking moved into one of these from any other was called off (the history says "cancelled").
CALLED_OFF = sorted(s.value for s in (Status.CANCELLED, Status.DECLINED, Status.NO_SHOW))


def is_active(status: ColumnElement[str]) -> ColumnElement[bool]:
    """The booking of this status occupies its unit (in SQL)."""
    return status.in_(ACTIVE)


def active_mask(status: pd.Series) -> np.ndarray:
    """Which bookings of these statuses occupy their unit (in memory)."""
    return status.isin(ACTIVE).to_numpy()


def active_stays(stays: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The active stays' ids, property ids shifted left by 32 bits, check-in and check-out days:
    property + day is then one number per (property, day), as days since the epoch fit in 32
    bits either way.

    `stays` has one row per booking: id, property_id, check_in and check_out (days since the
    epoch), active (bool, from `active_mask`).
    """
    active = stays["active"].to_numpy()
    property_id = stays["property_id"].to_numpy("int64")[active] << 32
    days = [stays[c].to_numpy("int64")[active] for c in ("check_in", "check_out")]
    return stays["id"].to_numpy()[active], property_id, days[0], days[1]
