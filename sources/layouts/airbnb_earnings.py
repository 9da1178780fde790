"""Airbnb's earnings export (the transaction history CSV): current English, older English, Brazilian Portuguese."""

from schemas.vocab import PayoutKind, Source
from sources.layouts.payout_base import PayoutLayout

# Airbnb's type labels, every language in one place: a label new to us is one line here.
AIRBNB_PAYOUT_TYPES = {
    "Payout": PayoutKind.PAYOUT,
    "Reservation": PayoutKind.RESERVATION,
    "Adjustment": PayoutKind.ADJUSTMENT,
    "Reserva": PayoutKind.RESERVATION,  # pt-BR
    "Recebimento do coanfitrião": PayoutKind.CO_HOST,  # pt-BR: a co-host's share, negative
    "Pagamento da Resolução": PayoutKind.RESOLUTION,  # pt-BR
    "Créditos Diversos": PayoutKind.CREDIT,  # pt-BR
    "Buchung": PayoutKind.RESERVATION,  # German
}
AIRBNB_PAYOUT_PREFIXES = {"Resolution": PayoutKind.RESOLUTION}  # "Resolution Payout", "Resolution Adjustment"


def _airbnb(name: str, title: str, headers: dict[str, tuple[str, ...]]) -> PayoutLayout:
    """What Airbnb's earnings exports share: their types, M/D/YYYY dates, what they require."""
    return PayoutLayout(
        name=name,
        title=title,
        headers=headers,
        required=frozenset({"paid_on", "raw_type", "currency", "amount"}),
        source=Source.AIRBNB,
        type_kinds=AIRBNB_PAYOUT_TYPES,
        type_prefixes=AIRBNB_PAYOUT_PREFIXES,
        date_format="%m/%d/%Y",
        date_hint="M/D/YYYY",
    )


AIRBNB_EARNINGS = _airbnb(
    "airbnb_earnings",
    "Airbnb earnings export",
    {
        "paid_on": ("Date",),
        "arriving_by": ("Arriving by date",),
        "raw_type": ("Type",),
        "external_code": ("Confirmation code",),  # header_key: "Confirmation Code" too
        "booked_on": ("Booking date",),
        "check_in": ("Start date",),
        "check_out": ("End date",),
        "nights": ("Nights",),
        "guest_name": ("Guest",),
        "property_name": ("Listing",),
        "details": ("Details",),
        "reference": ("Reference code",),
        "currency": ("Currency",),
        "amount": ("Amount",),
        "paid_out": ("Paid out",),
        "service_fee": ("Service fee",),
        "fast_pay_fee": ("Fast pay fee",),
        "cleaning_fee": ("Cleaning fee",),
        "pet_fee": ("Pet fee",),
        "gross": ("Gross earnings",),
        "occupancy_taxes": ("Occupancy taxes",),
        "remitted_tax": ("Airbnb remitted tax",),
        "earnings_year": ("Earnings year",),
    },
)

# The older export: no end date (it is the start plus the nights), "Host Fee" for the service fee.
AIRBNB_EARNINGS_OLD = _airbnb(
    "airbnb_earnings_old",
    "Airbnb earnings export (older)",
    {
        "paid_on": ("Date",),
        "raw_type": ("Type",),
        "external_code": ("Confirmation Code",),
        "check_in": ("Start Date",),
        "nights": ("Nights",),
        "guest_name": ("Guest",),
        "property_name": ("Listing",),
        "details": ("Details",),
        "reference": ("Reference",),
        "currency": ("Currency",),
        "amount": ("Amount",),
        "paid_out": ("Paid Out",),
        "service_fee": ("Host Fee",),
        "cleaning_fee": ("Cleaning Fee",),
    },
)

# Brazilian Portuguese: UTF-8 with a BOM, M/D/YYYY dates, "." decimals, as the English one.
AIRBNB_EARNINGS_PT_BR = _airbnb(
    "airbnb_earnings_pt_br",
    "Airbnb earnings export (Brazilian Portuguese)",
    {
        "paid_on": ("Data",),
        "arriving_by": ("Disponível por data",),
        "raw_type": ("Tipo",),
        "external_code": ("Código de Confirmação",),
        "booked_on": ("Data da reserva",),
        "check_in": ("Data de início",),
        "check_out": ("Data de término",),
        "nights": ("Noites",),
        "guest_name": ("Hóspede",),
        "property_name": ("Anúncio",),
        "details": ("Informações",),
        "reference": ("Código de referência",),
        "currency": ("Moeda",),
        "amount": ("Valor",),
        "paid_out": ("Pago",),
        "service_fee": ("Taxa de serviço",),
        "fast_pay_fee": ("Taxa de pagamento rápido",),
        "cleaning_fee": ("Taxa de limpeza",),
        "gross": ("Ganhos brutos",),
        "occupancy_taxes": ("Impostos de ocupação",),
        "earnings_year": ("Ganhos do ano",),
    },
)
