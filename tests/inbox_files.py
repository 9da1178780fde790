"""Inbox files written by the tests: small Airbnb exports dropped with a given age, the folder listed."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

from airbnb_export import airbnb_csv, airbnb_row

NOW = dt.datetime.now(dt.UTC)
MONTH = f"{NOW:%Y}/{NOW:%m}"


def export(n: int, rows: int = 3, bad_status: bool = False) -> bytes:
    """A small Airbnb export whose codes are file n's own; `bad_status` makes its last row's label unknown."""
    stays = [
        airbnb_row(
            f"HM{n:04d}{i:04d}",
            "Wibble" if bad_status and i == rows - 1 else "Confirmed",
            f"Guest {n}-{i}",
            dt.date(2026, 3, 1) + dt.timedelta(days=4 * i),
            dt.date(2026, 3, 3) + dt.timedelta(days=4 * i),
            f"Flat {n % 3}",
            Decimal(100 + i),
        )
        for i in range(rows)
    ]
    return airbnb_csv(stays)


def drop(folder: Path, name: str, content: bytes, age: float = 60) -> Path:
    """A file whose content was last modified `age` seconds ago (its inode changed now)."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    then = dt.datetime.now(dt.UTC).timestamp() - age
    os.utime(path, (then, then))
    return path


def every_file(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
