"""Connecting, creating the schema and seeding the status map, on both databases."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, update

from loaders import db
from loaders.errors import DatabaseUnavailable
from loaders.tables import status_map

SEED = Path(__file__).resolve().parents[2] / "schemas" / "status_map.csv"


def seed_file() -> list[tuple[str, str, str]]:
    lines = [ln for ln in SEED.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return [(r["source"].strip(), r["raw_status"].strip(), r["status"].strip()) for r in csv.DictReader(lines)]


def stored(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        return sorted(
            tuple(r) for r in conn.execute(select(status_map.c.source, status_map.c.raw_status, status_map.c.status))
        )


def test_a_new_database_holds_exactly_the_seed_file(engine: Engine) -> None:
    assert stored(engine) == sorted(seed_file())
    assert len(seed_file()) == len(set((s, r) for s, r, _ in seed_file()))


def test_seeding_again_adds_nothing_and_keeps_the_operators_edits(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(status_map)
            .where(status_map.c.source == "airbnb", status_map.c.raw_status == "Pending")
            .values(status="confirmed")
        )
        conn.execute(
            insert(status_map), {"source": "airbnb", "raw_status": "Awaiting host approval", "status": "pending"}
        )
    edited = stored(engine)

    db.ensure_schema(engine, seed_file())
    db.ensure_schema(engine, seed_file())

    assert stored(engine) == edited
    assert ("airbnb", "Pending", "confirmed") in edited


@pytest.mark.parametrize(
    ("url", "says"),
    [
        pytest.param("postgresql+psycopg://postgres@127.0.0.1:1/x", "127.0.0.1", id="nothing-listening"),
        pytest.param("postgresql://bob:s3cret@127.0.0.1:1/x", "127.0.0.1", id="password-hidden"),
        pytest.param("this is not a url", "not a database URL", id="not-a-url"),
        pytest.param("mysql://root@127.0.0.1/x", "SQLite and PostgreSQL", id="unsupported"),
        pytest.param("sqlite:////nonexistent-folder/sub/x.db", "unable to open", id="sqlite-folder-missing"),
    ],
)
def test_a_database_we_cannot_use_raises_database_unavailable_with_a_readable_reason(url: str, says: str) -> None:
    with pytest.raises(DatabaseUnavailable) as raised:
        db.connect(url)

    message = str(raised.value)
    assert says in message, message
    assert "\n" not in message and "s3cret" not in message, message
