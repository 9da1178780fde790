"""sources.sniff: the kind of file decided from its bytes, text decoding, and bad files refused with a reason."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from sources.errors import SourceError, UnreadableFile
from sources.readers import read_export
from sources.sniff import FileKind, decode_text, sniff

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
SCHEDULE_XLSX = SAMPLES / "cleaning_schedule.xlsx"
BCOM_BIFF = SAMPLES / "booking_com_reservations_2025-12.xls"
BCOM_HTML = SAMPLES / "booking_com_reservations_2026-01.xls"
AIRBNB_CSV = SAMPLES / "airbnb_reservations_2025-12-01.csv"

# What each sample really is (data/make_samples.py): the two .xls files are different kinds.
SAMPLE_KINDS = {
    AIRBNB_CSV.name: FileKind.TEXT,
    "airbnb_reservations_fr_2025-12.csv": FileKind.TEXT,
    **{f"airbnb_earnings_{n}.csv": FileKind.TEXT for n in ("2025-12", "old_2025-11", "pt_br_2025-12")},
    "airbnb_reservations_es_2025-12.csv": FileKind.TEXT,
    "airbnb_reservations_pt_2025-12.csv": FileKind.TEXT,
    "booking_hr_reservations_2025-12.xls": FileKind.XLS,  # a BIFF file, as the extranet serves it
    "booking_short_2025-12.csv": FileKind.TEXT,
    "airbnb_reservations_2026-01-10.csv": FileKind.TEXT,
    BCOM_BIFF.name: FileKind.XLS,
    BCOM_HTML.name: FileKind.HTML,
    SCHEDULE_XLSX.name: FileKind.XLSX,
    **{f"cleaning_schedule_v{v}.xlsx": FileKind.XLSX for v in (1, 2, 3)},
    "airbnb_reservations_wrapped_2026-01.csv": FileKind.TEXT,
    "airbnb_reservations_fr_mojibake_2026-01.csv": FileKind.TEXT,
    "example_pms_reservations_2025-12.csv": FileKind.TEXT,
}


@pytest.mark.parametrize("path", sorted(p for p in SAMPLES.iterdir() if p.name in SAMPLE_KINDS), ids=lambda p: p.name)
def test_sample_kind_is_decided_by_content(path: Path) -> None:
    assert sniff(path.read_bytes(), path.name) is SAMPLE_KINDS[path.name]


def test_sample_kinds_cover_every_export_in_the_folder() -> None:
    exports = {p.name for p in SAMPLES.iterdir() if p.suffix in {".csv", ".xls", ".xlsx"}}
    assert exports == set(SAMPLE_KINDS)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00rest-of-a-zip", FileKind.XLSX),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, FileKind.XLS),
        (b"<html><body><table><tr><td>x</td></tr></table></body></html>", FileKind.HTML),
        (b"<!DOCTYPE html>\n<html><table></table></html>", FileKind.HTML),
        (b"  \r\n<TABLE border=1><tr><td>x</td></tr></TABLE>", FileKind.HTML),
        (b"<!-- exported by extranet -->\n<meta charset='utf-8'><table></table>", FileKind.HTML),
        (codecs.BOM_UTF8 + b"<html><table></table></html>", FileKind.HTML),
        (b"Confirmation code,Status\r\nHMAAAAAAAA,Confirmed\r\n", FileKind.TEXT),
        (codecs.BOM_UTF8 + b"Confirmation code,Status\r\n", FileKind.TEXT),
        ("Confirmation code,Status\r\n".encode("utf-16"), FileKind.TEXT),
        # A CSV mentioning a tag later on is still a CSV: only the start decides.
        (b"Guest name,Remarks\r\nAnn,<table> please\r\n", FileKind.TEXT),
    ],
    ids=[
        "xlsx-zip",
        "biff-ole2",
        "html",
        "html-doctype",
        "html-upper-indented",
        "html-comment-first",
        "html-bom",
        "csv",
        "csv-bom",
        "csv-utf16",
        "csv-with-tag-text",
    ],
)
def test_sniff_by_magic_bytes(data: bytes, kind: FileKind) -> None:
    assert sniff(data, "whatever.name") is kind


def test_sniff_ignores_the_file_name() -> None:
    data = AIRBNB_CSV.read_bytes()
    assert sniff(data, "reservations.xlsx") is FileKind.TEXT
    assert sniff(SCHEDULE_XLSX.read_bytes(), "schedule.csv") is FileKind.XLSX


# --- decoding -------------------------------------------------------------------------------------

TEXT = "Guest name,Listing\r\nZoë Müller,Old Town Flat\r\n"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),  # BOM in the machine's order
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        TEXT.encode("utf-16-le"),  # no BOM, as some Windows tools write it
        TEXT.encode("utf-16-be"),
        TEXT.encode("cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16-bom", "utf16le-bom", "utf16be-bom", "utf16le-nobom", "utf16be-nobom", "cp1252"],
)
def test_decode_text_round_trips_common_encodings(data: bytes) -> None:
    out = decode_text(data, "x.csv")
    assert out == TEXT  # in particular: no BOM character left at the start
    assert not out.startswith("\ufeff")


def test_cp1252_specific_bytes_decode_as_windows_1252() -> None:
    # 0xfc is 'ü' and 0x80 is '€' in Windows-1252; neither is valid UTF-8 on its own.
    data = b"Guest name,Price\r\nM\xfcller,\x80120\r\n"
    assert decode_text(data, "x.csv") == "Guest name,Price\r\nMüller,€120\r\n"


def test_utf8_is_preferred_over_cp1252() -> None:
    # b"\xc3\xbc" is 'ü' in UTF-8 but 'Ã¼' in cp1252: valid UTF-8 must win.
    assert decode_text("Müller\n".encode(), "x.csv") == "Müller\n"


def test_form_feed_tab_and_newlines_are_not_binary() -> None:
    data = b"a\tb\r\nc\x0cd\n"
    assert decode_text(data, "x.csv") == "a\tb\r\nc\x0cd\n"


# --- files that are not exports: one UnreadableFile each, with a reason a person can act on ----------


def _truncated_xlsx() -> bytes:
    data = SCHEDULE_XLSX.read_bytes()
    return data[: len(data) // 2]


BAD_FILES = [
    pytest.param(b"", ["empty", "0 bytes"], id="empty-0-bytes"),
    pytest.param(b"   \r\n\t\n  \n", ["only white space"], id="whitespace-only"),
    pytest.param("  \r\n \r\n".encode("utf-16"), ["only white space"], id="whitespace-only-utf16"),
    pytest.param(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20, ["PNG image", "not a spreadsheet"], id="png-renamed-xlsx"
    ),
    pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", ["PDF document"], id="pdf"),
    pytest.param(b"\x1f\x8b\x08\x00" + b"\x00" * 16, ["gzip archive"], id="gzip"),
    pytest.param(_truncated_xlsx(), ["workbook (.xlsx)", "damaged or truncated"], id="truncated-xlsx"),
    pytest.param(
        b"PK\x03\x04" + b"\x00not really a zip" * 8,
        ["workbook (.xlsx)", "damaged or truncated"],
        id="corrupt-zip-local-header",
    ),
    pytest.param(b"PK\x05\x06" + b"\x00" * 18, ["zip archive", "not a complete workbook"], id="corrupt-zip-no-entries"),
    pytest.param(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
        ["legacy Excel workbook (.xls)", "damaged"],
        id="corrupt-biff",
    ),
    pytest.param(b"abc\x00\x01\x02\x03def\x04\x05", ["binary data", "0x00"], id="binary-nul"),
    pytest.param(b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00", ["binary data", "0x7f"], id="binary-elf"),
    pytest.param(
        b"\x81\x8d\x8f\x90\x9d",
        ["neither UTF-8 nor Windows-1252", "0x81", "offset 0"],
        id="undecodable-utf8-and-cp1252",
    ),
    pytest.param(b"\xff\xfeA", ["claims to be utf-16"], id="broken-utf16"),
    pytest.param(
        b"<html><head><title>Login</title></head><body><p>Session expired</p></body></html>",
        ["HTML page", "without any table"],
        id="html-without-table",
    ),
]


@pytest.mark.parametrize(("data", "words"), BAD_FILES)
def test_bad_file_is_refused_with_a_specific_reason(data: bytes, words: list[str]) -> None:
    with pytest.raises(UnreadableFile) as info:
        read_export(data, "inbox/export.xlsx")
    err = info.value
    assert isinstance(err, SourceError)
    assert err.transient is False
    assert err.path == "inbox/export.xlsx"
    message = str(err)
    assert message == err.reason
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def test_undecodable_offset_points_at_the_first_bad_byte() -> None:
    # 'ok' then two bytes that are neither UTF-8 nor defined in cp1252.
    with pytest.raises(UnreadableFile, match=r"0x8d at offset 3"):
        decode_text(b"ok,\x8d\x81", "x.csv")


def test_binary_position_is_reported() -> None:
    with pytest.raises(UnreadableFile, match=r"0x01 at character 5"):
        decode_text(b"a,b\r\n\x01", "x.csv")
