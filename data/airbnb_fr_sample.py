"""The French Airbnb reservations export sample (issue 11, section 3), written by make_samples.py.

As a host whose Airbnb speaks French downloads it: French headers, every field quoted, UTF-8
without BOM, LF line ends, stay dates DD/MM/YYYY but `Réservée` in ISO, amounts like
"1\u202f023,64\u00a0€" (a narrow no-break space between thousands, a no-break space before
the euro sign). One row for each French status label seen in real files; made-up guests.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from reservations_csv import check_stays, write_export

NAME = "airbnb_reservations_fr_2025-12.csv"
AS_OF = dt.datetime(2025, 12, 1, 6, 30, 0)
HEADER = [
    "Code de confirmation",
    "Statut",
    "Nom du voyageur",
    "Contact",
    "# des adultes",
    "# des enfants",
    "# des bébés",
    "Date de début",
    "Date de fin",
    "# des nuits",
    "Réservée",
    "Annonce",
    "Revenus",
]
MONTMARTRE = "Studio Montmartre"
PORT = "Maison du Port"

# (code, status, guest, contact, adults, children, infants, start, end, booked, listing, earnings)
ROWS = [
    (
        "HMFRA2B3C4",
        "Ancien voyageur",
        "Camille Lefèvre",
        "+33 6 12 34 56 01",
        2,
        0,
        0,
        "2025-10-03",
        "2025-10-07",
        "2025-09-12",
        MONTMARTRE,
        412.80,
    ),
    (
        "HMFRD5E6F7",
        "En attente de commentaire du voyageur",
        "Théo Girard",
        "+33 6 12 34 56 02",
        1,
        0,
        0,
        "2025-11-10",
        "2025-11-12",
        "2025-10-30",
        MONTMARTRE,
        97.35,
    ),
    (
        "HMFRG8H9J2",
        "Laissez un commentaire sur le voyageur",
        "Zoé Bréhal",
        "+33 6 12 34 56 03",
        2,
        1,
        0,
        "2025-11-14",
        "2025-11-18",
        "2025-10-02",
        MONTMARTRE,
        486.20,
    ),
    (
        "HMFRK3L4M5",
        "Laissez un commentaire sur le voyageur (expire bientôt)",
        "Anaïs Roussel",
        "+33 6 12 34 56 04",
        2,
        0,
        0,
        "2025-11-20",
        "2025-11-25",
        "2025-11-01",
        MONTMARTRE,
        603.75,
    ),
    (
        "HMFRN6P7Q8",
        "Séjour en cours",
        "François Dubœuf",
        "+33 6 12 34 56 05",
        2,
        0,
        1,
        "2025-11-28",
        "2025-12-03",
        "2025-11-04",
        MONTMARTRE,
        618.40,
    ),
    (
        "HMFRR9S2T3",
        "Confirmée",
        "Hélène Côté",
        "+1 514 555 0106",
        4,
        2,
        0,
        "2025-12-18",
        "2026-01-02",
        "2025-09-25",
        PORT,
        3047.10,
    ),
    (
        "HMFRU4V5W6",
        "Modification de voyage envoyée",
        "Léa Muñoz",
        "+34 612 555 007",
        2,
        0,
        0,
        "2026-01-09",
        "2026-01-13",
        "2025-11-15",
        MONTMARTRE,
        458.00,
    ),
    (
        "HMFRX7Y8Z9",
        "Demande de modification de voyage",
        "Jérôme Ñúñez",
        "+33 6 12 34 56 08",
        3,
        1,
        0,
        "2026-02-06",
        "2026-02-14",
        "2025-11-21",
        PORT,
        1023.64,
    ),
    (
        "HMFRA3C5E7",
        "Annulée par le voyageur",
        "Maëlle Perrin",
        "+33 6 12 34 56 09",
        2,
        0,
        0,
        "2025-12-20",
        "2025-12-24",
        "2025-10-19",
        MONTMARTRE,
        0.0,
    ),
    (
        "HMFRB4D6F8",
        "Annulée par Airbnb",
        "Noël Garnier",
        "+32 470 55 50 10",
        2,
        2,
        0,
        "2026-01-02",
        "2026-01-05",
        "2025-11-08",
        PORT,
        0.0,
    ),
]


def day_first(iso: str) -> str:
    return dt.date.fromisoformat(iso).strftime("%d/%m/%Y")


def euros(x: float) -> str:
    """fr_FR as Airbnb writes it: U+202F between thousands, a decimal comma, U+00A0 before €."""
    return f"{x:,.2f}".replace(",", "\u202f").replace(".", ",") + "\u00a0€"


def write(out: Path) -> None:
    check_stays(ROWS, lambda status: status.startswith("Annulée"), AS_OF)
    write_export(out / NAME, HEADER, ROWS, day_first, lambda r: euros(r[11]))
