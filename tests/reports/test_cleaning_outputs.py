"""The cleaners' outputs of `bookingest tasks`: the printable page (--out FILE.html), the CSV
(--out FILE.csv) and the calendar (--ics FILE), on SQLite and PostgreSQL, from hand-made exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import lxml.html
import pytest
from icalendar import Calendar, Component
from oracles import Stay, stays_csv
from sqlalchemy import Engine

from loaders.strategies import first_load, staged_merge
from pipelines.cli import main
from pipelines.discover import FileOptions
from pipelines.ingest import ingest_file, open_database
from reports.cells import as_text_cell
from schemas.vocab import FileStatus

LOFT, STUDIO = "Harbour Loft", "Garden Studio"  # the studio sorts first: turnovers must still lead
FORMULA, MARKUP, SCRIPT = '=HYPERLINK("x")', "<b>x</b>", "<script>alert(1)</script>"


def d(day: int) -> dt.date:
    return dt.date(2025, 12, day)


LEAVING = Stay("HMCLNLEAV1", LOFT, d(10), d(14), guest="Lena Leaving")
ARRIVING = Stay("HMCLNARRV1", LOFT, d(14), d(17), guest="Arlo Arriving")  # same-day turnover on the 14th
FORMULA_GUEST = Stay("HMCLNFORM1", STUDIO, d(12), d(14), guest=FORMULA)
MARKUP_GUEST = Stay("HMCLNMARK1", STUDIO, d(15), d(18), guest=MARKUP)  # arrives the day after
SCRIPT_GUEST = Stay("HMCLNSCRP1", LOFT, d(17), d(20), guest=SCRIPT)
CALLED_OFF = Stay("HMCLNCANC1", STUDIO, d(18), d(19), guest="Cleo Cancel")
STAYS = [LEAVING, ARRIVING, FORMULA_GUEST, MARKUP_GUEST, SCRIPT_GUEST, CALLED_OFF]
EXPORT_TIMES = [dt.datetime(2025, 12, 1, 6), dt.datetime(2025, 12, 8, 6), dt.datetime(2025, 12, 9, 6)]


def load(
    url: str, folder: Path, name: str, stays: list[Stay], as_of: dt.datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One export, merged with the database's clock at the export's moment plus an hour (so the
    tasks' updated_at of two loads differ however fast the test runs)."""
    for module in (staged_merge, first_load):
        monkeypatch.setattr(module, "now", lambda: as_of + dt.timedelta(hours=1))
    path = folder / name
    path.write_bytes(stays_csv(stays))
    engine = open_database(url)
    try:
        result = ingest_file(engine, path, FileOptions(as_of=as_of))
    finally:
        engine.dispose()
    assert result.status is FileStatus.LOADED and result.rejected == 0, result


def schedule(url: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load(url, folder, "week1.csv", STAYS, EXPORT_TIMES[0], monkeypatch)
    cancelled = [*STAYS[:-1], CALLED_OFF.but(status="Canceled by guest")]
    load(url, folder, "week2.csv", cancelled, EXPORT_TIMES[1], monkeypatch)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---- the page --------------------------------------------------------------------------------------


def test_the_page_is_one_printable_file_with_turnovers_first_and_names_as_text(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    schedule(db_url, tmp_path, monkeypatch)
    page = tmp_path / "cleaning.html"

    code, out, err = run(
        capsys, "tasks", "--from", "2025-12-13", "--to", "2025-12-31", "--out", str(page), "--db", db_url
    )

    assert code == 0, err
    assert out.strip() == f"5 cleaning task(s) from 2025-12-13 to 2025-12-31 written to {page}"
    text = page.read_text(encoding="utf-8")
    tree = lxml.html.fromstring(text)
    # Self-contained: nothing the browser would fetch, and rules for the printer.
    assert not tree.xpath("//script | //link | //img | //iframe | //object | //@src | //@href")
    style = "".join(tree.xpath("//style/text()"))
    assert "@media print" in style and "url(" not in style and "@import" not in style
    # Guests' names are text: no element came from them, and they read exactly as written.
    body = tree.xpath("//body")[0].text_content()
    for name in (FORMULA, MARKUP, SCRIPT):
        assert name in body
    assert not tree.xpath("//b[text()='x']") and "<b>x</b>" not in text and "<script>" not in text

    days = tree.xpath("//section[@class='day']")
    titles = [day.xpath("string(h2)") for day in days]
    # The 19th has only Cleo's cancelled cleaning.
    assert titles == ["Sunday 2025-12-14", "Wednesday 2025-12-17", "Thursday 2025-12-18", "Saturday 2025-12-20"]
    blocks = [[block.xpath("string(h3)") for block in day.xpath("article")] for day in days]
    # One block per property and day; on the 14th the Loft's turnover comes before the Studio.
    marked = f"{LOFT}SAME-DAY TURNOVER"
    assert blocks == [[marked, STUDIO], [marked], [STUDIO], [LOFT]]
    turnover = days[0].xpath("article")[0]
    assert "turnover" in turnover.get("class").split()
    assert "Lena Leaving" in turnover.text_content() and "same day, Arlo Arriving" in turnover.text_content()
    studio = days[0].xpath("article")[1].text_content()
    assert FORMULA in studio and "2025-12-15 (1 day(s) later)" in studio
    assert "Cleo Cancel" not in body  # cancelled tasks only with --all

    code, out, err = run(
        capsys, "tasks", "--from", "2025-12-19", "--to", "2025-12-19", "--all", "--out", str(page), "--db", db_url
    )
    assert code == 0, err
    cancelled = lxml.html.fromstring(page.read_text(encoding="utf-8")).xpath("//li[@class='cancelled']")
    assert len(cancelled) == 1 and "Cleo Cancel" in cancelled[0].text_content()


def test_a_page_of_no_cleaning_says_so(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    schedule(db_url, tmp_path, monkeypatch)
    page = tmp_path / "empty.html"
    code, _out, err = run(
        capsys, "tasks", "--from", "2026-01-01", "--to", "2026-01-14", "--out", str(page), "--db", db_url
    )
    assert code == 0, err
    assert "No cleaning is due in this period." in lxml.html.fromstring(page.read_bytes()).text_content()


# ---- the CSV ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [FORMULA, "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "=1+2", "\t=1+2", "\r=1+2"])
def test_text_a_spreadsheet_would_run_is_written_as_text(text: str) -> None:
    cell = as_text_cell(text)
    assert cell == "'" + text


@pytest.mark.parametrize("value", ["Zoë Müller", "", "a=b", "2025-12-14", MARKUP, 17, 2.5, None])
def test_other_values_are_left_as_they_are(value: object) -> None:
    assert as_text_cell(value) == value


def test_the_csv_has_one_row_per_task_and_never_a_formula(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    schedule(db_url, tmp_path, monkeypatch)
    sheet = tmp_path / "cleaning.csv"

    code, _out, err = run(
        capsys, "tasks", "--from", "2025-12-01", "--to", "2025-12-31", "--all", "--out", str(sheet), "--db", db_url
    )

    assert code == 0, err
    data = sheet.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, as Excel wants it
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [(r["date"], r["property"], r["guest_leaving"], r["status"]) for r in rows] == [
        ("2025-12-14", LOFT, "Lena Leaving", "open"),  # the turnover first
        ("2025-12-14", STUDIO, "'" + FORMULA, "open"),
        ("2025-12-17", LOFT, "Arlo Arriving", "open"),
        ("2025-12-18", STUDIO, MARKUP, "open"),
        ("2025-12-19", STUDIO, "Cleo Cancel", "cancelled"),
        ("2025-12-20", LOFT, SCRIPT, "open"),
    ]
    first = rows[0]
    assert (first["same_day_turnover"], first["guest_arriving"], first["next_check_in"]) == (
        "yes",
        "Arlo Arriving",
        "2025-12-14",
    )
    assert (rows[1]["same_day_turnover"], rows[1]["next_check_in"], rows[1]["booking"]) == (
        "no",
        "2025-12-15",
        f"airbnb {FORMULA_GUEST.code}",
    )
    assert rows[3]["next_check_in"] == "" and rows[3]["guest_arriving"] == ""  # nobody booked after
    cells = [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


# ---- the calendar ----------------------------------------------------------------------------------


def events(path: Path) -> dict[str, Component]:
    """The calendar's events by the booking they are for (their description names it)."""
    calendar = Calendar.from_ical(path.read_bytes())
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    found: dict[str, Component] = {}
    for event in calendar.walk("VEVENT"):
        booking = next(line for line in str(event["DESCRIPTION"]).splitlines() if line.startswith("Booking: "))
        found[booking.removeprefix("Booking: airbnb ")] = event
    return found


def test_the_calendar_has_one_all_day_event_per_cleaning(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    schedule(db_url, tmp_path, monkeypatch)
    ics = tmp_path / "cleaning.ics"

    code, out, err = run(capsys, "tasks", "--ics", str(ics), "--from", "2025-12-01", "--db", db_url)

    assert code == 0, err
    assert out.strip() == f"6 cleaning task(s) from 2025-12-01 to the last one written to {ics}"
    found = events(ics)
    assert set(found) == {s.code for s in STAYS}
    assert len({str(e["UID"]) for e in found.values()}) == len(STAYS)
    for stay in STAYS:
        event = found[stay.code]
        assert event.decoded("DTSTART") == stay.check_out and event.decoded("DTEND") == stay.check_out + dt.timedelta(
            days=1
        )
        assert not isinstance(event.decoded("DTSTART"), dt.datetime)  # a date: all day
        assert f"Guest leaving: {stay.guest} (check-out {stay.check_out})" in str(event["DESCRIPTION"])
    lena = found[LEAVING.code]
    assert str(lena["SUMMARY"]) == f"Turnover: {LOFT}" and str(lena["STATUS"]) == "CONFIRMED"
    assert "Next check-in: same day, Arlo Arriving" in str(lena["DESCRIPTION"])
    assert str(found[MARKUP_GUEST.code]["SUMMARY"]) == f"Cleaning: {STUDIO}"  # Cleo no longer arrives
    cleo = found[CALLED_OFF.code]
    assert str(cleo["STATUS"]) == "CANCELLED" and str(cleo["SUMMARY"]) == f"Cleaning: {STUDIO} (cancelled)"
    # The last change of a task is the event's revision: the week-2 load cancelled Cleo's.
    assert (
        cleo.decoded("DTSTAMP")
        == cleo.decoded("LAST-MODIFIED")
        == (EXPORT_TIMES[1] + dt.timedelta(hours=1)).replace(tzinfo=dt.UTC)
    )
    assert cleo.decoded("SEQUENCE") > 0 and lena.decoded("SEQUENCE") == 0


@pytest.mark.slow  # three loads and a second database
def test_a_re_export_updates_the_events_it_does_not_duplicate_them(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    schedule(db_url, tmp_path, monkeypatch)
    first, second = tmp_path / "first.ics", tmp_path / "second.ics"
    assert run(capsys, "tasks", "--ics", str(first), "--from", "2025-12-01", "--db", db_url)[0] == 0
    # Arlo leaves a day early: his cleaning moves to the 16th.
    moved = [s.but(check_out=d(16)) if s is ARRIVING else s for s in STAYS[:-1]]
    load(db_url, tmp_path, "week3.csv", moved, EXPORT_TIMES[2], monkeypatch)
    assert run(capsys, "tasks", "--ics", str(second), "--from", "2025-12-01", "--db", db_url)[0] == 0

    before, after = events(first), events(second)
    assert {c: str(e["UID"]) for c, e in before.items()} == {c: str(e["UID"]) for c, e in after.items()}
    old, new = before[ARRIVING.code], after[ARRIVING.code]
    assert (old.decoded("DTSTART"), new.decoded("DTSTART")) == (d(17), d(16))
    assert new.decoded("SEQUENCE") > old.decoded("SEQUENCE")
    assert new.decoded("DTSTAMP") > old.decoded("DTSTAMP")
    unchanged = [c for c in before if c != ARRIVING.code]
    assert [before[c].decoded("SEQUENCE") for c in unchanged] == [after[c].decoded("SEQUENCE") for c in unchanged]

    # The UID comes from the booking and the task's kind, not from a row id: the same exports
    # loaded into another database in another order give the same UIDs to other task ids.
    other = f"sqlite:///{tmp_path / 'other.db'}"
    load(other, tmp_path, "reversed.csv", list(reversed(moved)), EXPORT_TIMES[2], monkeypatch)
    third = tmp_path / "third.ics"
    assert run(capsys, "tasks", "--ics", str(third), "--from", "2025-12-01", "--db", other)[0] == 0
    elsewhere = events(third)
    assert {c: str(e["UID"]) for c, e in elsewhere.items()} == {c: str(after[c]["UID"]) for c in elsewhere}

    def task_of(event: Component) -> str:
        return str(event["DESCRIPTION"]).splitlines()[-1]  # "Task 7: open"

    assert [task_of(elsewhere[c]) for c in elsewhere] != [task_of(after[c]) for c in elsewhere]


# ---- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--from", "2025-12-01", "--to", "2025-12-31", "--out", "{tmp}/cleaning.txt"],
            "must end in .html or .htm or .csv",
        ),
        (["--from", "2025-12-01", "--to", "2025-12-31", "--out", "{tmp}/no/such/cleaning.html"], "there is no folder"),
        (["--from", "2025-12-01", "--to", "2025-12-31", "--out", "{tmp}/folder.html"], "is a folder; name a file"),
        (["--ics", "{tmp}/cleaning.html"], "must end in .ics"),
        (["--out", "{tmp}/cleaning.html"], "tasks needs --from and --to"),
        (["--ics", "{tmp}/cleaning.ics", "--from", "2025-12-31", "--to", "2025-12-01"], "--to is before --from"),
        (["--ics", "{tmp}/cleaning.ics", "--from", "yesterday"], "--from: 'yesterday' is not a date"),
    ],
)
def test_a_wrong_output_is_a_usage_error_and_writes_nothing(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Checked before the database is opened: this one does not even exist.
    db_url = f"sqlite:///{tmp_path / 'bookingest.db'}"
    (tmp_path / "folder.html").mkdir()
    before = sorted(tmp_path.iterdir())

    code, out, err = run(capsys, "tasks", *(a.format(tmp=tmp_path) for a in argv), "--db", db_url)

    assert code == 2 and out == ""
    assert err.startswith("bookingest: ") and message in err and len(err.strip().splitlines()) == 1, err
    assert sorted(tmp_path.iterdir()) == before


def test_a_calendar_without_dates_starts_a_month_ago(
    engine: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ics = tmp_path / "cleaning.ics"
    days = [dt.datetime.now(dt.UTC).date()]
    code, out, err = run(capsys, "tasks", "--ics", str(ics), "--db", db_url)
    days.append(dt.datetime.now(dt.UTC).date())  # the same one, unless the run spanned midnight
    assert code == 0, err
    said = {f"0 cleaning task(s) from {day - dt.timedelta(days=30)} to the last one written to {ics}" for day in days}
    assert out.strip() in said
    calendar = Calendar.from_ical(ics.read_bytes())
    assert calendar.walk("VEVENT") == [] and str(calendar["X-WR-CALNAME"]) == "Cleaning schedule"
