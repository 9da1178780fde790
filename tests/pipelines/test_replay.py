"""A way back for quarantined rows, as an operator uses it on SQLite and PostgreSQL: `rejected`
lists them, `status-map unknown` counts their labels, `status-map add` maps one, `replay` loads the
rows that pass now (once), through `pipelines.cli.main` in-process."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine, func, select, update

from loaders.tables import booking_changes, bookings, rejected_rows, source_files, status_map, tasks
from pipelines.cli import main

if TYPE_CHECKING:  # the fixtures' types; pytest imports conftest.py itself
    from pipelines.conftest import Db, Exports

DEC_1, DEC_10 = dt.datetime(2025, 12, 1, 6, 0), dt.datetime(2025, 12, 10, 6, 0)
JAN = {d: dt.date(2026, 1, d) for d in range(1, 32)}  # JAN[3] is 3 January 2026
NEXT_WEEK = "Arriving next week"  # a made-up label the seed does not know


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    """Exit status, stdout (parsed when --json), stderr."""
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, json.loads(out) if "--json" in argv and out else out, err


def ingest(capsys: pytest.CaptureFixture[str], engine: Engine, db_url: str, path: Path, as_of: dt.datetime) -> int:
    """Ingest one export through the CLI; its source_files id."""
    _, summary, err = run(capsys, "ingest", str(path), "--db", db_url, "--no-prefect", "--json",
                             "--as-of", as_of.isoformat())  # fmt: skip
    [file] = summary["files"]
    assert file["status"] == "loaded", (file, err)
    with engine.connect() as conn:
        return int(conn.execute(select(func.max(source_files.c.id))).scalar_one())


def table(engine: Engine, t: Any, *order: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(t).order_by(*(order or [t.c.id])))]


def january(exports: Exports) -> Path:
    """Five stays: two with the unknown label, one fine, one with a label that stays unknown, one
    with the unknown label and guest counts in words (still bad once the label is mapped)."""
    Row = exports.Row
    return exports.airbnb(
        "airbnb_2025-12-01.csv",
        [
            Row("HMREPLAY01", JAN[3], JAN[7], status=NEXT_WEEK, guest="Ann Example"),
            Row("HMREPLAY02", JAN[10], JAN[12], status=NEXT_WEEK, guest="Bo Example"),
            Row("HMREPLAY03", JAN[14], JAN[16], guest="Cy Example"),
            Row("HMREPLAY04", JAN[18], JAN[20], status="Maybe later perhaps", guest="Di Example"),
            Row("HMREPLAY05", JAN[22], JAN[24], status=NEXT_WEEK, raw={"# of adults": "two"}),
        ],
    )


def test_rejected_unknown_add_and_replay_load_exactly_the_rows_that_pass_now_once(
    db_url: str, engine: Engine, exports: Exports, db: type[Db], capsys: pytest.CaptureFixture[str]
) -> None:
    path = january(exports)
    file_id = ingest(capsys, engine, db_url, path, DEC_1)

    code, listed, _ = run(capsys, "rejected", "--db", db_url, "--json")
    assert code == 0
    assert [(q["file_id"], q["file"], q["row"], q["column"], q["value"]) for q in listed] == [
        (file_id, str(path), 2, "Status", NEXT_WEEK),
        (file_id, str(path), 3, "Status", NEXT_WEEK),
        (file_id, str(path), 5, "Status", "Maybe later perhaps"),
        (file_id, str(path), 6, "# of adults", "two"),
        (file_id, str(path), 6, "Status", NEXT_WEEK),
    ]
    assert listed[0]["reason"].startswith(f"unknown status '{NEXT_WEEK}' for source airbnb")
    # The label is kept apart from the message; other problems have none.
    assert [(q["source"], q["unknown_status"]) for q in listed[2:4]] == [
        ("airbnb", "Maybe later perhaps"),
        (None, None),
    ]
    code, text, _ = run(capsys, "rejected", "--db", db_url, "--file", str(file_id))
    assert code == 0 and "4 quarantined row(s) in 1 file(s)" in text and "Maybe later perhaps" in text

    code, unknown, _ = run(capsys, "status-map", "unknown", "--db", db_url, "--json")
    assert (code, unknown) == (0, [
        {"source": "airbnb", "label": NEXT_WEEK, "rows": 3, "files": 1, "status": None},
        {"source": "airbnb", "label": "Maybe later perhaps", "rows": 1, "files": 1, "status": None},
    ])  # fmt: skip

    # Matched as every label is: case and white space do not matter.
    code, out, _ = run(capsys, "status-map", "add", "airbnb", "  arriving NEXT   week ", "confirmed", "--db", db_url)
    assert code == 0 and out.startswith("added: airbnb 'arriving NEXT   week' -> confirmed")
    code, unknown, _ = run(capsys, "status-map", "unknown", "--db", db_url, "--json")
    assert [(u["label"], u["status"]) for u in unknown] == [(NEXT_WEEK, "confirmed"), ("Maybe later perhaps", None)]
    before = db.dump(engine)

    code, replayed, _ = run(capsys, "replay", "--file", str(file_id), "--db", db_url, "--json")
    [result] = replayed["files"]
    assert code == 1  # rows are still quarantined
    assert {k: result[k] for k in ("file_id", "quarantined", "replayed", "inserted", "updated", "unchanged", "still",
                                   "reasons_changed")} == {
        "file_id": file_id, "quarantined": 4, "replayed": 2, "inserted": 2, "updated": 0, "unchanged": 0,
        "still": 2, "reasons_changed": 1,
    }  # fmt: skip
    replay_id = result["replay_id"]
    after = {b["external_code"]: b for b in db.dump(engine)}
    assert set(after) == {b["external_code"] for b in before} | {"HMREPLAY01", "HMREPLAY02"}
    ann = after["HMREPLAY01"]
    assert (ann["status"], ann["raw_status"], ann["guest_name"], ann["check_in"], ann["as_of"]) == (
        "confirmed", NEXT_WEEK, "Ann Example", JAN[3], DEC_1,
    )  # fmt: skip
    assert (ann["source_file_id"], ann["first_file_id"], ann["source_row"]) == (replay_id, replay_id, 2)
    with engine.connect() as conn:
        due = dict(conn.execute(select(bookings.c.external_code, tasks.c.due_date).join_from(
            tasks, bookings, tasks.c.booking_id == bookings.c.id)).all())  # fmt: skip
        replay = conn.execute(select(source_files).where(source_files.c.id == replay_id)).mappings().one()
        marks = dict(conn.execute(select(rejected_rows.c.row_number, rejected_rows.c.replayed_in)).all())
        left = conn.execute(
            select(rejected_rows.c.row_number, rejected_rows.c.column)
            .where(rejected_rows.c.replayed_in.is_(None)).order_by(rejected_rows.c.row_number)
        ).all()  # fmt: skip
    assert due["HMREPLAY01"] == JAN[7] and due["HMREPLAY02"] == JAN[12]  # their cleaning tasks are derived
    assert (replay["replay_of"], replay["as_of"], replay["rows"], replay["rejected"]) == (file_id, DEC_1, 2, 0)
    assert marks[2] == marks[3] == replay_id
    # HMREPLAY05's label is known now; its adults are still in words: that is its only reason now.
    assert [tuple(r) for r in left] == [(5, "Status"), (6, "# of adults")]
    assert db.dangling(engine) == {}

    # A second replay finds nothing new to load: nothing changes.
    tables = [table(engine, t) for t in (source_files, bookings, rejected_rows, tasks, booking_changes)]
    code, replayed, _ = run(capsys, "replay", "--file", str(file_id), "--db", db_url, "--json")
    [again] = replayed["files"]
    assert (code, again["replayed"], again["still"], again["reasons_changed"], again["replay_id"]) == (1, 0, 2, 0, None)
    assert [table(engine, t) for t in (source_files, bookings, rejected_rows, tasks, booking_changes)] == tables

    # The original bytes are still a duplicate for ingest.
    code, summary, _ = run(capsys, "ingest", str(path), "--db", db_url, "--no-prefect", "--json")
    assert summary["files"][0]["status"] == "duplicate" and code == 0


def test_replay_all_replays_every_file_with_quarantined_rows(
    db_url: str, engine: Engine, exports: Exports, db: type[Db], capsys: pytest.CaptureFixture[str]
) -> None:
    Row = exports.Row
    first = exports.airbnb("a.csv", [Row("HMALLAAAA1", JAN[3], JAN[5], status=NEXT_WEEK)])
    second = exports.airbnb("b.csv", [Row("HMALLBBBB1", JAN[6], JAN[8], status="arriving next WEEK")])
    ids = [ingest(capsys, engine, db_url, first, DEC_1), ingest(capsys, engine, db_url, second, DEC_10)]
    assert run(capsys, "status-map", "add", "airbnb", NEXT_WEEK, "confirmed", "--db", db_url)[0] == 0

    code, replayed, _ = run(capsys, "replay", "--all", "--db", db_url, "--json")

    assert code == 0
    assert [(r["file_id"], r["replayed"], r["inserted"], r["still"]) for r in replayed["files"]] == [
        (ids[0], 1, 1, 0),
        (ids[1], 1, 1, 0),
    ]
    assert {b["external_code"]: b["as_of"] for b in db.dump(engine)} == {"HMALLAAAA1": DEC_1, "HMALLBBBB1": DEC_10}
    code, replayed, _ = run(capsys, "replay", "--all", "--db", db_url, "--json")
    assert (code, replayed["files"]) == (0, [])
    code, out, _ = run(capsys, "replay", "--all", "--db", db_url)
    assert code == 0 and "0 file(s): 0 row(s) replayed, 0 still quarantined" in out


def test_a_newer_export_of_the_booking_still_wins_over_the_replayed_row(
    db_url: str, engine: Engine, exports: Exports, db: type[Db], capsys: pytest.CaptureFixture[str]
) -> None:
    Row = exports.Row
    old = exports.airbnb("old.csv", [Row("HMNEWER001", JAN[3], JAN[7], status=NEXT_WEEK, guest="Old Name")])
    newer = exports.airbnb("new.csv", [Row("HMNEWER001", JAN[4], JAN[8], guest="New Name")])
    old_id = ingest(capsys, engine, db_url, old, DEC_1)
    newer_id = ingest(capsys, engine, db_url, newer, DEC_10)
    run(capsys, "status-map", "add", "airbnb", NEXT_WEEK, "confirmed", "--db", db_url)
    stored = db.dump(engine)

    code, replayed, _ = run(capsys, "replay", "--file", str(old_id), "--db", db_url, "--json")

    [result] = replayed["files"]
    assert (code, result["replayed"], result["inserted"], result["updated"], result["unchanged"]) == (0, 1, 0, 0, 1)
    assert db.dump(engine) == stored  # the newer export's dates, guest and as-of
    [booking] = stored
    assert (booking["guest_name"], booking["check_in"], booking["source_file_id"]) == ("New Name", JAN[4], newer_id)


def test_a_moved_or_changed_file_is_a_clear_error_and_an_archived_one_is_found(
    db_url: str, engine: Engine, exports: Exports, db: type[Db], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = january(exports)
    file_id = ingest(capsys, engine, db_url, path, DEC_1)
    run(capsys, "status-map", "add", "airbnb", NEXT_WEEK, "confirmed", "--db", db_url)
    archived = tmp_path / "archive" / "2025" / "12" / path.name
    archived.parent.mkdir(parents=True)
    path.rename(archived)
    tables = [table(engine, t) for t in (source_files, bookings, rejected_rows)]

    code, out, err = run(capsys, "replay", "--file", str(file_id), "--db", db_url)
    assert (code, out) == (2, "")
    assert err == f"bookingest: file {file_id} is gone: it is not at {path}; put it back there to replay it\n"

    archived.write_bytes(archived.read_bytes().replace(b"Cy Example", b"Cy Changed"))
    with engine.begin() as conn:  # as the inbox records where it archived the file
        conn.execute(update(source_files).where(source_files.c.id == file_id).values(archived_path=str(archived)))
    code, _, err = run(capsys, "replay", "--file", str(file_id), "--db", db_url)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"bookingest: file {file_id} at {archived} has changed since it was loaded")
    assert [table(engine, t) for t in (bookings, rejected_rows)] == tables[1:]

    archived.write_bytes(archived.read_bytes().replace(b"Cy Changed", b"Cy Example"))
    code, replayed, _ = run(capsys, "replay", "--file", str(file_id), "--db", db_url, "--json")
    assert (code, replayed["files"][0]["replayed"], replayed["files"][0]["path"]) == (1, 2, str(path))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("airbnb", NEXT_WEEK, "arriving"), "unknown status 'arriving'; choose one of the 9 statuses: inquiry, "),
        (("airbnbx", NEXT_WEEK, "confirmed"), "unknown source 'airbnbx'; choose one of: airbnb, booking_com, "),
        (("airbnb", "   ", "confirmed"), "the label is empty"),
    ],
)
def test_status_map_add_refuses_a_bad_source_status_or_label_in_one_sentence(
    db_url: str, engine: Engine, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    entries = table(engine, status_map)
    code, out, err = run(capsys, "status-map", "add", *argv, "--db", db_url)
    assert (code, out, err.count("\n")) == (2, "", 1) and err.startswith("bookingest: " + message)
    assert table(engine, status_map) == entries


def test_status_map_add_reports_an_existing_label_and_replaces_it_only_when_asked(
    db_url: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    def mapped(label: str) -> set[str]:
        with engine.connect() as conn:
            rows = conn.execute(select(status_map.c.status).where(status_map.c.source == "airbnb",
                                                                  status_map.c.raw_status == label))  # fmt: skip
            return set(rows.scalars())

    assert mapped("Arrives in # days") == {"confirmed"}  # the seed's
    # A label with another number is the same entry; the map says so and changes nothing.
    code, out, _ = run(capsys, "status-map", "add", "airbnb", "Arrives in 12 days", "confirmed", "--db", db_url)
    assert code == 0 and "maps to confirmed already" in out
    code, out, err = run(capsys, "status-map", "add", "airbnb", "arrives in 12 DAYS", "cancelled", "--db", db_url)
    assert (code, out) == (1, "") and "add --replace to make it cancelled" in err and err.count("\n") == 1
    assert mapped("Arrives in # days") == {"confirmed"} and mapped("arrives in 12 DAYS") == set()
    code, out, _ = run(
        capsys, "status-map", "add", "airbnb", "Arrives in 12 days", "pending", "--replace", "--db", db_url
    )
    assert code == 0 and out.startswith("replaced ('Arrives in # days' -> confirmed)")
    assert mapped("Arrives in # days") == {"pending"}


def test_unknown_ids_are_usage_errors(db_url: str, engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (("rejected", "--file", "7"), ("replay", "--file", "7"), ("replay", "--file", "99999999999")):
        code, out, err = run(capsys, *argv, "--db", db_url)
        assert (code, out) == (2, "") and err.startswith("bookingest: no file with id "), argv
    with pytest.raises(SystemExit) as stopped:  # neither --file nor --all: argparse says so
        main(["replay", "--db", db_url])
    assert stopped.value.code == 2


def test_replay_all_reports_a_file_that_is_gone_and_replays_the_others(
    db_url: str, engine: Engine, exports: Exports, capsys: pytest.CaptureFixture[str]
) -> None:
    Row = exports.Row
    gone = exports.airbnb("gone.csv", [Row("HMGONE0001", JAN[3], JAN[5], status=NEXT_WEEK)])
    kept = exports.airbnb("kept.csv", [Row("HMKEPT0001", JAN[6], JAN[8], status=NEXT_WEEK)])
    gone_id, kept_id = ingest(capsys, engine, db_url, gone, DEC_1), ingest(capsys, engine, db_url, kept, DEC_10)
    run(capsys, "status-map", "add", "airbnb", NEXT_WEEK, "confirmed", "--db", db_url)
    gone.unlink()

    code, out, _ = run(capsys, "replay", "--all", "--db", db_url)

    assert code == 2
    assert f"file {gone_id}: not replayed: file {gone_id} is gone: it is not at {gone}" in out
    assert "2 file(s): 1 row(s) replayed, 0 still quarantined" in out
    with engine.connect() as conn:
        replayed = conn.execute(select(source_files.c.replay_of).where(source_files.c.replay_of.is_not(None)))
        assert list(replayed.scalars()) == [kept_id]


# A layout the operator declared for the inbox, without a property column: its files need --property.
VILLA_LAYOUT = """
[[layouts]]
name = "villa_pms"
title = "Villa PMS bookings"
source = "direct"
date_format = "%d/%m/%Y"
default_currency = "EUR"

[layouts.headers]
external_code = ["Booking"]
raw_status = ["Booking status"]
guest_name = ["Client"]
check_in = ["From"]
check_out = ["To"]
payout = ["Net"]

[layouts.statuses]
"Firm" = "confirmed"
"""


def test_a_replay_reads_the_file_as_its_load_did_declared_layout_and_property(
    db_url: str,
    engine: Engine,
    exports: Exports,
    db: type[Db],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exports.write("inbox/layouts.toml", VILLA_LAYOUT.encode())
    exports.write(
        "inbox/villas.csv",
        b"Booking,Booking status,Client,From,To,Net\n"
        b"D-0001,Firm,Ann Example,01/12/2025,05/12/2025,412.80\n"
        b"D-0002,Pencilled in,Bo Example,20/12/2025,24/12/2025,99.00\n",
    )
    monkeypatch.chdir(exports.folder)  # loaded by a relative path, replayed from another folder
    code, summary, _ = run(capsys, "ingest", "inbox/villas.csv", "--property", "Villa Rosa", "--db", db_url,
                           "--no-prefect", "--json", "--as-of", DEC_1.isoformat())  # fmt: skip
    assert (code, summary["files"][0]["source"], summary["files"][0]["rejected"]) == (1, "villa_pms", 1)
    monkeypatch.chdir(exports.folder.parent)
    run(capsys, "status-map", "add", "direct", "Pencilled in", "pending", "--db", db_url)

    code, replayed, err = run(capsys, "replay", "--all", "--db", db_url, "--json")

    assert (code, [(r["replayed"], r["inserted"]) for r in replayed["files"]]) == (0, [(1, 1)]), err
    stays = {b["external_code"]: (b["property"], b["status"], b["source"]) for b in db.dump(engine)}
    assert stays == {"D-0001": ("Villa Rosa", "confirmed", "direct"), "D-0002": ("Villa Rosa", "pending", "direct")}


def test_text_output_escapes_what_the_files_wrote_and_json_keeps_it(
    db_url: str, engine: Engine, exports: Exports, capsys: pytest.CaptureFixture[str]
) -> None:
    label = "Soon \u202eyadot"  # a right-to-left override: a terminal would show what follows reversed
    path = exports.airbnb("odd.csv", [exports.Row("HMODDLABEL", JAN[3], JAN[5], status=label)])
    ingest(capsys, engine, db_url, path, DEC_1)

    code, text, _ = run(capsys, "status-map", "unknown", "--db", db_url)
    assert code == 0 and "Soon \\u202eyadot" in text and "\u202e" not in text
    assert "1 unknown label(s) quarantine 1 row(s); add each with `bookingest status-map add" in text
    code, text, _ = run(capsys, "rejected", "--db", db_url)
    assert code == 0 and "Soon \\u202eyadot" in text and "\u202e" not in text
    code, listed, _ = run(capsys, "status-map", "unknown", "--db", db_url, "--json")
    assert [u["label"] for u in listed] == [label]
    code, out, _ = run(capsys, "status-map", "add", "airbnb", label, "pending", "--db", db_url)
    assert code == 0 and "\u202e" not in out
    code, text, _ = run(capsys, "status-map", "unknown", "--db", db_url)
    assert "0 unknown label(s) quarantine 0 row(s)" in text and "run `bookingest replay --all`" in text


def test_a_replayed_row_is_judged_with_the_whole_file_a_code_listed_later_still_wins(
    db_url: str, engine: Engine, exports: Exports, db: type[Db], capsys: pytest.CaptureFixture[str]
) -> None:
    Row = exports.Row
    path = exports.airbnb(
        "twice.csv",
        [
            Row("HMTWICE001", JAN[3], JAN[5], status=NEXT_WEEK, guest="Earlier Row"),  # row 2
            Row("HMTWICE001", JAN[4], JAN[6], guest="Later Row"),  # row 3: the one used
        ],
    )
    file_id = ingest(capsys, engine, db_url, path, DEC_1)
    run(capsys, "status-map", "add", "airbnb", NEXT_WEEK, "confirmed", "--db", db_url)
    stored = db.dump(engine)

    code, replayed, _ = run(capsys, "replay", "--file", str(file_id), "--db", db_url, "--json")

    [result] = replayed["files"]
    assert (code, result["replayed"], result["still"], result["reasons_changed"]) == (1, 0, 1, 1)
    assert db.dump(engine) == stored and stored[0]["guest_name"] == "Later Row"
    code, listed, _ = run(capsys, "rejected", "--db", db_url, "--json")
    assert [(q["row"], q["reason"]) for q in listed] == [(2, "the same code appears again at row 3; that row was used")]


@pytest.mark.slow
def test_two_replays_at_once_load_the_rows_once(
    db_url: str, engine: Engine, exports: Exports, db: type[Db], capsys: pytest.CaptureFixture[str]
) -> None:
    import threading

    from pipelines.ingest import open_database
    from pipelines.replay import ReplayError, replay_file

    file_id = ingest(capsys, engine, db_url, january(exports), DEC_1)
    run(capsys, "status-map", "add", "airbnb", NEXT_WEEK, "confirmed", "--db", db_url)
    outcomes: list[object] = []
    start = threading.Barrier(2)

    def replay() -> None:
        own = open_database(db_url)  # as two processes would
        start.wait()
        try:
            outcomes.append(replay_file(own, file_id).replayed)
        except ReplayError as err:  # it saw the other's entry: a sentence, nothing written
            outcomes.append(str(err))
        finally:
            own.dispose()

    threads = [threading.Thread(target=replay) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert 2 in outcomes and len(outcomes) == 2
    assert outcomes[1 - outcomes.index(2)] in (0, f"file {file_id} was replayed by another run at the same time; "
                                                  "run the replay again")  # fmt: skip
    with engine.connect() as conn:
        entries = conn.execute(select(source_files.c.id).where(source_files.c.replay_of == file_id)).all()
        marks = conn.execute(select(rejected_rows.c.replayed_in).where(rejected_rows.c.replayed_in.is_not(None))).all()
    assert len(entries) == 1 and len(marks) == 2
    assert {b["external_code"] for b in db.dump(engine)} >= {"HMREPLAY01", "HMREPLAY02"}


def test_an_earnings_export_is_not_replayed_and_replay_all_passes_it_by(
    db_url: str, engine: Engine, exports: Exports, capsys: pytest.CaptureFixture[str]
) -> None:
    path = exports.write(
        "earnings.csv",
        b"Date,Type,Confirmation code,Start date,End date,Nights,Listing,Currency,Amount,Paid out\n"
        b"11/27/2025,Adjustment,HMWUVCDFGK,,,,,USD,-25.00,\n"
        b"11/28/2025,Adjustment,,,,,,USD,twelve,\n",
    )
    code, summary, _ = run(capsys, "ingest", str(path), "--db", db_url, "--no-prefect", "--json")
    assert (code, summary["files"][0]["source"], summary["files"][0]["rejected"]) == (1, "airbnb_earnings", 1)
    with engine.connect() as conn:
        file_id = conn.execute(select(func.max(source_files.c.id))).scalar_one()

    code, out, err = run(capsys, "replay", "--file", str(file_id), "--db", db_url)
    assert (code, out) == (2, "") and err == (
        f"bookingest: file {file_id} is an earnings export: its quarantined lines do not depend on the status map "
        "or aliases; correct them in the export and ingest it again\n"
    )
    code, replayed, _ = run(capsys, "replay", "--all", "--db", db_url, "--json")
    assert (code, replayed) == (0, {"files": []})


def test_a_file_loaded_before_options_were_recorded_is_read_from_its_path_with_its_layout(
    db_url: str, engine: Engine, exports: Exports, db: type[Db], capsys: pytest.CaptureFixture[str]
) -> None:
    path = january(exports)
    file_id = ingest(capsys, engine, db_url, path, DEC_1)
    with engine.begin() as conn:  # as an older version left it
        conn.execute(update(source_files).where(source_files.c.id == file_id).values(options=None))
    run(capsys, "status-map", "add", "airbnb", NEXT_WEEK, "confirmed", "--db", db_url)

    code, replayed, _ = run(capsys, "replay", "--file", str(file_id), "--db", db_url, "--json")

    assert (code, replayed["files"][0]["replayed"]) == (1, 2)
    assert {"HMREPLAY01", "HMREPLAY02"} <= {b["external_code"] for b in db.dump(engine)}


def test_a_declared_layout_removed_since_the_load_is_a_usage_error(
    db_url: str, engine: Engine, exports: Exports, capsys: pytest.CaptureFixture[str]
) -> None:
    layouts = exports.write("inbox/layouts.toml", VILLA_LAYOUT.encode())
    path = exports.write(
        "inbox/villas.csv",
        b"Booking,Booking status,Client,From,To,Net\nD-0002,Pencilled in,Bo Example,20/12/2025,24/12/2025,99.00\n",
    )
    run(capsys, "ingest", str(path), "--property", "Villa Rosa", "--db", db_url, "--no-prefect")
    layouts.unlink()

    code, out, _ = run(capsys, "replay", "--all", "--db", db_url)

    assert code == 2
    assert f"not replayed: the layout 'villa_pms' that read it is no longer declared in {path.parent}" in out
