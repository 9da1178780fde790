"""Exports in the host's language beyond French: the Spanish Airbnb export, the Croatian
Booking.com download, Booking.com's short export, and the rule between a cancellation date
and the status (a conflict is quarantined naming both values)."""

from __future__ import annotations

import csv
import io
from typing import Literal

import pandas as pd
import pytest

from schemas.problems import Rejected
from schemas.status_map import StatusMap, load_seed
from sources import parsers
from sources.errors import MissingOption
from sources.normalize import checked
from sources.readers import read_export

ES_HEADER = [
    "Código de confirmación", "Estado", "Nombre del huésped", "Contacto", "Número de adultos", "Número de niños",
    "Número de bebés", "Fecha de inicio", "Fecha de finalización", "Número de noches", "Reservada", "Anuncio",
    "Ganancias",
]  # fmt: skip
# Every Spanish label seen in real files (a published importer's tests), with what its English
# equivalent in the seed maps to.
SPANISH_STATUSES = {
    "Confirmada": "confirmed",
    "Estadía en curso": "in_house",  # Currently hosting
    "Se va hoy": "in_house",  # Checking out today
    "Evaluá al huésped": "completed",  # Review guest
    "Evaluá al huésped: vence pronto": "completed",
    "Huésped anterior": "completed",  # Past guest
    "Viaje solicitado": "pending",  # Trip requested
    "Pago pendiente": "pending",  # Awaiting payment
    "El huésped solicitó un cambio en el viaje": "confirmed",  # a change asked of a confirmed stay
    "Solicitud de cambio de viaje enviada": "confirmed",
    "Cancelación por parte del viajero": "cancelled",
    "Cancelada por Airbnb": "cancelled",
    "Cancelada por vos": "cancelled",
}
HR_HEADER = [
    "Broj rezervacije", "Nositelj rezervacije", "Ime(na) gosta", "Prijava", "Odjava", "Rezervirano", "Status",
    "Jedinice", "Osobe", "Odrasli", "Djeca", "Dob djece", "Cijena", "Provizija %", "Iznos provizije",
    "Status plaćanja", "Način plaćanja (pružatelj usluga naplate)", "Napomene", "Trajanje (noćenja)",
    "Datum otkazivanja", "Adresa", "Broj telefona",
]  # fmt: skip
EN_HEADER = [
    "Book number", "Booked by", "Guest name(s)", "Check-in", "Check-out", "Booked on", "Status", "Adults",
    "Children", "Price", "Commission amount", "Duration (nights)", "Cancellation date", "Phone number",
]  # fmt: skip
SHORT_HEADER = [
    "Property name", "Location", "Booker name", "Genius booker", "Arrival", "Departure", "Booked on", "Status",
    "Total payment", "Commission", "Currency", "Reservation number",
]  # fmt: skip


def as_csv(rows: list[list[str]], quoting: Literal[0, 1, 2, 3] = csv.QUOTE_ALL) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, quoting=quoting, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def load(data: bytes, property_name: str | None = None) -> tuple[pd.DataFrame, list[Rejected]]:
    return checked(read_export(data, "inline.csv"), property_name, StatusMap(load_seed()))


# --- Airbnb in Spanish ------------------------------------------------------------------------------


def es_row(
    code: str = "HMESA2B3C4",
    status: str = "Confirmada",
    start: str = "5/7/2026",
    end: str = "9/7/2026",
    money: str = "$\u00a0206,61",
) -> list[str]:
    return [code, status, "Ana Pérez", "+54 11 5555-0000", "2", "0", "0", start, end, "4", "2026-06-06", "Depto", money]


def spanish(rows: list[list[str]]) -> bytes:
    return as_csv([ES_HEADER, *rows])


def test_the_spanish_headers_pick_the_spanish_layout() -> None:
    table = read_export(spanish([es_row()]), "es.csv")
    assert (table.layout.name, table.layout.source, table.layout.language) == ("airbnb_es", "airbnb", "es")
    assert table.headers["check_out"] == "Fecha de finalización" and table.headers["payout"] == "Ganancias"


def test_spanish_stay_dates_are_day_first_without_leading_zeros() -> None:
    # 5/7/2026 is 5 July, never 7 May: the order is the layout's, not guessed per value.
    frame, rejected = load(spanish([es_row(start="5/7/2026", end="15/7/2026")]))
    assert rejected == []
    assert (frame["check_in"].iloc[0], frame["check_out"].iloc[0]) == (
        pd.Timestamp("2026-07-05"),
        pd.Timestamp("2026-07-15"),
    )
    assert frame["booked_at"].iloc[0] == pd.Timestamp("2026-06-06") and frame["nights"].iloc[0] == 10


def test_an_impossible_day_first_date_is_quarantined_naming_the_order() -> None:
    _, rejected = load(spanish([es_row(start="31/2/2026", end="7/13/2026")]))
    assert {(r.column, r.value) for r in rejected} == {
        ("Fecha de inicio", "31/2/2026"),
        ("Fecha de finalización", "7/13/2026"),
    }
    assert all("D/M/YYYY" in r.error for r in rejected)


@pytest.mark.parametrize(
    ("written", "amount"),
    [
        ("$\u00a093,53", 93.53),  # a no-break space after the symbol (the current files)
        ("$102,25", 102.25),  # older files: no space
        ("$\u00a01.234,56", 1234.56),  # "." between thousands
        ("$\u00a04.070,32", 4070.32),
        ("-$\u00a050,00", -50.0),  # a host's cancellation penalty
        ("$\u00a00,00", 0.0),
    ],
)
def test_spanish_money_is_read_by_its_locale(written: str, amount: float) -> None:
    parsed, currency, bad = parsers.money(pd.Series([written, None, written]), "USD", "es_AR")
    assert parsed.iloc[0] == pytest.approx(amount) and parsed.iloc[2] == pytest.approx(amount)
    assert (currency.iloc[0], currency.iloc[2]) == ("USD", "USD") and pd.isna(currency.iloc[1]) and not bad.any()


def test_digits_grouped_the_english_way_are_not_spanish_money() -> None:
    parsed, _, bad = parsers.money(pd.Series(["$\u00a01,234.56", "$\u00a093,53"]), "USD", "es_AR")
    assert list(bad) == [True, False] and pd.isna(parsed.iloc[0])


def test_a_spanish_money_cell_that_is_not_money_is_quarantined_with_its_row() -> None:
    frame, rejected = load(spanish([es_row(code="HMES000001"), es_row(code="HMES000002", money="$\u00a01,234.56")]))
    assert list(frame["external_code"]) == ["HMES000001"]
    [problem] = rejected
    assert (problem.row_number, problem.column, problem.value) == (3, "Ganancias", "$\u00a01,234.56")
    assert "not an amount of money" in problem.error


def test_every_spanish_status_maps() -> None:
    rows = [es_row(code=f"HMES{i:06d}", status=s) for i, s in enumerate(SPANISH_STATUSES)]
    frame, rejected = load(spanish(rows))
    assert rejected == []
    assert dict(zip(frame["raw_status"], frame["status"], strict=True)) == SPANISH_STATUSES


def test_an_unverified_spanish_status_is_quarantined_naming_it() -> None:
    frame, rejected = load(spanish([es_row(code="HMES000001"), es_row(code="HMES000002", status="Expirada")]))
    assert list(frame["external_code"]) == ["HMES000001"]
    [problem] = rejected
    assert (problem.row_number, problem.column, problem.value) == (3, "Estado", "Expirada")
    assert "unknown status 'Expirada' for source airbnb" in problem.error


# --- Booking.com in Croatian, and the cancellation date -------------------------------------------


def hr_row(number: str = "4100000011", status: str = "ok", cancelled: str = "") -> list[str]:
    return [
        number, "Horvat, Ivana", "Ivana Horvat", "2025-10-02", "2025-10-05", "2025-09-01 10:15:00", status, "1",
        "2", "2", "0", "", "312.5000 EUR", "15", "46.8750 EUR", "Fully paid", "Payments by Booking.com", "", "3",
        cancelled, "", "+385 91 555 0101",
    ]  # fmt: skip


def croatian(rows: list[list[str]]) -> bytes:
    return as_csv([HR_HEADER, *rows], csv.QUOTE_MINIMAL)


def test_the_croatian_headers_pick_the_croatian_download() -> None:
    table = read_export(croatian([hr_row()]), "hr.csv")
    assert (table.layout.name, table.layout.source, table.layout.language) == ("booking_com_hr", "booking_com", "hr")
    frame, rejected = load(croatian([hr_row()]), "Kuća Lavanda")
    assert rejected == []
    row = frame.iloc[0]
    assert (row["external_code"], row["guest_name"], row["status"], row["property_name"]) == (
        "4100000011",
        "Ivana Horvat",
        "confirmed",
        "Kuća Lavanda",
    )
    assert (row["gross"], row["payout"], row["currency"]) == (pytest.approx(312.5), pytest.approx(265.625), "EUR")


def test_the_croatian_download_names_no_property() -> None:
    with pytest.raises(MissingOption, match="--property"):
        load(croatian([hr_row()]))


def test_a_cancellation_date_with_status_ok_is_quarantined_naming_both_values() -> None:
    rows = [
        hr_row("4100000011"),
        hr_row("4100000029", "ok", "2025-09-20"),
        hr_row("4100000037", "cancelled_by_guest", "2025-09-20"),
    ]
    frame, rejected = load(croatian(rows), "Kuća Lavanda")
    assert list(frame["external_code"]) == ["4100000011", "4100000037"]
    assert frame["status"].iloc[1] == "cancelled"
    [problem] = rejected
    assert (problem.row_number, problem.column, problem.value) == (3, "Datum otkazivanja", "2025-09-20")
    assert "'2025-09-20'" in problem.error and "Status 'ok'" in problem.error and "disagree" in problem.error


def test_any_status_that_is_not_a_cancellation_conflicts_with_a_cancellation_date() -> None:
    _, rejected = load(croatian([hr_row("4100000045", "no_show", "2025-09-20")]), "Kuća Lavanda")
    assert [(r.column, r.value) for r in rejected] == [("Datum otkazivanja", "2025-09-20")]
    assert "means no_show" in rejected[0].error


def test_an_unreadable_cancellation_date_is_reported_as_a_date() -> None:
    _, rejected = load(croatian([hr_row("4100000053", "cancelled_by_guest", "soon")]), "Kuća Lavanda")
    assert [(r.column, r.value) for r in rejected] == [("Datum otkazivanja", "soon")]
    assert "not a real date" in rejected[0].error


def en_row(number: str, status: str, cancelled: str) -> list[str]:
    return [
        number, "Lee, Ann", "Ann Lee", "2025-10-02", "2025-10-05", "2025-09-01 10:15:00", status, "2", "0",
        "312.5000 EUR", "46.8750 EUR", "3", cancelled, "",
    ]  # fmt: skip


def test_the_english_download_applies_the_same_rule_to_its_cancellation_date() -> None:
    rows = [EN_HEADER, en_row("5100000011", "ok", ""), en_row("5100000029", "ok", "2025-09-20")]
    table = read_export(as_csv(rows, csv.QUOTE_MINIMAL), "en.csv")
    assert table.layout.name == "booking_com"
    frame, rejected = checked(table, "Old Town Flat", StatusMap(load_seed()))
    assert list(frame["external_code"]) == ["5100000011"]
    assert [(r.row_number, r.column, r.value) for r in rejected] == [(3, "Cancellation date", "2025-09-20")]
    assert "Cancellation date '2025-09-20'" in rejected[0].error and "Status 'ok'" in rejected[0].error


# --- Booking.com's short export ---------------------------------------------------------------------


def short_row(
    prop: str = "Apartman Mare", arrival: str = "15 December 2025", currency: str = "EUR", number: str = "3200000014"
) -> list[str]:
    return [prop, "Split", "Ema Radić", "No", arrival, "18 December 2025", "2 November 2025", "ok", "345.00", "51.75", currency, number]  # fmt: skip


def short(rows: list[list[str]]) -> bytes:
    return as_csv([SHORT_HEADER, *rows], csv.QUOTE_MINIMAL)


def test_the_short_export_names_the_property_and_needs_no_option() -> None:
    table = read_export(short([short_row()]), "short.csv")
    assert table.layout.name == "booking_com_short"  # it explains more headers than the long download
    frame, rejected = load(short([short_row()]))
    assert rejected == []
    row = frame.iloc[0]
    assert (row["property_name"], row["guest_name"], row["source"], row["status"]) == (
        "Apartman Mare",
        "Ema Radić",
        "booking_com",
        "confirmed",
    )
    assert (row["check_in"], row["check_out"], row["booked_at"]) == (
        pd.Timestamp("2025-12-15"),
        pd.Timestamp("2025-12-18"),
        pd.Timestamp("2025-11-02"),
    )
    assert (row["gross"], row["payout"]) == (pytest.approx(345.0), pytest.approx(293.25))


def test_the_short_export_takes_its_currency_from_the_currency_column() -> None:
    frame, rejected = load(
        short([short_row(currency="hrk", number="3200000014"), short_row(currency="USD", number="3200000022")])
    )
    assert rejected == [] and list(frame["currency"]) == ["HRK", "USD"]


def test_a_currency_that_is_no_code_is_quarantined() -> None:
    frame, rejected = load(short([short_row(number="3200000014"), short_row(currency="euro", number="3200000022")]))
    assert list(frame["external_code"]) == ["3200000014"]
    assert [(r.row_number, r.column, r.value) for r in rejected] == [(3, "Currency", "euro")]


def test_a_short_export_row_without_a_property_takes_the_option_or_is_quarantined() -> None:
    rows = [short_row(prop="", number="3200000014")]
    _, rejected = load(short(rows))
    assert [(r.column, r.error) for r in rejected] == [("Property name", "the listing/property name is empty")]
    frame, rejected = load(short(rows), "Kuća Lavanda")
    assert rejected == [] and frame["property_name"].iloc[0] == "Kuća Lavanda"


def test_a_short_export_date_in_another_form_is_not_guessed() -> None:
    _, rejected = load(short([short_row(arrival="12/15/2025")]))
    assert [(r.column, r.value) for r in rejected] == [("Arrival", "12/15/2025")]
    assert "D Month YYYY" in rejected[0].error


def test_the_one_cast_and_the_per_distinct_value_paths_agree_in_spanish() -> None:
    written = ["$\u00a01.234,56", "-$\u00a050,00", "$102,25", "$ 4.070,32", "$\u00a00,00", "$\u00a07"]
    expected = [1234.56, -50.0, 102.25, 4070.32, 0.0, 7.0]
    together, currency, bad = parsers.money(pd.Series(written), "USD", "es_AR")  # every cell plain: one Arrow cast
    assert not bad.any() and list(together) == pytest.approx(expected) and set(currency) == {"USD"}
    # One cell of another shape sends the column through babel, each distinct value once.
    mixed, currency, bad = parsers.money(pd.Series([*written, "12,00\u00a0€"]), "USD", "es_AR")
    assert not bad.any() and list(mixed) == pytest.approx([*expected, 12.0])
    assert list(currency) == ["USD"] * len(written) + ["EUR"]
