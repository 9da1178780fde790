"""A large CSV is ingested a chunk at a time inside one transaction, and that changes nothing:
the database ends up exactly as after reading the file whole, repeated codes and bad rows are
reported with their true row numbers, and a chunk that cannot be read loads nothing of the file."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from databases import fresh_engine
from sqlalchemy import Engine, select

from loaders.strategies import known_rows
from loaders.tables import booking_changes, bookings, rejected_rows, source_file_keys, source_files, tasks
from pipelines.discover import FileOptions
from pipelines.ingest import FileResult, ingest_file
from schemas.tuning import Tuning
from sources.errors import SourceError, UnreadableFile
from sources.readers import HEAD_BYTES, read_export_chunks

if TYPE_CHECKING:  # the fixtures' types; pytest imports conftest.py itself
    from pipelines.conftest import Db, Exports, Row

AS_OF = dt.datetime(2025, 12, 1, 6, 0)
FIRST_NIGHT = dt.date(2026, 1, 2)
SMALL = 4096  # bytes per chunk in these tests: a 500-row export is some 15 chunks
WHOLE = 1 << 30  # one chunk, whatever the file
LISTINGS = ("Old Town Flat", "Garden Cottage", "Harbour View Loft", "Mill Street Studio")
STATUSES = ("Confirmed", "Pending", "Past guest", "Canceled by guest", "Confirmed")
FILE_FIELDS = (
    "sha256",
    "path",
    "source",
    "as_of",
    "status",
    "rows",
    "inserted",
    "updated",
    "unchanged",
    "rejected",
    "error",
)
REPEATED = "the same code appears again at row {later}; that row was used"
# Every test here ingests files of hundreds of rows in many chunks, most of them more than once.
pytestmark = pytest.mark.slow


def code(i: int) -> str:
    return f"HM{i:08d}"


def stays(Row: type[Row], n: int) -> list[Row]:
    """n distinct bookings; stays of one listing never overlap, so no double bookings."""
    out = []
    for i in range(n):
        check_in = FIRST_NIGHT + dt.timedelta(days=4 * (i // len(LISTINGS)))
        out.append(
            Row(
                code(i), check_in, check_in + dt.timedelta(days=3), status=STATUSES[i % len(STATUSES)],
                guest=f"Guest {i}", listing=LISTINGS[i % len(LISTINGS)], earnings=Decimal(100 + i) + Decimal("0.25"),
                adults=1 + i % 3, children=i % 2,
            )
        )  # fmt: skip
    return out


def chunks_of(path: Path, chunk_bytes: int) -> list[list[int]]:
    """The row numbers of each chunk the reader yields for `path`."""
    chunks = read_export_chunks(path, str(path), tuning=Tuning(chunk_bytes=chunk_bytes))
    return [[int(n) for n in t.row_numbers] for t in chunks]


def chunks_read(path: Path, chunk_bytes: int) -> int:
    """How many chunks the reader yields for `path` before any SourceError."""
    n = 0
    try:
        for _ in read_export_chunks(path, str(path), tuning=Tuning(chunk_bytes=chunk_bytes)):
            n += 1
    except SourceError:
        pass
    return n


def chunk_index(chunks: list[list[int]], row: int) -> int:
    [index] = [i for i, rows in enumerate(chunks) if row in rows]
    return index


def snapshot(engine: Engine, dump: Callable[..., list[dict[str, object]]]) -> dict[str, object]:
    """Everything a file load writes, without ids and clock times."""
    b, t, c, r, f = bookings.c, tasks.c, booking_changes.c, rejected_rows.c, source_files.c
    with engine.connect() as conn:
        return {
            "bookings": dump(engine, exclude=("id", "property_id", "source_file_id", "first_file_id")),
            "rejected_rows": [
                tuple(row)
                for row in conn.execute(select(r.row_number, r.column, r.value, r.error).order_by(r.row_number, r.id))
            ],
            "source_files": [tuple(row) for row in conn.execute(select(*(f[n] for n in FILE_FIELDS)))],
            "tasks": [
                tuple(row)
                for row in conn.execute(
                    select(b.external_code, t.kind, t.due_date, t.status, t.same_day_turnover, t.locked)
                    .join_from(tasks, bookings, t.booking_id == b.id)
                    .order_by(b.external_code, t.kind)
                )
            ],
            "booking_changes": [
                tuple(row)
                for row in conn.execute(
                    select(b.external_code, c.kind, c.field, c.old_value, c.new_value, c.changed_at)
                    .join_from(booking_changes, bookings, c.booking_id == b.id)
                    .order_by(b.external_code, c.id)
                )
            ],
        }


def load(
    db_url: str, path: Path, chunk_bytes: int, dump: Callable[..., list[dict[str, object]]]
) -> tuple[FileResult, dict[str, object]]:
    """`path` ingested into an empty database, read `chunk_bytes` at a time."""
    engine = fresh_engine(db_url)
    try:
        result = ingest_file(engine, path, FileOptions(as_of=AS_OF), tuning=Tuning(chunk_bytes=chunk_bytes))
        return result, snapshot(engine, dump)
    finally:
        engine.dispose()


def stored_rejections(engine: Engine) -> list[tuple[int, str | None, str | None, str]]:
    r = rejected_rows.c
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(r.row_number, r.column, r.value, r.error).order_by(r.id))]


def source_rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(bookings.c.external_code, bookings.c.source_row)).all())


# --- (a) a file in many chunks loads as the same file in one --------------------------------------


def plain(exports: Exports) -> Path:
    return exports.airbnb("plain.csv", stays(exports.Row, 500))


def crlf_bom_trailing_blank_lines(exports: Exports) -> Path:
    data = exports.airbnb("tmp.csv", stays(exports.Row, 500), newline="\r\n", bom=True).read_bytes()
    return exports.write("crlf.csv", data + b"\r\n" * 4)


def quoted_line_break_late(exports: Exports) -> Path:
    # From this record on, the Python reader reads the rest of the file: row numbers shift by one.
    rows = stays(exports.Row, 500)
    rows[300] = rows[300].but(guest="Ann\nLee")
    rows[420] = rows[420].but(raw={"Start date": "2/30/2026"})
    return exports.airbnb("multiline.csv", rows)


def bad_rows_in_several_chunks(exports: Exports) -> Path:
    rows = stays(exports.Row, 500)
    rows[30] = rows[30].but(raw={"Start date": "13/1/2026"})
    rows[250] = rows[250].but(raw={"# of adults": "two"})
    rows[300] = rows[300].but(check_in=rows[300].check_out, check_out=rows[300].check_in)
    rows[400] = rows[400].but(status="Bogus status")
    rows[480] = rows[480].but(code="")
    return exports.airbnb("bad_rows.csv", rows)


def last_line_of_spaces(exports: Exports) -> Path:
    # Trailing indentation after the last record, without a final line break.
    data = exports.airbnb("tmp.csv", stays(exports.Row, 500)).read_bytes()
    return exports.write("spaces.csv", data + b"   ")


def code_repeated_across_chunks(exports: Exports) -> Path:
    rows = stays(exports.Row, 500)
    rows[450] = rows[450].but(code=rows[5].code, guest="Changed Mind")
    return exports.airbnb("repeated.csv", rows)


def code_listed_three_times(exports: Exports) -> Path:
    # Twice in the first chunk, once more in a late one: both earlier rows lose to the last.
    rows = stays(exports.Row, 500)
    rows[10] = rows[10].but(code=rows[5].code)
    rows[450] = rows[450].but(code=rows[5].code, guest="Changed Mind")
    return exports.airbnb("three_times.csv", rows)


def code_repeated_by_a_row_with_an_unknown_status(exports: Exports) -> Path:
    rows = stays(exports.Row, 500)
    rows[450] = rows[450].but(code=rows[5].code, status="Bogus status")
    return exports.airbnb("repeated_unknown_status.csv", rows)


def code_repeated_by_a_row_that_ends_before_it_starts(exports: Exports) -> Path:
    rows = stays(exports.Row, 500)
    rows[450] = rows[450].but(code=rows[5].code, check_in=rows[450].check_out, check_out=rows[450].check_in)
    return exports.airbnb("repeated_backwards.csv", rows)


SCENARIOS = [
    plain,
    crlf_bom_trailing_blank_lines,
    quoted_line_break_late,
    bad_rows_in_several_chunks,
    last_line_of_spaces,
    code_repeated_across_chunks,
    code_listed_three_times,
    code_repeated_by_a_row_with_an_unknown_status,
    code_repeated_by_a_row_that_ends_before_it_starts,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__.replace("_", "-") for s in SCENARIOS])
def test_a_file_in_many_chunks_loads_as_the_same_file_read_whole(
    db_url: str, exports: Exports, db: type[Db], scenario: Callable[..., Path]
) -> None:
    path = scenario(exports)
    assert chunks_read(path, SMALL) > 5
    assert len(chunks_of(path, WHOLE)) == 1

    whole, expected = load(db_url, path, WHOLE, db.dump)
    chunked, got = load(db_url, path, SMALL, db.dump)

    assert whole.status == "loaded" and whole.inserted > 400, whole
    assert expected["tasks"], "confirmed stays get cleaning tasks: the comparison must cover them"
    assert (chunked.status, chunked.reason) == (whole.status, whole.reason)
    for table in expected:
        assert got[table] == expected[table], table
    assert chunked == whole


def test_every_row_of_a_multi_chunk_file_is_loaded(db_url: str, exports: Exports, db: type[Db]) -> None:
    rows = stays(exports.Row, 500)
    path = exports.airbnb("all.csv", rows)
    tuning = Tuning(chunk_bytes=SMALL)
    assert len(chunks_of(path, SMALL)) > 5
    engine = fresh_engine(db_url)
    try:
        result = ingest_file(engine, path, FileOptions(as_of=AS_OF), tuning=tuning)

        assert (result.status, result.rows, result.inserted, result.updated, result.unchanged, result.rejected) == (
            "loaded", 500, 500, 0, 0, 0,
        )  # fmt: skip
        assert source_rows(engine) == {r.code: i + 2 for i, r in enumerate(rows)}
        dumped = {b["external_code"]: b for b in db.dump(engine)}
        assert {c: (b["guest_name"], b["property"], b["check_in"], b["adults"]) for c, b in dumped.items()} == {
            r.code: (r.guest, r.listing, r.check_in, r.adults) for r in rows
        }
        assert db.counts(engine) == {"source_files": 1, "bookings": 500, "rejected_rows": 0, "properties": 4}
        assert db.dangling(engine) == {}
    finally:
        engine.dispose()


# --- (b) a code repeated in a later chunk ---------------------------------------------------------


def test_a_code_repeated_in_a_later_chunk_keeps_the_later_row(db_url: str, exports: Exports, db: type[Db]) -> None:
    rows = stays(exports.Row, 500)
    earlier = rows[5].but(status="Pending", guest="First Guest")
    later = rows[450].but(code=earlier.code, status="Confirmed", guest="Changed Mind")
    rows[5], rows[450] = earlier, later
    path = exports.airbnb("repeated.csv", rows)
    tuning = Tuning(chunk_bytes=SMALL)
    chunks = chunks_of(path, SMALL)
    assert chunk_index(chunks, 7) < chunk_index(chunks, 452)
    engine = fresh_engine(db_url)
    try:
        result = ingest_file(engine, path, FileOptions(as_of=AS_OF), tuning=tuning)

        message = REPEATED.format(later=452)
        assert (result.status, result.rows, result.inserted, result.rejected, result.problems_total) == (
            "loaded", 500, 499, 1, 1,
        )  # fmt: skip
        assert result.problems == [f"row 7, Confirmation code: {message}"]
        assert stored_rejections(engine) == [(7, "Confirmation code", earlier.code, message)]
        [booking] = [b for b in db.dump(engine) if b["external_code"] == earlier.code]
        assert (booking["guest_name"], booking["status"], booking["property"], booking["source_row"]) == (
            "Changed Mind", "confirmed", later.listing, 452,
        )  # fmt: skip
        assert db.counts(engine) == {"source_files": 1, "bookings": 499, "rejected_rows": 1, "properties": 4}
        with engine.connect() as conn:
            assert conn.execute(select(source_files.c.rows, source_files.c.rejected)).one() == (500, 1)
    finally:
        engine.dispose()


def stored_before(exports: Exports) -> Path:
    """What the database holds before a re-load: the scenarios' rows but rows 50-99 (the
    re-load inserts them), and rows 100-119 with another guest (the re-load updates them)."""
    rows = stays(exports.Row, 500)
    rows = [r.but(guest="Someone Else") if 100 <= i < 120 else r for i, r in enumerate(rows) if not 50 <= i < 100]
    return exports.airbnb("before.csv", rows)


def listed_keys(engine: Engine) -> list[list[str]]:
    """The codes each file listed without changing them, per file (see source_file_keys)."""
    k, b = source_file_keys.c, bookings.c
    with engine.connect() as conn:
        lists = conn.execute(select(k.booking_ids).order_by(k.source_file_id)).scalars().all()
        code = dict(conn.execute(select(b.id, b.external_code)).all())
    return [sorted(code[i] for i in ids) for ids in lists]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__.replace("_", "-") for s in SCENARIOS])
@pytest.mark.parametrize("later", [True, False], ids=["newer-file", "late-file"])
def test_a_re_load_compared_in_memory_ends_as_one_compared_in_the_database(
    pg_server_url: str,
    exports: Exports,
    db: type[Db],
    monkeypatch: pytest.MonkeyPatch,
    scenario: Callable[..., Path],
    later: bool,
) -> None:
    # PostgreSQL re-loads of many rows find the rows they restate unchanged by key and row
    # hash in memory; the database must end exactly as when every row is compared there,
    # chunk by chunk, with repeated codes, bad rows and files older than what is stored.
    path, before = scenario(exports), stored_before(exports)
    as_of = AS_OF + dt.timedelta(days=1 if later else -1)
    outcomes = []
    fetched: list[int] = []
    fetch = known_rows.KnownRows.fetch

    def counted_fetch(raw: object) -> known_rows.KnownRows:
        fetched.append(1)
        return fetch(raw)

    monkeypatch.setattr(known_rows.KnownRows, "fetch", counted_fetch)
    for in_memory_from in (10**9, 0):  # never, always
        tuning = Tuning(chunk_bytes=SMALL, known_in_memory_min_rows=in_memory_from)
        fetched.clear()
        engine = fresh_engine(pg_server_url)
        try:
            assert ingest_file(engine, before, FileOptions(as_of=AS_OF), tuning=tuning).status == "loaded"
            result = ingest_file(engine, path, FileOptions(as_of=as_of), tuning=tuning)
            outcomes.append((result, snapshot(engine, db.dump), listed_keys(engine)))
        finally:
            engine.dispose()
        assert fetched == ([1] if in_memory_from == 0 else [])
    (in_db, expected, expected_keys), (in_memory, got, got_keys) = outcomes

    assert in_db.status == "loaded" and in_db.inserted > 0 and in_db.unchanged > 300, in_db
    if later:
        assert in_db.updated > 0, in_db
    assert in_memory == in_db
    for table in expected:
        assert got[table] == expected[table], table
    assert got_keys == expected_keys


@pytest.mark.parametrize("repeated", [False, True], ids=["reported", "gone-with-its-repeated-code"])
def test_a_double_booking_across_chunks_of_a_first_load(db_url: str, exports: Exports, repeated: bool) -> None:
    # A first load looks for double bookings in memory before it asks the database: the two
    # stays must be found although different chunks bring them. When the early row's code comes
    # again later with other dates, the early row is dropped and its overlap with it.
    rows = stays(exports.Row, 500)
    early = rows[5]
    late = rows[450].but(listing=early.listing, check_in=early.check_in + dt.timedelta(days=1),
                         check_out=early.check_out + dt.timedelta(days=1), status="Confirmed")  # fmt: skip
    rows[5], rows[450] = early.but(status="Confirmed"), late
    if repeated:  # the code of row 7 again at row 301, on days nobody else stays
        rows[299] = rows[5].but(check_in=dt.date(2031, 1, 1), check_out=dt.date(2031, 1, 3))
    path = exports.airbnb("double.csv", rows)
    tuning = Tuning(chunk_bytes=SMALL)
    chunks = chunks_of(path, SMALL)
    assert chunk_index(chunks, 7) < chunk_index(chunks, 301) < chunk_index(chunks, 452)
    engine = fresh_engine(db_url)
    try:
        result = ingest_file(engine, path, FileOptions(as_of=AS_OF), tuning=tuning)

        assert (result.status, result.inserted) == ("loaded", 499 if repeated else 500), result
        if repeated:
            assert result.conflicts == []
        else:
            [conflict] = result.conflicts
            assert early.code in conflict and late.code in conflict
    finally:
        engine.dispose()


# --- (c) a bad row in a late chunk ----------------------------------------------------------------


@pytest.mark.parametrize("reader", ["arrow", "python"])
def test_a_bad_row_in_a_late_chunk_is_quarantined_at_its_true_row(
    db_url: str, exports: Exports, db: type[Db], reader: str
) -> None:
    rows = stays(exports.Row, 500)
    if reader == "python":
        # A quoted line break early on: the rest of the file goes through the Python reader and
        # every later record starts one line further down.
        rows[100] = rows[100].but(guest="Ann\nLee")
    rows[440] = rows[440].but(raw={"Start date": "2/30/2026"})
    path = exports.airbnb("bad_date.csv", rows)
    shift = 1 if reader == "python" else 0
    line = {r.code: i + 2 + (shift if i > 100 else 0) for i, r in enumerate(rows)}
    bad_row = line[rows[440].code]
    assert bad_row == 442 + shift
    tuning = Tuning(chunk_bytes=SMALL)
    chunks = chunks_of(path, SMALL)
    assert len(chunks) > 1
    assert chunk_index(chunks, bad_row) > 0
    engine = fresh_engine(db_url)
    try:
        result = ingest_file(engine, path, FileOptions(as_of=AS_OF), tuning=tuning)

        assert (result.status, result.rows, result.inserted, result.rejected) == ("loaded", 500, 499, 1)
        [(row_number, column, value, error)] = stored_rejections(engine)
        assert (row_number, column, value) == (bad_row, "Start date", "2/30/2026")
        assert "not a real date" in error
        assert result.problems == [f"row {bad_row}, Start date: {error}"]
        good = {c: n for c, n in line.items() if c != rows[440].code}
        assert source_rows(engine) == good
        assert next(b["guest_name"] for b in db.dump(engine) if b["external_code"] == rows[100].code) == rows[100].guest
    finally:
        engine.dispose()


# --- (d) a chunk that cannot be read --------------------------------------------------------------


def binary_in_a_late_chunk(exports: Exports) -> tuple[bytes, bytes, str]:
    """Valid UTF-8 with control characters past what the header check looks at; a quoted line
    break just before them sends the rest of the file through the Python reader, which refuses them."""
    rows = stays(exports.Row, 700)
    rows[600] = rows[600].but(guest="Ann\nLee")
    rows[602] = rows[602].but(guest="Bad GUESTMARK Guest")
    data = exports.airbnb("tmp.csv", rows).read_bytes()
    bad = data.replace(b"GUESTMARK", b"\x00\x01")
    assert bad.index(b"\x00") > 65536 + 1024
    return bad, data.replace(b"GUESTMARK", b"Jr."), r"binary data"


def undecodable_in_a_late_chunk(exports: Exports) -> tuple[bytes, bytes, str]:
    """UTF-8 in the part that decides the encoding, then a byte that is neither UTF-8 nor
    Windows-1252 (0x81) far below."""
    n = HEAD_BYTES // 100 + 200
    rows = stays(exports.Row, n)
    rows[n - 50] = rows[n - 50].but(guest="Bad GUESTMARK Guest")
    data = exports.airbnb("tmp.csv", rows).read_bytes()
    bad = data.replace(b"GUESTMARK", b"\x81\x8d")
    assert bad.index(b"\x81") > HEAD_BYTES
    return bad, data.replace(b"GUESTMARK", "Zoë".encode()), r"neither UTF-8 nor Windows-1252"


@pytest.mark.parametrize("make", [binary_in_a_late_chunk, undecodable_in_a_late_chunk], ids=["binary", "undecodable"])
def test_a_late_chunk_that_cannot_be_read_loads_nothing_of_the_file(
    db_url: str, exports: Exports, db: type[Db], make: Callable[..., tuple[bytes, bytes, str]]
) -> None:
    bad, fixed, says = make(exports)
    path = exports.write("late_problem.csv", bad)
    chunk_bytes = 16384 if len(bad) > HEAD_BYTES else SMALL
    tuning = Tuning(chunk_bytes=chunk_bytes)
    read: list[int] = []
    with pytest.raises(UnreadableFile):
        for table in read_export_chunks(path, str(path), tuning=tuning):
            read.append(len(table))
    assert len(read) > 1 and sum(read) > 400, "chunks must have been read before the problem"
    engine = fresh_engine(db_url)
    try:
        result = ingest_file(engine, path, FileOptions(as_of=AS_OF), tuning=tuning)

        assert result.status == "rejected"
        assert (result.rows, result.inserted, result.rejected) == (0, 0, 0)
        reason = result.reason or ""
        assert re.search(says, reason, re.I), reason
        assert "nothing was loaded" in reason, reason
        assert nothing_stored(engine, db)

        # The same bytes again: rejected again, not taken for a file loaded before.
        again = ingest_file(engine, path, FileOptions(as_of=AS_OF), tuning=tuning)
        assert (again.status, again.reason) == ("rejected", result.reason)
        assert nothing_stored(engine, db)

        # Fixed, the file loads whole.
        path.write_bytes(fixed)
        loaded = ingest_file(engine, path, FileOptions(as_of=AS_OF), tuning=tuning)
        total = len(chunks_of(path, WHOLE)[0])
        assert (loaded.status, loaded.rows, loaded.inserted, loaded.rejected) == ("loaded", total, total, 0), loaded
        assert db.counts(engine) == {"source_files": 1, "bookings": total, "rejected_rows": 0, "properties": 4}
        assert db.dangling(engine) == {}
    finally:
        engine.dispose()


def nothing_stored(engine: Engine, db: type[Db]) -> bool:
    written = {t: n for t, n in db.counts(engine).items() if n}
    written |= {t.name: n for t in (tasks, booking_changes) if (n := db.count(engine, t))}
    assert written == {}
    return True
