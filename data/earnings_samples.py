"""The Airbnb earnings (transaction history) export samples (issue 11, section 4), written by make_samples.py.

* ``airbnb_earnings_2025-12.csv``     the current English export: reservations of bookings in
  ``airbnb_reservations_2025-12-01.csv`` (so the payouts link to them), a monthly stay of a booking
  in no sample paid in three lines, an adjustment, a resolution payout, the payouts to the bank.
* ``airbnb_earnings_old_2025-11.csv`` the older English export (no end date, "Host Fee"); its
  November lines are the same lines as the current export's, so they are stored once.
* ``airbnb_earnings_pt_br_2025-12.csv`` Brazilian Portuguese: UTF-8 with a BOM, M/D/YYYY, "."
  decimals; a co-host's share (negative), a resolution, miscellaneous credits.

Made-up guests only. Run ``python data/earnings_samples.py`` (or make_samples.py) to rewrite them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

CURRENT = "airbnb_earnings_2025-12.csv"
OLD = "airbnb_earnings_old_2025-11.csv"
PT_BR = "airbnb_earnings_pt_br_2025-12.csv"
NAMES = (CURRENT, OLD, PT_BR)
MONTHLY_CODE = "HMZ8MONTH1"  # a booking in no reservations sample

CURRENT_HEADER = [
    "Date", "Arriving by date", "Type", "Confirmation code", "Booking date", "Start date", "End date",
    "Nights", "Guest", "Listing", "Details", "Reference code", "Currency", "Amount", "Paid out",
    "Service fee", "Fast pay fee", "Cleaning fee", "Gross earnings", "Occupancy taxes", "Earnings year",
]  # fmt: skip
OLD_HEADER = [
    "Date", "Type", "Confirmation Code", "Start Date", "Nights", "Guest", "Listing", "Details",
    "Reference", "Currency", "Amount", "Paid Out", "Host Fee", "Cleaning Fee",
]  # fmt: skip
PT_BR_HEADER = [
    "Data", "Disponível por data", "Tipo", "Código de Confirmação", "Data da reserva", "Data de início",
    "Data de término", "Noites", "Hóspede", "Anúncio", "Informações", "Código de referência", "Moeda",
    "Valor", "Pago", "Taxa de serviço", "Taxa de pagamento rápido", "Taxa de limpeza", "Ganhos brutos",
    "Impostos de ocupação", "Ganhos do ano",
]  # fmt: skip


def reservation(date: str, code: str, booked: str, start: str, end: str, guest: str, listing: str,
                amount: float, fee: float, cleaning: float, type_: str = "Reservation") -> dict[str, object]:  # fmt: skip
    nights = (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days
    return {"date": date, "type": type_, "code": code, "booked": booked, "start": start, "end": end,
            "nights": nights, "guest": guest, "listing": listing, "amount": amount, "fee": fee,
            "cleaning": cleaning, "gross": round(amount + fee, 2), "year": start[:4]}  # fmt: skip


def money_line(date: str, type_: str, amount: float | None = None, paid_out: float | None = None,
               code: str = "", details: str = "", reference: str = "", arriving: str = "") -> dict[str, object]:  # fmt: skip
    return {"date": date, "type": type_, "code": code, "details": details, "reference": reference,
            "amount": amount, "paid_out": paid_out, "arriving": arriving}  # fmt: skip


# The November lines both English exports list (the older one downloaded on November 20).
NOVEMBER = [
    reservation("2025-11-02", "HMQT4ME8X9", "2025-10-02", "2025-11-01", "2025-11-05", "Hiroshi Yamamoto", "Old Town Flat", 504.40, 15.60, 60.00),
    money_line("2025-11-03", "Payout", paid_out=504.40, details="Transfer to ****4821", reference="G-PZ3K81", arriving="2025-11-05"),
    reservation("2025-11-10", "HMHBSQG77N", "2025-10-28", "2025-11-09", "2025-11-13", "Chloé Lambert", "Old Town Flat", 496.64, 15.36, 60.00),
    money_line("2025-11-11", "Payout", paid_out=496.64, details="Transfer to ****4821", reference="G-QA7M20", arriving="2025-11-13"),
    reservation("2025-11-15", MONTHLY_CODE, "2025-09-01", "2025-10-15", "2026-01-15", "Grace Miller", "Lakeside Cabin", 1850.00, 57.22, 0.00),
]  # fmt: skip
CURRENT_LINES = [
    *NOVEMBER,
    reservation("2025-11-20", "HMTLLWX8AY", "2025-10-31", "2025-11-19", "2025-11-23", "Yasmin Rahman", "Garden Cottage", 619.83, 19.17, 75.00),
    reservation("2025-11-22", "HMWUVCDFGK", "2025-11-05", "2025-11-21", "2025-11-26", "Mohammed Haddad", "Harbour View Loft", 974.85, 30.15, 90.00),
    money_line("2025-11-23", "Payout", paid_out=1594.68, details="Transfer to ****4821", reference="G-RB4N55", arriving="2025-11-25"),
    money_line("2025-11-27", "Adjustment", amount=-25.00, code="HMWUVCDFGK", details="Late checkout refund"),
    reservation("2025-11-28", "HMYKB7ECM3", "2025-11-11", "2025-11-27", "2025-12-01", "Olivia Brown", "Old Town Flat", 547.08, 16.92, 60.00),
    money_line("2025-12-01", "Resolution Payout", amount=80.00, code="HMHBSQG77N", details="Broken lamp"),
    reservation("2025-12-15", MONTHLY_CODE, "2025-09-01", "2025-10-15", "2026-01-15", "Grace Miller", "Lakeside Cabin", 1850.00, 57.22, 0.00),
    reservation("2026-01-15", MONTHLY_CODE, "2025-09-01", "2025-10-15", "2026-01-15", "Grace Miller", "Lakeside Cabin", 1850.00, 57.22, 0.00),
    money_line("2025-12-02", "Payout", paid_out=2452.08, details="Transfer to ****4821", reference="G-SC9P14", arriving="2025-12-04"),
]  # fmt: skip
OLD_LINES = [
    reservation("2025-10-04", "HM9GM3F6F9", "2025-09-14", "2025-10-03", "2025-10-07", "Emma Johnson", "Old Town Flat", 450.08, 13.92, 60.00),
    reservation("2025-10-05", "HM8UZ45BF8", "2025-08-02", "2025-10-04", "2025-10-11", "Hannah Weber", "Garden Cottage", 1023.35, 31.65, 75.00),
    money_line("2025-10-06", "Payout", paid_out=1473.43, details="Transfer to ****4821", reference="G-NX2J07"),
    *NOVEMBER,
]  # fmt: skip
PT_BR_LINES = [
    reservation("2025-11-06", "HMBR4K7Q2P", "2025-10-01", "2025-11-05", "2025-11-10", "Lucas Almeida", "Casa da Praia", 1830.50, 56.61, 150.00, "Reserva"),
    money_line("2025-11-06", "Recebimento do coanfitrião", amount=-274.58, code="HMBR4K7Q2P", details="Coanfitrião: Ana Souza"),
    money_line("2025-11-07", "Payout", paid_out=1555.92, details="Transferência para ****9034", reference="G-BR81KD", arriving="2025-11-09"),
    money_line("2025-11-20", "Pagamento da Resolução", amount=120.00, code="HMBR4K7Q2P", details="Toalha danificada"),
    money_line("2025-11-30", "Créditos Diversos", amount=15.00),
]  # fmt: skip


def _us(iso: object) -> str:
    """M/D/YYYY, as the English and the Brazilian exports write dates."""
    if not iso:
        return ""
    d = dt.date.fromisoformat(str(iso))
    return f"{d.month}/{d.day}/{d.year}"


def _amount(x: object) -> str:
    return "" if x is None or x == "" else f"{float(str(x)):.2f}"


def _current_row(line: dict[str, object]) -> list[object]:
    g = line.get
    return [_us(g("date")), _us(g("arriving")), g("type"), g("code", ""), _us(g("booked")), _us(g("start")),
            _us(g("end")), g("nights", ""), g("guest", ""), g("listing", ""), g("details", ""), g("reference", ""),
            g("currency", "USD"), _amount(g("amount")), _amount(g("paid_out")), _amount(g("fee")), "",
            _amount(g("cleaning")), _amount(g("gross")), "", g("year", "")]  # fmt: skip


def _old_row(line: dict[str, object]) -> list[object]:
    g = line.get
    return [_us(g("date")), g("type"), g("code", ""), _us(g("start")), g("nights", ""), g("guest", ""),
            g("listing", ""), g("details", ""), g("reference", ""), "USD", _amount(g("amount")),
            _amount(g("paid_out")), _amount(g("fee")), _amount(g("cleaning"))]  # fmt: skip


def _csv(header: list[str], rows: list[list[object]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def write(out: Path) -> None:
    (out / CURRENT).write_bytes(_csv(CURRENT_HEADER, [_current_row(x) for x in CURRENT_LINES]).encode("utf-8"))
    (out / OLD).write_bytes(_csv(OLD_HEADER, [_old_row(x) for x in OLD_LINES]).encode("utf-8"))
    pt = [_current_row({**x, "currency": "BRL"}) for x in PT_BR_LINES]
    (out / PT_BR).write_bytes(_csv(PT_BR_HEADER, pt).encode("utf-8-sig"))  # with a BOM, as Airbnb writes it


if __name__ == "__main__":
    write(Path(__file__).resolve().parent / "samples")
