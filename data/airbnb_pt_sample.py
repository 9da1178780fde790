"""The Brazilian Portuguese Airbnb reservations export sample (issue 11, section 3), written by make_samples.py.

As a published importer of this export shows it: Portuguese headers, UTF-8 without BOM, dates
day first (DD/MM/YYYY), amounts in reais like "R$\u00a01.234,56" ("." between thousands, ","
before the cents). One row for each status label verified; made-up guests and houses.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from reservations_csv import check_stays, write_export

NAME = "airbnb_reservations_pt_2025-12.csv"
AS_OF = dt.datetime(2025, 12, 1, 6, 50, 0)
HEADER = [
    "Código de confirmação", "Status", "Nome do hóspede", "Entrar em contato", "Nº de adultos",
    "Nº de crianças", "Nº de bebês", "Data de início", "Data de término", "Nº de noites", "Reservado",
    "Anúncio", "Ganhos",
]  # fmt: skip
PRAIA, SERRA = "Casa pé na areia em Ubatuba", "Chalé na serra da Mantiqueira"

# (code, status, guest, contact, adults, children, infants, start, end, booked, listing, earnings)
# fmt: off
ROWS = [
    ("HMPTA2B3C4", "Hóspede anterior", "Larissa Moura", "+55 12 5555-0101", 2, 0, 0, "2025-10-03", "2025-10-07", "2025-09-12", PRAIA, 812.40),
    ("HMPTD5E6F7", "Aguardando avaliação do hóspede", "Rafael Teixeira", "+55 11 5555-0102", 2, 1, 0, "2025-11-20", "2025-11-24", "2025-10-30", PRAIA, 1234.56),
    ("HMPTG8H9J2", "Estadia em andamento", "Beatriz Cardoso", "+55 21 5555-0103", 3, 0, 1, "2025-11-28", "2025-12-03", "2025-11-01", SERRA, 2045.00),
    ("HMPTK3L4M5", "Confirmada", "Gustavo Nogueira", "+55 31 5555-0104", 2, 0, 0, "2025-12-12", "2025-12-15", "2025-11-15", PRAIA, 690.75),
    ("HMPTN6P7Q8", "Cancelada", "Camila Ribeiro", "", 1, 0, 0, "2025-12-20", "2025-12-23", "2025-11-19", SERRA, 0.0),
]
# fmt: on


def reais(x: float) -> str:
    """pt_BR as the export writes it: "R$\u00a01.234,56"."""
    return "R$\u00a0" + f"{x:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def day_first(iso: str) -> str:
    return dt.date.fromisoformat(iso).strftime("%d/%m/%Y")


def write(out: Path) -> None:
    check_stays(ROWS, lambda status: status == "Cancelada", AS_OF)
    assert len({r[1] for r in ROWS}) == len(ROWS)  # one row per label
    write_export(out / NAME, HEADER, ROWS, day_first, lambda r: reais(r[11]), day_first, csv.QUOTE_MINIMAL)
