"""Reports on the money of earnings exports: payout lines with the booking each is for, and totals per currency."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine, func, select
from sqlalchemy.sql.elements import ColumnElement

from loaders.payouts import payout_lines_view


@dataclass(frozen=True)
class PayoutLine:
    paid_on: dt.date
    kind: str
    raw_type: str
    source: str
    code: str | None
    amount: Decimal | None
    paid_out: Decimal | None
    currency: str | None
    booking_id: int | None  # None: no booking of this source and code is loaded (yet)
    property: str | None
    check_in: dt.date | None


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str | None
    lines: int
    amount: Decimal  # the earnings lines' amounts (reservations, adjustments, shares, ...)
    paid_out: Decimal  # what was sent to the bank


def _where(code: str | None, start: dt.date | None, end: dt.date | None) -> list[ColumnElement[bool]]:
    v = payout_lines_view.c
    conditions = []
    if code is not None:
        conditions.append(v.external_code == code)
    if start is not None:
        conditions.append(v.paid_on >= start)
    if end is not None:
        conditions.append(v.paid_on <= end)
    return conditions


def payout_lines(
    engine: Engine, code: str | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> list[PayoutLine]:
    """The payout lines, oldest first, of one booking code and/or between two dates (inclusive)."""
    v = payout_lines_view.c
    query = (
        select(v.paid_on, v.kind, v.raw_type, v.source, v.external_code, v.amount, v.paid_out, v.currency,
               v.booking_id, v.booking_property, v.booking_check_in)
        .where(*_where(code, start, end))
        .order_by(v.paid_on, v.id)
    )  # fmt: skip
    with engine.connect() as conn:
        return [PayoutLine(*row) for row in conn.execute(query)]


def currency_totals(
    engine: Engine, code: str | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> list[CurrencyTotal]:
    """The same lines summed per currency (money of different currencies is never added)."""
    v = payout_lines_view.c
    query = (
        select(v.currency, func.count(), func.coalesce(func.sum(v.amount), 0), func.coalesce(func.sum(v.paid_out), 0))
        .where(*_where(code, start, end))
        .group_by(v.currency)
        .order_by(v.currency)
    )
    with engine.connect() as conn:
        return [CurrencyTotal(c, n, Decimal(a), Decimal(p)) for c, n, a, p in conn.execute(query)]
