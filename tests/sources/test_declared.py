"""Layouts declared in a TOML file: built as the built-in ones are, and refused with a message naming file, entry and fault."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from schemas.status_map import StatusMap, load_seed
from sources.layouts import LAYOUTS
from sources.layouts.declared import DeclaredLayoutError, check_statuses, load
from sources.mapping import to_canonical
from sources.readers import read_export

SEED_NAME = "the status map seed"


def entry(**changes: object) -> dict[str, object]:
    """A valid declaration, with `changes` (None removes a key)."""
    base: dict[str, object] = {
        "name": "my_pms",
        "title": "my PMS export",
        "source": "vrbo",
        "date_format": "%d.%m.%Y",
        "money_locale": "de_DE",
        "default_currency": "EUR",
        "code_pattern": r"R\d{4}",
        "headers": {
            "external_code": ["Ref"],
            "raw_status": ["State"],
            "guest_name": ["Guest"],
            "check_in": ["Arrive"],
            "check_out": ["Depart"],
            "property_name": ["Unit"],
            "payout": ["Payout"],
        },
        "statuses": {"Booked": "confirmed", "Gone": "completed"},
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def toml(*entries: dict[str, object]) -> str:
    """TOML of [[layouts]] entries; strings and lists as JSON writes them, which TOML reads the same."""

    def value(v: object) -> str:
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + " }"
        return json.dumps(v)

    return "\n".join(
        "[[layouts]]\n" + "".join(f"{json.dumps(k)} = {value(v)}\n" for k, v in e.items()) for e in entries
    )


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "layouts.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_declaration_builds_the_layout_the_reader_uses(tmp_path: Path) -> None:
    path = write(tmp_path, toml(entry()))
    [declared] = load(path, LAYOUTS)
    layout = declared.layout
    assert (declared.file, declared.index, layout.name, layout.title) == (path, 1, "my_pms", "my PMS export")
    # The four fields every booking needs are required, whatever the file says.
    assert layout.required == {"external_code", "raw_status", "check_in", "check_out"}
    assert layout.date_hint == "DD.MM.YYYY"
    assert [tuple(e) for e in declared.status_entries()] == [
        ("vrbo", "Booked", "confirmed"),
        ("vrbo", "Gone", "completed"),
    ]
    export = 'Ref,State,Guest,Arrive,Depart,Unit,Payout\nR0001,Booked,Ann Lee,30.12.2025,02.01.2026,Loft,"1.048,50 €"\n'
    table = read_export(export.encode(), "x.csv", declared=[layout])
    assert table.layout is layout
    frame = to_canonical(table).frame
    assert frame[["external_code", "source", "guest_name", "property_name"]].values.tolist() == [
        ["R0001", "vrbo", "Ann Lee", "Loft"]
    ]
    assert (frame["check_in"].iloc[0], frame["check_out"].iloc[0]) == (
        pd.Timestamp(2025, 12, 30),
        pd.Timestamp(2026, 1, 2),
    )
    assert (frame["payout"].iloc[0], frame["currency"].iloc[0]) == (1048.5, "EUR")


def test_a_source_column_gives_each_row_its_source_and_the_labels_go_to_each(tmp_path: Path) -> None:
    headers = {**entry()["headers"], "source": ["Channel"]}  # type: ignore[dict-item]
    labels = {"AirBnB": "airbnb", "Own site": "direct"}
    [declared] = load(write(tmp_path, toml(entry(source=None, source_labels=labels, headers=headers))), LAYOUTS)
    assert dict(declared.layout.source_labels) == {"airbnb": "airbnb", "own site": "direct"}
    assert {(e.source, e.raw_status) for e in declared.status_entries()} == {
        (s, label) for s in ("airbnb", "direct") for label in ("Booked", "Gone")
    }
    export = "Ref,Channel,State,Arrive,Depart,Unit\nR0001,AIRBNB,Booked,01.12.2025,03.12.2025,Loft\n"
    export += "R0002,own site,Booked,04.12.2025,06.12.2025,Loft\n"
    frame = to_canonical(read_export(export.encode(), "x.csv", declared=[declared.layout])).frame
    assert frame["source"].tolist() == ["airbnb", "direct"]


def test_date_order_alone_gives_the_format(tmp_path: Path) -> None:
    [declared] = load(write(tmp_path, toml(entry(date_format=None, date_order="month_first"))), LAYOUTS)
    assert (declared.layout.date_format, declared.layout.date_hint) == ("%m/%d/%Y", "MM/DD/YYYY")


def test_a_declared_layout_is_found_by_detection_and_named_when_close(tmp_path: Path) -> None:
    [declared] = load(write(tmp_path, toml(entry())), LAYOUTS)
    near = "Ref,State,Guest,Unit\nR0001,Booked,Ann,Loft\n"
    with pytest.raises(Exception) as info:
        read_export(near.encode(), "near.csv", declared=[declared.layout])
    assert "the closest layout, the my PMS export, matches 4 of its 7 headers" in str(info.value)
    assert "lacks the required Arrive and Depart" in str(info.value)


BAD = [
    pytest.param(entry(name=None), "the required key 'name' is missing", id="missing-name"),
    pytest.param(entry(title=None), "the required key 'title' is missing", id="missing-title"),
    pytest.param(entry(statuses=None), "the required key 'statuses' is missing", id="missing-statuses"),
    pytest.param(entry(header={}), "unknown key 'header'", id="unknown-key"),
    pytest.param(
        entry(name="airbnb"), "the name 'airbnb' is a built-in layout's; choose another name", id="built-in-name"
    ),
    pytest.param(entry(name="My PMS"), "name 'My PMS' must be lower-case letters", id="bad-name"),
    pytest.param(
        entry(headers={**entry()["headers"], "guest_nam": ["Guest"]}),  # type: ignore[dict-item]
        "headers names an unknown field 'guest_nam'",
        id="unknown-field",
    ),
    pytest.param(entry(required=["nights"]), "required names an unknown field 'nights'", id="unknown-required"),
    pytest.param(entry(required=["adults"]), "the field 'adults' is required but 'headers'", id="required-unmapped"),
    pytest.param(
        entry(headers={"raw_status": ["State"], "check_in": ["A"], "check_out": ["D"]}),
        "the field 'external_code' is required",
        id="no-code-column",
    ),
    pytest.param(entry(source="expedia"), "unknown source 'expedia'", id="unknown-source"),
    pytest.param(
        entry(source=None, source_labels={"X": "airbnb"}),
        "no spelling for the 'source' column",
        id="labels-without-column",
    ),
    pytest.param(entry(source=None), "give either 'source'", id="no-source"),
    pytest.param(entry(source_labels={"X": "airbnb"}), "give either 'source'", id="both-sources"),
    pytest.param(entry(statuses={"Booked": "confirmd"}), "maps to unknown status 'confirmd'", id="unknown-status"),
    pytest.param(entry(statuses={" ": "confirmed"}), "statuses has an empty label", id="empty-label"),
    pytest.param(entry(code_pattern="R[0-9"), "code_pattern 'R[0-9' is not a regular expression", id="bad-regex"),
    pytest.param(entry(code_pattern=r"(?<=R)\d+"), "is not a regular expression we can use", id="regex-re2-refuses"),
    pytest.param(entry(money_locale="xx_YY"), "money_locale 'xx_YY' is not a locale babel knows", id="bad-locale"),
    pytest.param(entry(money_locale="de-DE"), "money_locale 'de-DE' is not a locale", id="locale-with-dash"),
    pytest.param(entry(default_currency="EUX"), "default_currency 'EUX' is not an ISO 4217", id="bad-currency"),
    pytest.param(entry(date_format="%d.%m"), "date_format '%d.%m' is not a date format", id="date-without-year"),
    pytest.param(entry(date_format="%d.%Q.%Y"), "date_format '%d.%Q.%Y' is not a date format", id="bad-directive"),
    pytest.param(entry(date_order="day_first", date_format="%m/%d/%Y"), "does not put the day", id="order-mismatch"),
    pytest.param(entry(date_order="dmy"), "date_order 'dmy' must be one of", id="bad-order"),
    pytest.param(entry(date_order=["day_first"]), "date_order ['day_first'] must be one of", id="order-not-text"),
    pytest.param(entry(payout_less=["commission"]), "payout_less ['commission'] must be", id="payout-less-not-text"),
    pytest.param(
        entry(headers={**entry()["headers"], "check_in": []}),  # type: ignore[dict-item]
        "headers.check_in gives no spelling",
        id="no-spelling",
    ),
    pytest.param(
        entry(statuses={"Booked": "pending"}),
        f"status label 'Booked' -> pending conflicts with {SEED_NAME}, which maps 'Booked' to confirmed for source vrbo",
        id="conflicts-with-the-seed",
    ),
    pytest.param(
        entry(statuses={"Gone": "completed", " gone ": "cancelled"}),
        "status label 'gone' -> cancelled conflicts with the same layout, which maps 'Gone' to completed",
        id="conflicts-within-the-layout",
    ),
]


@pytest.mark.parametrize(("declaration", "message"), BAD)
def test_a_bad_declaration_is_refused_naming_file_entry_and_fault(
    tmp_path: Path, declaration: dict[str, object], message: str
) -> None:
    path = write(tmp_path, toml(entry(name="first_ok", statuses={"Held": "pending"}), declaration))
    with pytest.raises(DeclaredLayoutError) as info:
        check_statuses(load(path, LAYOUTS), load_seed(), SEED_NAME)
    name = declaration.get("name", "no name")
    assert str(info.value).startswith(f"{path}: layout 2 ({name}): "), str(info.value)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_two_layouts_of_one_file_may_not_map_a_label_two_ways(tmp_path: Path) -> None:
    path = write(tmp_path, toml(entry(), entry(name="other", statuses={"gone": "cancelled"})))
    with pytest.raises(DeclaredLayoutError) as info:
        check_statuses(load(path, LAYOUTS), load_seed(), SEED_NAME)
    assert str(info.value) == (
        f"{path}: layout 2 (other): status label 'gone' -> cancelled conflicts with {path}: layout 1 (my_pms), "
        "which maps 'Gone' to completed for source vrbo; use that status or another label"
    )


def test_a_name_may_be_declared_once(tmp_path: Path) -> None:
    with pytest.raises(DeclaredLayoutError, match=r"layout 2 \(my_pms\): the name 'my_pms' is layout 1's already"):
        load(write(tmp_path, toml(entry(), entry())), LAYOUTS)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("[[layouts]\nname = 1", "cannot be read as TOML", id="not-toml"),
        pytest.param(
            "[[layout]]\nname = 'x'\n", "unknown key 'layout'; declare each layout in a [[layouts]] table", id="typo"
        ),
        pytest.param("# nothing\n", "declare each layout in a [[layouts]] table", id="empty"),
    ],
)
def test_a_file_that_is_no_layouts_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DeclaredLayoutError) as info:
        load(path, LAYOUTS)
    assert str(info.value).startswith(f"{path}: ") and message in str(info.value)


def test_labels_already_mapped_alike_are_accepted(tmp_path: Path) -> None:
    # "booked" is the seed's "Booked" for vrbo (case does not matter), with the same status.
    declared = load(write(tmp_path, toml(entry(statuses={"booked": "confirmed"}))), LAYOUTS)
    check_statuses(declared, load_seed(), SEED_NAME)
    status_map = StatusMap([*load_seed(), *declared[0].status_entries()])
    assert status_map.lookup("vrbo", "BOOKED") == "confirmed"


def test_the_readmes_example_declaration_loads_as_it_says(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Declaring your own layout", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    [declared] = load(write(tmp_path, example), LAYOUTS)
    check_statuses([declared], load_seed(), SEED_NAME)
    layout = declared.layout
    assert (layout.name, layout.date_hint, layout.money_locale) == ("villa_pms", "DD/MM/YYYY", "fr_FR")
    assert layout.required == {"external_code", "raw_status", "check_in", "check_out", "property_name", "source"}
    export = "Booking,Via,Booking status,Client,Villa,From,To,Net,Nights\n"
    export += 'D-0001,AirBnB,Firm,Ann Lee,Villa Rosa,01/12/2025,05/12/2025,"1\u202f023,64\u00a0€",4\n'
    frame = to_canonical(read_export(export.encode(), "x.csv", declared=[layout])).frame
    assert frame[["external_code", "source", "payout"]].values.tolist() == [["D-0001", "airbnb", 1023.64]]
