"""`bookingest layouts`: every layout with its header spellings, required fields, source, dates and statuses."""

from __future__ import annotations

import json

import pytest

from pipelines.cli import main
from schemas.status_map import load_seed
from sources.layouts import LAYOUTS


def test_the_json_lists_every_layout_as_declared(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layouts", "--json"]) == 0
    listed = {entry["name"]: entry for entry in json.loads(capsys.readouterr().out)}
    assert listed.keys() == LAYOUTS.keys()
    for name, layout in LAYOUTS.items():
        fields = listed[name]["fields"]
        assert {f: tuple(v["headers"]) for f, v in fields.items()} == dict(layout.headers)
        assert {f for f, v in fields.items() if v["required"]} == layout.required
        assert listed[name]["title"] == layout.title
        assert listed[name]["date_format"] == layout.date_format
    airbnb = listed["airbnb"]
    assert airbnb["source"] == "airbnb"
    assert airbnb["statuses"]["airbnb"]["Past guest"] == "completed"
    assert len(airbnb["statuses"]["airbnb"]) == sum(1 for e in load_seed() if e.source == "airbnb")
    schedule = listed["cleaning_schedule"]
    assert schedule["source"] is None and schedule["source_labels"]["owner staying"] == "owner"
    # A workbook's rows come from several sources: each one's vocabulary is listed.
    assert set(schedule["statuses"]) == {"airbnb", "vrbo", "booking_com", "direct", "owner"}
    assert schedule["statuses"]["vrbo"]["Booked"] == "confirmed"


def test_the_text_shows_each_field_with_its_spellings_and_the_status_labels(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layouts"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "booking_com: Booking.com reservations download" in lines
    assert any(
        line.split() == ["external_code", "Book", "number", "|", "Reservation", "number", "required"] for line in lines
    )
    assert any(line.split()[:3] == ["airbnb", "completed", "Past"] for line in lines)
    assert "dates: M/D/YYYY (%m/%d/%Y)" in lines


def test_an_earnings_layout_lists_its_line_types_not_booking_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layouts", "--json"]) == 0
    listed = {entry["name"]: entry for entry in json.loads(capsys.readouterr().out)}
    earnings = listed["airbnb_earnings_pt_br"]
    assert (earnings["kind"], earnings["statuses"]) == ("payouts", {})
    assert earnings["types"]["Recebimento do coanfitrião"] == "co_host"
    assert earnings["type_prefixes"] == {"Resolution": "resolution"}
    assert listed["airbnb"]["kind"] == "bookings" and listed["airbnb"]["types"] == {}
