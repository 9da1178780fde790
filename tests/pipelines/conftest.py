"""Helpers for the pipeline integration tests: inline Airbnb exports and comparable table dumps."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TypeAlias

import pytest
from airbnb_export import AIRBNB_COLUMNS, dollars, mdy
from databases import REFERENCES
from sqlalchemy import Engine, func, select

from loaders.tables import bookings, properties, rejected_rows, source_files


@dataclass(frozen=True)
class Row:
    """One Airbnb reservation as Python values; `cells` writes it the way the export does.

    `raw` replaces the text of named columns, to write malformed cells.
    """

    code: str
    check_in: dt.date
    check_out: dt.date
    status: str = "Confirmed"
    guest: str = "Test Guest"
    contact: str = "+1 (312) 555-0100"
    adults: int = 2
    children: int = 0
    infants: int = 0
    booked: dt.date = dt.date(2025, 11, 1)
    listing: str = "Old Town Flat"
    earnings: Decimal = Decimal("100.00")
    raw: dict[str, str] = field(default_factory=dict)

    def cells(self) -> list[str]:
        cells = dict(
            zip(
                AIRBNB_COLUMNS,
                [
                    self.code,
                    self.status,
                    self.guest,
                    self.contact,
                    str(self.adults),
                    str(self.children),
                    str(self.infants),
                    mdy(self.check_in),
                    mdy(self.check_out),
                    str((self.check_out - self.check_in).days),
                    mdy(self.booked),
                    self.listing,
                    dollars(self.earnings),
                ],
                strict=True,
            )
        )
        cells.update(self.raw)
        return [cells[h] for h in AIRBNB_COLUMNS]

    def but(self, **changes: object) -> Row:
        return replace(self, **changes)  # type: ignore[arg-type]


def airbnb_csv(
    rows: Iterable[Row], *, newline: str = "\n", bom: bool = False, header: list[str] | None = None
) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator=newline)
    writer.writerow(header or AIRBNB_COLUMNS)
    for row in rows:
        writer.writerow(row.cells())
    return ("\ufeff" if bom else "").encode() + buf.getvalue().encode("utf-8")


class Exports:
    """Writes inline exports into the test's own folder."""

    Row: TypeAlias = Row  # an alias, not a variable, so `Iterable[Row]` below is a type
    header = AIRBNB_COLUMNS

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def airbnb(self, name: str, rows: Iterable[Row], **kwargs: object) -> Path:
        return self.write(name, airbnb_csv(rows, **kwargs))  # type: ignore[arg-type]

    def write(self, name: str, data: bytes) -> Path:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path


@pytest.fixture
def exports(tmp_path: Path) -> Exports:
    return Exports(tmp_path / "exports")


def dump_bookings(engine: Engine, exclude: Iterable[str] = ()) -> list[dict[str, object]]:
    """Every booking as a dict, with its property by name, ordered by the natural key."""
    skip = set(exclude)
    cols = [c for c in bookings.c if c.name not in skip]
    query = (
        select(*cols, properties.c.name.label("property"))
        .join_from(bookings, properties, bookings.c.property_id == properties.c.id)
        .order_by(bookings.c.source, bookings.c.external_code)
    )
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def counts(engine: Engine) -> dict[str, int]:
    """Rows per table that a file writes."""
    return {t.name: count(engine, t) for t in (source_files, bookings, rejected_rows, properties)}


def dangling_references(engine: Engine) -> dict[str, int]:
    """Rows whose reference points at nothing, per 'table.column'; empty when all hold."""
    out = {}
    with engine.connect() as conn:
        for column, target in REFERENCES:
            n = conn.execute(select(func.count()).where(column.not_in(select(target)))).scalar_one()
            if n:
                out[f"{column.table.name}.{column.name}"] = n
    return out


class Db:
    """The dump and count helpers, as one namespace."""

    dump = staticmethod(dump_bookings)
    count = staticmethod(count)
    counts = staticmethod(counts)
    dangling = staticmethod(dangling_references)


@pytest.fixture
def db() -> type[Db]:
    """The dump and count helpers, as one namespace."""
    return Db
