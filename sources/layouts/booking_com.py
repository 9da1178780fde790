"""Booking.com's extranet reservations download (BIFF .xls, or an HTML table named .xls)."""

from schemas.vocab import Source
from sources.layouts.base import Layout

BOOKING_COM = Layout(
    name="booking_com",
    title="Booking.com reservations download",
    headers={
        "external_code": ("Book number", "Reservation number"),
        "raw_status": ("Status",),
        "guest_name": ("Guest name(s)", "Guest name", "Booked by"),
        "guest_contact": ("Phone number", "Phone"),
        "adults": ("Adults",),
        "children": ("Children",),
        "check_in": ("Check-in", "Arrival"),
        "check_out": ("Check-out", "Departure"),
        "booked_at": ("Booked on",),
        "gross": ("Price",),
        "commission": ("Commission amount",),
        # Checked against the status, not stored: a cancellation date with `ok` is a conflict.
        "cancelled_on": ("Cancellation date",),
    },
    required=frozenset({"external_code", "raw_status", "check_in", "check_out"}),
    source=Source.BOOKING_COM,
    code_pattern=r"\d{5,15}",
    code_hint="a number",
    payout_less="commission",  # the download states the price and its commission
)
