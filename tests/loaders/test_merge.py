"""The per-file merge: one transaction per file, exact counts, duplicates refused."""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pandas as pd
import pytest
from databases import REFERENCES
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError

from loaders.dialects.sqlite import as_text
from loaders.errors import DuplicateFile
from loaders.file_load import FileRecord, loading
from loaders.hashing import row_hashes
from loaders.strategies import MergeCounts
from loaders.strategies.known_rows import KnownRows
from loaders.tables import booking_changes, bookings, properties, rejected_rows, source_file_keys, source_files, tasks
from schemas import booking
from schemas.keys import key_hashes
from schemas.problems import Rejected

DEC_1 = dt.datetime(2025, 12, 1, 6, 0)
DEC_3 = dt.datetime(2025, 12, 3, 6, 0)
TABLES = (source_files, bookings, rejected_rows, properties, booking_changes, tasks)


def canonical(*rows: dict[str, object]) -> pd.DataFrame:
    """A canonical booking frame (what the loader receives), one row per dict over defaults."""
    defaults: dict[str, object] = {
        "source": "airbnb",
        "property_name": "Old Town Flat",
        "guest_name": "Ann Lee",
        "guest_contact": "+1 555 0100",
        "adults": 2,
        "children": 0,
        "infants": 0,
        "check_in": "2026-01-03",
        "check_out": "2026-01-07",
        "booked_at": "2025-11-01 00:00:00",
        "raw_status": "Confirmed",
        "status": "confirmed",
        "payout": 100.0,
        "gross": float("nan"),
        "currency": "USD",
    }
    records = [{**defaults, "row_number": n, **r} for n, r in enumerate(rows, start=2)]
    frame = pd.DataFrame(records)
    for name in ("check_in", "check_out", "booked_at"):
        frame[name] = pd.to_datetime(frame[name])
    frame["nights"] = (frame["check_out"] - frame["check_in"]).dt.days
    for name in ("adults", "children", "infants", "nights"):
        frame[name] = frame[name].astype("Int64")
    frame = frame.reindex(columns=booking.COLUMNS)  # no listing beside the property: empty
    return frame.assign(listing_name=frame["listing_name"].astype("str"))


def load_file(
    engine: Engine, record: FileRecord, frame: pd.DataFrame, rejected: list[Rejected]
) -> tuple[int, MergeCounts]:
    """A whole file's canonical rows and rejected rows, staged as one chunk and merged."""
    bad_rows = len({r.row_number for r in rejected})
    with loading(engine, record) as load:
        load.stage(frame, rejected)
        counts = load.merge(len(frame) + bad_rows, bad_rows)
    return load.file_id, counts


def record(name: str, as_of: dt.datetime) -> FileRecord:
    return FileRecord(sha256=hashlib.sha256(name.encode()).hexdigest(), path=name, layout="airbnb", as_of=as_of)


def dump(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        out = {t.name: [tuple(r) for r in conn.execute(select(t).order_by(t.c.id))] for t in TABLES}
        keys = select(source_file_keys).order_by(source_file_keys.c.source_file_id)
        out[source_file_keys.name] = [tuple(r) for r in conn.execute(keys)]
        return out


def dangling(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [
            f"{column.table.name}.{column.name}"
            for column, target in REFERENCES
            if conn.execute(select(func.count()).where(column.not_in(select(target)))).scalar_one()
        ]


def test_the_test_frames_are_valid_canonical_frames() -> None:
    valid, problems = booking.validate(canonical({"external_code": "HMKEEP2222"}))
    assert problems == [] and len(valid) == 1


@pytest.mark.parametrize(
    "violation",
    [
        pytest.param({"status": "bogus"}, id="status-not-canonical"),
        pytest.param({"check_out": "2026-01-09"}, id="check-out-on-check-in"),
        pytest.param({"adults": -1}, id="negative-adults"),
    ],
)
def test_a_database_refusal_mid_file_leaves_nothing_of_that_file(engine: Engine, violation: dict[str, object]) -> None:
    first = canonical(
        {"external_code": "HMKEEP2222"},
        {"external_code": "HMKEEP3333", "check_in": "2026-02-01", "check_out": "2026-02-04"},
    )
    load_file(engine, record("first.csv", DEC_1), first, [])
    before = dump(engine)
    # An update, then the row the database refuses, then a new booking in a new property.
    second_rows: list[dict[str, object]] = [
        {"external_code": "HMKEEP2222", "guest_name": "Ann Lee-Smith"},
        {"external_code": "HMFAIL2222", "check_in": "2026-01-09", "check_out": "2026-01-12", **violation},
        {"external_code": "HMNEW22222", "property_name": "Rollback Villa"},
    ]
    second = canonical(*second_rows)
    quarantined = [Rejected(row_number=9, column="Status", value="Bogus status", error="unknown status 'Bogus status'")]
    second_record = record("second.csv", DEC_3)

    with pytest.raises(IntegrityError):
        load_file(engine, second_record, second, quarantined)

    # No source_files row, no rejected rows, no booking, property, history or task of that file.
    assert dump(engine) == before
    assert dangling(engine) == []

    # The file was never recorded: once corrected, the same bytes load, counted exactly.
    fixed = canonical(
        second_rows[0],
        {**second_rows[1], "status": "confirmed", "check_out": "2026-01-12", "adults": 2},
        second_rows[2],
    )
    _, counts = load_file(engine, second_record, fixed, quarantined)
    assert (counts.inserted, counts.updated, counts.unchanged) == (2, 1, 0)
    with engine.connect() as conn:
        assert conn.execute(select(rejected_rows.c.row_number)).scalars().all() == [9]
        assert (
            conn.execute(select(source_files.c.rejected).where(source_files.c.path == "second.csv")).scalar_one() == 1
        )
    assert dangling(engine) == []


def test_loading_the_same_bytes_again_raises_duplicate_file_and_writes_nothing(engine: Engine) -> None:
    frame = canonical({"external_code": "HMKEEP2222"})
    load_file(engine, record("first.csv", DEC_1), frame, [])
    before = dump(engine)

    with pytest.raises(DuplicateFile) as raised:
        load_file(engine, record("first.csv", DEC_3), frame.assign(guest_name="Someone Else"), [])

    assert raised.value.first_path == "first.csv"
    assert dump(engine) == before


def test_counts_are_exact_for_new_changed_unchanged_and_older_rows(engine: Engine) -> None:
    first = canonical(
        {"external_code": "HMKEEP2222"},
        {"external_code": "HMKEEP3333", "check_in": "2026-02-01", "check_out": "2026-02-04"},
        {"external_code": "HMKEEP4444", "check_in": "2026-03-01", "check_out": "2026-03-04"},
    )
    load_file(engine, record("first.csv", DEC_3), first, [])
    newer = canonical(
        {"external_code": "HMKEEP2222"},  # unchanged
        {"external_code": "HMKEEP3333", "check_in": "2026-02-01", "check_out": "2026-02-05"},  # changed
        {"external_code": "HMKEEP5555", "property_name": "Garden Cottage"},  # new
    )
    _, counts = load_file(engine, record("newer.csv", DEC_3 + dt.timedelta(days=1)), newer, [])
    assert (counts.inserted, counts.updated, counts.unchanged) == (1, 1, 1)

    older = canonical({"external_code": "HMKEEP4444", "status": "cancelled", "raw_status": "Canceled"})
    _, counts = load_file(engine, record("older.csv", DEC_1), older, [])
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 0, 1)

    with engine.connect() as conn:
        stored = dict(conn.execute(select(bookings.c.external_code, bookings.c.check_out)).all())
        by_file = conn.execute(
            select(
                source_files.c.path, source_files.c.inserted, source_files.c.updated, source_files.c.unchanged
            ).order_by(source_files.c.id)
        ).all()
        statuses = set(conn.execute(select(bookings.c.status)).scalars())
    assert stored["HMKEEP3333"] == dt.date(2026, 2, 5)
    assert statuses == {"confirmed"}
    assert [tuple(r) for r in by_file] == [("first.csv", 3, 0, 0), ("newer.csv", 1, 1, 1), ("older.csv", 0, 0, 1)]


@given(
    st.lists(
        st.one_of(st.none(), st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(9999, 12, 31))),
        max_size=40,
    )
)
def test_dates_and_times_go_to_sqlite_as_the_text_sqlalchemy_writes(values: list[dt.datetime | None]) -> None:
    # The staging rows are written by executemany, not by SQLAlchemy: the text must be SQLAlchemy's
    # own, or a date compared with a stored one would differ (also past 2262, beyond pandas' ns).
    column = pd.Series(values * 2, dtype="datetime64[us]")  # repeated values are formatted once
    dialect = sqlite.dialect()
    # SQLAlchemy leaves the sqlite DATE/DATETIME constructors unannotated.
    date_type, time_type = sqlite.DATE(), sqlite.DATETIME()  # type: ignore[no-untyped-call]
    as_date, as_time = date_type.bind_processor(dialect), time_type.bind_processor(dialect)
    assert as_date is not None and as_time is not None
    assert as_text(column, "us") == [None if v is None else as_time(v) for v in values * 2]
    assert as_text(column, "D") == [None if v is None else as_date(v.date()) for v in values * 2]


@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(0, 3)), max_size=60, unique_by=lambda t: t[0]),
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 3)), max_size=60),
)
def test_known_rows_match_a_stored_key_and_row_hash_only(
    stored: list[tuple[int, int]], rows: list[tuple[int, int]]
) -> None:
    # Small hash values on purpose: keys collide among the stored rows, which makes them
    # unmatchable (a row is then compared in the database), never matched to the wrong booking.
    key_of = {k: k % 23 for k, _ in stored + rows}  # several keys share a hash
    known = KnownRows(
        np.array([key_of[k] for k, _ in stored], dtype="uint64"),
        np.array([1000 + k for k, _ in stored], dtype="int64"),
        np.array([h for _, h in stored], dtype="int64"),
    )
    found = known.unchanged(
        np.array([key_of[k] for k, _ in rows], dtype="uint64"), np.array([h for _, h in rows], dtype="int64")
    )
    hash_owners: dict[int, list[int]] = {}
    for k, _ in stored:
        hash_owners.setdefault(key_of[k], []).append(k)
    by_key = dict(stored)
    for (k, h), match in zip(rows, found.tolist(), strict=True):
        owners = hash_owners.get(key_of[k], [])
        if len(owners) == 1 and by_key[owners[0]] == h:
            assert match == 1000 + owners[0]
        else:
            assert match == -1


def test_an_empty_value_and_any_text_give_different_row_hashes() -> None:
    # Text hashed value by value (the contact) must not hash an empty value as the text "nan".
    base = canonical({"external_code": "HM1"})
    base = base.assign(key_hash=key_hashes(base))  # as the ingest hands rows to the merge
    variants = [base.assign(guest_contact=pd.Series([v], dtype="str")) for v in (None, "nan", "", "NaN")] + [
        base.assign(guest_name=pd.Series([v], dtype="str")) for v in (None, "nan")
    ]
    hashes = [int(row_hashes(v)[0]) for v in variants]
    assert len(set(hashes)) == len(hashes)
    assert int(row_hashes(base)[0]) == int(row_hashes(base.copy())[0])
