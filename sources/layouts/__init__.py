"""The registry of platform layouts: detection tries them all, --source picks one by name."""

from sources.layouts.airbnb import AIRBNB
from sources.layouts.airbnb_earnings import AIRBNB_EARNINGS, AIRBNB_EARNINGS_OLD, AIRBNB_EARNINGS_PT_BR
from sources.layouts.airbnb_es import AIRBNB_ES
from sources.layouts.airbnb_fr import AIRBNB_FR
from sources.layouts.airbnb_pt import AIRBNB_PT
from sources.layouts.base import Layout, header_key
from sources.layouts.booking_com import BOOKING_COM
from sources.layouts.booking_com_hr import BOOKING_COM_HR
from sources.layouts.booking_com_short import BOOKING_COM_SHORT
from sources.layouts.cleaning_schedule import CLEANING_SCHEDULE

LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        AIRBNB,
        AIRBNB_FR,
        AIRBNB_ES,
        AIRBNB_PT,
        BOOKING_COM,
        BOOKING_COM_HR,
        BOOKING_COM_SHORT,
        CLEANING_SCHEDULE,
        # Earnings exports (money lines, not bookings) are detected by the same best match.
        AIRBNB_EARNINGS,
        AIRBNB_EARNINGS_OLD,
        AIRBNB_EARNINGS_PT_BR,
    )
}

__all__ = ["LAYOUTS", "Layout", "header_key"]
