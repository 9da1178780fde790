"""One house, whatever the platform calls it: aliases resolved in every load strategy, taught by a
row naming a house and its listing, declared in the inbox's bookingest.toml, and added, listed
and merged with `bookingest properties`; on SQLite and PostgreSQL.

Expected turnovers and double bookings come from tests/oracles.py, never from bookingest."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from airbnb_export import AIRBNB_COLUMNS, airbnb_row
from oracles import PlainStay, expected_tasks, overlapping_pairs
from sqlalchemy import create_engine, insert, select

from loaders.tables import bookings, properties, property_aliases, tasks
from pipelines.cli import main
from reports.bookings import conflicts

DAY = dt.date(2026, 3, 2)
SUNNY, BEACH = "Sunny 2BR by the sea", "Beach House"


@pytest.fixture(autouse=True)
def _settings_from_the_test_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("BOOKINGEST_") or name == "PREFECT_API_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def day(n: int) -> dt.date:
    return DAY + dt.timedelta(days=n)


def stay(code: str, listing: str, start: int, end: int, guest: str = "Test Guest") -> list[str]:
    return airbnb_row(code, "Confirmed", guest, day(start), day(end), listing, Decimal(120))


def plain_export(path: Path, rows: Iterable[list[str]], newline: str = "\n") -> Path:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator=newline)
    writer.writerows([AIRBNB_COLUMNS, *rows])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode())
    return path


def schedule(path: Path, rows: Iterable[tuple[str, str, str, int, int, str]]) -> Path:
    """The operator's workbook layout (as CSV): Airbnb's columns, `Properties` and `Booking
    source`. Rows: (code, house, listing or "", start, end, source label)."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*AIRBNB_COLUMNS, "Properties", "Booking source"])
    for code, house, listing, start, end, source in rows:
        cells = airbnb_row(code, "Confirmed" if source == "AIRBNB" else "Booked", "Test Guest", day(start), day(end),
                           listing, Decimal(120))  # fmt: skip
        writer.writerow([*cells, house, source])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode())
    return path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def ingest(capsys: pytest.CaptureFixture[str], db_url: str, path: Path) -> dict[str, Any]:
    code, out, err = cli(capsys, "ingest", str(path), "--db", db_url, "--json", "--no-prefect")
    assert code == 0, (out, err)
    [result] = json.loads(out)["files"]
    assert isinstance(result, dict)
    return result


def houses_of(db_url: str) -> dict[str, str]:
    """Each booking code's property, by name."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(bookings.c.external_code, properties.c.name).join(
                    properties, properties.c.id == bookings.c.property_id
                )
            )
            return {r.external_code: r.name for r in rows}
    finally:
        engine.dispose()


def property_names(db_url: str) -> list[str]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return sorted(conn.execute(select(properties.c.name)).scalars())
    finally:
        engine.dispose()


def test_every_strategy_lands_an_aliased_listing_on_its_house(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "bookingest.toml").write_text(
        f'[[aliases]]\nproperty = "{BEACH}"\nsource = "airbnb"\nalias = "{SUNNY}"\n', encoding="utf-8"
    )
    pg = db_url.startswith("postgresql")
    # Another case and repeated spaces: the same alias.
    first = plain_export(
        inbox / "one.csv", [stay("HMALIAS001", SUNNY, 0, 3), stay("HMALIAS002", "sunny  2BR BY the sea", 3, 5)]
    )
    one = ingest(capsys, db_url, first)
    assert one["strategy"] == ("first_load" if pg else "staged_merge")
    assert one["new_properties"] == [BEACH]  # the declared house, made for its alias
    assert any(
        n.startswith(f"added 1 declared alias(es) of houses (e.g. airbnb '{SUNNY}' is '{BEACH}')") for n in one["notes"]
    )
    assert houses_of(db_url) == {"HMALIAS001": BEACH, "HMALIAS002": BEACH}

    second = plain_export(
        inbox / "two.csv", [stay("HMALIAS003", SUNNY, 5, 7), stay("HMALIAS004", "Harbour Loft", 0, 2)]
    )
    two = ingest(capsys, db_url, second)
    assert two["strategy"] == "staged_merge"
    assert two["new_properties"] == ["Harbour Loft"]
    assert any("aliases of houses" in n for n in two["notes"])
    assert houses_of(db_url)["HMALIAS003"] == BEACH

    # An operator says in the database that Harbour Loft is the same house: the next export that
    # restates its booking moves it, even when the re-load compares rows in memory by their hashes.
    engine = create_engine(db_url)
    with engine.begin() as conn:
        beach = conn.execute(select(properties.c.id).where(properties.c.name == BEACH)).scalar_one()
        conn.execute(
            insert(property_aliases).values(
                source="airbnb", alias="Harbour Loft", alias_key="harbour loft", property_id=beach
            )
        )
    engine.dispose()
    monkeypatch.setenv("BOOKINGEST_KNOWN_IN_MEMORY_MIN_ROWS", "1")
    rows = [stay("HMALIAS001", SUNNY, 0, 3), stay("HMALIAS002", "sunny  2BR BY the sea", 3, 5),
            stay("HMALIAS003", SUNNY, 5, 7), stay("HMALIAS004", "Harbour Loft", 0, 2)]  # fmt: skip
    again = ingest(capsys, db_url, plain_export(inbox / "three.csv", rows, newline="\r\n"))
    assert again["strategy"] == ("known_rows" if pg else "staged_merge")
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 1, 3)
    assert set(houses_of(db_url).values()) == {BEACH}


def test_an_alias_declared_after_the_folder_loaded_takes_effect_though_every_file_is_a_duplicate(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = tmp_path / "inbox"
    plain_export(inbox / "one.csv", [stay("HMLATE0001", SUNNY, 0, 3)])
    assert ingest(capsys, db_url, inbox)["new_properties"] == [SUNNY]
    (inbox / "bookingest.toml").write_text(
        f'[[aliases]]\nproperty = "{BEACH}"\nsource = "airbnb"\nalias = "{SUNNY}"\n', encoding="utf-8"
    )
    again = ingest(capsys, db_url, inbox)
    assert again["status"] == "duplicate"
    assert any(n.startswith(f"added 1 declared alias(es) of houses (e.g. airbnb '{SUNNY}'") for n in again["notes"])
    # The listing's own property was that house: it is merged, its booking moved.
    assert houses_of(db_url) == {"HMLATE0001": BEACH}
    assert property_names(db_url) == [BEACH]
    assert ingest(capsys, db_url, inbox)["notes"] == []  # said once: nothing new the third time


def test_a_row_naming_house_and_listing_teaches_the_alias_and_merges_the_listings_own_property(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A plain export first: its listing title becomes a property of its own.
    early = ingest(
        capsys,
        db_url,
        plain_export(tmp_path / "a.csv", [stay("HMTEACH001", SUNNY, 0, 4), stay("HMTEACH002", SUNNY, 10, 12)]),
    )
    assert early["new_properties"] == [SUNNY]
    # The workbook names the house beside the listing, and a Vrbo stay that leaves the day
    # HMTEACH002 arrives: a same-day turnover that only the one house can show.
    sheet = schedule(tmp_path / "schedule.csv", [
        ("HMTEACH001", BEACH, SUNNY, 0, 4, "AIRBNB"),
        ("HA-TEACH1", BEACH, "", 6, 10, "VRBO"),
    ])  # fmt: skip
    taught = ingest(capsys, db_url, sheet)
    notes = " | ".join(taught["notes"])
    assert f"'{SUNNY}' merged into '{BEACH}' as one house (1 booking(s) moved)" in notes
    assert "learned 1 alias(es)" in notes
    assert property_names(db_url) == [BEACH]
    assert set(houses_of(db_url).values()) == {BEACH}

    plain = [
        PlainStay("HMTEACH001", BEACH, day(0), day(4), "confirmed"),
        PlainStay("HMTEACH002", BEACH, day(10), day(12), "confirmed"),
        PlainStay("HA-TEACH1", BEACH, day(6), day(10), "confirmed"),
    ]
    engine = create_engine(db_url)
    with engine.connect() as conn:
        flags = dict(
            conn.execute(
                select(bookings.c.external_code, tasks.c.same_day_turnover).join(
                    tasks, tasks.c.booking_id == bookings.c.id
                )
            ).all()
        )
    engine.dispose()
    assert flags == {code: t.same_day_turnover for code, t in expected_tasks(plain).items()}
    assert flags["HA-TEACH1"] is True

    # From now on a plain export naming the listing lands on the house.
    later = ingest(capsys, db_url, plain_export(tmp_path / "b.csv", [stay("HMTEACH003", SUNNY, 14, 16)]))
    assert later["new_properties"] == []
    assert houses_of(db_url)["HMTEACH003"] == BEACH


def test_an_alias_of_another_house_is_kept_and_reported(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest(capsys, db_url, schedule(tmp_path / "one.csv", [("HMKEPT0001", "Lakeside", SUNNY, 0, 2, "AIRBNB")]))
    other = ingest(capsys, db_url, schedule(tmp_path / "two.csv", [("HMKEPT0002", BEACH, SUNNY, 3, 5, "AIRBNB")]))
    assert f"airbnb '{SUNNY}' stays an alias of 'Lakeside' (this file names it for '{BEACH}')" in " ".join(
        other["notes"]
    )
    assert houses_of(db_url) == {"HMKEPT0001": "Lakeside", "HMKEPT0002": BEACH}
    code, out, _ = cli(capsys, "properties", "--json", "--db", db_url)
    listed = {h["name"]: h for h in json.loads(out)}
    assert code == 0 and listed["Lakeside"]["aliases"] == [{"source": "airbnb", "alias": SUNNY}]
    assert listed[BEACH]["aliases"] == [] and listed[BEACH]["bookings"] == 1


def test_merge_moves_the_bookings_and_recomputes_turnovers_and_double_bookings_across_platforms(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Vrbo stays of the house, and Airbnb stays of its listing title, loaded as two properties.
    ingest(capsys, db_url, schedule(tmp_path / "vrbo.csv", [
        ("HA-MERGE1", BEACH, "", 0, 4, "VRBO"),
        ("HA-MERGE2", BEACH, "", 10, 14, "VRBO"),
    ]))  # fmt: skip
    airbnb = plain_export(tmp_path / "airbnb.csv", [
        stay("HMMERGE001", SUNNY, 4, 7),  # arrives as HA-MERGE1 leaves
        stay("HMMERGE002", SUNNY, 12, 15),  # overlaps HA-MERGE2
    ])  # fmt: skip
    ingest(capsys, db_url, airbnb)
    engine = create_engine(db_url)
    assert conflicts(engine) == []

    code, out, err = cli(capsys, "properties", "merge", BEACH, SUNNY, "--json", "--db", db_url)
    assert code == 0, (out, err)
    merged = json.loads(out)
    stays = [
        PlainStay("HA-MERGE1", BEACH, day(0), day(4), "confirmed"),
        PlainStay("HA-MERGE2", BEACH, day(10), day(14), "confirmed"),
        PlainStay("HMMERGE001", BEACH, day(4), day(7), "confirmed"),
        PlainStay("HMMERGE002", BEACH, day(12), day(15), "confirmed"),
    ]
    want_tasks = expected_tasks(stays)
    pairs = overlapping_pairs(stays)
    assert merged["moved"] == 2 and merged["other"] == SUNNY
    assert merged["aliases"] == [{"source": "airbnb", "alias": SUNNY}]
    assert merged["same_day_turnovers"] == sum(t.same_day_turnover for t in want_tasks.values()) > 0
    assert len(merged["double_bookings"]) == len(pairs) > 0
    with engine.connect() as conn:
        flags = dict(
            conn.execute(
                select(bookings.c.external_code, tasks.c.same_day_turnover).join(
                    tasks, tasks.c.booking_id == bookings.c.id
                )
            ).all()
        )
    assert flags == {code: t.same_day_turnover for code, t in want_tasks.items()}
    found = {frozenset((c.first.split()[1], c.second.split()[1])) for c in conflicts(engine)}
    assert found == set(pairs)
    engine.dispose()
    assert property_names(db_url) == [BEACH]
    # The old name is now the house's alias: the same export again changes nothing.
    again = ingest(
        capsys, db_url, plain_export(tmp_path / "again.csv", [stay("HMMERGE001", SUNNY, 4, 7)], newline="\r\n")
    )
    assert (again["inserted"], again["updated"], again["new_properties"]) == (0, 0, [])


def test_the_properties_command_says_what_is_wrong(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest(
        capsys,
        db_url,
        plain_export(
            tmp_path / "a.csv", [stay("HMCLI00001", "Lakeside", 0, 2), stay("HMCLI00002", "Pine Lodge", 0, 2)]
        ),
    )
    code, out, err = cli(capsys, "properties", "alias", "Lakesde", "--source", "airbnb", SUNNY, "--db", db_url)
    assert (code, err) == (2, "bookingest: no property is called 'Lakesde'; did you mean 'Lakeside'?\n")
    code, out, err = cli(capsys, "properties", "alias", "Lakeside", "--source", "abnb", SUNNY, "--db", db_url)
    assert code == 2 and err.startswith("bookingest: unknown --source 'abnb'; choose one of: airbnb, booking_com")
    code, out, err = cli(capsys, "properties", "alias", "Lakeside", "--source", "airbnb", SUNNY, "--db", db_url)
    assert (code, out) == (0, f"airbnb '{SUNNY}' is now an alias of 'Lakeside'\n")
    code, out, err = cli(
        capsys, "properties", "alias", "Pine Lodge", "--source", "airbnb", SUNNY.upper(), "--db", db_url
    )
    assert code == 1 and "is already an alias of 'Lakeside', so it was not added" in err
    code, out, err = cli(capsys, "properties", "merge", "Lakeside", "Lakeside", "--db", db_url)
    assert (code, err) == (2, "bookingest: 'Lakeside' and 'Lakeside' are the same property\n")
    code, out, err = cli(capsys, "properties", "--db", db_url)
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["property", "bookings", "aliases", "(source:", "name)"]
    assert lines[2].split() == ["Lakeside", "1", "airbnb:", *SUNNY.split()]
    assert lines[3].split() == ["Pine", "Lodge", "1", "-"] and lines[-1] == "2 properties"


def test_an_alias_that_is_the_name_of_another_house_merges_nothing(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Lakeside is a house (Vrbo stays), not the property of an Airbnb listing's title.
    ingest(capsys, db_url, schedule(tmp_path / "vrbo.csv", [("HA-GUARD1", "Lakeside", "", 0, 4, "VRBO")]))
    ingest(capsys, db_url, plain_export(tmp_path / "airbnb.csv", [stay("HMGUARD001", "Pine Lodge", 0, 3)]))
    before = houses_of(db_url)

    code, out, err = cli(capsys, "properties", "alias", "Pine Lodge", "--source", "airbnb", "lakeside", "--db", db_url)

    assert (code, out) == (1, "")
    assert err == (
        "bookingest: airbnb 'lakeside' is the name of the house 'Lakeside', which has vrbo bookings of its own: "
        "not learned; if the two are one house: bookingest properties merge 'Pine Lodge' 'Lakeside'\n"
    )
    # Taught by a workbook row (Pine Lodge's listing called Lakeside): not learned either, and noted.
    taught = ingest(
        capsys, db_url, schedule(tmp_path / "wb.csv", [("HMGUARD002", "Pine Lodge", "Lakeside", 5, 7, "AIRBNB")])
    )
    assert any("'Lakeside' is the name of the house 'Lakeside'" in note for note in taught["notes"]), taught
    assert property_names(db_url) == ["Lakeside", "Pine Lodge"]
    assert houses_of(db_url) == {**before, "HMGUARD002": "Pine Lodge"}
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(select(property_aliases.c.alias)).scalars().all() == []
    engine.dispose()


def test_merge_in_text_says_what_it_did_and_lists_no_double_booking_when_there_is_none(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest(capsys, db_url, schedule(tmp_path / "vrbo.csv", [("HA-TEXT01", BEACH, "", 0, 4, "VRBO")]))
    ingest(capsys, db_url, plain_export(tmp_path / "airbnb.csv", [stay("HMTEXT0001", SUNNY, 4, 7)]))

    code, out, err = cli(capsys, "properties", "merge", BEACH, SUNNY, "--db", db_url)

    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"merged '{SUNNY}' into '{BEACH}': 1 booking(s) moved; aliases of '{BEACH}': airbnb '{SUNNY}'",
        f"1 same-day turnover(s) at '{BEACH}'; 0 double booking(s)",
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            'property = "Beach House"\nsource = "airbnb"',
            "[[aliases]] entry 1 has no 'alias' (it takes property, source, alias)",
        ),
        (
            'property = "Beach House"\nsource = "airbnb"\nalias = ""',
            "[[aliases]] entry 1: 'alias' must be a text of 1 to 200 characters, not ''",
        ),
        (
            'property = "Beach House"\nsource = "abnb"\nalias = "x"',
            "[[aliases]] entry 1: unknown source 'abnb' (one of airbnb, booking_com, vrbo, direct, owner)",
        ),
        (
            'property = "Beach House"\nsource = "airbnb"\nalias = "x"\nnote = 1',
            "[[aliases]] entry 1 has unknown key(s) note (it takes property, source, alias)",
        ),
    ],
    ids=["no-alias", "empty-alias", "unknown-source", "unknown-key"],
)
def test_a_bad_aliases_entry_names_the_file_and_the_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entry: str, message: str
) -> None:
    inbox = tmp_path / "inbox"
    plain_export(inbox / "a.csv", [stay("HMTOML0001", SUNNY, 0, 2)])
    (inbox / "bookingest.toml").write_text(f"[[aliases]]\n{entry}\n", encoding="utf-8")
    code, _, err = cli(capsys, "ingest", str(inbox), "--db", f"sqlite:///{tmp_path / 'x.db'}", "--no-prefect")
    assert (code, err) == (2, f"bookingest: {inbox / 'bookingest.toml'}: {message}\n")
    assert not (tmp_path / "x.db").exists()
