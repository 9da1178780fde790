"""The operator's workbook as real ones are, three versions a few days apart: every row of every
platform loads with its source and status, each stay gets its cleaning task, and every same-day
turnover of a house is flagged whichever platform each booking came from.

Expected values are read from the files with openpyxl (the cached values of the source column's
formulas) and from the status map's seed CSV, never from bookingest.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import re
from pathlib import Path

import openpyxl
import pytest
from oracles import PlainStay, expected_tasks
from sqlalchemy import Engine, select

from loaders.tables import bookings, properties, tasks
from pipelines.discover import FileOptions, discover
from pipelines.ingest import ingest_paths

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
VERSIONS = [SAMPLES / f"cleaning_schedule_v{v}.xlsx" for v in (1, 2, 3)]
SOURCE_OF = {"AIRBNB": "airbnb", "VRBO": "vrbo", "Owner staying": "owner", "Directly": "direct"}
PLACEHOLDERS = {"Owner staying", "Directly"}
Stay = tuple[str, str, dt.date, dt.date]  # source, house, check-in, check-out
SEED = Path(__file__).resolve().parents[2] / "schemas" / "status_map.csv"


def _label_key(label: str) -> str:
    # DESIGN.md: case and surrounding/repeated white space do not matter; any number matches '#'.
    return re.sub(r"\d+", "#", " ".join(label.split()).casefold())


def canonical_status(source: str, label: str) -> str:
    lines = [ln for ln in SEED.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    seed = {(r["source"].strip(), _label_key(r["raw_status"])): r["status"].strip() for r in csv.DictReader(lines)}
    return seed[(source, _label_key(label))]


def workbook_rows(path: Path) -> list[dict[str, object]]:
    """The data sheet's rows as the file states them: header in row 1, table from column B."""
    sheet = openpyxl.load_workbook(path, read_only=True, data_only=True).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[0] is None, "column A is empty"
    source_header = next(h for h in header if h in ("Booking source", "Airbnb/VRBO"))
    out = []
    for row in rows:
        r = dict(zip(header, row, strict=True))
        source = SOURCE_OF[str(r[source_header])]
        code = str(r["Confirmation code"])
        start, end = r["Start date"], r["End date"]
        assert isinstance(start, dt.datetime) and isinstance(end, dt.datetime)
        out.append(
            {
                "source": source,
                "code": None if code in PLACEHOLDERS else code,
                "house": r["Properties"],
                "listing": r["Listing"],  # the house's Airbnb listing title on Airbnb rows
                "check_in": start.date(),
                "check_out": end.date(),
                "status": canonical_status(source, str(r["Status"])),
            }
        )
    return out


def stay(rec: dict[str, object]) -> Stay:
    return (str(rec["source"]), str(rec["house"]), rec["check_in"], rec["check_out"])  # type: ignore[return-value]


def turnovers(stays: list[Stay]) -> set[Stay]:
    """The stays after which another stay of the same house begins on the day it ends."""
    arrivals = {(house, check_in) for _, house, check_in, _ in stays}
    return {s for s in stays if (s[1], s[3]) in arrivals}


def stored(engine: Engine) -> list[dict[str, object]]:
    query = (
        select(
            bookings.c.source,
            bookings.c.external_code,
            bookings.c.status,
            bookings.c.check_in,
            bookings.c.check_out,
            properties.c.name.label("house"),
            tasks.c.due_date,
            tasks.c.same_day_turnover,
        )
        .join_from(bookings, properties, bookings.c.property_id == properties.c.id)
        .outerjoin(tasks, tasks.c.booking_id == bookings.c.id)
    )
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def check_state(engine: Engine, expected: list[dict[str, object]]) -> None:
    got = stored(engine)
    # One booking per stay, one property per house.
    assert sorted(stay(g) for g in got) == sorted(stay(e) for e in expected)
    with engine.connect() as conn:
        houses = conn.execute(select(properties.c.name)).scalars().all()
    assert sorted(houses) == sorted({str(e["house"]) for e in expected})
    by_stay = {stay(g): g for g in got}
    flagged = turnovers([stay(e) for e in expected])
    arriving = {(s[1], s[2]): s[0] for s in (stay(e) for e in expected)}
    across = {(s[0], arriving[s[1], s[3]]) for s in flagged}
    assert {p for pair in across for p in pair} >= {"airbnb", "vrbo", "owner"}, "turnovers across platforms"
    assert any(len(set(pair)) == 2 for pair in across)
    for e in expected:
        g = by_stay[stay(e)]
        assert g["status"] == e["status"], stay(e)
        if e["code"] is not None:
            assert g["external_code"] == e["code"]
        else:  # a placeholder word is not a code: the deterministic key of a code-less row
            assert str(g["external_code"]).startswith({"owner": "OWN-", "direct": "DIR-"}[str(e["source"])])
        assert g["due_date"] == e["check_out"], f"{stay(e)} has no cleaning task"
        assert g["same_day_turnover"] == (stay(e) in flagged), stay(e)


def load(engine: Engine, files: list[Path]) -> None:
    results = ingest_paths(engine, [f for p in files for f in discover([str(p)], FileOptions())])
    assert [(r.status, r.rejected) for r in results] == [("loaded", 0)] * len(files)


@pytest.mark.parametrize("version", VERSIONS, ids=lambda p: p.name)
def test_every_row_of_a_version_loads_with_its_source_status_and_task(engine: Engine, version: Path) -> None:
    expected = workbook_rows(version)
    sources = [e["source"] for e in expected]
    assert {"airbnb", "vrbo", "owner", "direct"} <= set(sources)
    assert 0.15 <= sum(s != "airbnb" for s in sources) / len(sources) <= 0.35  # about one row in five
    load(engine, [version])
    check_state(engine, expected)
    statuses = {(e["source"], e["status"]) for e in expected}
    assert {("vrbo", "confirmed"), ("direct", "confirmed"), ("owner", "owner_stay")} <= statuses


@pytest.mark.parametrize("order", ["as of", "shuffled"])
def test_the_three_versions_end_with_one_booking_per_stay(engine: Engine, order: str) -> None:
    files = list(VERSIONS)
    if order == "shuffled":
        random.Random(11).shuffle(files)
        assert files != VERSIONS
    load(engine, files)
    newest = workbook_rows(VERSIONS[-1])
    # Each version repeats the stays of the one before: the last holds every stay.
    assert {stay(e) for e in workbook_rows(VERSIONS[0])} < {stay(e) for e in newest}
    check_state(engine, newest)


PLAIN = SAMPLES / "airbnb_reservations_2026-01-10.csv"  # the houses by their Airbnb listing titles


def plain_rows(path: Path) -> list[dict[str, object]]:
    """A plain Airbnb export's rows as the file states them: the house is named by its listing."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [
            {
                "source": "airbnb",
                "code": r["Confirmation code"],
                "listing": r["Listing"],
                "check_in": dt.datetime.strptime(r["Start date"], "%m/%d/%Y").date(),
                "check_out": dt.datetime.strptime(r["End date"], "%m/%d/%Y").date(),
                "status": canonical_status("airbnb", r["Status"]),
            }
            for r in csv.DictReader(f)
        ]


@pytest.mark.slow
@pytest.mark.parametrize("order", ["as of", "shuffled"])
def test_the_versions_and_a_plain_airbnb_export_end_with_one_property_per_house(engine: Engine, order: str) -> None:
    files = [p for p, _ in sorted(((p, o) for f in [*VERSIONS, PLAIN] for p, o in discover([str(f)], FileOptions())),
                                  key=lambda f: f[1].as_of or dt.datetime.min)]  # fmt: skip
    assert files.index(PLAIN) == 2  # between the second and the third version
    if order == "shuffled":
        random.Random(4).shuffle(files)
        assert files[0] == PLAIN  # its titles become properties first, merged into the houses later
    load(engine, files)

    newest = workbook_rows(VERSIONS[-1])
    # A workbook row naming a listing beside its house says that the listing is the house.
    house_of = {(e["source"], e["listing"]): e["house"] for v in VERSIONS for e in workbook_rows(v) if e["listing"]}
    known = {e["code"] for e in newest}
    only_plain = [
        {**r, "house": house_of[r["source"], r["listing"]]} for r in plain_rows(PLAIN) if r["code"] not in known
    ]
    assert only_plain and len(only_plain) < len(plain_rows(PLAIN))  # it restates stays and adds some
    expected = newest + only_plain
    got = stored(engine)
    assert sorted(stay(g) for g in got) == sorted(stay(e) for e in expected)  # one booking per stay
    with engine.connect() as conn:
        assert sorted(conn.execute(select(properties.c.name)).scalars()) == sorted({str(e["house"]) for e in newest})
    plain = [
        PlainStay(str(e["code"] or stay(e)), str(e["house"]), e["check_in"], e["check_out"], str(e["status"]))  # type: ignore[arg-type]
        for e in expected
    ]
    want = expected_tasks(plain)
    by_stay = {stay(g): g for g in got}
    for e, p in zip(expected, plain, strict=True):
        assert by_stay[stay(e)]["same_day_turnover"] == want[p.code].same_day_turnover, stay(e)
    # A turnover that only the one house shows: a stay of the plain export next to the workbook's.
    assert any(want[str(r["code"])].same_day_turnover or any(
        want[q.code].same_day_turnover and q.check_out == r["check_in"] and q.property == r["house"] for q in plain
    ) for r in only_plain)  # fmt: skip
