"""The operator's own "Cleaning schedule" workbook: Airbnb's columns, the house name, a booking source column."""

from schemas.vocab import Source
from sources.layouts.airbnb import AIRBNB, AIRBNB_CODE
from sources.layouts.base import Layout

CLEANING_SCHEDULE = Layout(
    name="cleaning_schedule",
    title="house cleaning schedule workbook",
    headers={
        **AIRBNB.headers,
        # The operator's own short house name; where it is there, `Listing` is only the Airbnb
        # listing title (empty on other platforms' rows), so it must not name the property.
        "property_name": ("Properties", "Property", "House", "Listing"),
        # With a house column, `Listing` is the Airbnb listing title: the row teaches that alias.
        "listing_name": ("Listing",),
        "source": (
            "Booking source",
            "Airbnb/VRBO",
            "Airbnb / VRBO",
            "Source",
            "Channel",
            "Platform",
            "Booking channel",
            "Booking platform",
            "Booked via",
        ),
    },
    required=frozenset({"raw_status", "check_in", "check_out", "property_name"}),
    required_one_of=frozenset({"source", "external_code"}),
    also_headers=(
        "# of nights",
        "Walk Through before guest check in",
        "Clean up after guests check out",
        "Check 1",
        "Check for conflicts",
    ),
    source=None,
    source_labels={
        "airbnb": Source.AIRBNB,
        "vrbo": Source.VRBO,
        "homeaway": Source.VRBO,
        "booking.com": Source.BOOKING_COM,
        "booking": Source.BOOKING_COM,
        "direct": Source.DIRECT,
        "directly": Source.DIRECT,
        "book directly": Source.DIRECT,
        "direct booking": Source.DIRECT,
        "owner staying": Source.OWNER,
        "owner stay": Source.OWNER,
        "owner": Source.OWNER,
    },
    date_format="%m/%d/%Y",
    date_hint="a date cell or M/D/YYYY",
    keyless_sources=frozenset({Source.DIRECT, Source.OWNER}),
    placeholder_codes={
        "owner staying": Source.OWNER,
        "owner stay": Source.OWNER,
        "owner": Source.OWNER,
        "directly": Source.DIRECT,
        "direct": Source.DIRECT,
        "book directly": Source.DIRECT,
    },
    code_sources=(
        (AIRBNB_CODE, Source.AIRBNB),
        (r"HA-[A-Z0-9]{6}", Source.VRBO),
        (r"\d{10}", Source.BOOKING_COM),
    ),
    code_sources_hint="HM + 8 letters or digits: airbnb; HA- + 6: vrbo; 10 digits: booking_com",
    default_currency="USD",
)
