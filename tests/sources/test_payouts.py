"""Earnings exports: detected among the booking layouts, parsed into payout lines, keyed per line."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sources.errors import SourceError
from sources.payouts import LineKeys, payout_lines
from sources.readers import read_export

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
CURRENT = SAMPLES / "airbnb_earnings_2025-12.csv"
OLD = SAMPLES / "airbnb_earnings_old_2025-11.csv"
PT_BR = SAMPLES / "airbnb_earnings_pt_br_2025-12.csv"
RESERVATIONS = SAMPLES / "airbnb_reservations_2025-12-01.csv"

# The vocabulary: each type label an Airbnb earnings export writes, and what it is.
KIND_OF_LABEL = {
    "Payout": "payout",
    "Reservation": "reservation",
    "Adjustment": "adjustment",
    "Resolution Payout": "resolution",
    "Reserva": "reservation",
    "Recebimento do coanfitrião": "co_host",
    "Pagamento da Resolução": "resolution",
    "Créditos Diversos": "credit",
}
# Per sample: its header of (date, type, code, start, end or None, nights, amount, paid out, currency).
COLUMNS = {
    CURRENT: ("Date", "Type", "Confirmation code", "Start date", "End date", "Nights", "Amount", "Paid out", "Currency"),
    OLD: ("Date", "Type", "Confirmation Code", "Start Date", None, "Nights", "Amount", "Paid Out", "Currency"),
    PT_BR: ("Data", "Tipo", "Código de Confirmação", "Data de início", "Data de término", "Noites", "Valor", "Pago", "Moeda"),
}  # fmt: skip


def lines_of(path: Path) -> pd.DataFrame:
    frame, rejected = payout_lines(read_export(path.read_bytes(), str(path)), LineKeys())
    assert rejected == []
    return frame


def oracle(path: Path) -> list[dict[str, object]]:
    """The sample read with the csv module, dates by strptime and money as Decimal."""
    date, kind, code, start, end, nights, amount, paid, currency = COLUMNS[path]
    text = path.read_bytes().decode("utf-8-sig")

    def day(s: str) -> dt.date | None:
        return dt.datetime.strptime(s, "%m/%d/%Y").date() if s else None

    out = []
    for rec in csv.DictReader(io.StringIO(text)):
        first = day(rec[start])
        last = day(rec[end]) if end else (first + dt.timedelta(days=int(rec[nights])) if first else None)
        out.append(
            {
                "paid_on": day(rec[date]),
                "kind": KIND_OF_LABEL[rec[kind]],
                "raw_type": rec[kind],
                "external_code": rec[code] or None,
                "check_in": first,
                "check_out": last,
                "amount": Decimal(rec[amount]) if rec[amount] else None,
                "paid_out": Decimal(rec[paid]) if rec[paid] else None,
                "currency": rec[currency],
            }
        )
    return out


def as_records(frame: pd.DataFrame) -> list[dict[str, object]]:
    def date(v: Any) -> dt.date | None:
        return None if pd.isna(v) else pd.Timestamp(v).date()

    def money(v: Any) -> Decimal | None:
        return None if pd.isna(v) else Decimal(f"{v:.2f}")

    def text(v: Any) -> str | None:
        return None if pd.isna(v) else str(v)

    return [
        {
            "paid_on": date(r["paid_on"]),
            "kind": r["kind"],
            "raw_type": r["raw_type"],
            "external_code": text(r["external_code"]),
            "check_in": date(r["check_in"]),
            "check_out": date(r["check_out"]),
            "amount": money(r["amount"]),
            "paid_out": money(r["paid_out"]),
            "currency": r["currency"],
        }
        for r in frame.to_dict("records")
    ]


@pytest.mark.parametrize(
    ("path", "layout"),
    [(CURRENT, "airbnb_earnings"), (OLD, "airbnb_earnings_old"), (PT_BR, "airbnb_earnings_pt_br")],
    ids=lambda p: getattr(p, "name", p),
)
def test_each_earnings_layout_is_detected_and_parsed_as_the_file_states_it(path: Path, layout: str) -> None:
    table = read_export(path.read_bytes(), str(path))
    assert (table.layout.name, table.layout.kind) == (layout, "payouts")
    assert as_records(lines_of(path)) == oracle(path)


def test_the_brazilian_export_has_a_bom_and_a_negative_co_host_share() -> None:
    assert PT_BR.read_bytes().startswith(b"\xef\xbb\xbf")
    frame = lines_of(PT_BR)
    share = frame[frame["kind"] == "co_host"]
    assert len(share) == 1 and (share["amount"] < 0).all() and (share["currency"] == "BRL").all()


def test_the_older_export_ends_each_stay_after_its_nights() -> None:
    frame = lines_of(OLD).dropna(subset=["check_in"])
    assert len(frame) > 0
    assert ((frame["check_out"] - frame["check_in"]).dt.days == frame["nights"].astype(int)).all()


def test_a_reservations_export_is_never_taken_for_an_earnings_one() -> None:
    table = read_export(RESERVATIONS.read_bytes(), str(RESERVATIONS))
    assert (table.layout.name, table.layout.kind) == ("airbnb", "bookings")


def test_a_file_with_some_earnings_headers_names_the_closest_earnings_layout() -> None:
    data = b"Date,Type,Confirmation code,Listing\n11/2/2025,Reservation,HMQT4ME8X9,Old Town Flat\n"
    with pytest.raises(SourceError) as info:
        read_export(data, "short.csv")
    message = str(info.value)
    assert "Airbnb earnings export" in message and "Amount" in message and "Currency" in message, message


HEADER = "Date,Type,Confirmation code,Start date,End date,Nights,Listing,Currency,Amount,Paid out\n"


def parse(body: str, keys: LineKeys | None = None) -> tuple[pd.DataFrame, list[object]]:
    frame, rejected = payout_lines(read_export((HEADER + body).encode(), "inline.csv"), keys or LineKeys())
    return frame, list(rejected)


def test_an_unknown_type_is_kept_as_other_with_its_label() -> None:
    frame, rejected = parse("11/2/2025,Pass Through Tot,HMQT4ME8X9,,,,,USD,3.10,\n")
    assert rejected == []
    assert (frame.loc[0, "kind"], frame.loc[0, "raw_type"]) == ("other", "Pass Through Tot")


def test_a_bad_date_or_amount_is_a_problem_naming_the_row_column_and_value() -> None:
    frame, rejected = parse(
        "11/2/2025,Reservation,HMQT4ME8X9,11/1/2025,11/5/2025,4,Old Town Flat,USD,504.40,\n"
        "13/45/2025,Reservation,HMQT4ME8X8,11/1/2025,11/5/2025,4,Old Town Flat,USD,504.40,\n"
        "11/3/2025,Payout,,,,,,USD,,five hundred\n"
    )
    assert frame["row_number"].tolist() == [2]
    got = [(r.row_number, r.column, r.value, r.error) for r in rejected]  # type: ignore[attr-defined]
    assert got == [
        (3, "Date", "13/45/2025", "'13/45/2025' is not a real date (expected M/D/YYYY)"),
        (4, "Paid out", "five hundred", "'five hundred' is not an amount of money"),
    ]


LINE = "11/2/2025,Reservation,HMQT4ME8X9,11/1/2025,11/5/2025,4,Old Town Flat,USD,504.40,\n"
OTHER = "11/3/2025,Payout,,,,,,USD,,504.40\n"


def test_identical_lines_of_one_file_get_different_keys_and_other_files_the_same_ones() -> None:
    twice, _ = parse(LINE + OTHER + LINE)
    assert twice["line_key"].is_unique
    # A second export restating the lines (in another order, chunk by chunk) keys them alike.
    keys = LineKeys()
    first, _ = parse(OTHER + LINE, keys)
    second, _ = parse(LINE, keys)
    assert set(twice["line_key"]) == set(first["line_key"]) | set(second["line_key"])


def test_the_older_and_the_current_export_key_their_common_lines_alike() -> None:
    common = set(lines_of(OLD)["line_key"]) & set(lines_of(CURRENT)["line_key"])
    november = {(r["paid_on"], r["raw_type"], r["external_code"]) for r in oracle(OLD)} & {
        (r["paid_on"], r["raw_type"], r["external_code"]) for r in oracle(CURRENT)
    }
    assert len(common) == len(november) > 0
