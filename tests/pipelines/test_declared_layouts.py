"""A layout the operator declares beside the exports, end to end on both databases: detected, loaded,
its labels through the one status map, its unknown labels quarantined, its faults a usage error."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, create_engine, insert, inspect, select

from loaders.tables import bookings, rejected_rows, source_files, status_map
from pipelines.cli import main
from pipelines.discover import FileOptions, discover
from pipelines.ingest import ingest_paths
from sources.layouts import LAYOUTS

if TYPE_CHECKING:  # the fixtures' types; pytest imports conftest.py itself
    from pipelines.conftest import Exports

LAYOUTS_TOML = """
[[layouts]]
name = "villa_pms"
title = "Villa PMS bookings"
source_labels = { "AirBnB" = "airbnb", "Direct" = "direct" }
date_format = "%d/%m/%Y"
money_locale = "fr_FR"
default_currency = "EUR"

[layouts.headers]
external_code = ["Booking"]
raw_status = ["Booking status"]
guest_name = ["Client"]
check_in = ["From"]
check_out = ["To"]
property_name = ["Villa"]
payout = ["Net"]
source = ["Via"]

[layouts.statuses]
"Firm" = "confirmed"
"Left" = "completed"
"Called off" = "cancelled"
"""
HEADER = "Booking,Via,Booking status,Client,Villa,From,To,Net\n"
ROWS = [
    'HMVILLA001,AirBnB,Firm,Ann Lee,Villa Rosa,01/12/2025,05/12/2025,"412,80 €"\n',
    'D-0002,Direct,Left,Bo Chen,Villa Rosa,20/11/2025,24/11/2025,"1 023,64 €"\n',
    'D-0003,direct,called off,Cy Diaz,Villa Blu,10/12/2025,12/12/2025,"0,00 €"\n',
    'D-0004,Direct,Maybe,Di Eze,Villa Blu,14/12/2025,16/12/2025,"90,00 €"\n',  # a label nobody declared
]


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("BOOKINGEST_") or name == "PREFECT_API_URL":
            monkeypatch.delenv(name)
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")


def inbox(exports: Exports, layouts: str = LAYOUTS_TOML, rows: list[str] = ROWS) -> Path:
    exports.write("inbox/layouts.toml", layouts.encode())
    exports.write("inbox/villas.csv", (HEADER + "".join(rows)).encode())
    return exports.folder / "inbox"


def stored(engine: Engine) -> dict[str, tuple[object, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(select(bookings.c.external_code, bookings.c.source, bookings.c.status, bookings.c.payout))
        return {r.external_code: (r.source, r.status, float(r.payout)) for r in rows}


def test_a_declared_layout_is_detected_loaded_and_its_labels_mapped(engine: Engine, exports: Exports) -> None:
    folder = inbox(exports)

    [result] = ingest_paths(engine, discover([str(folder)], FileOptions(as_of=None)))

    assert (result.status, result.source, result.rows, result.inserted, result.rejected) == (
        "loaded",
        "villa_pms",
        4,
        3,
        1,
    )
    assert stored(engine) == {
        "HMVILLA001": ("airbnb", "confirmed", 412.80),
        "D-0002": ("direct", "completed", 1023.64),
        "D-0003": ("direct", "cancelled", 0.0),
    }
    with engine.connect() as conn:
        [problem] = conn.execute(select(rejected_rows)).mappings().all()
        entries = set(conn.execute(select(status_map.c.source, status_map.c.raw_status, status_map.c.status)).all())
        [layout] = conn.execute(select(source_files.c.source)).scalars().all()
    assert (problem["row_number"], problem["column"], problem["value"]) == (5, "Booking status", "Maybe")
    assert problem["error"].startswith("unknown status 'Maybe' for source direct; add it to the status map")
    # The declared labels are rows of the one status map, for each source the layout's rows can have.
    assert {
        (s, r, st) for s in ("airbnb", "direct") for r, st in (("Firm", "confirmed"), ("Left", "completed"))
    } <= entries
    assert ("airbnb", "Called off", "cancelled") in entries and layout == "villa_pms"


def test_a_label_the_database_maps_otherwise_stops_the_run_before_any_file(
    db_url: str, engine: Engine, exports: Exports, capsys: pytest.CaptureFixture[str]
) -> None:
    with engine.begin() as conn:  # an operator's own entry in the table
        conn.execute(insert(status_map).values(source="direct", raw_status="firm", status="pending"))
    folder = inbox(exports)

    code = main(["ingest", str(folder), "--db", db_url, "--no-prefect"])

    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == (
        f"bookingest: {folder / 'layouts.toml'}: layout 1 (villa_pms): status label 'Firm' -> confirmed conflicts "
        "with the database's status_map table, which maps 'firm' to pending for source direct; use that status "
        "or another label"
    )
    with engine.connect() as conn:
        assert conn.execute(select(source_files.c.id)).all() == []
        assert conn.execute(select(status_map.c.id).where(status_map.c.raw_status == "Left")).all() == []


BAD = [
    pytest.param(LAYOUTS_TOML.replace('"Firm" = "confirmed"', '"Firm" = "firm"'), "maps to unknown status 'firm'", id="status"),
    pytest.param(LAYOUTS_TOML.replace('"Direct" = "direct"', '"Direct" = "web"'), "unknown source 'web'", id="source"),
    pytest.param(LAYOUTS_TOML.replace('guest_name = ["Client"]', 'guest = ["Client"]'), "unknown field 'guest'", id="field"),
    pytest.param(LAYOUTS_TOML.replace("fr_FR", "fr_XX"), "money_locale 'fr_XX' is not a locale", id="locale"),
    pytest.param(LAYOUTS_TOML.replace('name = "villa_pms"', 'name = "airbnb"'), "the name 'airbnb' is a built-in layout's", id="name"),
    pytest.param(LAYOUTS_TOML.replace('"Firm" = "confirmed"', '"Confirmed" = "pending"'), "conflicts with the status map seed", id="seed"),
    pytest.param(LAYOUTS_TOML.replace('date_format = "%d/%m/%Y"', 'date_format = "%d/%m"'), "is not a date format", id="date"),
    pytest.param(LAYOUTS_TOML.replace('default_currency = "EUR"', 'code_pattern = "D-[0-9"'), "code_pattern 'D-[0-9' is not a regular expression", id="regex"),
]  # fmt: skip


@pytest.mark.parametrize(("layouts", "message"), BAD)
def test_a_bad_layouts_file_is_a_usage_error_and_loads_nothing(
    db_url: str, exports: Exports, capsys: pytest.CaptureFixture[str], layouts: str, message: str
) -> None:
    folder = inbox(exports, layouts)
    exports.airbnb("inbox/plain.csv", [exports.Row("HMPLAIN222", *_dates())])  # a good file beside it

    code = main(["ingest", str(folder), "--db", db_url, "--no-prefect"])

    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    [line] = err.splitlines()
    assert line.startswith(f"bookingest: {folder / 'layouts.toml'}: ") and message in line, line
    assert "Traceback" not in err
    # Stopped before the database was even opened: no file, no table.
    if db_url.startswith("sqlite"):
        assert not Path(db_url.removeprefix("sqlite:///")).exists()
    else:
        check = create_engine(db_url)
        assert inspect(check).get_table_names() == []
        check.dispose()


def _dates() -> tuple[dt.date, dt.date]:
    return dt.date(2026, 2, 1), dt.date(2026, 2, 4)


def test_source_names_a_declared_layout_in_its_folder_only(
    db_url: str, exports: Exports, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = inbox(exports)
    code = main(
        ["ingest", str(folder / "villas.csv"), "--db", db_url, "--no-prefect", "--source", "villa_pms", "--json"]
    )
    out, err = capsys.readouterr()
    assert code == 1, err  # the row with the undeclared label
    [file] = json.loads(out)["files"]
    assert (file["source"], file["inserted"], file["rejected"]) == ("villa_pms", 3, 1)

    elsewhere = exports.airbnb("other/plain.csv", [exports.Row("HMPLAIN222", *_dates())])
    code = main(["ingest", str(elsewhere), "--db", db_url, "--no-prefect", "--source", "villa_pms"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == (
        f"bookingest: unknown --source 'villa_pms' for {elsewhere}; choose one of: {', '.join(LAYOUTS)}"
    )


def test_forcing_a_declared_layout_on_a_file_without_its_headers_says_what_is_missing(
    engine: Engine, exports: Exports
) -> None:
    folder = inbox(exports)
    exports.write("inbox/short.csv", b"Booking,Via,Client\nHMVILLA009,AirBnB,Ann\n")
    files = [(p, o) for p, o in discover([str(folder / "short.csv")], FileOptions(source="villa_pms"))]

    [result] = ingest_paths(engine, files)

    assert result.status == "rejected"
    assert result.reason is not None
    assert result.reason.startswith("the file does not have the headers of a Villa PMS bookings")
    assert "it lacks Booking status, From and To" in result.reason


def test_a_dry_run_maps_the_declared_labels_without_writing_them(engine: Engine, exports: Exports) -> None:
    folder = inbox(exports)

    [result] = ingest_paths(engine, discover([str(folder)], FileOptions()), dry_run=True)

    assert (result.status, result.inserted, result.rejected, result.dry_run) == ("loaded", 3, 1, True)
    with engine.connect() as conn:
        assert conn.execute(select(status_map.c.id).where(status_map.c.raw_status == "Firm")).all() == []
        assert conn.execute(select(bookings.c.id)).all() == []


def test_bookingest_layouts_lists_the_declared_ones_with_their_file(
    exports: Exports, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = inbox(exports)
    exports.write("inbox/2026/layouts.toml", LAYOUTS_TOML.replace("villa_pms", "villa_pms_2026").encode())

    assert main(["layouts", "--inbox", str(folder), "--json"]) == 0
    listed = {entry["name"]: entry for entry in json.loads(capsys.readouterr().out)}

    assert [n for n in listed if listed[n]["declared"]] == ["villa_pms", "villa_pms_2026"]
    villa = listed["villa_pms"]
    assert villa["declared"] == {"file": str(folder / "layouts.toml"), "index": 1}
    assert listed["villa_pms_2026"]["declared"]["file"] == str(folder / "2026" / "layouts.toml")
    assert listed["airbnb"]["declared"] is None
    assert villa["fields"]["raw_status"] == {"headers": ["Booking status"], "required": True}
    assert villa["source"] is None and villa["source_labels"] == {"airbnb": "airbnb", "direct": "direct"}
    assert villa["statuses"]["direct"]["Called off"] == "cancelled"
    assert villa["statuses"]["direct"]["Pending"] == "pending"  # the seed's labels of that source too

    assert main(["layouts", "--inbox", str(folder)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"villa_pms: Villa PMS bookings [en] (declared in {folder / 'layouts.toml'}, layout 1)" in lines
    assert "dates: DD/MM/YYYY (%d/%m/%Y)" in lines
    assert any(line.split()[:4] == ["direct", "completed", "Completed,", "Past"] and "Left" in line for line in lines)

    # Without --inbox only the built-in layouts; a bad file is refused as ingest refuses it.
    assert main(["layouts", "--json"]) == 0
    assert all(entry["declared"] is None for entry in json.loads(capsys.readouterr().out))
    exports.write("inbox/layouts.toml", LAYOUTS_TOML.replace("fr_FR", "fr_XX").encode())
    assert main(["layouts", "--inbox", str(folder)]) == 2
    assert "money_locale 'fr_XX'" in capsys.readouterr().err


def test_the_manifest_may_name_the_layouts_file_and_a_wrong_name_is_a_usage_error(
    engine: Engine, exports: Exports, capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    exports.write("shared/villas.toml", LAYOUTS_TOML.encode())
    exports.write("inbox/villas.csv", (HEADER + ROWS[0]).encode())
    exports.write("inbox/bookingest.toml", b'layouts = "../shared/villas.toml"\n')
    folder = exports.folder / "inbox"

    [result] = ingest_paths(engine, discover([str(folder)], FileOptions()))
    assert (result.status, result.source, result.inserted) == ("loaded", "villa_pms", 1)

    exports.write("inbox/bookingest.toml", b'layouts = "../shared/villa.toml"\n')
    assert main(["ingest", str(folder), "--db", db_url, "--no-prefect"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"bookingest: {folder / 'bookingest.toml'}: layouts = '../shared/villa.toml' does not name a layouts file "
        f"(a path from {folder})"
    )


def test_two_folders_that_map_a_label_two_ways_are_refused_by_layouts_and_by_ingest(
    exports: Exports, capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    folder = inbox(exports)
    other = LAYOUTS_TOML.replace("villa_pms", "villa_pms_old").replace('"Left" = "completed"', '"Left" = "cancelled"')
    exports.write("inbox/old/layouts.toml", other.encode())
    exports.write("inbox/old/villas.csv", (HEADER + ROWS[1]).encode())
    expected = (
        f"{folder / 'old' / 'layouts.toml'}: layout 1 (villa_pms_old): status label 'Left' -> cancelled conflicts "
        f"with {folder / 'layouts.toml'}: layout 1 (villa_pms), which maps 'Left' to completed for source airbnb"
    )

    assert main(["layouts", "--inbox", str(folder)]) == 2
    assert expected in capsys.readouterr().err
    assert main(["ingest", str(folder), "--db", db_url, "--no-prefect"]) == 2
    assert expected in capsys.readouterr().err
