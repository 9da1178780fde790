"""The figures' definitions in words, as every output shows them (README "Reports" says the same)."""

from __future__ import annotations

DEFINITIONS: dict[str, str] = {
    "period": "Figures are per calendar month: the report covers every whole month from the month of "
    "its first day to the month of its last day.",
    "sold": "A stay is sold when its status is confirmed, in_house or completed. Cancelled, declined, "
    "inquiry, pending and no_show stays are not sold (a no-show's unit stood empty); owner stays are blocked.",
    "nights_sold": "Nights of sold stays in the month: every night from the check-in day up to, not "
    "including, the check-out day, so a stay across a month end counts in each month for the nights it spends there.",
    "nights_blocked": "Nights of owner stays (status owner_stay) in the month.",
    "nights_available": "Days of the month minus the nights blocked, for every property in the database "
    "(or the one asked for).",
    "occupancy": "Nights sold / nights available (empty when no night was available).",
    "revenue": "A stay's revenue is the sum of its Airbnb earnings lines (payouts of kind reservation or "
    "adjustment, linked by the payout_lines view) where it has any in one currency, else the booking's "
    "payout; it is spread over the stay's nights equally and counted in the month of each night. Amounts "
    "of different currencies are never added: every money figure has its currency.",
    "adr": "Average daily rate: revenue / nights sold, per currency.",
    "revpar": "Revenue per available night: revenue / nights available, per currency.",
    "bookings": "Channels: sold stays that check in in the month. Stays: sold stays that check in in the period.",
    "average_length_of_stay": "Nights of the sold stays that check in in the period / how many they are.",
    "share_of_nights": "A channel's nights sold / all nights sold of the same property (or all of them) and month.",
    "lead_time": "Check-in day minus booking day, for the sold stays that check in in the period; "
    "'unknown' when the export has no booking date.",
    "cancellations": "Of the bookings made in the period (booked, by booking date, else the day "
    "bookingest first saw them; made = confirmed, in_house, completed, cancelled or no_show now), how many "
    "are cancelled now; rate = cancelled / booked.",
    "on_the_books": "For the month of `today` and the 11 after it: nights and revenue of the stays sold "
    "that were booked by today and not called off; beside it the same for the month a year earlier as of "
    "the same day a year earlier (stays booked by then and not yet called off then, by the change history), "
    "empty where the history does not reach that day. A stay's dates and money are today's.",
    "cleaning": "Cleaning tasks due from today through the 13 days after, not cancelled; same-day "
    "turnovers first each day.",
    "double_bookings": "Pairs of active stays of one property that share a night, from today on.",
    "data_quality": "Files, quarantined rows and unknown status labels of the whole database; bookings "
    "without payout: sold stays with nights in the period and no known revenue.",
}
