"""The sample exports end to end: every row lands as the file states it, counted exactly, in any order.

Expected values come from reading the sample files here with other readers (csv, openpyxl,
calamine's cells, the standard HTML parser) and from the seed CSV of the status map, never from
bookingest itself. A Booking.com guest is the "Guest name(s)" column, not the booker: Emily Brown
books for Michael Brown.
"""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import hashlib
import io
import re
import tomllib
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, cast

import locale_samples
import openpyxl
import pytest
import python_calamine
from sqlalchemy import Engine, create_engine, select, text

from loaders.tables import bookings, properties, rejected_rows, source_files, status_map
from pipelines.discover import FileOptions, discover
from pipelines.ingest import ingest_paths, open_database

if TYPE_CHECKING:  # the fixtures' types; pytest imports conftest.py itself
    from pipelines.conftest import Db

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
SEED = ROOT / "schemas" / "status_map.csv"
# The booking exports: the earnings samples hold no bookings (tests/pipelines/test_payouts.py).
SAMPLE_NAMES = sorted(
    p.name
    for p in SAMPLES.iterdir()
    if p.is_file() and p.name != "bookingest.toml" and not p.name.startswith("airbnb_earnings")
)
LAYOUT_OF = {
    "airbnb_reservations_2025-12-01.csv": "airbnb",
    "airbnb_reservations_fr_2025-12.csv": "airbnb_fr",
    locale_samples.ES_NAME: "airbnb_es",
    locale_samples.PT_NAME: "airbnb_pt",
    locale_samples.HR_NAME: "booking_com_hr",
    locale_samples.SHORT_NAME: "booking_com_short",
    "airbnb_reservations_2026-01-10.csv": "airbnb",
    "booking_com_reservations_2025-12.xls": "booking_com",
    "booking_com_reservations_2026-01.xls": "booking_com",
    "cleaning_schedule.xlsx": "cleaning_schedule",
    "cleaning_schedule_v1.xlsx": "cleaning_schedule",
    "cleaning_schedule_v2.xlsx": "cleaning_schedule",
    "cleaning_schedule_v3.xlsx": "cleaning_schedule",
    "airbnb_reservations_wrapped_2026-01.csv": "airbnb",
    "airbnb_reservations_fr_mojibake_2026-01.csv": "airbnb_fr",
    "example_pms_reservations_2025-12.csv": "example_pms",
}
# The layout the samples' bookingest.toml declares (layouts = "../example_layouts.toml"), read as data.
EXAMPLE_PMS = tomllib.loads((ROOT / "data" / "example_layouts.toml").read_text(encoding="utf-8"))["layouts"][0]
FOUR_PLACES = Decimal("0.0001")
FIELDS = (
    "property",
    "guest_name",
    "guest_contact",
    "adults",
    "children",
    "infants",
    "check_in",
    "check_out",
    "nights",
    "booked_at",
    "raw_status",
    "status",
    "payout",
    "gross",
    "currency",
)


# ---- what the files say, read without bookingest ------------------------------------------


def seed_entries() -> list[tuple[str, str, str]]:
    lines = [ln for ln in SEED.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return [(r["source"].strip(), r["raw_status"].strip(), r["status"].strip()) for r in csv.DictReader(lines)]


def _label_key(label: str) -> str:
    # DESIGN.md: case and surrounding/repeated white space do not matter; any number matches '#'.
    return re.sub(r"\d+", "#", " ".join(label.split()).casefold())


SEED_STATUS = {(s, _label_key(raw)): status for s, raw, status in seed_entries()}


def canonical_status(source: str, label: str) -> str:
    return SEED_STATUS[(source, _label_key(label))]


def manifest_options(name: str) -> dict[str, object]:
    entries = tomllib.loads((SAMPLES / "bookingest.toml").read_text(encoding="utf-8"))["files"]
    options: dict[str, object] = {}
    for entry in entries:
        if fnmatch.fnmatch(name, entry["match"]):
            options.update({k: v for k, v in entry.items() if k != "match"})
    options["as_of"] = dt.datetime.fromisoformat(str(options["as_of"]))
    return options


def _money(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d.\-]", "", text))


def _mdy(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%m/%d/%Y").date()


def read_airbnb(path: Path, text: str | None = None) -> list[dict[str, object]]:
    """The rows of an Airbnb export (`text`: the file's text as meant, when the bytes are not)."""
    with io.StringIO(path.read_text(encoding="utf-8-sig") if text is None else text, newline="") as f:
        return [
            {
                "source": "airbnb",
                "external_code": r["Confirmation code"],
                "property": r["Listing"],
                "guest_name": r["Guest name"],
                "guest_contact": r["Contact"],
                "adults": int(r["# of adults"]),
                "children": int(r["# of children"]),
                "infants": int(r["# of infants"]),
                "check_in": _mdy(r["Start date"]),
                "check_out": _mdy(r["End date"]),
                "nights": int(r["# of nights"]),
                "booked_at": dt.datetime.combine(_mdy(r["Booked"]), dt.time()),
                "raw_status": r["Status"].strip(),
                "status": canonical_status("airbnb", r["Status"]),
                "payout": _money(r["Earnings"]),
                "gross": None,
                "currency": "USD",
            }
            for r in csv.DictReader(f)
        ]


def _euros(text: str) -> Decimal:
    # fr_FR: "1\u202f023,64\u00a0€", read here with the standard library only.
    assert text.endswith("\u00a0€"), text
    return Decimal(text.removesuffix("\u00a0€").replace("\u202f", "").replace(",", "."))


def read_airbnb_fr(path: Path, text: str | None = None) -> list[dict[str, object]]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw  # no BOM, LF as the real files
    with io.StringIO(raw.decode("utf-8") if text is None else text, newline="") as f:
        return [
            {
                "source": "airbnb",
                "external_code": r["Code de confirmation"],
                "property": r["Annonce"],
                "guest_name": r["Nom du voyageur"],
                "guest_contact": r["Contact"],
                "adults": int(r["# des adultes"]),
                "children": int(r["# des enfants"]),
                "infants": int(r["# des bébés"]),
                "check_in": dt.datetime.strptime(r["Date de début"], "%d/%m/%Y").date(),
                "check_out": dt.datetime.strptime(r["Date de fin"], "%d/%m/%Y").date(),
                "nights": int(r["# des nuits"]),
                "booked_at": dt.datetime.fromisoformat(r["Réservée"]),
                "raw_status": r["Statut"],
                "status": canonical_status("airbnb", r["Statut"]),
                "payout": _euros(r["Revenus"]),
                "gross": None,
                "currency": "EUR",
            }
            for r in csv.DictReader(f)
        ]


def unwrapped(path: Path) -> str:
    """A CSV whose every line is one quoted field holding a CSV line, as the csv module reads it."""
    lines = [next(csv.reader([line])) for line in path.read_text(encoding="utf-8-sig").splitlines()]
    assert all(len(fields) == 1 for fields in lines)  # every line is one field
    return "\n".join(fields[0] for fields in lines) + "\n"


def unmangled(path: Path) -> str:
    """The text of a file whose UTF-8 was read as Mac Roman and saved again, as it was meant."""
    garbled = path.read_text(encoding="utf-8")
    assert "# des b√©b√©s" in garbled  # "# des b√©b√©s", as the issue quotes it
    return garbled.encode("mac_roman").decode("utf-8")


def read_example_pms(path: Path) -> list[dict[str, object]]:
    """The example PMS export, read as its declaration in data/example_layouts.toml says."""
    with path.open(encoding="utf-8", newline="") as f:
        return [
            {
                "source": EXAMPLE_PMS["source_labels"][r["Channel"]],
                "external_code": r["Channel ref"],
                "property": r["Unit"],
                "guest_name": r["Guest"],
                "guest_contact": r["Phone"],
                "adults": int(r["Adults"]),
                "children": int(r["Children"]),
                "infants": None,
                "check_in": dt.datetime.strptime(r["Arrive"], "%d.%m.%Y").date(),
                "check_out": dt.datetime.strptime(r["Depart"], "%d.%m.%Y").date(),
                "nights": int(r["Nights"]),
                "booked_at": dt.datetime.strptime(r["Created"], "%d.%m.%Y %H:%M"),
                "raw_status": r["State"],
                "status": EXAMPLE_PMS["statuses"][r["State"]],
                # de_DE: "1.048,00 €", read here with the standard library only.
                "payout": Decimal(r["Payout"].removesuffix("\u00a0€").replace(".", "").replace(",", ".")),
                "gross": None,
                "currency": "EUR",
            }
            for r in csv.DictReader(f)
        ]


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _booking_com_rows(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    if data.lstrip().lower().startswith(b"<html"):
        parser = _Cells()
        parser.feed(data.decode("utf-8"))
        header, *body = parser.rows
    else:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        first, *rest = book.get_sheet_by_name(book.sheet_names[0]).to_python()
        header = cast(list[str], first)  # the header row is text; calamine types a cell as any kind
        # Number cells come back as floats: 5395013808.0 is the booking 5395013808, 2.0 adults are 2.
        body = [[str(int(c)) if isinstance(c, float) and c.is_integer() else str(c) for c in row] for row in rest]
    return [dict(zip(header, row, strict=True)) for row in body]


def read_booking_com(path: Path, property_name: str) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for r in _booking_com_rows(path):
        gross = _money(r["Price"])
        out.append(
            {
                "source": "booking_com",
                "external_code": r["Book number"],
                "property": property_name,
                "guest_name": r["Guest name(s)"],
                "guest_contact": r["Phone number"] or None,
                "adults": int(r["Adults"]),
                "children": int(r["Children"]),
                "infants": None,
                "check_in": dt.date.fromisoformat(r["Check-in"]),
                "check_out": dt.date.fromisoformat(r["Check-out"]),
                "nights": int(r["Duration (nights)"]),
                "booked_at": dt.datetime.fromisoformat(r["Booked on"]),
                "raw_status": r["Status"],
                "status": canonical_status("booking_com", r["Status"]),
                "payout": gross - _money(r["Commission amount"]),
                "gross": gross,
                "currency": "EUR",
            }
        )
    return out


SCHEDULE_SOURCES = {"airbnb": "airbnb", "vrbo": "vrbo", "direct": "direct", "owner staying": "owner"}


def read_schedule(path: Path) -> list[dict[str, object]]:
    sheet = openpyxl.load_workbook(path, read_only=True, data_only=True)["Schedule"]
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "Confirmation code")
    header = rows[start]
    out = []
    for row in rows[start + 1 :]:
        if row[0] == "Total":
            break
        r = dict(zip(header, row, strict=True))
        source = SCHEDULE_SOURCES[r["Booking source"].casefold()]
        check_in, check_out = r["Start date"].date(), r["End date"].date()
        out.append(
            {
                "source": source,
                "external_code": r["Confirmation code"],
                "property": r["Listing"],
                "guest_name": r["Guest name"],
                "guest_contact": r["Contact"],
                "adults": r["# of adults"],
                "children": r["# of children"],
                "infants": r["# of infants"],
                "check_in": check_in,
                "check_out": check_out,
                # The operator formats some night counts as dates; the stay's dates are the truth.
                "nights": (check_out - check_in).days,
                "booked_at": r["Booked"],
                "raw_status": r["Status"].strip(),
                "status": canonical_status(source, r["Status"]),
                "payout": Decimal(str(r["Earnings"])),
                "gross": None,
                "currency": "USD",
            }
        )
    return out


WORKBOOK_SOURCES = {"AIRBNB": "airbnb", "VRBO": "vrbo", "Owner staying": "owner", "Directly": "direct"}


def read_workbook(path: Path) -> list[dict[str, object]]:
    """The operator's workbook as real ones are: the first sheet, header in row 1 from column B,
    the house in `Properties`, the source column's cached formula values, placeholder words
    where a code would be."""
    sheet = openpyxl.load_workbook(path, read_only=True, data_only=True).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    out = []
    for row in rows:
        r = dict(zip(header, row, strict=True))
        source = WORKBOOK_SOURCES[r["Booking source"] if "Booking source" in r else r["Airbnb/VRBO"]]
        check_in, check_out = r["Start date"].date(), r["End date"].date()
        booked = r["Booked"]
        out.append(
            {
                "source": source,
                "external_code": None
                if r["Confirmation code"] in ("Owner staying", "Directly")
                else r["Confirmation code"],
                "property": r["Properties"],
                "listing": r["Listing"],  # the house's Airbnb listing title: an alias it teaches
                "guest_name": r["Guest name"],
                "guest_contact": r["Contact"],
                "adults": r["# of adults"],
                "children": r["# of children"],
                "infants": r["# of infants"],
                "check_in": check_in,
                "check_out": check_out,
                "nights": (check_out - check_in).days,  # empty on other platforms' rows
                "booked_at": booked,
                "raw_status": r["Status"].strip(),
                "status": canonical_status(source, r["Status"]),
                "payout": None if r["Earnings"] is None else Decimal(str(r["Earnings"])),
                "gross": None,
                "currency": None if r["Earnings"] is None else "USD",
            }
        )
    return out


def read_locale_sample(name: str) -> tuple[list[dict[str, object]], list[locale_samples.Rejected]] | None:
    """The rows of a sample in the host's language that load, and those quarantined (None: not one)."""
    path, layout = SAMPLES / name, LAYOUT_OF[name]
    if layout == "airbnb_es":
        return locale_samples.read_es(path, canonical_status)
    if layout == "airbnb_pt":
        return locale_samples.read_pt(path, canonical_status)
    if layout == "booking_com_hr":
        return locale_samples.read_hr(path, canonical_status, str(manifest_options(name)["property"]))
    if layout == "booking_com_short":
        return locale_samples.read_short(path, canonical_status)
    return None


def expected_rejected(name: str) -> list[locale_samples.Rejected]:
    """The rows the file itself shows contradicting themselves (none in most samples)."""
    read = read_locale_sample(name)
    return [] if read is None else read[1]


def read_sample(name: str) -> list[dict[str, object]]:
    path = SAMPLES / name
    layout = LAYOUT_OF[name]
    read = read_locale_sample(name)
    if read is not None:
        return read[0]
    if "wrapped" in name:
        return read_airbnb(path, unwrapped(path))
    if "mojibake" in name:
        return read_airbnb_fr(path, unmangled(path))
    if layout == "example_pms":
        return read_example_pms(path)
    if layout == "airbnb":
        return read_airbnb(path)
    if layout == "airbnb_fr":
        return read_airbnb_fr(path)
    if layout == "booking_com":
        return read_booking_com(path, str(manifest_options(name)["property"]))
    if name.startswith("cleaning_schedule_v"):
        return read_workbook(path)
    return read_schedule(path)


def key_of(rec: dict[str, object]) -> tuple[object, ...]:
    """A booking's identity: its code, or for code-less rows what identifies the stay."""
    if rec["external_code"]:
        return (rec["source"], rec["external_code"])
    return (rec["source"], rec["property"], rec["check_in"], rec["check_out"])


# ---- comparing the database with the files --------------------------------------------------


def _find(stored: list[dict[str, object]], rec: dict[str, object]) -> dict[str, object]:
    if rec["external_code"]:
        hits = [b for b in stored if (b["source"], b["external_code"]) == key_of(rec)]
    else:
        hits = [b for b in stored if (b["source"], b["property"], b["check_in"], b["check_out"]) == key_of(rec)]
    assert len(hits) == 1, f"{key_of(rec)}: {len(hits)} bookings in the database"
    return hits[0]


def _same(field: str, stored: object, expected: object) -> bool:
    if field in ("payout", "gross") and stored is not None and expected is not None:
        return Decimal(str(stored)).quantize(FOUR_PLACES) == Decimal(str(expected)).quantize(FOUR_PLACES)
    return stored == expected


def mismatches(
    stored: list[dict[str, object]], expected: list[dict[str, object]], fields: tuple[str, ...]
) -> list[str]:
    out = []
    for rec in expected:
        row = _find(stored, rec)
        out += [
            f"{key_of(rec)} {f}: stored {row[f]!r}, file says {rec[f]!r}"
            for f in fields
            if not _same(f, row[f], rec[f])
        ]
    return out


def dump(engine: Engine) -> list[dict[str, object]]:
    query = select(bookings, properties.c.name.label("property")).join_from(
        bookings, properties, bookings.c.property_id == properties.c.id
    )
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query.order_by(bookings.c.source, bookings.c.external_code))]


def sample_files(order: list[str] | None = None) -> list[tuple[Path, FileOptions]]:
    files = [(p, o) for p, o in discover([str(SAMPLES)], FileOptions()) if p.name in SAMPLE_NAMES]
    if order is not None:
        by_name = {p.name: (p, o) for p, o in files}
        files = [by_name[n] for n in order]
    return files


# ---- tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_a_sample_loads_every_row_as_the_file_states_it(engine: Engine, name: str) -> None:
    path = SAMPLES / name
    expected, rejected = read_sample(name), expected_rejected(name)
    [result] = ingest_paths(engine, discover([str(path)], FileOptions()))

    assert (result.status, result.rows, result.inserted, result.updated, result.unchanged, result.rejected) == (
        "loaded",
        len(expected) + len(rejected),
        len(expected),
        0,
        0,
        len(rejected),
    )
    stored = dump(engine)
    assert len(stored) == len(expected) == len({key_of(r) for r in expected})
    assert mismatches(stored, expected, FIELDS) == []
    assert all(b["as_of"] == manifest_options(name)["as_of"] for b in stored)

    with engine.connect() as conn:
        [file_row] = conn.execute(select(source_files)).mappings().all()
        names = conn.execute(select(properties.c.name)).scalars().all()
        quarantined = conn.execute(
            select(rejected_rows.c.row_number, rejected_rows.c.column, rejected_rows.c.value, rejected_rows.c.error)
        ).all()
    assert {k: file_row[k] for k in ("sha256", "path", "source", "as_of", "status", "rows")} == {
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "path": str(path),
        "source": LAYOUT_OF[name],
        "as_of": manifest_options(name)["as_of"],
        "status": "loaded",
        "rows": len(expected) + len(rejected),
    }
    assert (file_row["inserted"], file_row["updated"], file_row["unchanged"], file_row["rejected"]) == (
        len(expected),
        0,
        0,
        len(rejected),
    )
    assert sorted((r.row_number, r.column, r.value) for r in quarantined) == sorted(rejected)
    # Each is a cancellation date contradicting the status: the message names both values.
    assert all(f"'{r.value}'" in r.error and "Status 'ok'" in r.error and "disagree" in r.error for r in quarantined)
    assert all(b["source_file_id"] == file_row["id"] for b in stored)
    assert sorted(names) == sorted({str(r["property"]) for r in expected})


def test_the_status_map_table_holds_the_seed_file(engine: Engine) -> None:
    with engine.connect() as conn:
        stored = conn.execute(select(status_map.c.source, status_map.c.raw_status, status_map.c.status)).all()
    assert sorted(tuple(r) for r in stored) == sorted(seed_entries())


def _model(
    files: list[tuple[Path, FileOptions]],
) -> tuple[list[tuple[int, int, int]], dict[tuple[object, ...], dict[str, object]]]:
    """What the merge should do, computed in Python: a newer-or-equal export's real change wins.
    A workbook row naming a listing beside its house teaches that the listing is the house (for
    the rows' source): a plain export's rows naming it then land on the house, and the bookings
    an earlier export put under the listing's own name move there."""
    state: dict[tuple[object, ...], tuple[dict[str, object], dt.datetime]] = {}
    houses: dict[tuple[object, object], object] = {}
    counted = []
    for path, options in files:
        as_of = options.as_of
        assert as_of is not None
        inserted = updated = unchanged = 0
        records = read_sample(path.name)
        for rec in records:
            if (rec["source"], rec["property"]) in houses:
                rec["property"] = houses[rec["source"], rec["property"]]
        for rec in records:
            if rec.get("listing") and rec["listing"] != rec["property"]:
                houses[rec["source"], rec["listing"]] = rec["property"]
        for key, (old, old_as_of) in state.items():
            if (old["source"], old["property"]) in houses:
                state[key] = ({**old, "property": houses[old["source"], old["property"]]}, old_as_of)
        for rec in records:
            key = key_of(rec)
            if key not in state:
                inserted += 1
                state[key] = (rec, as_of)
                continue
            old, old_as_of = state[key]
            if any(not _same(f, old[f], rec[f]) for f in FIELDS) and old_as_of <= as_of:
                updated += 1
                state[key] = (rec, as_of)
            else:
                unchanged += 1
                if old_as_of < as_of:
                    state[key] = (old, as_of)
        counted.append((inserted, updated, unchanged))
    return counted, {k: rec for k, (rec, _) in state.items()}


@pytest.mark.slow
def test_all_samples_in_manifest_order_count_every_row_exactly(engine: Engine, db: type[Db]) -> None:
    files = sample_files()
    expected_counts, expected_state = _model(files)
    # The January export moves a booking and cancels another: updates must be in the counts.
    assert sum(u for _, u, _ in expected_counts) == 2

    results = ingest_paths(engine, files)

    assert [r.status for r in results] == ["loaded"] * len(files)
    assert [(r.inserted, r.updated, r.unchanged) for r in results] == expected_counts
    with engine.connect() as conn:
        stored_counts = conn.execute(
            select(
                source_files.c.path, source_files.c.inserted, source_files.c.updated, source_files.c.unchanged
            ).order_by(source_files.c.id)
        ).all()
        names = conn.execute(select(properties.c.name)).scalars().all()
    assert [tuple(r) for r in stored_counts] == [(str(p), *c) for (p, _), c in zip(files, expected_counts, strict=True)]
    stored = dump(engine)
    assert len(stored) == len(expected_state)
    assert mismatches(stored, list(expected_state.values()), FIELDS) == []
    assert sorted(names) == sorted({str(r["property"]) for r in expected_state.values()})
    assert db.dangling(engine) == {}


def test_the_january_export_moves_and_cancels_what_december_said(engine: Engine) -> None:
    dec, jan = "booking_com_reservations_2025-12.xls", "booking_com_reservations_2026-01.xls"
    before = {r["external_code"]: r for r in read_sample(dec)}
    after = {r["external_code"]: r for r in read_sample(jan)}
    moved = [c for c in before.keys() & after.keys() if before[c]["check_in"] != after[c]["check_in"]]
    cancelled = [
        c
        for c in before.keys() & after.keys()
        if (before[c]["status"], after[c]["status"]) == ("confirmed", "cancelled")
    ]
    assert len(moved) == len(cancelled) == 1

    results = ingest_paths(engine, sample_files([dec, jan]))

    assert [(r.inserted, r.updated, r.unchanged) for r in results] == [
        (len(before), 0, 0),
        (len(after.keys() - before.keys()), 2, len(after.keys() & before.keys()) - 2),
    ]
    stored = {b["external_code"]: b for b in dump(engine)}
    # The two old bookings January no longer lists are kept, as December stated them.
    assert stored.keys() == before.keys() | after.keys()
    assert (stored[moved[0]]["check_in"], stored[moved[0]]["check_out"]) == (
        after[moved[0]]["check_in"],
        after[moved[0]]["check_out"],
    )
    assert stored[cancelled[0]]["status"] == "cancelled"


def test_an_older_export_loaded_after_a_newer_one_changes_nothing(engine: Engine) -> None:
    dec, jan = "booking_com_reservations_2025-12.xls", "booking_com_reservations_2026-01.xls"
    before = {r["external_code"] for r in read_sample(dec)}
    after = {r["external_code"]: r for r in read_sample(jan)}
    ingest_paths(engine, sample_files([jan]))
    newer = {b["external_code"]: b for b in dump(engine)}

    [late] = ingest_paths(engine, sample_files([dec]))

    # Only the bookings January no longer lists are new; everything else stays as January said.
    assert (late.status, late.inserted, late.updated, late.unchanged) == (
        "loaded",
        len(before - after.keys()),
        0,
        len(before & after.keys()),
    )
    stored = {b["external_code"]: b for b in dump(engine)}
    assert {c: stored[c] for c in after} == newer


# The as-of order discover() chooses, reversed: every export arrives after the newer ones.
REVERSED = list(reversed([p.name for p, _ in sample_files()]))


def _empty_again(db_url: str, tmp_path: Path) -> str:
    """A second empty database of the same kind: a new SQLite file, or the PostgreSQL schema reset."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'second.db'}"
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    admin.dispose()
    return db_url


# Columns that say which file wrote a booking when, so they depend on arrival order by design:
# surrogate ids, and the provenance of the first and of the last write (unchanged rows are never
# rewritten, so a re-stating export leaves them as they were).
# The row hash too: it covers the property as the last write resolved it, and a merge of two
# properties (the workbook teaching that a listing is a house) empties it for the bookings it moves.
PROVENANCE = {"id", "property_id", "source_file_id", "source_row", "first_file_id", "first_as_of", "as_of", "row_hash"}


@pytest.mark.slow
def test_samples_in_reversed_order_end_with_the_same_bookings(db_url: str, engine: Engine, tmp_path: Path) -> None:
    ingest_paths(engine, sample_files())
    in_manifest_order = [{k: v for k, v in b.items() if k not in PROVENANCE} for b in dump(engine)]
    engine.dispose()
    other = open_database(_empty_again(db_url, tmp_path))
    try:
        results = ingest_paths(other, sample_files(REVERSED))
        assert [r.status for r in results] == ["loaded"] * len(results)
        in_other_order = [{k: v for k, v in b.items() if k not in PROVENANCE} for b in dump(other)]
    finally:
        other.dispose()

    assert len(in_other_order) == len(in_manifest_order) > 0
    assert in_other_order == in_manifest_order
