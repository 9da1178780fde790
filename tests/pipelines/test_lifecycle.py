"""The booking lifecycle over weekly exports: history, cleaning tasks, turnovers, double bookings, late files.

Every expectation is computed from the exports the tests write (tests/oracles.py: a small model of
"the newest export wins" and of the task rules in the brief), never read back from bookingest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from airbnb_export import booking_com_csv
from oracles import Model, Stay, arrives, stays_csv
from sqlalchemy import Engine, Table, create_engine, func, select, text, update

from loaders.tables import booking_changes, bookings, properties, tasks
from pipelines.discover import FileOptions
from pipelines.ingest import ingest_file, open_database
from pipelines.results import FileResult
from reports.bookings import conflicts, history
from schemas.vocab import FileStatus

CENT = Decimal("0.01")
# Every test here ingests a sequence of exports and checks the whole database after each.
pytestmark = pytest.mark.slow


# ---- reading the database back -------------------------------------------------------------------


def _money(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(CENT)


def db_bookings(engine: Engine, source: str | None = None) -> dict[str, dict[str, object]]:
    b = bookings.c
    q = select(
        b.source,
        b.external_code,
        properties.c.name,
        b.check_in,
        b.check_out,
        b.nights,
        b.status,
        b.raw_status,
        b.guest_name,
        b.payout,
        b.as_of,
    ).join_from(bookings, properties, properties.c.id == b.property_id)
    if source:
        q = q.where(b.source == source)
    with engine.connect() as conn:
        return {
            r.external_code: {
                "source": r.source,
                "property": r.name,
                "check_in": r.check_in,
                "check_out": r.check_out,
                "nights": r.nights,
                "status": r.status,
                "raw_status": r.raw_status,
                "guest_name": r.guest_name,
                "payout": _money(r.payout),
                "as_of": r.as_of,
            }
            for r in conn.execute(q)
        }


def db_tasks(engine: Engine, full: bool = False) -> dict[str, dict[str, object]]:
    """The cleaning task of every booking, by booking code (duplicates are checked separately)."""
    t = tasks.c
    q = select(
        bookings.c.external_code, t.id, t.kind, t.due_date, t.status, t.same_day_turnover, t.locked, t.updated_at
    )
    q = q.join_from(tasks, bookings, bookings.c.id == t.booking_id)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    out: dict[str, dict[str, object]] = {}
    for r in rows:
        assert r.kind == "cleaning"
        row: dict[str, object] = {
            "due_date": r.due_date,
            "status": r.status,
            "same_day_turnover": bool(r.same_day_turnover),
            "locked": bool(r.locked),
        }
        if full:
            row.update(id=r.id, updated_at=r.updated_at)
        out[r.external_code] = row
    return out


def tasks_per_booking(engine: Engine) -> dict[int, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(tasks.c.booking_id, func.count()).group_by(tasks.c.booking_id)).all()
    return {booking_id: n for booking_id, n in rows}


def db_history(engine: Engine, codes: Iterable[str] | None = None) -> list[tuple[object, ...]]:
    """Every booking's timeline as `reports.bookings.history` tells it: (code, file, as-of, kind,
    field, old, new). A creation's value is left out: the kind, file and moment say it all."""
    if codes is None:
        with engine.connect() as conn:
            codes = list(conn.execute(select(bookings.c.external_code)).scalars())
    out: list[tuple[object, ...]] = []
    for code in codes:
        for lines in history(engine, code).values():
            for line in lines:
                old: object = line.old_value
                new: object = line.new_value
                if line.field in ("payout", "gross"):
                    old, new = _money(old), _money(new)
                if line.kind == "created":
                    new = None
                out.append((code, line.file, line.changed_at, line.kind, line.field, old, new))
    return out


def table_rows(engine: Engine, table: Table) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(table).order_by(table.c.id))]


def assert_same(actual: dict[str, dict[str, object]], expected: dict[str, dict[str, object]], what: str) -> None:
    """Equal mappings, or a message naming each booking and field that differs."""
    diffs = [f"{code}: missing" for code in expected.keys() - actual.keys()]
    diffs += [f"{code}: unexpected" for code in actual.keys() - expected.keys()]
    for code in sorted(expected.keys() & actual.keys()):
        diffs += [
            f"{code}.{k}: {actual[code].get(k)!r} != expected {v!r}"
            for k, v in expected[code].items()
            if actual[code].get(k) != v
        ]
    assert not diffs, f"{what} differ:\n" + "\n".join(diffs)


def without_as_of(rows: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
    return {code: {k: v for k, v in row.items() if k != "as_of"} for code, row in rows.items()}


def changes_only(history_rows: Iterable[tuple[object, ...]]) -> list[tuple[object, ...]]:
    return [row for row in history_rows if row[3] != "created"]


def _sorted(rows: Iterable[tuple[object, ...]]) -> list[tuple[object, ...]]:
    return sorted(rows, key=lambda r: tuple("" if v is None else str(v) for v in r))


# ---- the scenario: two listings, four weekly exports ------------------------------------------------

LOFT, STUDIO = "Harbour Loft", "Garden Studio"


def d(month: int, day: int) -> dt.date:
    return dt.date(2025, month, day)


A = Stay("HMOLDSTAY1", LOFT, d(11, 4), d(11, 7), guest="Ana Silva", earnings=Decimal("420.00"))
B = Stay("HMMOVED001", LOFT, d(11, 20), d(11, 23), guest="Ben Okafor", earnings=Decimal("450.00"))
C = Stay("HMCANCEL01", LOFT, d(11, 27), d(11, 30), guest="Chloé Durand", earnings=Decimal("1234.56"))
D = Stay("HMDONE0001", STUDIO, d(11, 6), d(11, 9), guest="Dev Patel")
E = Stay("HMTURN0001", STUDIO, d(11, 16), d(11, 19), guest="Eva Novak")
F = Stay("HMNEW00001", STUDIO, d(11, 22), d(11, 26), guest="Fay Wong", earnings=Decimal("880.00"))
G = Stay("HMLOCKED01", LOFT, d(12, 5), d(12, 8), guest="Gus Lind")

B2 = B.but(check_in=d(11, 23), check_out=d(11, 27), earnings=Decimal("600.00"))  # moved, longer, pays more
E3 = E.but(check_in=d(11, 19), check_out=d(11, 22))  # now leaves the day F arrives
F3 = F.but(guest="Fay Wong-Li")

WEEKS: list[tuple[dt.datetime, list[Stay]]] = [
    (dt.datetime(2025, 11, 3, 6), [A, B, C, D, E, G]),
    # B moved (now leaves the day C arrives, but C is cancelled), C cancelled, F new, stays ended.
    (
        dt.datetime(2025, 11, 10, 6),
        [A.but(status="Past guest"), B2, C.but(status="Canceled by guest"), D.but(status="Past guest"), E, F, G],
    ),
    # A rolled out of the window; C reinstated (B's turnover appears); E moved next to F; F's name fixed.
    (dt.datetime(2025, 11, 17, 6), [B2, C, D.but(status="Past guest"), E3, F3, G]),
    # E moved apart again; D moved (its task is done) and G cancelled (its task is locked).
    (
        dt.datetime(2025, 11, 24, 6),
        [
            B2.but(status="Currently hosting"),
            C,
            D.but(status="Past guest", check_out=d(11, 10)),
            E.but(check_in=d(11, 18), check_out=d(11, 21), status="Past guest"),
            F3.but(status="Currently hosting"),
            G.but(status="Canceled by guest"),
        ],
    ),
]


class Run:
    """Loads exports into one database and keeps the model in step."""

    def __init__(self, engine: Engine, folder: Path) -> None:
        self.engine = engine
        self.folder = folder
        self.model = Model()
        self.paths: dict[str, Path] = {}

    def airbnb(self, name: str, stays: Sequence[Stay], as_of: dt.datetime, **csv_options: object) -> FileResult:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(stays_csv(stays, **csv_options))  # type: ignore[arg-type]
        self.paths[name] = path
        result = ingest_file(self.engine, path, FileOptions(as_of=as_of))
        assert result.status is FileStatus.LOADED, result
        expected = self.model.load(str(path), stays, as_of)
        assert (result.inserted, result.updated, result.unchanged) == expected, name
        assert result.rejected == 0, result.problems
        return result

    def week(self, n: int) -> FileResult:
        as_of, stays = WEEKS[n - 1]
        return self.airbnb(f"week{n}.csv", stays, as_of)

    def task_id(self, code: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                select(tasks.c.id)
                .join_from(tasks, bookings, bookings.c.id == tasks.c.booking_id)
                .where(bookings.c.external_code == code)
            ).scalar_one()

    def check(self) -> None:
        """The whole database equals the model: bookings, every task, every change in the history.

        Two things have a test of their own, so that each can fail alone: the as_of a newer
        export restating a booking gives it, and the 'created' line of every booking's history.
        """
        assert_same(without_as_of(db_bookings(self.engine)), without_as_of(self.model.bookings()), "bookings")
        tasks_now = db_tasks(self.engine, full=True)
        for code, frozen in self.model.frozen.items():
            assert tasks_now[code] == frozen, f"the {frozen['status']} task of {code} was changed by an import"
        assert {c: {k: v for k, v in row.items() if k not in ("id", "updated_at")} for c, row in tasks_now.items()} == {
            c: {k: v for k, v in row.items() if k not in ("id", "updated_at")} for c, row in self.model.tasks().items()
        }
        assert max(tasks_per_booking(self.engine).values(), default=1) == 1
        assert _sorted(changes_only(db_history(self.engine))) == _sorted(changes_only(self.model.history))

    def freeze(self, code: str, **values: object) -> None:
        """A person marks the task done or locks it; the model remembers it as it then is."""
        with self.engine.begin() as conn:
            conn.execute(update(tasks).where(tasks.c.id == self.task_id(code)).values(**values))
        self.model.frozen[code] = db_tasks(self.engine, full=True)[code]


@pytest.fixture
def run(engine: Engine, tmp_path: Path) -> Run:
    return Run(engine, tmp_path / "exports")


# ---- 1. weekly exports -------------------------------------------------------------------------


def test_four_weekly_exports_then_a_rerun(run: Run) -> None:
    """The defining sequence: every week the whole database equals the newest exports, and each
    change the brief names is checked where it happens."""
    run.week(1)
    run.check()
    ids = {code: run.task_id(code) for code in (B.code, C.code)}
    run.week(2)
    run.check()
    _week2_moved_b_and_cancelled_c(run, ids)
    before_week3 = db_bookings(run.engine)[A.code], db_tasks(run.engine, full=True)[A.code]
    run.week(3)
    run.check()
    _week3_reinstated_c_rolled_out_a_and_moved_e_next_to_f(run, ids, before_week3)
    run.freeze(D.code, status="done")
    run.freeze(G.code, locked=True)
    run.week(4)
    run.check()
    _week4_left_done_and_locked_tasks_alone(run)
    _rerun_and_new_bytes_change_nothing(run)
    # Last, as it would hide everything above: each booking's history starts with its creation,
    # from the file that first listed it.
    created = [row for row in db_history(run.engine) if row[3] == "created"]
    assert _sorted(created) == _sorted(row for row in run.model.history if row[3] == "created")


def _history_of(run: Run, code: str, **match: str) -> list[tuple[object, ...]]:
    """(kind, field, old, new, file) of one booking's changes that match e.g. kind='dates_moved'."""
    rows = [
        {"kind": kind, "field": name, "old": old, "new": new, "path": path}
        for c, path, _, kind, name, old, new in db_history(run.engine, [code])
        if c == code
    ]
    rows = [r for r in rows if all(r[k] == v for k, v in match.items())]
    return _sorted((r["kind"], r["field"], r["old"], r["new"], r["path"]) for r in rows)


def _week2_moved_b_and_cancelled_c(run: Run, ids: dict[str, int]) -> None:
    week2 = str(run.paths["week2.csv"])
    now = db_tasks(run.engine)
    # B's dates moved: the same task, due the new check-out day; old and new dates in the history.
    assert now[B.code] == {"due_date": B2.check_out, "status": "open", "same_day_turnover": False, "locked": False}
    assert run.task_id(B.code) == ids[B.code]
    assert _history_of(run, B.code, kind="dates_moved") == sorted(
        [
            ("dates_moved", "check_in", B.check_in.isoformat(), B2.check_in.isoformat(), week2),
            ("dates_moved", "check_out", B.check_out.isoformat(), B2.check_out.isoformat(), week2),
            ("dates_moved", "nights", str(B.nights), str(B2.nights), week2),
        ]
    )
    assert _history_of(run, B.code, kind="payout_corrected") == [
        ("payout_corrected", "payout", B.earnings, B2.earnings, week2)
    ]
    # C cancelled: kept, its task cancelled.
    assert db_bookings(run.engine)[C.code]["status"] == "cancelled"
    assert now[C.code]["status"] == "cancelled"
    assert _history_of(run, C.code, field="status") == [("cancelled", "status", "confirmed", "cancelled", week2)]
    # B now leaves the day C would arrive, but a cancelled arrival is no turnover.
    assert B2.check_out == C.check_in and now[B.code]["same_day_turnover"] is False
    # F is new.
    assert now[F.code] == {"due_date": F.check_out, "status": "open", "same_day_turnover": False, "locked": False}
    assert [k for k, *_ in _history_of(run, F.code)] in ([], ["created"])  # creation: see the end of the test


def _week3_reinstated_c_rolled_out_a_and_moved_e_next_to_f(
    run: Run, ids: dict[str, int], before: tuple[dict[str, object], dict[str, object]]
) -> None:
    week2, week3 = str(run.paths["week2.csv"]), str(run.paths["week3.csv"])
    now = db_tasks(run.engine)
    # C reinstated: the same task open again.
    assert now[C.code] == {"due_date": C.check_out, "status": "open", "same_day_turnover": False, "locked": False}
    assert run.task_id(C.code) == ids[C.code]
    assert _history_of(run, C.code, field="status") == sorted(
        [
            ("cancelled", "status", "confirmed", "cancelled", week2),
            ("reinstated", "status", "cancelled", "confirmed", week3),
        ]
    )
    # B did not change this week, but its arriving neighbour came back: B's flag follows.
    assert now[B.code]["same_day_turnover"] is True
    # A is no longer in the export: it keeps its last state, and so does its task.
    assert A.code not in {s.code for s in WEEKS[2][1]}
    assert (db_bookings(run.engine)[A.code], db_tasks(run.engine, full=True)[A.code]) == before
    assert before[0]["status"] == "completed" and before[0]["as_of"] == WEEKS[1][0] and before[1]["status"] == "open"
    assert _history_of(run, A.code, path=week3) == []
    # E moved to leave the day F arrives: E's task is a same-day turnover, F's is not.
    assert E3.check_out == F3.check_in
    assert (now[E.code]["same_day_turnover"], now[F.code]["same_day_turnover"]) == (True, False)
    assert now[E.code]["due_date"] == E3.check_out


def _week4_left_done_and_locked_tasks_alone(run: Run) -> None:
    now = db_tasks(run.engine, full=True)
    # E moved apart again: neither neighbour is a turnover any more.
    assert (now[E.code]["same_day_turnover"], now[F.code]["same_day_turnover"]) == (False, False)
    # D moved and G cancelled, but D's task is done and G's locked: both exactly as they were.
    assert now[D.code] == run.model.frozen[D.code]
    assert now[D.code]["status"] == "done" and now[D.code]["due_date"] == D.check_out
    assert now[G.code] == run.model.frozen[G.code]
    assert now[G.code]["status"] == "open" and now[G.code]["locked"] is True and now[G.code]["due_date"] == G.check_out
    # The bookings themselves did follow the export, and the history says so.
    booked = db_bookings(run.engine)
    assert booked[D.code]["check_out"] == d(11, 10) and booked[G.code]["status"] == "cancelled"
    week4 = str(run.paths["week4.csv"])
    assert _history_of(run, D.code, path=week4) == [
        ("dates_moved", "check_out", "2025-11-09", "2025-11-10", week4),
        ("dates_moved", "nights", "3", "4", week4),
    ]
    assert [k for k, *_ in _history_of(run, G.code, path=week4)] == ["cancelled", "status_label"]


def _rerun_and_new_bytes_change_nothing(run: Run) -> None:
    changes_before = table_rows(run.engine, booking_changes)
    tasks_before = table_rows(run.engine, tasks)
    bookings_before = db_bookings(run.engine)

    for n in (1, 2, 3, 4):
        again = ingest_file(run.engine, run.paths[f"week{n}.csv"], FileOptions(as_of=WEEKS[n - 1][0]))
        assert again.status is FileStatus.DUPLICATE
        assert (again.inserted, again.updated, again.unchanged) == (0, 0, 0)
    assert table_rows(run.engine, booking_changes) == changes_before
    assert table_rows(run.engine, tasks) == tasks_before
    assert db_bookings(run.engine) == bookings_before

    as_of, week4 = WEEKS[3]
    # The same as-of, rows in another order, CRLF and a BOM: new bytes with nothing new to say.
    same = run.airbnb("week4-resaved.csv", list(reversed(week4)), as_of, newline="\r\n", bom=True)
    assert (same.inserted, same.updated, same.unchanged) == (0, 0, len(week4))
    assert db_bookings(run.engine) == bookings_before
    # A newer export restating the same rows changes nothing either (its as_of: a test of its own).
    later = as_of + dt.timedelta(hours=6)
    newer = run.airbnb("week4-later.csv", week4[3:] + week4[:3], later, newline="\r\n")
    assert (newer.inserted, newer.updated, newer.unchanged) == (0, 0, len(week4))
    assert table_rows(run.engine, booking_changes) == changes_before
    assert table_rows(run.engine, tasks) == tasks_before
    assert without_as_of(db_bookings(run.engine)) == without_as_of(bookings_before)
    run.check()


def test_a_newer_export_restating_a_booking_writes_nothing_yet_older_exports_cannot_win(run: Run) -> None:
    """Counted unchanged, no history, no task touched, the booking row not rewritten (its as_of
    stays that of the export that last changed it); and from then on an export older than the
    restating one cannot win, because the restatement is on record in source_file_keys."""
    first, later = WEEKS[0][0], WEEKS[1][0]
    stays = WEEKS[0][1]
    run.airbnb("week1.csv", stays, first)
    changes_before, tasks_before = table_rows(run.engine, booking_changes), table_rows(run.engine, tasks)
    before = db_bookings(run.engine)

    again = run.airbnb("week2-same-rows.csv", list(reversed(stays)), later, newline="\r\n")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(stays))
    assert table_rows(run.engine, booking_changes) == changes_before
    assert table_rows(run.engine, tasks) == tasks_before
    now = db_bookings(run.engine)
    assert now == before
    assert {code: row["as_of"] for code, row in now.items()} == {s.code: first for s in stays}

    # An export from between the two says B moved: it is older than what we know, so nothing moves.
    between = first + (later - first) / 2
    late = run.airbnb("between.csv", [B.but(check_in=d(11, 21))], between)
    assert (late.inserted, late.updated, late.unchanged) == (0, 0, 1)
    assert db_bookings(run.engine) == now
    run.check()


def test_same_day_turnover_follows_a_move_of_the_arriving_neighbour(run: Run) -> None:
    """Only the arriving booking changes; the task of the one leaving must follow it."""
    leaving = Stay("HMLEAVE001", STUDIO, d(12, 6), d(12, 10), guest="Lea Ving")
    arriving = Stay("HMARRIVE01", STUDIO, d(12, 12), d(12, 15), guest="Ari Ving")
    base = dt.datetime(2025, 12, 1, 6)
    steps = [
        [leaving, arriving],  # two days apart
        [leaving, arriving.but(check_in=d(12, 10))],  # arrives the day the other leaves
        [leaving, arriving.but(check_in=d(12, 10), status="Canceled by guest")],
        [leaving, arriving.but(check_in=d(12, 10), earnings=Decimal("310.00"))],  # reinstated
        [leaving, arriving.but(check_in=d(12, 10), listing=LOFT)],  # moved to the other listing
        [leaving, arriving.but(check_in=d(12, 10), earnings=Decimal("320.00"))],  # and back
    ]
    flags = []
    for i, stays in enumerate(steps):
        run.airbnb(f"step{i}.csv", stays, base + dt.timedelta(days=i))
        flags.append(db_tasks(run.engine)[leaving.code]["same_day_turnover"])
        assert db_tasks(run.engine)[arriving.code]["same_day_turnover"] is False
    assert flags == [arrives({s.code: s for s in stays}, leaving, leaving.check_out) for stays in steps]
    assert flags == [False, True, False, True, False, True]  # the steps above do what they say
    run.check()


# ---- 2. double bookings across platforms ---------------------------------------------------------

X = Stay("HMDOUBLE01", LOFT, d(12, 10), d(12, 14), guest="Xavier Roux")
PENDING = Stay("HMPENDING1", LOFT, d(12, 15), d(12, 18), status="Pending", guest="Pia Ng")
K_OVERLAP = ("4012345678", "Kim Berg", d(12, 12), d(12, 16), "ok", Decimal("520.00"))  # 2 nights over X
K_BEFORE = ("4012345679", "Kai Moos", d(12, 6), d(12, 10), "ok", Decimal("410.00"))  # leaves the day X arrives


def _booking_com(
    run: Run, name: str, rows: list[tuple[str, str, dt.date, dt.date, str, Decimal]], as_of: dt.datetime
) -> FileResult:
    path = run.folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(booking_com_csv(rows))
    result = ingest_file(run.engine, path, FileOptions(as_of=as_of, property=LOFT))
    assert result.status is FileStatus.LOADED and result.rejected == 0, result
    return result


def _view(engine: Engine) -> list[tuple[set[str], str, str]]:
    q = text("""
        SELECT a.external_code AS one, o.external_code AS other, v.overlap_from, v.overlap_to
        FROM booking_conflicts v JOIN bookings a ON a.id = v.booking_id JOIN bookings o ON o.id = v.other_booking_id
    """)
    with engine.connect() as conn:
        return [({r.one, r.other}, str(r.overlap_from)[:10], str(r.overlap_to)[:10]) for r in conn.execute(q)]


def _overlap(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    return max(a[0], b[0]), min(a[1], b[1])


def _double_booked(run: Run) -> tuple[FileResult, FileResult]:
    first = run.airbnb("airbnb.csv", [X, PENDING], dt.datetime(2025, 12, 1, 6))
    second = _booking_com(run, "booking_com.csv", [K_OVERLAP, K_BEFORE], dt.datetime(2025, 12, 1, 7))
    return first, second


def test_a_cross_platform_double_booking_is_detected_and_both_kept(run: Run) -> None:
    first, second = _double_booked(run)
    start, end = _overlap((X.check_in, X.check_out), (K_OVERLAP[2], K_OVERLAP[3]))
    assert (end - start).days == 2

    assert _view(run.engine) == [({X.code, K_OVERLAP[0]}, start.isoformat(), end.isoformat())]
    found = conflicts(run.engine)
    assert len(found) == 1
    assert found[0].property == LOFT
    assert (found[0].overlap_from, found[0].overlap_to) == (start, end)
    assert {X.code in found[0].first + found[0].second, K_OVERLAP[0] in found[0].first + found[0].second} == {True}
    assert conflicts(run.engine, property_name=STUDIO) == []

    assert first.conflicts == []  # nothing overlapped yet when the Airbnb file came in
    assert second.conflicts == [str(found[0])]
    assert X.code in second.conflicts[0] and K_OVERLAP[0] in second.conflicts[0] and "2 night(s)" in second.conflicts[0]

    # Neither booking is dropped; both still need cleaning.
    kept = db_bookings(run.engine)
    assert {code: row["status"] for code, row in kept.items()} == {
        X.code: "confirmed",
        PENDING.code: "pending",
        K_OVERLAP[0]: "confirmed",
        K_BEFORE[0]: "confirmed",
    }
    now = db_tasks(run.engine)
    assert now[X.code]["status"] == now[K_OVERLAP[0]]["status"] == "open"
    # Kai leaves the day Xavier arrives: a same-day turnover across platforms, not a conflict.
    assert now[K_BEFORE[0]]["same_day_turnover"] is True
    assert PENDING.code not in now


def test_cancelling_one_clears_the_conflict_and_a_move_into_overlap_is_reported(run: Run) -> None:
    _double_booked(run)
    assert len(conflicts(run.engine)) == 1
    cancelled = (*K_OVERLAP[:4], "cancelled_by_guest", K_OVERLAP[5])
    result = _booking_com(run, "booking_com-2.csv", [cancelled, K_BEFORE], dt.datetime(2025, 12, 2, 7))
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 1)
    assert result.conflicts == []
    assert conflicts(run.engine) == []
    assert _view(run.engine) == []
    assert db_bookings(run.engine)[K_OVERLAP[0]]["status"] == "cancelled"
    assert db_tasks(run.engine)[K_OVERLAP[0]]["status"] == "cancelled"

    # Xavier's stay moves two nights over Kai's: the Airbnb file that moved it reports the conflict.
    moved = X.but(check_in=d(12, 8), check_out=d(12, 12))
    result = run.airbnb("airbnb-2.csv", [moved, PENDING], dt.datetime(2025, 12, 3, 6))
    start, end = _overlap((moved.check_in, moved.check_out), (K_BEFORE[2], K_BEFORE[3]))
    assert (end - start).days == 2
    assert _view(run.engine) == [({X.code, K_BEFORE[0]}, start.isoformat(), end.isoformat())]
    assert len(result.conflicts) == 1 and X.code in result.conflicts[0] and K_BEFORE[0] in result.conflicts[0]
    # Moved away, Kai no longer leaves the day Xavier arrives.
    assert db_tasks(run.engine)[K_BEFORE[0]]["same_day_turnover"] is False
    assert len(db_bookings(run.engine)) == 4


def test_a_double_booking_within_the_first_file_is_reported(run: Run) -> None:
    # Into an empty database (on PostgreSQL the first-load path, which checks in memory first).
    inside = X.but(code="HMINSIDE01", check_in=d(12, 11), check_out=d(12, 13), guest="Ines Olm")
    result = run.airbnb("airbnb.csv", [X, inside, PENDING], dt.datetime(2025, 12, 1, 6))
    assert result.inserted == 3
    found = conflicts(run.engine)
    assert len(found) == 1 and result.conflicts == [str(found[0])]
    assert X.code in result.conflicts[0] and inside.code in result.conflicts[0]
    assert (found[0].overlap_from, found[0].overlap_to) == (d(12, 11), d(12, 13))


# ---- 3. late exports -----------------------------------------------------------------------------


def _second_database(db_url: str, tmp_path: Path, first: Engine) -> Engine:
    """Another empty database of the same kind as `first`."""
    if db_url.startswith("sqlite"):
        return open_database(f"sqlite:///{tmp_path / 'second.db'}")
    first.dispose()
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    admin.dispose()
    return open_database(db_url)


def _open_tasks(engine: Engine) -> dict[str, tuple[object, ...]]:
    return {
        code: (row["due_date"], row["same_day_turnover"])
        for code, row in db_tasks(engine).items()
        if row["status"] == "open"
    }


def _comparable(engine: Engine) -> dict[str, dict[str, object]]:
    return without_as_of(db_bookings(engine))


# Week 3 of this variant still lists A, so every file loaded after it is entirely older news.
IN_WINDOW = [WEEKS[0], WEEKS[1], (WEEKS[2][0], [A.but(status="Past guest"), *WEEKS[2][1]])]


@pytest.mark.parametrize("weeks", [IN_WINDOW, WEEKS[:3]], ids=["all-in-window", "one-rolled-out"])
def test_a_late_export_never_moves_anything_backwards(
    weeks: list[tuple[dt.datetime, list[Stay]]], engine: Engine, db_url: str, tmp_path: Path
) -> None:
    in_order = Run(engine, tmp_path / "in-order")
    for i, (as_of, stays) in enumerate(weeks, 1):
        in_order.airbnb(f"week{i}.csv", stays, as_of)
    in_order.check()
    expected_bookings, expected_tasks = _comparable(engine), _open_tasks(engine)

    late = Run(_second_database(db_url, tmp_path, engine), tmp_path / "late")
    results = {}
    for i in (3, 1, 2):
        as_of, stays = weeks[i - 1]
        results[i] = late.airbnb(f"week{i}.csv", stays, as_of)  # counts checked against the model
    late.check()
    assert _comparable(late.engine) == expected_bookings
    assert _open_tasks(late.engine) == expected_tasks
    newest = {s.code for s in weeks[2][1]}
    for i in (1, 2):
        stays = weeks[i - 1][1]
        assert results[i].unchanged >= sum(s.code in newest for s in stays)
        if all(s.code in newest for s in stays):
            assert (results[i].inserted, results[i].updated, results[i].unchanged) == (0, 0, len(stays))
    # No booking the newest export describes kept anything from an older one.
    for code in newest:
        stored_as_of = db_bookings(late.engine)[code]["as_of"]
        assert isinstance(stored_as_of, dt.datetime)
        assert stored_as_of >= weeks[1][0] or code not in {s.code for s in weeks[1][1]}
    late_files = {str(late.paths["week1.csv"]), str(late.paths["week2.csv"])}
    assert not [row for row in db_history(late.engine) if row[1] in late_files and row[0] in newest]
    late.engine.dispose()
