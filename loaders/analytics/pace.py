"""On the books (booking pace): v_on_the_books, the nights and revenue of each month by the day
they were booked and the day they were called off, so a figure can be read as of any day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from loaders.analytics import View
from loaders.analytics.stays import STAY_MONTHS


def on_the_books_query() -> Select[Any]:
    """Nights and revenue per property, channel, month and currency of the stays sold now or sold
    once and called off later (the history says when), by booked_on and left_on."""
    sm = STAY_MONTHS.table.c
    dims = (sm.property_id, sm.property, sm.channel, sm.month, sm.currency, sm.booked_on, sm.left_on)
    return (
        select(*dims, func.sum(sm.nights_in_month).label("nights"), func.sum(sm.revenue_in_month).label("revenue"))
        .where(or_(sm.sold == 1, sm.left_on.is_not(None)))
        .group_by(*dims)
    )


ON_THE_BOOKS = View("v_on_the_books", lambda _: on_the_books_query())


def on_the_books_at(books: FromClause, day: dt.date) -> ColumnElement[bool]:
    """The rows of v_on_the_books that were on the books at the end of `day`: booked by then and
    not called off by then."""
    return (books.c.booked_on <= day) & or_(books.c.left_on.is_(None), books.c.left_on > day)
