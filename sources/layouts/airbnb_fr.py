"""Airbnb's reservations export from a host account in French: the English layout with French headers."""

from dataclasses import replace

from sources.layouts.airbnb import AIRBNB

AIRBNB_FR = replace(
    AIRBNB,
    name="airbnb_fr",
    title="Airbnb reservations export (French)",
    headers={
        "external_code": ("Code de confirmation",),
        "raw_status": ("Statut",),
        "guest_name": ("Nom du voyageur",),
        "guest_contact": ("Contact",),
        "adults": ("# des adultes",),
        "children": ("# des enfants",),
        "infants": ("# des bébés",),
        "check_in": ("Date de début",),
        "check_out": ("Date de fin",),
        "booked_at": ("Réservée",),
        "property_name": ("Annonce",),
        "payout": ("Revenus",),
    },
    also_headers=("# des nuits",),  # derived from the dates
    date_format="%d/%m/%Y",  # the stay dates, day first: never guessed per value
    date_hint="DD/MM/YYYY",
    booked_format="%Y-%m-%d",  # `Réservée` is ISO in the same file
    money_locale="fr_FR",  # "1\u202f023,64\u00a0€"
    default_currency="EUR",
    language="fr",
)
