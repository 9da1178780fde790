"""The operator's own "Cleaning schedule" workbook: Airbnb's columns plus a Booking source column."""

from schemas.vocab import Source
from sources.layouts.airbnb import AIRBNB
from sources.layouts.base import Layout

CLEANING_SCHEDULE = Layout(
    name="cleaning_schedule",
    title="house cleaning schedule workbook",
    headers={**AIRBNB.headers, "source": ("Booking source", "Source", "Channel")},
    required=frozenset({"source", "raw_status", "check_in", "check_out", "property_name"}),
    source=None,
    source_labels={
        "airbnb": Source.AIRBNB,
        "vrbo": Source.VRBO,
        "homeaway": Source.VRBO,
        "booking.com": Source.BOOKING_COM,
        "booking": Source.BOOKING_COM,
        "direct": Source.DIRECT,
        "owner staying": Source.OWNER,
        "owner stay": Source.OWNER,
        "owner": Source.OWNER,
    },
    date_format="%m/%d/%Y",
    date_hint="a date cell or M/D/YYYY",
    keyless_sources=frozenset({Source.DIRECT, Source.OWNER}),
    default_currency="USD",
)
