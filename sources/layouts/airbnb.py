"""Airbnb's reservations export (CSV from the Reservations page)."""

from schemas.vocab import Source
from sources.layouts.base import Layout

# An Airbnb confirmation code: also how the workbook tells an Airbnb row without a source.
AIRBNB_CODE = r"HM[A-Z0-9]{8}"

AIRBNB = Layout(
    name="airbnb",
    title="Airbnb reservations export",
    headers={
        "external_code": ("Confirmation code",),
        "raw_status": ("Status",),
        "guest_name": ("Guest name", "Guest"),
        "guest_contact": ("Contact", "Phone"),
        "adults": ("# of adults",),
        "children": ("# of children",),
        "infants": ("# of infants",),
        "check_in": ("Start date",),
        "check_out": ("End date",),
        "booked_at": ("Booked",),
        "property_name": ("Listing",),
        "payout": ("Earnings",),
    },
    required=frozenset({"external_code", "raw_status", "check_in", "check_out", "property_name"}),
    also_headers=("# of nights",),  # derived from the dates
    source=Source.AIRBNB,
    date_format="%m/%d/%Y",
    date_hint="M/D/YYYY",
    code_pattern=AIRBNB_CODE,
    code_hint="HM followed by 8 letters or digits",
    default_currency="USD",
)
