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
    assert "booking_com: Booking.com reservations download [en]" in lines
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


def test_the_layouts_in_the_hosts_language_are_listed_with_their_language(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layouts", "--json"]) == 0
    listed = {entry["name"]: entry for entry in json.loads(capsys.readouterr().out)}
    assert {name: listed[name]["language"] for name in ("airbnb", "airbnb_fr", "airbnb_es", "booking_com_hr")} == {
        "airbnb": "en",
        "airbnb_fr": "fr",
        "airbnb_es": "es",
        "booking_com_hr": "hr",
    }
    spanish = listed["airbnb_es"]
    assert spanish["fields"]["external_code"] == {"headers": ["Código de confirmación"], "required": True}
    assert (spanish["date_format"], spanish["source"]) == ("%d/%m/%Y", "airbnb")
    assert spanish["statuses"]["airbnb"]["Cancelada por vos"] == "cancelled"
    croatian = listed["booking_com_hr"]
    assert croatian["fields"]["cancelled_on"]["headers"] == ["Datum otkazivanja"]
    assert croatian["statuses"]["booking_com"]["ok"] == "confirmed"
    short = listed["booking_com_short"]
    assert short["fields"]["property_name"] == {"headers": ["Property name"], "required": True}
    assert short["fields"]["currency"]["headers"] == ["Currency"]
    assert listed["booking_com"]["fields"]["cancelled_on"]["headers"] == ["Cancellation date"]


def test_the_text_names_each_language(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layouts"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "airbnb_es: Airbnb reservations export (Spanish) [es]" in lines
    assert "airbnb_pt: Airbnb reservations export (Brazilian Portuguese) [pt]" in lines
    assert "booking_com_hr: Booking.com reservations download (Croatian) [hr]" in lines
    assert "booking_com_short: Booking.com short reservations export [en]" in lines
