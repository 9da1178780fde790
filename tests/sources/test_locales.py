"""Exports in the host's language: the French Airbnb reservations export, read by its layout variant."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from schemas.status_map import StatusMap, load_seed
from sources import parsers
from sources.normalize import checked
from sources.readers import read_export

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "samples" / "airbnb_reservations_fr_2025-12.csv"
HEADER = [
    "Code de confirmation", "Statut", "Nom du voyageur", "Contact", "# des adultes", "# des enfants",
    "# des bébés", "Date de début", "Date de fin", "# des nuits", "Réservée", "Annonce", "Revenus",
]  # fmt: skip
# Every French label seen in real files, with what its English equivalent in the seed maps to.
FRENCH_STATUSES = {
    "Ancien voyageur": "completed",  # Past guest
    "Confirmée": "confirmed",
    "Séjour en cours": "in_house",  # Currently hosting
    "En attente de commentaire du voyageur": "completed",  # Awaiting guest review
    "Laissez un commentaire sur le voyageur": "completed",  # Review guest
    "Laissez un commentaire sur le voyageur (expire bientôt)": "completed",
    "Modification de voyage envoyée": "confirmed",  # a change asked of a confirmed stay
    "Demande de modification de voyage": "confirmed",
    "Annulée par le voyageur": "cancelled",  # Canceled by guest
    "Annulée par Airbnb": "cancelled",
}


def row(
    code: str = "HMFRA2B3C4",
    status: str = "Confirmée",
    start: str = "03/10/2025",
    end: str = "07/10/2025",
    booked: str = "2025-09-12",
    money: str = "97,35\u00a0€",
) -> list[str]:
    return [code, status, "Zoé Brûlé", "+33 6 12 34 56 01", "2", "0", "0", start, end, "4", booked, "Petit Nid", money]


def french_csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows([HEADER, *rows])
    return buf.getvalue().encode("utf-8")  # as Airbnb writes it: no BOM, LF


def test_the_french_headers_pick_the_french_layout() -> None:
    table = read_export(french_csv([row()]), "fr.csv")
    assert table.layout.name == "airbnb_fr"
    assert table.layout.source == "airbnb"
    assert table.headers["infants"] == "# des bébés" and table.headers["booked_at"] == "Réservée"


def test_the_sample_is_read_with_the_french_layout() -> None:
    data = SAMPLE.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r\n" not in data and "\u202f".encode() in data
    assert read_export(data, SAMPLE.name).layout.name == "airbnb_fr"


def test_stay_dates_are_day_first_and_the_booked_date_iso() -> None:
    # 03/10 is 3 October (day first), never 10 March: the order is the layout's, not guessed.
    table = read_export(french_csv([row(start="03/10/2025", end="12/10/2025", booked="2025-09-04")]), "fr.csv")
    frame, rejected = checked(table, None, StatusMap(load_seed()))
    assert rejected == []
    assert frame["check_in"].iloc[0] == pd.Timestamp("2025-10-03")
    assert frame["check_out"].iloc[0] == pd.Timestamp("2025-10-12")
    assert frame["booked_at"].iloc[0] == pd.Timestamp("2025-09-04")
    assert frame["nights"].iloc[0] == 9


def test_a_month_first_date_is_not_a_real_date_in_french() -> None:
    table = read_export(french_csv([row(start="10/13/2025", end="10/20/2025")]), "fr.csv")
    _, rejected = checked(table, None, StatusMap(load_seed()))
    assert {(r.column, r.value) for r in rejected} == {("Date de début", "10/13/2025"), ("Date de fin", "10/20/2025")}
    assert "DD/MM/YYYY" in rejected[0].error


@pytest.mark.parametrize(
    ("written", "amount"),
    [
        ("97,35\u00a0€", 97.35),  # no-break space before the euro sign
        ("1\u202f023,64\u00a0€", 1023.64),  # narrow no-break space between thousands
        ("12\u202f345\u202f678,90\u00a0€", 12345678.90),
        ("-45,10\u00a0€", -45.10),
        ("0,00\u00a0€", 0.0),
    ],
)
def test_french_money_is_read_by_its_locale(written: str, amount: float) -> None:
    parsed, currency, bad = parsers.money(pd.Series([written, None, written]), "EUR", "fr_FR")
    assert parsed.iloc[0] == pytest.approx(amount) and parsed.iloc[2] == pytest.approx(amount)
    assert pd.isna(parsed.iloc[1]) and pd.isna(currency.iloc[1])
    assert currency.iloc[0] == "EUR" and not bad.any()


def test_the_currency_comes_from_the_symbol() -> None:
    _, currency, bad = parsers.money(pd.Series(["10,00\u00a0$", "10,00\u00a0£", "10,00"]), "EUR", "fr_FR")
    assert list(currency) == ["USD", "GBP", "EUR"] and not bad.any()


def test_an_english_amount_is_not_french_money() -> None:
    parsed, _, bad = parsers.money(pd.Series(["1,023.64 €", "n/a", "97,35\u00a0€"]), "EUR", "fr_FR")
    assert list(bad) == [True, True, False]
    assert pd.isna(parsed.iloc[0]) and parsed.iloc[2] == pytest.approx(97.35)


def test_a_french_money_cell_loads_with_its_row() -> None:
    table = read_export(french_csv([row(money="1\u202f023,64\u00a0€")]), "fr.csv")
    frame, rejected = checked(table, None, StatusMap(load_seed()))
    assert rejected == []
    assert (frame["payout"].iloc[0], frame["currency"].iloc[0]) == (pytest.approx(1023.64), "EUR")


def test_every_french_status_maps() -> None:
    labels = list(FRENCH_STATUSES)
    table = read_export(french_csv([row(code=f"HMFR{i:06d}", status=s) for i, s in enumerate(labels)]), "fr.csv")
    frame, rejected = checked(table, None, StatusMap(load_seed()))
    assert rejected == []
    assert dict(zip(frame["raw_status"], frame["status"], strict=True)) == FRENCH_STATUSES


def test_an_unknown_french_status_is_quarantined_naming_it() -> None:
    table = read_export(french_csv([row(code="HMFR000001"), row(code="HMFR000002", status="Expirée")]), "fr.csv")
    frame, rejected = checked(table, None, StatusMap(load_seed()))
    assert list(frame["external_code"]) == ["HMFR000001"]
    [problem] = rejected
    assert (problem.row_number, problem.column, problem.value) == (3, "Statut", "Expirée")
    assert "unknown status 'Expirée' for source airbnb" in problem.error


def test_the_one_cast_and_the_per_distinct_value_paths_agree() -> None:
    written = ["1\u202f023,64\u00a0€", "97,35\u00a0€", "1 023,64 €", "-5,50\u00a0€", "2\u00a0500,00\u00a0€", "7\u00a0€"]
    expected = [1023.64, 97.35, 1023.64, -5.5, 2500.0, 7.0]
    together, _, bad = parsers.money(pd.Series(written), "EUR", "fr_FR")  # every cell plain: one Arrow cast
    assert not bad.any() and list(together) == pytest.approx(expected)
    # One cell of another shape sends the column through babel, each distinct value once.
    mixed, currency, bad = parsers.money(pd.Series([*written, "12,00 $"]), "EUR", "fr_FR")
    assert not bad.any() and list(mixed) == pytest.approx([*expected, 12.0])
    assert list(currency) == ["EUR"] * len(written) + ["USD"]
