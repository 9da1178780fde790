"""Booking.com's short reservations export: one line per reservation with the property's name.

Headers as in the issue and in a published importer of it: `Property name, Location, Booker
name, Genius booker, Arrival, Departure, Booked on, Status, Total payment, Commission,
Currency, Reservation number`; dates written like `15 December 2025`. `Property name` names
the property (so `--property` is needed only for an export that names none) and `Currency`
the amounts' currency. Not verified: the status values (taken to be the extranet's own codes
of the long download, `ok`, `cancelled_by_guest`, ..., which the seed maps; any other is
quarantined naming it) and the amounts' notation (read as plain or English-grouped numbers).
"""

from dataclasses import replace

from sources.layouts.booking_com import BOOKING_COM

BOOKING_COM_SHORT = replace(
    BOOKING_COM,
    name="booking_com_short",
    title="Booking.com short reservations export",
    headers={
        "external_code": ("Reservation number",),
        "raw_status": ("Status",),
        "guest_name": ("Booker name",),
        "check_in": ("Arrival",),
        "check_out": ("Departure",),
        "booked_at": ("Booked on",),
        "property_name": ("Property name",),
        "gross": ("Total payment",),
        "commission": ("Commission",),
        "currency": ("Currency",),
    },
    required=frozenset({"external_code", "raw_status", "check_in", "check_out", "property_name"}),
    also_headers=("Location", "Genius booker"),
    date_format="%d %B %Y",  # "15 December 2025", English month names
    date_hint="D Month YYYY",
)
