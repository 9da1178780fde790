"""stay_nights, the table of v_stay_months the reports read (loaders.analytics.stored): after every
kind of change of a stay (a first load, a later export that changes and cancels, earnings lines,
a merge of two properties) and a refresh, it holds exactly what the view computes from the
bookings; the report's figures read from it equal those computed from the bookings; on SQLite
and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from report_database import EarningsLine, Stay, load_earnings, load_stays
from sqlalchemy import Engine, select, text

from loaders.analytics import stored
from loaders.analytics.stays import STAY_MONTHS
from loaders.dialects import dialect_of
from loaders.merge_lock import merged_in_turn
from loaders.property_merge import merge_properties
from loaders.tables import properties
from pipelines.ingest import open_database
from reports.figure_queries import stay_figures
from reports.figures import plain, report_figures
from reports.scope import Month, Scope
from reports.together import run_together
from schemas.tuning import DEFAULT_TUNING

AS_OF = dt.datetime(2025, 5, 1, 8)
D = dt.date


def _stays() -> list[Stay]:
    return [
        Stay("HM1", "airbnb", "Old Town Flat", D(2025, 6, 28), D(2025, 7, 3), "confirmed", dt.datetime(2025, 3, 1), 500.0, "EUR"),
        Stay("HM2", "airbnb", "Old Town Flat", D(2025, 7, 3), D(2025, 7, 10), "confirmed", dt.datetime(2025, 4, 1), 700.0, "EUR"),
        Stay("HM3", "airbnb", "Beach House", D(2025, 8, 30), D(2025, 10, 2), "completed", None, 3300.0, "USD"),
        Stay("HM4", "airbnb", "Beach Hse", D(2025, 6, 1), D(2025, 6, 5), "owner_stay"),
        Stay("HM5", "airbnb", "Beach Hse", D(2025, 6, 10), D(2025, 6, 12), "confirmed", None, None, "EUR"),
    ]  # fmt: skip


def _rows(engine: Engine) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(stay_nights' rows, v_stay_months' rows) in the same columns and order."""
    names = [c.name for c in stored.stay_nights.c]
    view = STAY_MONTHS.table
    with engine.connect() as conn:
        kept = conn.execute(select(stored.stay_nights).order_by(*stored.stay_nights.c)).all()
        computed = conn.execute(select(*(view.c[n] for n in names)).order_by(*(view.c[n] for n in names))).all()
    return [_plain(r) for r in kept], [_plain(r) for r in computed]


def _plain(row: Any) -> tuple[Any, ...]:
    return tuple(round(float(v), 6) if isinstance(v, float) or type(v).__name__ == "Decimal" else str(v) for v in row)


def _refreshed(engine: Engine) -> int:
    with merged_in_turn(engine, DEFAULT_TUNING) as conn:
        return stored.refresh(conn)


def test_the_table_follows_every_change_of_a_stay(engine: Engine) -> None:
    load_stays(engine, _stays(), AS_OF)
    assert _refreshed(engine) == 5  # the first load named its five bookings
    kept, computed = _rows(engine)
    assert kept == computed and len(kept) == 8  # HM1 and HM3 cross month ends (HM3: three months)
    assert _refreshed(engine) == 0  # nothing changed since

    later = _stays()
    later[1] = later[1]._replace(status="cancelled")  # called off: off the books, into the history
    later[0] = later[0]._replace(check_out=D(2025, 7, 5), payout=650.0)
    load_stays(engine, [*later, Stay("HM6", "airbnb", "Beach House", D(2025, 9, 1), D(2025, 9, 4), "confirmed")],
               AS_OF + dt.timedelta(days=7), "later.csv")  # fmt: skip
    with engine.connect() as conn:
        assert not stored.is_current(conn)
    assert _refreshed(engine) == 3  # changed HM1 and HM2, new HM6; not the three unchanged
    assert _rows(engine)[0] == _rows(engine)[1]

    # Earnings lines for HM1 price it instead of its payout (the booking itself is unchanged).
    load_earnings(engine, [EarningsLine("HM1", "reservation", 610.0, "EUR", D(2025, 7, 6))], AS_OF)
    assert _refreshed(engine) == 1
    kept, computed = _rows(engine)
    assert kept == computed

    # Beach Hse joins Beach House: its stays move to that property.
    with engine.begin() as conn:
        ids = dict(conn.execute(select(properties.c.name, properties.c.id)).all())
    with merged_in_turn(engine, DEFAULT_TUNING) as conn:
        merge_properties(conn, ids["Beach House"], ids["Beach Hse"], dt.datetime(2025, 5, 9))
    assert _refreshed(engine) == 2
    kept, computed = _rows(engine)
    assert kept == computed
    assert {r[1] for r in kept} == {str(ids["Old Town Flat"]), str(ids["Beach House"])}


def test_the_report_reads_the_table_and_equals_the_bookings_computation(engine: Engine) -> None:
    load_stays(engine, _stays(), AS_OF)
    load_earnings(engine, [EarningsLine("HM2", "reservation", 720.0, "EUR", D(2025, 7, 11))], AS_OF)
    with engine.connect() as conn:
        assert not stored.is_current(conn)
    figures = report_figures(engine, D(2025, 6, 1), D(2025, 9, 30), today=D(2025, 6, 15))
    with engine.connect() as conn:
        assert stored.is_current(conn)  # the report brought it up to date first
        assert conn.execute(text("SELECT count(*) FROM stay_nights")).scalar() == 8
        # What the report read from the table, computed from the bookings instead: the same.
        months = [Month.of(D(2025, 6, 1), n) for n in range(4)]
        scope = Scope(months, None, D(2025, 6, 15))
        dialect = dialect_of(conn)
        kept = run_together(conn, stay_figures(dialect, scope, kept=True))
        live = run_together(conn, stay_figures(dialect, scope, kept=False))
    for name in kept:
        assert sorted(map(repr, plain(kept[name]))) == sorted(map(repr, plain(live[name]))), name
    july = {(r["property"], r["currency"]): r for r in figures["monthly"] if r["month"] == "2025-07"}
    assert july[("Old Town Flat", "EUR")]["nights_sold"] == 2 + 7  # HM1's last two nights, HM2's seven
    assert july[("Old Town Flat", "EUR")]["revenue"] == 500.0 * 2 / 5 + 720.0  # HM2 priced by its earnings line


def test_a_database_the_report_may_only_read_is_reported_from_the_bookings(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("a role that may only SELECT is PostgreSQL's (root writes any SQLite file)")
    load_stays(engine, _stays(), AS_OF)
    role = f"reader_{uuid.uuid4().hex[:10]}"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
    reader = open_database(engine.url.set(username=role).render_as_string(hide_password=False), read_only=True)
    try:
        period = (D(2025, 6, 1), D(2025, 9, 30))
        read = report_figures(reader, *period, today=D(2025, 6, 15))
        with engine.connect() as conn:
            assert not stored.is_current(conn)  # it could not write the table, and did not
        written = report_figures(engine, *period, today=D(2025, 6, 15))  # may write: from the table
        for key in ("monthly", "channels", "stays", "lead_time", "cancellations", "on_the_books", "data_quality"):
            assert read[key] == written[key], key
        # HM1 5 nights, HM2 7, HM3 the 2 of August and the 30 of September, HM5 2 (HM4 is the owner's)
        assert sum(r["nights_sold"] for r in read["monthly"] if r["property"] is None) == 5 + 7 + 2 + 30 + 2
    finally:
        reader.dispose()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))


def test_a_merge_landing_between_the_refresh_and_the_snapshot_is_in_the_figures(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_stays(engine, _stays(), AS_OF)
    refreshed = stored.bring_up_to_date

    def then_a_merge(engine: Engine, *args: Any) -> bool:  # another worker's merge commits meanwhile
        kept = refreshed(engine, *args)
        load_stays(engine, [Stay("HM9", "airbnb", "Old Town Flat", D(2025, 7, 20), D(2025, 7, 24), "confirmed",
                                 None, 400.0, "EUR")], AS_OF + dt.timedelta(days=1), "meanwhile.csv")  # fmt: skip
        return kept

    monkeypatch.setattr(stored, "bring_up_to_date", then_a_merge)
    raced = report_figures(engine, D(2025, 6, 1), D(2025, 9, 30), today=D(2025, 6, 15))
    monkeypatch.undo()
    after = report_figures(engine, D(2025, 6, 1), D(2025, 9, 30), today=D(2025, 6, 15))

    july = {(r["property"], r["currency"]): r for r in raced["monthly"] if r["month"] == "2025-07"}
    assert july[("Old Town Flat", "EUR")]["nights_sold"] == 2 + 7 + 4  # HM9's four nights are in
    for key in ("monthly", "channels", "stays", "lead_time", "cancellations", "on_the_books", "data_quality"):
        assert raced[key] == after[key], key


def test_a_merge_committed_while_the_report_reads_is_in_none_of_its_figures(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_stays(engine, _stays(), AS_OF)
    period = (D(2025, 6, 1), D(2025, 9, 30))
    before = report_figures(engine, *period, today=D(2025, 6, 15))
    current, calls = stored.is_current, []

    def then_a_merge(conn: Any) -> bool:  # the snapshot's first read; another worker's merge commits after it
        found = current(conn)
        calls.append(found)
        if len(calls) == 2:  # the first is the refresh's own look
            load_stays(engine, [Stay("HM9", "airbnb", "Old Town Flat", D(2025, 7, 20), D(2025, 7, 24), "confirmed",
                                     None, 400.0, "EUR")], AS_OF + dt.timedelta(days=1), "meanwhile.csv")  # fmt: skip
        return found

    monkeypatch.setattr(stored, "is_current", then_a_merge)
    raced = report_figures(engine, *period, today=D(2025, 6, 15))

    assert calls == [True, True]
    for key in ("monthly", "channels", "stays", "lead_time", "cancellations", "on_the_books", "data_quality"):
        assert raced[key] == before[key], key  # one moment: the one before the merge
    assert report_figures(engine, *period, today=D(2025, 6, 15))["on_the_books"] != before["on_the_books"]
