"""The Spanish Airbnb reservations export sample (issue 11, section 3), written by make_samples.py.

As a host whose Airbnb speaks (Latin American) Spanish downloads it, from what a published
importer of real files shows: Spanish headers, every field quoted, UTF-8 without BOM, stay
dates day first without leading zeros (5/7/2026), `Reservada` in ISO, amounts like
"$\u00a01.234,56" (a no-break space after the dollar sign, "." between thousands, "," before
the cents; older files write "$102,25" without the space), a negative amount for a host's
cancellation. One row for each Spanish status label seen in real files; made-up guests.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from reservations_csv import check_stays, write_export

NAME = "airbnb_reservations_es_2025-12.csv"
AS_OF = dt.datetime(2025, 12, 1, 6, 45, 0)
HEADER = [
    "Código de confirmación",
    "Estado",
    "Nombre del huésped",
    "Contacto",
    "Número de adultos",
    "Número de niños",
    "Número de bebés",
    "Fecha de inicio",
    "Fecha de finalización",
    "Número de noches",
    "Reservada",
    "Anuncio",
    "Ganancias",
]
PALERMO = "Depto luminoso en Palermo"
COLONIA = "Casa de piedra en Colonia"

# (code, status, guest, contact, adults, children, infants, start, end, booked, listing, earnings, old style)
# fmt: off
ROWS = [
    ("HMESA2B3C4", "Huésped anterior", "Valentina Ríos", "+54 11 5555-0101", 2, 0, 0, "2025-10-03", "2025-10-07", "2025-09-12", PALERMO, 412.80, False),
    ("HMESD5E6F7", "Evaluá al huésped", "Mateo Fernández", "+598 99 555 102", 1, 0, 0, "2025-11-10", "2025-11-12", "2025-10-30", PALERMO, 97.35, True),
    ("HMESG8H9J2", "Evaluá al huésped: vence pronto", "Lucía Domínguez", "+54 11 5555-0103", 2, 1, 0, "2025-11-14", "2025-11-18", "2025-10-02", PALERMO, 486.20, False),
    ("HMESK3L4M5", "Estadía en curso", "Joaquín Peña", "+54 9 351 555-0104", 2, 0, 1, "2025-11-28", "2025-12-03", "2025-11-01", PALERMO, 1234.56, False),
    ("HMESN6P7Q8", "Se va hoy", "Martina Suárez", "+598 94 555 105", 3, 0, 0, "2025-11-27", "2025-12-01", "2025-11-03", COLONIA, 1639.30, False),
    ("HMESR9S2T3", "Confirmada", "Tomás Aguirre", "+54 11 5555-0106", 2, 2, 0, "2025-12-05", "2025-12-09", "2025-11-15", COLONIA, 5587.00, False),
    ("HMESU4V5W6", "Viaje solicitado", "Camila Herrera", "+56 9 5555 0107", 1, 0, 0, "2025-12-12", "2025-12-14", "2025-11-29", PALERMO, 152.40, False),
    ("HMESX7Y8Z9", "Pago pendiente", "Benjamín Castro", "+57 300 555 0108", 2, 0, 0, "2025-12-19", "2025-12-22", "2025-11-30", PALERMO, 301.17, False),
    ("HMESB2C3D4", "El huésped solicitó un cambio en el viaje", "Sofía Molina", "+54 11 5555-0109", 2, 0, 0, "2026-01-02", "2026-01-06", "2025-10-21", COLONIA, 710.00, False),
    ("HMESE5F6G7", "Solicitud de cambio de viaje enviada", "Facundo Giménez", "+598 99 555 110", 4, 0, 0, "2026-01-08", "2026-01-15", "2025-11-18", PALERMO, 4070.32, False),
    ("HMESH8J9K2", "Cancelación por parte del viajero", "Agustina Romero", "", 2, 0, 0, "2025-12-20", "2025-12-24", "2025-10-19", PALERMO, 31.94, False),
    ("HMESL3M4N5", "Cancelada por Airbnb", "Nicolás Vega", "", 2, 1, 0, "2026-01-20", "2026-01-23", "2025-11-08", COLONIA, 0.0, False),
    ("HMESP6Q7R8", "Cancelada por vos", "Florencia Acosta", "", 2, 0, 0, "2026-02-06", "2026-02-09", "2025-11-21", COLONIA, -50.00, False),
]
# fmt: on


def day_first(iso: str) -> str:
    """D/M/YYYY without leading zeros, as the real files write it."""
    day = dt.date.fromisoformat(iso)
    return f"{day.day}/{day.month}/{day.year}"


def dollars(x: float, old_style: bool) -> str:
    """es_AR as Airbnb writes it: "$\u00a01.234,56", "-$\u00a050,00"; older files "$102,25"."""
    digits = f"{abs(x):,.2f}".replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return ("-" if x < 0 else "") + ("$" if old_style else "$\u00a0") + digits


def write(out: Path) -> None:
    check_stays(ROWS, lambda status: status.startswith("Cancela"), AS_OF)
    assert len({r[1] for r in ROWS}) == len(ROWS)  # one row per label
    write_export(out / NAME, HEADER, ROWS, day_first, lambda r: dollars(r[11], r[12]))
