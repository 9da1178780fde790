"""Booking.com's extranet reservations download from an extranet in Croatian: the English
download's layout with Croatian headers.

Verified from a published importer of the Croatian .xls download (it maps both languages):
`Broj rezervacije, Nositelj rezervacije, Ime(na) gosta, Prijava, Odjava, Rezervirano, Status,
Jedinice, Osobe, Odrasli, Djeca, Dob djece, Cijena, Provizija %, Iznos provizije, Status
plaćanja, Način plaćanja (pružatelj usluga naplate), Napomene, Booker country, Svrha
putovanja, Uređaj, Vrsta jedinice, Trajanje (noćenja), Datum otkazivanja, Adresa, Broj
telefona`. The same importer reads the Croatian file's dates, amounts ("126.6314 EUR") and
statuses exactly as the English one's, matching the status on Booking.com's own codes only
(`ok`, `cancelled_by_guest`, ...): the seed's booking_com labels serve both. A Croatian
`Booker group` header was not verified and is not listed.
"""

from dataclasses import replace

from sources.layouts.booking_com import BOOKING_COM

BOOKING_COM_HR = replace(
    BOOKING_COM,
    name="booking_com_hr",
    title="Booking.com reservations download (Croatian)",
    headers={
        "external_code": ("Broj rezervacije",),
        "raw_status": ("Status",),
        # The guests' names first, the booker's where they are missing, as in English.
        "guest_name": ("Ime(na) gosta", "Nositelj rezervacije"),
        "guest_contact": ("Broj telefona",),
        "adults": ("Odrasli",),
        "children": ("Djeca",),
        "check_in": ("Prijava",),
        "check_out": ("Odjava",),
        "booked_at": ("Rezervirano",),
        "gross": ("Cijena",),
        "commission": ("Iznos provizije",),
        "cancelled_on": ("Datum otkazivanja",),
    },
    also_headers=(
        "Jedinice",
        "Osobe",
        "Dob djece",
        "Provizija %",
        "Status plaćanja",
        "Način plaćanja (pružatelj usluga naplate)",
        "Napomene",
        "Booker country",
        "Svrha putovanja",
        "Uređaj",
        "Vrsta jedinice",
        "Trajanje (noćenja)",
        "Adresa",
    ),
    language="hr",
)
