"""Airbnb's reservations export from a host account in Spanish (Latin American, voseo): the
English layout with Spanish headers.

Verified from a published importer of real files of this export (a parser validated against
1,014 of them, with its tests): the headers `Código de confirmación, Estado, Nombre del
huésped, Contacto, Número de adultos, Número de niños, Número de bebés, Fecha de inicio, Fecha
de finalización, Número de noches, Reservada, Anuncio, Ganancias`; stay dates day first without
leading zeros (`5/7/2026` is 5 July); `Reservada` in ISO; money `$\u00a01.234,56` (a no-break
space after the symbol, `.` between thousands, `,` before the cents) in a USD account; and
the status labels in schemas/status_map.csv.

The amounts are read with the CLDR conventions of es_AR through babel: the labels are those of
Airbnb's Argentine Spanish ("Cancelada por vos"), and es_AR is the locale whose separators the
real files use. The European Spanish interface words some labels differently; those were not
verified and are not in the map: such a label is quarantined with a message naming it, and
adding it is one line of the status map.
"""

from dataclasses import replace

from sources.layouts.airbnb import AIRBNB

AIRBNB_ES = replace(
    AIRBNB,
    name="airbnb_es",
    title="Airbnb reservations export (Spanish)",
    headers={
        "external_code": ("Código de confirmación",),
        "raw_status": ("Estado",),
        "guest_name": ("Nombre del huésped",),
        "guest_contact": ("Contacto",),
        "adults": ("Número de adultos",),
        "children": ("Número de niños",),
        "infants": ("Número de bebés",),
        "check_in": ("Fecha de inicio",),
        "check_out": ("Fecha de finalización",),
        "booked_at": ("Reservada",),
        "property_name": ("Anuncio",),
        "payout": ("Ganancias",),
    },
    also_headers=("Número de noches",),  # derived from the dates
    date_format="%d/%m/%Y",  # day first, never guessed per value; "5/7/2026" reads too
    date_hint="D/M/YYYY",
    booked_format="%Y-%m-%d",  # `Reservada` is ISO in the same file
    money_locale="es_AR",  # "$\u00a01.234,56"
    default_currency="USD",
    language="es",
)
