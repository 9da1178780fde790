"""Bad rows go to rejected_rows with the row, header and text a person sees; good rows still load."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from airbnb_export import AIRBNB_HEADER
from sqlalchemy import Engine, insert, select

from loaders.tables import bookings, rejected_rows, source_files, status_map
from pipelines.discover import FileOptions
from pipelines.ingest import ingest_file

if TYPE_CHECKING:  # the fixtures' types; pytest imports conftest.py itself
    from pipelines.conftest import Db, Exports

AS_OF = dt.datetime(2025, 12, 1, 6, 0)
JAN_3, JAN_7 = dt.date(2026, 1, 3), dt.date(2026, 1, 7)


def line_numbers(header: list[str], rows: list[list[str]]) -> list[int]:
    """The CSV line each record starts on, as a spreadsheet shows it (quoted newlines included)."""
    numbers, line = [], 1 + 1  # the header is line 1
    for cells in rows:
        numbers.append(line)
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(cells)
        line += buf.getvalue().count("\n")
    return numbers


def stored_rejections(engine: Engine) -> list[tuple[int, str | None, str | None, str]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(
                    rejected_rows.c.row_number, rejected_rows.c.column, rejected_rows.c.value, rejected_rows.c.error
                ).order_by(rejected_rows.c.row_number, rejected_rows.c.column)
            )
        ]


def test_good_rows_load_and_each_bad_row_is_quarantined_where_a_person_sees_it(
    engine: Engine, exports: Exports, db: type[Db]
) -> None:
    Row = exports.Row
    # Headers as an operator's tool may write them: matched whatever their case, quoted as written.
    header = [{"Start date": "START DATE", "End date": "End Date"}.get(h, h) for h in exports.header]
    good = [
        Row("HMGOOD2222", JAN_3, JAN_7, guest="Ann Lee", earnings=Decimal("1234.56")),
        # A quoted line break: every later row sits one CSV line further down.
        Row("HMGOOD3333", JAN_3, JAN_7, guest="Bo\nJensen", listing="Garden Cottage"),
        Row("HMGOOD4444", JAN_3, JAN_7, guest='=HYPERLINK("x","y")', listing="Harbour View Loft"),
    ]
    # name -> (row, [(header as written, value stored, value shown)])
    bad: dict[str, tuple[Exports.Row, list[tuple[str, str | None, str | None]]]] = {
        "ends before it starts": (Row("HMBAD22222", JAN_7, JAN_3), [("End Date", "1/3/2026", None)]),
        "no such day": (
            Row("HMBAD33333", JAN_3, JAN_7, raw={"Start date": "2/30/2025"}),
            [("START DATE", "2/30/2025", "2/30/2025")],
        ),
        "adults in words": (
            Row("HMBAD44444", JAN_3, JAN_7, raw={"# of adults": "two"}),
            [("# of adults", "two", "two")],
        ),
        "no code": (Row("", JAN_3, JAN_7), [("Confirmation code", None, None)]),
        "unknown status": (
            Row("HMBAD55555", JAN_3, JAN_7, status="Bogus status"),
            [("Status", "Bogus status", "Bogus status")],
        ),
        "two problems": (
            Row("HMBAD66666", JAN_3, JAN_7, raw={"# of adults": "zz", "End date": "13/7/2026"}),
            [("# of adults", "zz", "zz"), ("End Date", "13/7/2026", "13/7/2026")],
        ),
    }
    ordered = [good[0], bad["ends before it starts"][0], good[1], *(r for r, _ in list(bad.values())[1:]), good[2]]
    cells = [r.cells() for r in ordered]
    path = exports.write("reservations.csv", _csv(header, cells))
    line_of = dict(zip((id(r) for r in ordered), line_numbers(header, cells), strict=True))

    result = ingest_file(engine, path, FileOptions(as_of=AS_OF))

    assert (result.status, result.rows, result.inserted, result.rejected) == (
        "loaded",
        len(ordered),
        len(good),
        len(bad),
    )
    with engine.connect() as conn:
        assert sorted(conn.execute(select(bookings.c.external_code)).scalars()) == sorted(r.code for r in good)
        assert conn.execute(select(source_files.c.rejected)).scalar_one() == len(bad)
    stored = stored_rejections(engine)
    expected = sorted(
        (line_of[id(row)], column, value) for row, problems in bad.values() for column, value, _ in problems
    )
    assert sorted((n, c, v) for n, c, v, _ in stored) == expected
    for n, column, _value, message in stored:
        assert message.strip(), (n, column)
        shown = next(
            quoted
            for row, problems in bad.values()
            if line_of[id(row)] == n
            for c, _, quoted in problems
            if c == column
        )
        if shown is not None:
            assert f"'{shown}'" in message, message
    [unknown] = [m for n, c, v, m in stored if c == "Status"]
    assert "'Bogus status'" in unknown and "airbnb" in unknown


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode()


# Text a spreadsheet would take for a formula, and text that trips CSV and COPY quoting.
GUESTS = [
    '=HYPERLINK("x","y")',
    "+1 234",
    "-cmd",
    "@SUM(A1)",
    'Zoë "Zo" Müller, Jr.',
    "Line one\nline two",
    "Ünïcødé 🏖 ゲスト",
    "back\\slash \\N",
]


def test_guest_text_is_stored_exactly_as_written(engine: Engine, exports: Exports) -> None:
    Row = exports.Row
    rows = [Row(f"HMTEXT{n:04d}", JAN_3, JAN_7, guest=guest) for n, guest in enumerate(GUESTS, start=2222)]
    path = exports.airbnb("guests.csv", rows)

    result = ingest_file(engine, path, FileOptions(as_of=AS_OF))

    assert (result.status, result.inserted, result.rejected) == ("loaded", len(rows), 0)
    with engine.connect() as conn:
        stored = dict(conn.execute(select(bookings.c.external_code, bookings.c.guest_name)).all())
    assert stored == {r.code: r.guest for r in rows}


def test_a_code_listed_twice_keeps_the_later_row_and_quarantines_the_earlier(
    engine: Engine, exports: Exports, db: type[Db]
) -> None:
    Row = exports.Row
    earlier = Row("HMTWICE222", JAN_3, JAN_7, status="Pending")
    later = earlier.but(status="Confirmed", guest="Changed Mind")
    other = Row("HMONCE2222", JAN_3, JAN_7, listing="Garden Cottage")
    path = exports.airbnb("twice.csv", [earlier, other, later])

    result = ingest_file(engine, path, FileOptions(as_of=AS_OF))

    assert (result.inserted, result.rejected) == (2, 1)
    [booking] = [b for b in db.dump(engine) if b["external_code"] == earlier.code]
    assert (booking["status"], booking["guest_name"], booking["source_row"]) == ("confirmed", "Changed Mind", 4)
    [(row_number, column, value, message)] = stored_rejections(engine)
    assert (row_number, column, value) == (2, "Confirmation code", earlier.code)
    assert "4" in message


@pytest.mark.parametrize(
    ("broken", "column"),
    [
        pytest.param({"raw": {"Start date": "2/30/2026"}}, "Start date", id="impossible-date"),
        pytest.param({"status": "Bogus status"}, "Status", id="unknown-status"),
        pytest.param({"check_out": JAN_3 - dt.timedelta(days=1)}, "End date", id="ends-before-it-starts"),
    ],
)
def test_a_repeated_code_whose_later_row_is_refused_keeps_the_earlier_row(
    engine: Engine, exports: Exports, db: type[Db], broken: dict[str, object], column: str
) -> None:
    # Repeats are judged among the rows that pass every check: the refused later row must not
    # displace the good earlier one, and no message may claim that it "was used".
    earlier = exports.Row("HMKEPT2222", JAN_3, JAN_7, guest="Good Row")
    later = earlier.but(guest="Refused Row", **broken)
    path = exports.airbnb("refused.csv", [earlier, later])

    result = ingest_file(engine, path, FileOptions(as_of=AS_OF))

    assert (result.inserted, result.rejected) == (1, 1)
    [booking] = db.dump(engine)
    assert (booking["guest_name"], booking["source_row"]) == ("Good Row", 2)
    rejections = stored_rejections(engine)
    assert {(r[0], r[1]) for r in rejections} == {(3, column)}
    assert not any("was used" in r[3] for r in rejections)


def test_a_label_the_operator_adds_to_the_status_map_table_is_used_by_the_next_export(
    engine: Engine, exports: Exports, db: type[Db]
) -> None:
    row = exports.Row("HMLABEL222", JAN_3, JAN_7, status="Awaiting host approval")
    first = ingest_file(engine, exports.airbnb("first.csv", [row]), FileOptions(as_of=AS_OF))
    assert (first.inserted, first.rejected) == (0, 1)
    with engine.begin() as conn:
        conn.execute(
            insert(status_map), {"source": "airbnb", "raw_status": "Awaiting host approval", "status": "pending"}
        )

    later = ingest_file(
        engine,
        exports.airbnb("later.csv", [row, row.but(code="HMLABEL333")]),
        FileOptions(as_of=AS_OF + dt.timedelta(days=1)),
    )

    assert (later.inserted, later.rejected) == (2, 0)
    assert {b["status"] for b in db.dump(engine)} == {"pending"}


def test_an_amount_too_large_for_the_money_column_quarantines_its_row(
    engine: Engine, exports: Exports, db: type[Db]
) -> None:
    """MONEY is NUMERIC(14, 4): 10 digits before the point. One mistyped cell must not cost the
    other rows (PostgreSQL refuses the value; SQLite would store it)."""
    Row = exports.Row
    good = Row("HMFITS2222", JAN_3, JAN_7, earnings=Decimal("950.00"))
    huge = Row("HMHUGE2222", JAN_3, JAN_7, listing="Garden Cottage", earnings=Decimal("12345678901.00"))
    path = exports.airbnb("huge.csv", [good, huge])

    result = ingest_file(engine, path, FileOptions(as_of=AS_OF))

    assert (result.status, result.inserted, result.rejected) == ("loaded", 1, 1)
    assert [b["external_code"] for b in db.dump(engine)] == [good.code]
    [(row_number, column, value, _)] = stored_rejections(engine)
    assert (row_number, column, value) == (3, "Earnings", "$12,345,678,901.00")


def test_every_problem_of_a_row_is_reported_at_once(engine: Engine, tmp_path: Path) -> None:
    """A row with a bad guest count, an end before its start and an unknown status gets three
    rejected_rows entries in one run, not one per re-run; the good row still loads."""
    header = AIRBNB_HEADER
    bad = "HMBADROW01,Bogus,Ann,,two,0,0,12/5/2025,12/3/2025,3,11/1/2025,Flat,$10.00"
    good = 'HMGOODROW1,Confirmed,Bob,,2,0,0,12/5/2025,12/8/2025,3,11/1/2025,Flat,"$1,000.00"'
    path = tmp_path / "three_problems.csv"
    path.write_text("\n".join([header, bad, good]) + "\n", encoding="utf-8")

    result = ingest_file(engine, path, FileOptions(as_of=dt.datetime(2025, 12, 1)))

    assert (result.status, result.inserted, result.rejected) == ("loaded", 1, 1)
    with engine.connect() as conn:
        rows = conn.execute(select(rejected_rows.c.row_number, rejected_rows.c.column)).all()
    assert sorted(rows) == [(2, "# of adults"), (2, "End date"), (2, "Status")]


def test_an_amount_that_rounds_past_the_database_limit_is_quarantined_not_a_crash(
    engine: Engine, exports: Exports
) -> None:
    # NUMERIC(14, 4): 9,999,999,999.99999 would round to 10,000,000,000.0000 and overflow.
    too_big = exports.Row("HMHUGE2222", JAN_3, JAN_7, raw={"Earnings": "$9,999,999,999.99999"})
    largest = exports.Row("HMLARGE222", JAN_3, JAN_7, listing="Garden Cottage", raw={"Earnings": "$9,999,999,999.9999"})
    result = ingest_file(engine, exports.airbnb("huge.csv", [too_big, largest]), FileOptions(as_of=AS_OF))

    assert (result.status.value, result.inserted, result.rejected) == ("loaded", 1, 1), result
    [(row_number, column, value, message)] = stored_rejections(engine)
    assert (row_number, column, value) == (2, "Earnings", "$9,999,999,999.99999")
    assert "above the largest allowed value" in message
    with engine.connect() as conn:
        assert conn.execute(select(bookings.c.payout)).scalar_one() == Decimal("9999999999.9999")


def test_a_date_beyond_what_a_timestamp_holds_is_an_impossible_date_not_a_crash(
    engine: Engine, exports: Exports
) -> None:
    far = exports.Row("HMFAR22222", JAN_3, JAN_7, raw={"End date": "1/5/3026"})
    fine = exports.Row("HMFINE2222", JAN_3, JAN_7, listing="Garden Cottage")
    result = ingest_file(engine, exports.airbnb("far.csv", [far, fine]), FileOptions(as_of=AS_OF))
    assert (result.status.value, result.inserted, result.rejected) == ("loaded", 1, 1), result
    [(row_number, column, value, message)] = stored_rejections(engine)
    assert (row_number, column, value) == (2, "End date", "1/5/3026")
    assert "is not a real date" in message


def test_booking_times_finer_than_microseconds_load_on_every_database(
    engine: Engine, exports: Exports, db: type[Db]
) -> None:
    row = exports.Row("HMFINE3333", JAN_3, JAN_7, raw={"Booked": "2025-10-01 10:00:00.1234567"})
    result = ingest_file(engine, exports.airbnb("fine.csv", [row]), FileOptions(as_of=AS_OF))
    assert (result.status.value, result.inserted, result.rejected) == ("loaded", 1, 0), result
    [booking] = db.dump(engine)
    booked_at = booking["booked_at"]
    assert isinstance(booked_at, dt.datetime)
    assert booked_at.replace(microsecond=0) == dt.datetime(2025, 10, 1, 10, 0)
    assert booked_at.microsecond in (123456, 123457)


@pytest.mark.slow
def test_a_utf8_file_whose_first_256_kb_end_inside_a_character_is_read_as_utf8(
    engine: Engine, exports: Exports
) -> None:
    from sources.readers import HEAD_BYTES

    day = dt.timedelta(days=1)
    rows = [
        exports.Row(f"HM{i:08d}", JAN_3 + 5 * i * day, JAN_7 + 5 * i * day, guest="Анастасия Сидорова")
        for i in range(3000)
    ]
    data = exports.airbnb("cyrillic.csv", rows).read_bytes()
    for pad in range(300):  # shift the bytes until the 256 KB mark falls inside a two-byte letter
        shifted = data.replace(b"Old Town Flat", b"Old Town Flat" + b" " * pad, 1)
        if shifted[HEAD_BYTES] & 0xC0 == 0x80:
            break
    assert shifted[HEAD_BYTES] & 0xC0 == 0x80
    result = ingest_file(engine, exports.write("shifted.csv", shifted), FileOptions(as_of=AS_OF))
    assert (result.status.value, result.inserted, result.rejected) == ("loaded", 3000, 0), result
    with engine.connect() as conn:
        assert set(conn.execute(select(bookings.c.guest_name)).scalars()) == {"Анастасия Сидорова"}


def test_a_nul_character_in_a_cell_quarantines_its_row_on_every_database(engine: Engine, exports: Exports) -> None:
    # Past the first 64K characters (a NUL near the top makes the whole file binary): one row.
    day = dt.timedelta(days=1)
    fine = [exports.Row(f"HM{i:08d}", JAN_3 + 5 * i * day, JAN_7 + 5 * i * day) for i in range(700)]
    nul = exports.Row("HMNUL22222", JAN_3, JAN_7, listing="Garden Cottage", guest="Ann\x00Lee")
    result = ingest_file(engine, exports.airbnb("nul.csv", [*fine, nul]), FileOptions(as_of=AS_OF))
    assert (result.status.value, result.inserted, result.rejected) == ("loaded", 700, 1), result
    [(row_number, column, _, message)] = stored_rejections(engine)
    assert (row_number, column) == (702, "Guest name")
    assert "NUL character" in message
