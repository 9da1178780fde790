"""The lifecycle commands as a person uses them: history, tasks, task, conflicts, and the ingest
summary's double bookings; in-process through `pipelines.cli.main`, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from airbnb_export import BOOKING_COM_HEADER
from oracles import Stay, stays_csv
from sqlalchemy import Engine, select

from loaders.tables import bookings, tasks
from pipelines.cli import main
from pipelines.discover import FileOptions
from pipelines.ingest import ingest_file
from schemas.vocab import FileStatus

LOFT, STUDIO = "Harbour Loft", "Garden Studio"


def d(month: int, day: int) -> dt.date:
    return dt.date(2025, month, day)


def load(engine: Engine, folder: Path, name: str, stays: list[Stay], as_of: dt.datetime) -> Path:
    path = folder / name
    path.write_bytes(stays_csv(stays))
    result = ingest_file(engine, path, FileOptions(as_of=as_of))
    assert result.status is FileStatus.LOADED and result.rejected == 0, result
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def task_id(engine: Engine, code: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(tasks.c.id)
            .join_from(tasks, bookings, bookings.c.id == tasks.c.booking_id)
            .where(bookings.c.external_code == code)
        ).scalar_one()


# ---- history -------------------------------------------------------------------------------------

HIST = Stay("HMCLIHIST1", LOFT, d(12, 10), d(12, 13), guest="Hana Hist")
WEEK = [dt.datetime(2025, 12, 1, 6) + dt.timedelta(days=7 * i) for i in range(3)]


def test_history_prints_one_line_per_change_with_its_file(
    engine: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    moved = HIST.but(check_in=d(12, 11), check_out=d(12, 15))
    files = [
        load(engine, tmp_path, "week1.csv", [HIST], WEEK[0]),
        load(engine, tmp_path, "week2.csv", [moved], WEEK[1]),
        load(engine, tmp_path, "week3.csv", [moved.but(status="Canceled by guest")], WEEK[2]),
    ]
    code, out, err = run(capsys, "history", HIST.code, "--db", db_url)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"airbnb {HIST.code}"
    changes = lines[1:]
    # Created; three date fields moved; the status cancelled and its label changed.
    assert len(changes) == 1 + 3 + 2, out
    expected_file = {"created": files[0], "dates_moved": files[1], "cancelled": files[2], "status_label": files[2]}
    kinds = []
    for line in changes:
        kind = next(k for k in expected_file if f" {k} " in line)
        kinds.append(kind)
        assert line.rstrip().endswith(f"[{expected_file[kind]}]"), line
    assert sorted(kinds) == sorted(
        ["created", "dates_moved", "dates_moved", "dates_moved", "cancelled", "status_label"]
    )
    assert kinds[0] == "created"  # oldest first
    assert any(f"check_in: {HIST.check_in} → {moved.check_in}" in line for line in changes), out
    assert any(f"check_out: {HIST.check_out} → {moved.check_out}" in line for line in changes), out
    assert any("status: confirmed → cancelled" in line for line in changes), out

    code, out, err = run(capsys, "history", HIST.code, "--source", "booking_com", "--db", db_url)
    assert code == 1 and out == ""
    assert HIST.code in err and "booking_com" in err


def test_history_of_a_booking_that_never_changed_shows_its_creation(
    engine: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    week1 = load(engine, tmp_path, "week1.csv", [HIST], WEEK[0])
    load(engine, tmp_path, "week2.csv", [HIST, HIST.but(code="HMCLIHIST2")], WEEK[1])  # restated as it was
    code, out, err = run(capsys, "history", HIST.code, "--db", db_url)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"airbnb {HIST.code}"
    assert len(lines) == 2, out
    assert lines[1].startswith(f"  {WEEK[0]:%Y-%m-%d %H:%M}  created ")
    assert lines[1].rstrip().endswith(f"[{week1}]")


def test_history_of_an_unknown_code_exits_1_with_a_message(
    engine: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load(engine, tmp_path, "week1.csv", [HIST], WEEK[0])
    code, out, err = run(capsys, "history", "HMNOSUCH01", "--db", db_url)
    assert code == 1
    assert out == ""
    assert "no booking with code 'HMNOSUCH01'" in err
    assert "Traceback" not in err


# ---- tasks and task -------------------------------------------------------------------------------

LEAVING = Stay("HMLEAVING1", LOFT, d(12, 10), d(12, 14), guest="Lena Leaving")
ARRIVING = Stay("HMARRIVIN1", LOFT, d(12, 14), d(12, 17), guest="Arlo Arriving")
STUDIO_STAY = Stay("HMSTUDIO01", STUDIO, d(12, 12), d(12, 14), guest="Sam Studio")
CALLED_OFF = Stay("HMCALLOFF1", STUDIO, d(12, 14), d(12, 15), guest="Cleo Cancel")
SCHEDULE = [LEAVING, ARRIVING, STUDIO_STAY, CALLED_OFF]


def _schedule(engine: Engine, folder: Path) -> None:
    load(engine, folder, "week1.csv", SCHEDULE, WEEK[0])
    # Cleo cancels a week later: her task is cancelled, and she no longer arrives in the studio.
    load(engine, folder, "week2.csv", [*SCHEDULE[:3], CALLED_OFF.but(status="Canceled by guest")], WEEK[1])


def _cells(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


def _row(out: str, leaving: str) -> str:
    """The schedule line of the guest leaving (the third column)."""
    rows = [line for line in out.splitlines() if len(_cells(line)) > 2 and _cells(line)[2] == leaving]
    assert len(rows) == 1, out
    return rows[0]


def test_tasks_prints_the_schedule_with_who_leaves_and_who_arrives(
    engine: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _schedule(engine, tmp_path)
    code, out, err = run(capsys, "tasks", "--from", "2025-12-13", "--to", "2025-12-16", "--db", db_url)
    assert code == 0, err
    # Due in range: Lena's and Sam's cleanings on 12-14; Arlo leaves on 12-17, Cleo cancelled.
    assert out.splitlines()[0].split() == [
        "date",
        "property",
        "guest",
        "leaving",
        "guest",
        "arriving",
        "same-day",
        "task",
        "status",
    ]
    lena = _row(out, LEAVING.guest)
    assert lena.split("  ")[0] == str(LEAVING.check_out)
    assert LOFT in lena and ARRIVING.guest in lena and "SAME DAY" in lena
    assert f" {task_id(engine, LEAVING.code)} " in lena and lena.rstrip().endswith("open")
    sam = _row(out, STUDIO_STAY.guest)
    assert STUDIO in sam and "SAME DAY" not in sam and CALLED_OFF.guest not in sam
    assert _cells(sam)[3] == "-"  # nobody arrives
    assert ARRIVING.guest not in out.replace(lena, "")
    assert CALLED_OFF.guest not in out
    assert out.rstrip().endswith("2 cleaning task(s) from 2025-12-13 to 2025-12-16")

    code, out, err = run(
        capsys, "tasks", "--from", "2025-12-13", "--to", "2025-12-16", "--property", STUDIO, "--db", db_url
    )
    assert code == 0, err
    assert STUDIO_STAY.guest in out and LEAVING.guest not in out
    assert out.rstrip().endswith("1 cleaning task(s) from 2025-12-13 to 2025-12-16")

    code, out, err = run(capsys, "tasks", "--from", "2025-12-13", "--to", "2025-12-16", "--all", "--db", db_url)
    assert code == 0, err
    assert "cancelled" in _row(out, CALLED_OFF.guest)
    assert out.rstrip().endswith("3 cleaning task(s) from 2025-12-13 to 2025-12-16")


def test_tasks_json_parses_and_says_the_same(
    engine: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _schedule(engine, tmp_path)
    code, out, err = run(capsys, "tasks", "--from", "2025-12-01", "--to", "2025-12-31", "--json", "--db", db_url)
    assert code == 0, err
    found = json.loads(out)
    active = [s for s in SCHEDULE if s is not CALLED_OFF]
    expected = [
        {
            "task_id": task_id(engine, s.code),
            "property": s.listing,
            "date": s.check_out.isoformat(),
            "guest_leaving": s.guest,
            "guest_arriving": next(
                (o.guest for o in active if o.listing == s.listing and o.check_in == s.check_out), None
            ),
            "same_day_turnover": any(o.listing == s.listing and o.check_in == s.check_out for o in active),
            "status": "open",
            "locked": False,
        }
        for s in active
    ]
    key = lambda row: (row["date"], row["property"], row["task_id"])  # noqa: E731
    assert sorted(found, key=key) == sorted(expected, key=key)
    assert [row["date"] for row in found] == sorted(row["date"] for row in found)


@pytest.mark.slow
def test_a_task_marked_done_or_locked_stays_so_when_a_later_export_moves_its_booking(
    engine: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load(engine, tmp_path, "week1.csv", [LEAVING, ARRIVING, STUDIO_STAY], WEEK[0])
    done, locked = task_id(engine, LEAVING.code), task_id(engine, STUDIO_STAY.code)
    assert run(capsys, "task", str(done), "--done", "--db", db_url)[:2] == (0, f"task {done}: done\n")
    assert run(capsys, "task", str(locked), "--lock", "--db", db_url)[:2] == (0, f"task {locked}: locked\n")

    # A week later every booking moves a day later, and Sam cancels.
    later = [
        s.but(check_in=s.check_in + dt.timedelta(days=1), check_out=s.check_out + dt.timedelta(days=1))
        for s in (LEAVING, ARRIVING)
    ]
    load(engine, tmp_path, "week2.csv", [*later, STUDIO_STAY.but(status="Canceled by guest")], WEEK[1])

    code, out, err = run(
        capsys, "tasks", "--from", "2025-12-01", "--to", "2025-12-31", "--all", "--json", "--db", db_url
    )
    assert code == 0, err
    by_id = {row["task_id"]: row for row in json.loads(out)}
    assert (by_id[done]["date"], by_id[done]["status"]) == (LEAVING.check_out.isoformat(), "done")
    assert (by_id[locked]["date"], by_id[locked]["status"], by_id[locked]["locked"]) == (
        STUDIO_STAY.check_out.isoformat(),
        "open",
        True,
    )
    # The one nobody touched did follow its booking.
    moved = task_id(engine, ARRIVING.code)
    assert (by_id[moved]["date"], by_id[moved]["status"]) == (later[1].check_out.isoformat(), "open")

    code, out, err = run(capsys, "tasks", "--from", "2025-12-01", "--to", "2025-12-31", "--db", db_url)
    assert "open (locked)" in _row(out, STUDIO_STAY.guest)
    # Unlocked, it is brought in line with its cancelled booking at once, and imports keep it so.
    assert run(capsys, "task", str(locked), "--unlock", "--db", db_url)[:2] == (0, f"task {locked}: unlocked\n")
    code, out, err = run(
        capsys, "tasks", "--from", "2025-12-01", "--to", "2025-12-31", "--all", "--json", "--db", db_url
    )
    by_id = {row["task_id"]: row for row in json.loads(out)}
    assert (by_id[locked]["status"], by_id[locked]["locked"]) == ("cancelled", False)
    load(
        engine,
        tmp_path,
        "week3.csv",
        [*later, STUDIO_STAY.but(status="Canceled by guest", guest="Sam Studio-Lee")],
        WEEK[2],
    )
    code, out, err = run(
        capsys, "tasks", "--from", "2025-12-01", "--to", "2025-12-31", "--all", "--json", "--db", db_url
    )
    by_id = {row["task_id"]: row for row in json.loads(out)}
    assert (by_id[locked]["status"], by_id[locked]["locked"]) == ("cancelled", False)
    assert (by_id[done]["date"], by_id[done]["status"]) == (LEAVING.check_out.isoformat(), "done")


@pytest.mark.slow
def test_an_unlocked_task_follows_its_moved_booking_and_its_new_neighbours(
    engine: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Locked while its booking moved from the 14th to the 16th, the task kept the 14th; unlocked,
    # it is due on the 16th, and a guest arriving on the 16th makes it a same-day turnover.
    load(engine, tmp_path, "week1.csv", [LEAVING], WEEK[0])
    locked = task_id(engine, LEAVING.code)
    run(capsys, "task", str(locked), "--lock", "--db", db_url)
    moved = LEAVING.but(check_out=d(12, 16))
    load(engine, tmp_path, "week2.csv", [moved], WEEK[1])
    run(capsys, "task", str(locked), "--unlock", "--db", db_url)

    def task() -> dict[str, object]:
        code, out, err = run(capsys, "tasks", "--from", "2025-12-01", "--to", "2025-12-31", "--json", "--db", db_url)
        assert code == 0, err
        return {k: v for row in json.loads(out) if row["task_id"] == locked for k, v in row.items()}

    assert (task()["date"], task()["status"]) == ("2025-12-16", "open")
    load(engine, tmp_path, "week3.csv", [moved, ARRIVING.but(check_in=d(12, 16), check_out=d(12, 18))], WEEK[2])
    assert task()["same_day_turnover"] is True


def test_task_with_an_unknown_id_exits_2(engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "task", "999999", "--done", "--db", db_url)
    assert code == 2
    assert "no task with id 999999" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from", "2025-02-30", "--to", "2025-03-31"], "--from: '2025-02-30' is not a date"),
        (["--from", "12/01/2025", "--to", "2025-12-31"], "--from: '12/01/2025' is not a date"),
        (["--from", "2025-12-01", "--to", "tomorrow"], "--to: 'tomorrow' is not a date"),
        (["--from", "2025-12-31", "--to", "2025-12-01"], "--to is before --from"),
    ],
    ids=["no-such-day", "not-iso", "bad-to", "reversed"],
)
def test_tasks_with_a_bad_date_exits_2(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Checked before any database is opened: no database test, so one kind is enough.
    code, out, err = run(capsys, "tasks", *argv, "--db", f"sqlite:///{tmp_path / 'bookingest.db'}")
    assert code == 2
    assert message in err
    assert out == "" and "Traceback" not in err


# ---- double bookings -----------------------------------------------------------------------------

DOUBLE = Stay("HMDOUBLE01", LOFT, d(12, 10), d(12, 14), guest="Xavier Roux")
BOOK_NUMBER = "4012345678"  # Booking.com, Kim Berg, 12-12 to 12-16: two nights over Xavier's stay


@pytest.mark.slow
def test_double_booking_in_the_ingest_summary_and_in_conflicts(
    db_url: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    airbnb = tmp_path / "airbnb.csv"
    airbnb.write_bytes(stays_csv([DOUBLE]))
    booking_com = tmp_path / "booking_com.csv"
    booking_com.write_text(
        f"{BOOKING_COM_HEADER}\n"
        f"{BOOK_NUMBER},Kim Berg,Kim Berg,2025-12-12,2025-12-16,2025-10-02,ok,520.00 EUR,78.00 EUR\n"
        # Kai leaves the day Xavier arrives.
        "4012345679,Kai Moos,Kai Moos,2025-12-06,2025-12-10,2025-10-03,ok,410.00 EUR,61.50 EUR\n",
        encoding="utf-8",
    )
    code, out, err = run(
        capsys, "ingest", str(airbnb), "--db", db_url, "--no-prefect", "--as-of", "2025-12-01T06:00:00"
    )
    assert code == 0, err
    assert "DOUBLE BOOKINGS" not in out
    code, out, err = run(
        capsys,
        "ingest",
        str(booking_com),
        "--property",
        LOFT,
        "--db",
        db_url,
        "--no-prefect",
        "--as-of",
        "2025-12-01T07:00:00",
        "--json",
    )
    assert code == 0, err
    (report,) = json.loads(out)["files"]
    assert report["status"] == "loaded" and report["inserted"] == 2
    assert len(report["conflicts"]) == 1
    assert DOUBLE.code in report["conflicts"][0] and BOOK_NUMBER in report["conflicts"][0]
    assert "4012345679" not in report["conflicts"][0]  # a same-day turnover is no conflict

    code, out, err = run(capsys, "conflicts", "--db", db_url)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[-1] == "1 double booking(s)"
    assert len(lines) == 2 and lines[0] == report["conflicts"][0]
    assert lines[0].startswith(f"{LOFT}: ") and "2 night(s) from 2025-12-12" in lines[0]

    code, out, err = run(capsys, "conflicts", "--json", "--db", db_url)
    assert code == 0, err
    (found,) = json.loads(out)
    assert (found["property"], found["overlap_from"], found["overlap_to"]) == (LOFT, "2025-12-12", "2025-12-14")
    assert {DOUBLE.code in found["first"] + found["second"], BOOK_NUMBER in found["first"] + found["second"]} == {True}

    code, out, err = run(capsys, "conflicts", "--property", STUDIO, "--db", db_url)
    assert (code, out) == (0, "0 double booking(s)\n")

    # The text summary of an ingest names it too, and the command still succeeds.
    moved = tmp_path / "airbnb-2.csv"
    moved.write_bytes(stays_csv([DOUBLE.but(guest="Xavier Roux-Lind")]))
    code, out, err = run(capsys, "ingest", str(moved), "--db", db_url, "--no-prefect", "--as-of", "2025-12-02T06:00:00")
    assert code == 0, err
    assert "DOUBLE BOOKINGS involving these files (1)" in out
    assert DOUBLE.code in out and BOOK_NUMBER in out
