"""Exports in any order leave the same database: generated with hypothesis, checked against the
as-of order and against a model of "the newest export wins"."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from oracles import Export, Stay, expected_bookings, expected_counts, expected_open_tasks
from sqlalchemy import Engine, create_engine, func, select, text

from loaders.tables import bookings, metadata, properties, tasks
from pipelines.discover import FileOptions
from pipelines.ingest import ingest_file, open_database
from schemas.vocab import FileStatus

# The raw labels generated here: confirmed, cancelled, pending and completed in DESIGN.md's table.
STATUSES = ("Confirmed", "Canceled by guest", "Pending", "Past guest")
LISTINGS = ("Harbour Loft", "Garden Studio")
CODES = [f"HMORDER{i:03d}" for i in range(6)]
GUESTS = ("Ana Silva", "Zoë Müller")
EARNINGS = (Decimal("250.00"), Decimal("1234.56"))
FIRST_NIGHT = dt.date(2026, 3, 1)
FIRST_AS_OF = dt.datetime(2026, 2, 1, 6)
BOOKED = "1/15/2026"
CENT = Decimal("0.01")
# Each hypothesis example ingests a dozen files; the duplicate test below is cheap but rides along.
pytestmark = pytest.mark.slow


@st.composite
def versions(draw: st.DrawFn, code: str) -> Stay:
    check_in = FIRST_NIGHT + dt.timedelta(days=draw(st.integers(0, 12)))
    return Stay(
        code=code,
        listing=draw(st.sampled_from(LISTINGS)),
        check_in=check_in,
        check_out=check_in + dt.timedelta(days=draw(st.integers(1, 5))),
        status=draw(st.sampled_from(STATUSES)),
        guest=draw(st.sampled_from(GUESTS)),
        earnings=draw(st.sampled_from(EARNINGS)),
        booked=BOOKED,
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[Export], list[int]]:
    """2-5 exports with distinct as-of times (listed oldest first), and an order to load them in."""
    n = draw(st.integers(2, 5))
    hours = draw(st.lists(st.integers(1, 24 * 7), min_size=n, max_size=n))
    exports = []
    as_of = FIRST_AS_OF
    latest: dict[str, Stay] = {}
    for gap in hours:
        as_of += dt.timedelta(hours=gap)
        codes = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=len(CODES), unique=True))
        rows = []
        for code in codes:
            # Like real weekly exports: most bookings are restated as they were, some change a
            # little, a few change entirely.
            fresh = draw(versions(code))
            how = draw(st.sampled_from(["same", "same", "status", "dates", "new"])) if code in latest else "new"
            if how == "same":
                fresh = latest[code]
            elif how == "status":
                fresh = replace(latest[code], status=fresh.status)
            elif how == "dates":
                fresh = replace(latest[code], check_in=fresh.check_in, check_out=fresh.check_out)
            rows.append(fresh)
            latest[code] = fresh
        exports.append(Export(as_of, tuple(rows)))
    # Exports with the very same bytes are one file to bookingest (see the test below); keep
    # them apart here so that this property is about order alone.
    if len({e.csv() for e in exports}) < n:
        exports = _distinct(exports)
    order = draw(st.permutations(range(len(exports))))
    return exports, list(order)


def _distinct(exports: list[Export]) -> list[Export]:
    seen: set[bytes] = set()
    out = []
    for e in exports:
        if e.csv() not in seen:
            seen.add(e.csv())
            out.append(e)
    return out


# ---- the database ------------------------------------------------------------------------------


def db_bookings(engine: Engine) -> dict[str, tuple[object, ...]]:
    b = bookings.c
    q = select(
        b.external_code, b.source, properties.c.name, b.check_in, b.check_out, b.status, b.guest_name, b.payout, b.as_of
    ).join_from(bookings, properties, properties.c.id == b.property_id)
    with engine.connect() as conn:
        return {
            r.external_code: (
                r.source,
                r.name,
                r.check_in,
                r.check_out,
                r.status,
                r.guest_name,
                Decimal(str(r.payout)).quantize(CENT),
                r.as_of,
            )
            for r in conn.execute(q)
        }


def db_open_tasks(engine: Engine) -> dict[str, tuple[object, ...]]:
    q = (
        select(bookings.c.external_code, tasks.c.due_date, tasks.c.same_day_turnover)
        .join_from(tasks, bookings, bookings.c.id == tasks.c.booking_id)
        .where(tasks.c.status == "open")
    )
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    assert len(rows) == len({r.external_code for r in rows}), "two open tasks for one booking"
    return {r.external_code: (r.due_date, bool(r.same_day_turnover)) for r in rows}


def most_tasks_of_one_booking(engine: Engine) -> int:
    with engine.connect() as conn:
        per_booking = (
            select(func.count().label("n")).select_from(tasks).group_by(tasks.c.booking_id, tasks.c.kind).subquery()
        )
        return int(conn.execute(select(func.coalesce(func.max(per_booking.c.n), 0))).scalar_one())


def load(engine: Engine, folder: Path, exports: list[Export], order: list[int]) -> None:
    """Load the exports in `order`; each must report the counts the model gives."""
    loaded: list[Export] = []
    for i in order:
        export = exports[i]
        path = folder / f"export-{i}.csv"
        path.write_bytes(export.csv())
        result = ingest_file(engine, path, FileOptions(as_of=export.as_of))
        assert result.status is FileStatus.LOADED and result.rejected == 0, result
        assert (result.inserted, result.updated, result.unchanged) == expected_counts(loaded, export), (i, result)
        assert most_tasks_of_one_booking(engine) <= 1
        loaded.append(export)


def empty(engine: Engine) -> None:
    """Back to a fresh database: every table a load writes emptied, ids from 1 again; the seeded
    status map stays. Much cheaper than a new schema, so more examples fit in the time."""
    names = [t.name for t in reversed(metadata.sorted_tables) if t.name != "status_map"]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY"))
        else:
            for name in names:
                conn.execute(text(f"DELETE FROM {name}"))
    assert db_bookings(engine) == {}


def state_after(
    engine: Engine, exports: list[Export], order: list[int]
) -> tuple[dict[str, tuple[object, ...]], dict[str, tuple[object, ...]]]:
    empty(engine)
    with tempfile.TemporaryDirectory() as tmp:
        load(engine, Path(tmp), exports, order)
    return db_bookings(engine), db_open_tasks(engine)


def describe(exports: list[Export], order: list[int]) -> str:
    """The scenario as a person reads it (examples are not shrunk, see SETTINGS)."""
    lines = [f"loaded in order {order}; exports oldest first:"]
    for i, e in enumerate(exports):
        lines.append(f"  [{i}] as of {e.as_of:%Y-%m-%d %H:%M}")
        lines += [
            f"      {v.code} {v.listing} {v.check_in}..{v.check_out} {v.status} {v.guest} {v.earnings}" for v in e.rows
        ]
    return "\n".join(lines)


def _without_as_of(booked: dict[str, tuple[object, ...]]) -> dict[str, tuple[object, ...]]:
    return {code: row[:-1] for code, row in booked.items()}


def check_any_order(engine: Engine, exports: list[Export], order: list[int]) -> None:
    by_as_of = sorted(range(len(exports)), key=lambda i: exports[i].as_of)
    in_order = state_after(engine, exports, by_as_of)
    shuffled = state_after(engine, exports, order)
    scenario = describe(exports, order)
    # Values and tasks first, as_of last: a failure then says which of them is wrong.
    expected = expected_bookings(exports)
    assert _without_as_of(shuffled[0]) == _without_as_of(in_order[0]), f"bookings differ\n{scenario}"
    assert shuffled[1] == in_order[1], f"open tasks differ\n{scenario}"
    assert _without_as_of(in_order[0]) == _without_as_of(expected), f"not what the newest exports say\n{scenario}"
    assert in_order[1] == expected_open_tasks(exports), f"open tasks not as the newest exports say\n{scenario}"
    # bookings.as_of records the export that last changed the booking, so it may differ by order
    # (a restatement is never rewritten); it is always one of the exports that listed the values.
    for code, row in shuffled[0].items():
        listed = {e.as_of for e in exports for v in e.rows if v.code == code}
        assert row[-1] in listed, f"{code}: as_of {row[-1]} is no export's\n{scenario}"


@pytest.fixture(scope="module")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = open_database(f"sqlite:///{tmp_path_factory.mktemp('order') / 'bookingest.db'}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def pg_engine(pg_server_url: str) -> Iterator[Engine]:
    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    admin.dispose()
    engine = open_database(pg_server_url)
    yield engine
    engine.dispose()


# No shrinking: each example costs a dozen file loads, so shrinking one failure would take
# minutes; the scenarios are small, and the failure message spells the one found out.
SETTINGS = dict(
    deadline=None,
    database=None,
    # The same examples on every run, so that CI is reproducible; HYPOTHESIS_RANDOMIZE=1 explores.
    derandomize=os.environ.get("HYPOTHESIS_RANDOMIZE", "") in ("", "0"),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@settings(max_examples=20, **SETTINGS)  # type: ignore[arg-type]
@given(scenario=scenarios())
def test_any_order_gives_the_same_bookings_and_tasks_sqlite(
    sqlite_engine: Engine, scenario: tuple[list[Export], list[int]]
) -> None:
    check_any_order(sqlite_engine, *scenario)


@pytest.mark.postgres
@settings(max_examples=8, **SETTINGS)  # type: ignore[arg-type]
@given(scenario=scenarios())
def test_any_order_gives_the_same_bookings_and_tasks_postgresql(
    pg_engine: Engine, scenario: tuple[list[Export], list[int]]
) -> None:
    check_any_order(pg_engine, *scenario)


# ---- the same bytes, a later moment ------------------------------------------------------------------


def test_an_export_repeating_an_older_one_byte_for_byte_is_a_duplicate(engine: Engine, tmp_path: Path) -> None:
    """Confirmed, then cancelled, then the very bytes of the first export again. A file is
    identified by the SHA-256 of its bytes (DESIGN.md): the third is reported as a duplicate of
    the first, names it, and writes nothing, so the booking stays as the second export left it.
    (Airbnb's relative labels make a real later export differ in its bytes.)"""
    stay = Stay(
        "HMORDER900", LISTINGS[0], dt.date(2026, 3, 10), dt.date(2026, 3, 13), "Confirmed", GUESTS[0], EARNINGS[0]
    ).but(booked=BOOKED)
    cancelled = Stay(**{**stay.__dict__, "status": "Canceled by guest"})
    exports = [
        Export(FIRST_AS_OF, (stay,)),
        Export(FIRST_AS_OF + dt.timedelta(days=7), (cancelled,)),
        Export(FIRST_AS_OF + dt.timedelta(days=14), (stay,)),
    ]
    assert exports[0].csv() == exports[2].csv()
    results = []
    for i, export in enumerate(exports):
        path = tmp_path / f"week{i + 1}.csv"
        path.write_bytes(export.csv())
        results.append(ingest_file(engine, path, FileOptions(as_of=export.as_of)))
        if i == 1:
            before = db_bookings(engine)
    assert [r.status for r in results] == ["loaded", "loaded", "duplicate"]
    assert results[2].reason is not None and "week1.csv" in results[2].reason
    assert db_bookings(engine) == before
    assert before[stay.code][4] == "cancelled"
    assert db_open_tasks(engine) == {}
