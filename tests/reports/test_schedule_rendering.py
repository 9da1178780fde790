"""The schedule's page, CSV and calendar from schedule lines made by hand (no database): the cases
a few exports hardly reach, such as two guests arriving on one turnover or text the formats quote."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io

import lxml.html
import pytest
from icalendar import Calendar

from pipelines.cli import main
from reports.bookings import ScheduleLine
from reports.cleaning import by_day, schedule_csv, schedule_html
from reports.ics import schedule_ics

DAY = dt.date(2026, 3, 2)
MADE = dt.datetime(2026, 2, 1, 9, 30)
LINE = ScheduleLine(
    task_id=7, property="Old Town Flat", date=DAY, guest_leaving="Ann Example", guest_arriving="Bo One",
    same_day_turnover=True, status="open", locked=False, kind="cleaning", source="airbnb", code="HMHAND0001",
    check_out=DAY, next_check_in=DAY, created_at=MADE, updated_at=MADE,
)  # fmt: skip


def test_two_guests_arriving_on_one_turnover_make_one_task() -> None:
    # The schedule query gives one line per arrival when the arrivals are double booked.
    lines = [LINE, dataclasses.replace(LINE, guest_arriving="Cy Two")]
    [(day, [(name, tasks)])] = by_day(lines)
    assert (day, name, len(tasks), tasks[0].guest_arriving) == (DAY, "Old Town Flat", 1, "Bo One & Cy Two")
    events = Calendar.from_ical(schedule_ics(lines)).walk("VEVENT")
    assert len(events) == 1 and "same day, Bo One & Cy Two" in str(events[0]["DESCRIPTION"])
    rows = list(csv.DictReader(io.StringIO(schedule_csv(lines), newline="")))
    assert [r["guest_arriving"] for r in rows] == ["Bo One & Cy Two"]


ODD = 'Smith, John; "Jr"\nsecond line \\ end'


def test_text_the_formats_quote_comes_back_as_it_was() -> None:
    line = dataclasses.replace(LINE, guest_leaving=ODD, property='Flat; 2, "B"')
    event = Calendar.from_ical(schedule_ics([line], property_name=line.property)).walk("VEVENT")[0]
    assert str(event["DESCRIPTION"]).splitlines()[0] == f"Guest leaving: {ODD.splitlines()[0]}"
    assert f"{ODD.splitlines()[1]} (check-out {DAY})" in str(event["DESCRIPTION"])
    assert str(event["SUMMARY"]) == f"Turnover: {line.property}" and str(event["LOCATION"]) == line.property
    [row] = csv.DictReader(io.StringIO(schedule_csv([line]), newline=""))
    assert (row["guest_leaving"], row["property"]) == (ODD, line.property)
    page = lxml.html.fromstring(schedule_html([line], DAY, DAY, None, MADE))
    assert ODD.replace("\n", " ") in " ".join(page.xpath("//li")[0].text_content().split("\n"))


def test_a_new_task_is_revision_0_and_a_changed_one_counts_its_seconds() -> None:
    changed = dataclasses.replace(LINE, updated_at=MADE + dt.timedelta(days=1, seconds=5))
    new, later = (Calendar.from_ical(schedule_ics([x])).walk("VEVENT")[0] for x in (LINE, changed))
    assert (new.decoded("SEQUENCE"), later.decoded("SEQUENCE")) == (0, 86_405)
    assert str(new["UID"]) == str(later["UID"])


def test_a_guest_without_a_name_and_a_done_task() -> None:
    line = dataclasses.replace(LINE, guest_leaving=None, status="done", same_day_turnover=False, next_check_in=None)
    event = Calendar.from_ical(schedule_ics([line])).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Cleaning: Old Town Flat (done)" and str(event["STATUS"]) == "CONFIRMED"
    assert "Guest leaving: no name" in str(event["DESCRIPTION"])
    assert "Next check-in: no arrival booked yet" in str(event["DESCRIPTION"])
    page = lxml.html.fromstring(schedule_html([line], DAY, DAY, "Old Town Flat", MADE))
    assert not page.xpath("//article[contains(@class, 'turnover')]")
    assert page.xpath("//li/span[1]/@class") == ["box done"]  # the tick box is ticked
    assert "no name" in page.text_content() and "Old Town Flat" in page.xpath("string(//p[@class='period'])")


@pytest.mark.parametrize("both", [["--json", "--out", "x.html"], ["--out", "x.html", "--ics", "x.ics"]])
def test_one_output_at_a_time(both: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["tasks", "--from", "2026-03-01", "--to", "2026-03-02", *both])
    assert stopped.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
