"""Airbnb's reservations export from a host account in Brazilian Portuguese: the English layout
with Portuguese headers.

Verified from a published importer of this export ("formato novo do CSV"): the headers
`Código de confirmação, Status, Nome do hóspede, Entrar em contato, Nº de adultos, Nº de
crianças, Nº de bebês, Data de início, Data de término, Nº de noites, Reservado, Anúncio,
Ganhos`; the dates day first (DD/MM/YYYY; ISO is accepted too, as everywhere); money in reais
with `.` between thousands and `,` before the cents after `R$` (read with babel in pt_BR); and
the status labels `Confirmada`, `Estadia em andamento`, `Aguardando avaliação do hóspede`,
`Hóspede anterior`, `Cancelada` (in schemas/status_map.csv). Other labels were not verified and
are not in the map: such a row is quarantined with a message naming its label, and adding it
is one line of the status map. (Airbnb's Brazilian *earnings* export is another file, with
other headers and month-first dates: sources/layouts/airbnb_earnings.py.)
"""

from dataclasses import replace

from sources.layouts.airbnb import AIRBNB

AIRBNB_PT = replace(
    AIRBNB,
    name="airbnb_pt",
    title="Airbnb reservations export (Brazilian Portuguese)",
    headers={
        "external_code": ("Código de confirmação",),
        "raw_status": ("Status",),
        "guest_name": ("Nome do hóspede",),
        "guest_contact": ("Entrar em contato",),
        "adults": ("Nº de adultos",),
        "children": ("Nº de crianças",),
        "infants": ("Nº de bebês",),
        "check_in": ("Data de início",),
        "check_out": ("Data de término",),
        "booked_at": ("Reservado",),
        "property_name": ("Anúncio",),
        "payout": ("Ganhos",),
    },
    also_headers=("Nº de noites",),  # derived from the dates
    date_format="%d/%m/%Y",  # day first, never guessed per value
    date_hint="DD/MM/YYYY",
    money_locale="pt_BR",  # "R$\u00a01.234,56"
    default_currency="BRL",
    language="pt",
)
