"""schemas.status_map: every raw label maps to its canonical status, by one table, never by a guess."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from schemas.status_map import SEED_PATH, StatusMap, StatusMapError, load_seed, match_key
from schemas.vocab import Source, Status

# DESIGN.md "Canonical booking statuses (9)", written out here rather than read from the code.
CANONICAL = {
    "inquiry",
    "pending",
    "confirmed",
    "in_house",
    "completed",
    "cancelled",
    "declined",
    "no_show",
    "owner_stay",
}

EXPECTED = [
    ("airbnb", "Confirmed", "confirmed"),
    ("airbnb", "Arriving today", "confirmed"),
    ("airbnb", "Arriving tomorrow", "confirmed"),
    ("airbnb", "Arrives in 3 days", "confirmed"),
    ("airbnb", "Arrives in 1 day", "confirmed"),
    ("airbnb", "Arrives in 1 days", "confirmed"),
    ("airbnb", "Arrives in 12 days", "confirmed"),
    ("airbnb", "Currently hosting", "in_house"),
    ("airbnb", "Checking out today", "in_house"),
    ("airbnb", "Past guest", "completed"),
    ("airbnb", "Awaiting guest review", "completed"),
    ("airbnb", "Pending", "pending"),
    ("airbnb", "Trip requested", "pending"),
    ("airbnb", "Canceled", "cancelled"),
    ("airbnb", "Canceled by guest", "cancelled"),
    ("airbnb", "Canceled by you", "cancelled"),
    ("airbnb", "Canceled by Airbnb", "cancelled"),
    ("airbnb", "Declined", "declined"),
    ("airbnb", "Expired", "declined"),
    ("airbnb", "Inquiry", "inquiry"),
    ("airbnb", "Pre-approved", "inquiry"),
    ("booking_com", "ok", "confirmed"),
    ("booking_com", "cancelled_by_guest", "cancelled"),
    ("booking_com", "cancelled_by_hotel", "cancelled"),
    ("booking_com", "no_show", "no_show"),
    ("owner", "Owner Staying", "owner_stay"),
]


def spellings(label: str) -> list[str]:
    """The label as exports and people write it: any case, stray and repeated white space."""
    doubled = label.replace(" ", "  ")
    return [
        label,
        label.upper(),
        label.lower(),
        label.title(),
        label.swapcase(),
        f"  {label}",
        f"{label} ",
        f"\t{doubled}\t ",
        label.replace(" ", "\u00a0"),  # a no-break space pasted from a web page
        f" {doubled.upper()}  ",
    ]


@pytest.fixture(scope="module")
def status_map() -> StatusMap:
    return StatusMap(load_seed())


@pytest.mark.parametrize(("source", "label", "status"), EXPECTED, ids=[f"{s}:{label}" for s, label, _ in EXPECTED])
def test_every_listed_label_maps_in_any_spelling(status_map: StatusMap, source: str, label: str, status: str) -> None:
    for spelling in spellings(label):
        assert status_map.lookup(source, spelling) == status, repr(spelling)


@pytest.mark.parametrize(("source", "label", "status"), EXPECTED, ids=[f"{s}:{label}" for s, label, _ in EXPECTED])
def test_map_series_agrees_with_lookup(status_map: StatusMap, source: str, label: str, status: str) -> None:
    variants = spellings(label)
    out = status_map.map_series(pd.Series([source] * len(variants)), pd.Series(variants))
    assert list(out) == [status] * len(variants)


@pytest.mark.parametrize("days", [0, 1, 2, 3, 5, 7, 12, 30, 100])
def test_a_label_with_a_number_matches_for_every_number(status_map: StatusMap, days: int) -> None:
    unit = "day" if days == 1 else "days"
    assert status_map.lookup("airbnb", f"Arrives in {days} {unit}") == "confirmed"


@pytest.mark.parametrize(
    ("source", "label"),
    [
        ("airbnb", "Confirmed maybe"),
        ("airbnb", "Arrives soon"),
        ("airbnb", "Arrives in three days"),
        ("airbnb", "Canceled by the cat"),
        ("airbnb", "Cancel"),
        ("airbnb", "ok"),  # a Booking.com word is not an Airbnb status
        ("airbnb", "no_show"),
        ("airbnb", "Owner Staying"),
        ("booking_com", "Confirmed by guest"),
        ("booking_com", "Canceled"),  # Booking.com spells it 'cancelled...'; no guessing across spellings
        ("booking_com", "no show"),
        ("owner", "Past guest"),
        ("vrbo", "Owner Staying"),
        ("airbnb", ""),
        ("airbnb", "   "),
        ("expedia", "Confirmed"),
    ],
)
def test_unknown_labels_are_not_guessed(status_map: StatusMap, source: str, label: str) -> None:
    assert status_map.lookup(source, label) is None
    out = status_map.map_series(pd.Series([source, "airbnb"]), pd.Series([label, "Confirmed"]))
    assert pd.isna(out.iloc[0])
    assert out.iloc[1] == "confirmed"


def test_map_series_keeps_row_order_and_index(status_map: StatusMap) -> None:
    index = pd.Index([40, 3, 17, 8, 99, 5, 12])
    sources = pd.Series(["booking_com", "airbnb", "owner", "airbnb", "airbnb", "booking_com", "airbnb"], index=index)
    raw = pd.Series(["no_show", "Past guest", "Owner Staying", None, "Mystery", "ok", "past  GUEST"], index=index)
    out = status_map.map_series(sources, raw)
    assert list(out.index) == list(index)
    assert out.loc[40] == "no_show"
    assert out.loc[3] == "completed"
    assert out.loc[17] == "owner_stay"
    assert pd.isna(out.loc[8])  # an empty label is unknown, not a guess
    assert pd.isna(out.loc[99])
    assert out.loc[5] == "confirmed"
    assert out.loc[12] == "completed"


def test_map_series_on_many_rows_matches_row_by_row(status_map: StatusMap) -> None:
    labels = [(s, label) for s, label, _ in EXPECTED] + [("airbnb", "Nope"), ("booking_com", "ok")]
    rows = [labels[(i * 7) % len(labels)] for i in range(500)]
    sources = pd.Series([s for s, _ in rows], index=range(1000, 1500))
    raw = pd.Series([label for _, label in rows], index=range(1000, 1500))
    out = status_map.map_series(sources, raw)
    expected = [status_map.lookup(s, label) for s, label in rows]
    assert [None if pd.isna(v) else v for v in out] == expected
    assert list(out.index) == list(range(1000, 1500))


def test_match_key() -> None:
    assert match_key("  Arrives   in 12\tDays ") == "arrives in # days"
    assert match_key("Canceled by Airbnb") == match_key("CANCELED  BY  AIRBNB")
    assert match_key("Past guest") != match_key("Past guests")


# --- the seed file --------------------------------------------------------------------------------


def seed_rows() -> list[dict[str, str]]:
    """The seed file read with the csv module, comment lines skipped."""
    lines = [ln for ln in SEED_PATH.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines))


def test_seed_file_loads_every_row() -> None:
    rows = seed_rows()
    entries = load_seed()
    assert len(entries) == len(rows) > 0
    assert [(e.source, e.raw_status, e.status) for e in entries] == [
        (r["source"], r["raw_status"], r["status"]) for r in rows
    ]


def test_seed_has_only_canonical_statuses_and_known_sources() -> None:
    rows = seed_rows()
    assert {r["status"] for r in rows} <= CANONICAL
    assert {r["source"] for r in rows} <= {"airbnb", "booking_com", "vrbo", "direct", "owner"}


def test_seed_has_no_duplicate_labels() -> None:
    seen: dict[tuple[str, str], str] = {}
    for r in seed_rows():
        key = (r["source"], match_key(r["raw_status"]))
        assert key not in seen, f"{key} listed twice: {seen.get(key)!r} and {r['raw_status']!r}"
        seen[key] = r["raw_status"]


def test_seed_covers_every_canonical_status() -> None:
    assert {r["status"] for r in seed_rows()} == CANONICAL


def test_vocabulary_is_the_nine_statuses_of_the_design() -> None:
    assert {s.value for s in Status} == CANONICAL
    assert len(Status) == 9
    assert {s.value for s in Source} == {"airbnb", "booking_com", "vrbo", "direct", "owner"}


def test_seed_with_an_unknown_status_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "status_map.csv"
    bad.write_text(
        "# test\nsource,raw_status,status\nairbnb,Confirmed,confirmed\nairbnb,Weird,maybe\n", encoding="utf-8"
    )
    with pytest.raises(StatusMapError, match=r"entry 2 .*Weird.*maybe"):
        load_seed(bad)


def test_seed_with_an_unknown_source_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "status_map.csv"
    bad.write_text("source,raw_status,status\nexpedia,Confirmed,confirmed\n", encoding="utf-8")
    with pytest.raises(StatusMapError, match="expedia"):
        load_seed(bad)


def test_status_map_knows_only_the_entries_it_is_given() -> None:
    status_map = StatusMap([("vrbo", "Tentative", "pending"), ("airbnb", "Snoozed", "pending")])
    assert status_map.lookup("airbnb", "SNOOZED") == "pending"
    assert status_map.lookup("airbnb", "Confirmed") is None
    assert status_map.as_mapping()[("vrbo", "tentative")] == "pending"
