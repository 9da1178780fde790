"""Every report view in the order they are created (each reads only views before it)."""

from __future__ import annotations

from loaders.analytics import View
from loaders.analytics.bookings import CANCELLATIONS, LEAD_TIME, LENGTH_OF_STAY
from loaders.analytics.occupancy import CHANNEL_MIX, MONTHS, OCCUPANCY
from loaders.analytics.pace import ON_THE_BOOKS
from loaders.analytics.quality import CLEANING_SCHEDULE, DATA_QUALITY
from loaders.analytics.stays import STAY_MONTHS, STAYS
from loaders.dialects import Dialect

REPORT_VIEWS: tuple[View, ...] = (
    STAYS, STAY_MONTHS, MONTHS, OCCUPANCY, CHANNEL_MIX, LENGTH_OF_STAY, LEAD_TIME, CANCELLATIONS,
    ON_THE_BOOKS, CLEANING_SCHEDULE, DATA_QUALITY,
)  # fmt: skip
REPORT_VIEW_NAMES = tuple(v.name for v in REPORT_VIEWS)


def report_views_sql(dialect: Dialect) -> list[str]:
    """CREATE VIEW of every report view, in order (they need payout_lines: create it first)."""
    return [view.ddl(dialect) for view in REPORT_VIEWS]


def drop_report_views_sql() -> list[str]:
    """DROP VIEW of every report view, dependents first."""
    return [f"DROP VIEW IF EXISTS {name}" for name in reversed(REPORT_VIEW_NAMES)]
