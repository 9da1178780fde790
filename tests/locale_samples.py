"""Independent readings of the samples in the host's language (issue 11, section 3): the Spanish
Airbnb export, the Croatian Booking.com download and Booking.com's short export, read with the
standard library and calamine only, never with bookingest. Each reader returns the rows that
must load and the rows that must be quarantined (row number as a person sees it, header,
value): a Croatian row whose `Datum otkazivanja` contradicts a status that is not a
cancellation."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import python_calamine

Status = Callable[[str, str], str]  # (source, label) -> canonical status, from the seed file
Rejected = tuple[int, str, str]  # (row number, header as written, value)
SEED = Path(__file__).resolve().parents[1] / "schemas" / "status_map.csv"
ES_NAME = "airbnb_reservations_es_2025-12.csv"
PT_NAME = "airbnb_reservations_pt_2025-12.csv"
HR_NAME = "booking_hr_reservations_2025-12.xls"
SHORT_NAME = "booking_short_2025-12.csv"


def dollars(text: str) -> Decimal:
    """es_AR as the real files write it: "$\u00a01.234,56", "-$\u00a050,00", "$102,25"."""
    negative = text.startswith("-")
    digits = text.removeprefix("-").removeprefix("$").removeprefix("\u00a0")
    number = Decimal(digits.replace(".", "").replace(",", "."))
    return -number if negative else number


def d_m_y(text: str) -> dt.date:
    day, month, year = (int(part) for part in text.split("/"))
    return dt.date(year, month, day)


def reais(text: str) -> Decimal:
    """pt_BR as the export writes it: "R$\u00a01.234,56"."""
    return Decimal(text.removeprefix("R$").strip("\u00a0 ").replace(".", "").replace(",", "."))


def _read_airbnb(
    path: Path, status: Status, headers: list[str], money: Callable[[str], Decimal], currency: str
) -> list[dict[str, object]]:
    """An Airbnb reservations export in another language: `headers` are its 13 headers in the
    English export's order (code, status, guest, contact, adults, children, infants, start, end,
    nights, booked, listing, earnings)."""
    code, label, guest, contact, adults, children, infants, start, end, nights, booked, listing, earned = headers
    with path.open(encoding="utf-8", newline="") as f:
        return [
            {
                "source": "airbnb",
                "external_code": r[code],
                "property": r[listing],
                "guest_name": r[guest],
                "guest_contact": r[contact] or None,
                "adults": int(r[adults]),
                "children": int(r[children]),
                "infants": int(r[infants]),
                "check_in": d_m_y(r[start]),
                "check_out": d_m_y(r[end]),
                "nights": int(r[nights]),
                "booked_at": dt.datetime.fromisoformat(r[booked]) if "-" in r[booked] else _midnight(d_m_y(r[booked])),
                "raw_status": r[label],
                "status": status("airbnb", r[label]),
                "payout": money(r[earned]),
                "gross": None,
                "currency": currency,
            }
            for r in csv.DictReader(f)
        ]


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


ES_HEADERS = [
    "Código de confirmación", "Estado", "Nombre del huésped", "Contacto", "Número de adultos", "Número de niños",
    "Número de bebés", "Fecha de inicio", "Fecha de finalización", "Número de noches", "Reservada", "Anuncio",
    "Ganancias",
]  # fmt: skip
PT_HEADERS = [
    "Código de confirmação", "Status", "Nome do hóspede", "Entrar em contato", "Nº de adultos", "Nº de crianças",
    "Nº de bebês", "Data de início", "Data de término", "Nº de noites", "Reservado", "Anúncio", "Ganhos",
]  # fmt: skip


def read_es(path: Path, status: Status) -> tuple[list[dict[str, object]], list[Rejected]]:
    return _read_airbnb(path, status, ES_HEADERS, dollars, "USD"), []


def read_pt(path: Path, status: Status) -> tuple[list[dict[str, object]], list[Rejected]]:
    return _read_airbnb(path, status, PT_HEADERS, reais, "BRL"), []


def _eur(text: str) -> Decimal:
    assert text.endswith(" EUR"), text
    return Decimal(text.removesuffix(" EUR"))


def _hr_cells(path: Path) -> list[dict[str, str]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    first, *rest = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    header = [str(h) for h in first]
    # Number cells come back as floats: 4100000011.0 is the booking 4100000011, 2.0 adults are 2.
    body = [[str(int(c)) if isinstance(c, float) and c.is_integer() else str(c) for c in row] for row in rest]
    return [dict(zip(header, row, strict=True)) for row in body]


def read_hr(path: Path, status: Status, property_name: str) -> tuple[list[dict[str, object]], list[Rejected]]:
    rows: list[dict[str, object]] = []
    rejected: list[Rejected] = []
    for number, r in enumerate(_hr_cells(path), start=2):
        canonical = status("booking_com", r["Status"])
        if r["Datum otkazivanja"] and canonical != "cancelled":
            rejected.append((number, "Datum otkazivanja", r["Datum otkazivanja"]))
            continue
        gross = _eur(r["Cijena"])
        rows.append(
            {
                "source": "booking_com",
                "external_code": r["Broj rezervacije"],
                "property": property_name,
                "guest_name": r["Ime(na) gosta"],
                "guest_contact": r["Broj telefona"] or None,
                "adults": int(r["Odrasli"]),
                "children": int(r["Djeca"]),
                "infants": None,
                "check_in": dt.date.fromisoformat(r["Prijava"]),
                "check_out": dt.date.fromisoformat(r["Odjava"]),
                "nights": int(r["Trajanje (noćenja)"]),
                "booked_at": dt.datetime.fromisoformat(r["Rezervirano"]),
                "raw_status": r["Status"],
                "status": canonical,
                "payout": gross - _eur(r["Iznos provizije"]),
                "gross": gross,
                "currency": "EUR",
            }
        )
    return rows, rejected


def _long_date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d %B %Y").date()  # "15 December 2025"


def read_short(path: Path, status: Status) -> tuple[list[dict[str, object]], list[Rejected]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = [
            {
                "source": "booking_com",
                "external_code": r["Reservation number"],
                "property": r["Property name"],
                "guest_name": r["Booker name"],
                "guest_contact": None,
                "adults": None,
                "children": None,
                "infants": None,
                "check_in": _long_date(r["Arrival"]),
                "check_out": _long_date(r["Departure"]),
                "nights": (_long_date(r["Departure"]) - _long_date(r["Arrival"])).days,
                "booked_at": dt.datetime.combine(_long_date(r["Booked on"]), dt.time()),
                "raw_status": r["Status"],
                "status": status("booking_com", r["Status"]),
                "payout": Decimal(r["Total payment"]) - Decimal(r["Commission"]),
                "gross": Decimal(r["Total payment"]),
                "currency": r["Currency"],
            }
            for r in csv.DictReader(f)
        ]
    return rows, []


def seed_status(source: str, label: str) -> str:
    """A label's canonical status as the seed file states it (case, repeated white space and
    numbers do not matter, as DESIGN.md says)."""
    key = re.sub(r"\d+", "#", " ".join(label.split()).casefold())
    lines = [ln for ln in SEED.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    for r in csv.DictReader(lines):
        if r["source"].strip() == source and re.sub(r"\d+", "#", " ".join(r["raw_status"].split()).casefold()) == key:
            return r["status"].strip()
    raise KeyError((source, label))


def rejected_in(samples: Path) -> dict[str, list[Rejected]]:
    """The rows of the sample folder that contradict themselves, by file: a run over the folder
    quarantines exactly these (and so exits 1)."""
    return {HR_NAME: read_hr(samples / HR_NAME, seed_status, "")[1]}
