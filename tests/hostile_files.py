"""Hostile workbooks built in memory, for the limits' tests and benchmarks/hostile.py: a single
cell far away, zip bombs (honest or lying about their size), damaged BIFF .xls files."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
XLS_SAMPLE = SAMPLES / "booking_com_reservations_2025-12.xls"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_START = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
SHEET = "xl/worksheets/sheet1.xml"


def xlsx(sheet_xml: str) -> bytes:
    """A minimal workbook of one sheet with this XML."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        book.writestr(SHEET, sheet_xml)
    return out.getvalue()


def far_cell_xlsx() -> bytes:
    """One cell at XFD1048576, the last of a sheet, as Excel saves it (the extent declared)."""
    cell = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return xlsx(f'{_SHEET_START}<dimension ref="XFD1048576"/><sheetData>{cell}</sheetData></worksheet>')


def bomb_xlsx(file: Path, compressed_mb: float, *, lying: bool = False) -> int:
    """Write a workbook whose sheet is one row repeated, deflated to about `compressed_mb` MB
    (about 1,000 to 1); `lying`: its zip declares the sheet 1 MB unpacked. Fast: once the window
    holds the repeated row, every further block of it deflates to the same bytes, which are
    written again. The CRC is not computed (no reader gets that far). Returns the sheet's size."""
    row = '<row><c t="inlineStr"><is><t>HMAAAA2222</t></is></c><c t="inlineStr"><is><t>Confirmed</t></is></c></row>'
    block = (row * (4_000_000 // len(row))).encode()
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = _SHEET_START.encode() + b"<sheetData>"
    first = deflate.compress(head + block) + deflate.flush(zlib.Z_SYNC_FLUSH)
    again = deflate.compress(block) + deflate.flush(zlib.Z_SYNC_FLUSH)
    repeats = max(1, int(compressed_mb * (1 << 20) - len(first)) // len(again))
    tail = deflate.compress(b"</sheetData></worksheet>") + deflate.flush()
    size = len(head) + len(block) * (repeats + 1) + len(b"</sheetData></worksheet>")
    compressed = len(first) + len(again) * repeats + len(tail)
    declared = min(size, 1 << 20) if lying else size
    with open(file, "wb") as out:
        small = xlsx(f"{_SHEET_START}<sheetData/></worksheet>")
        with zipfile.ZipFile(io.BytesIO(small)) as book:  # every member but the sheet, then the bomb
            others = [(i, book.read(i)) for i in book.infolist() if i.filename != SHEET]
        entries = []
        for info, data in others:
            entries.append(_local(out, info.filename.encode(), zlib.compress(data)[2:-4], len(data), zlib.crc32(data)))
        offset = out.tell()
        out.write(_local_header(SHEET.encode(), compressed, declared, 0))
        out.write(first)
        for _ in range(repeats):
            out.write(again)
        out.write(tail)
        entries.append((SHEET.encode(), offset, compressed, declared, 0))
        _central(out, entries)
    return size


def _local_header(name: bytes, compressed: int, size: int, crc: int) -> bytes:
    zip64 = compressed >= 0xFFFFFFFF or size >= 0xFFFFFFFF
    extra = struct.pack("<HHQQ", 1, 16, size, compressed) if zip64 else b""
    sizes = (0xFFFFFFFF, 0xFFFFFFFF) if zip64 else (compressed, size)
    fixed = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 8, 0, 0x21, crc, *sizes, len(name), len(extra))
    return fixed + name + extra


def _local(out: BinaryIO, name: bytes, deflated: bytes, size: int, crc: int) -> tuple[bytes, int, int, int, int]:
    offset = out.tell()
    out.write(_local_header(name, len(deflated), size, crc) + deflated)
    return name, offset, len(deflated), size, crc


def _central(out: BinaryIO, entries: list[tuple[bytes, int, int, int, int]]) -> None:
    start = out.tell()
    for name, offset, compressed, size, crc in entries:
        zip64 = compressed >= 0xFFFFFFFF or size >= 0xFFFFFFFF
        extra = struct.pack("<HHQQQ", 1, 24, size, compressed, offset) if zip64 else b""
        sizes = (0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF) if zip64 else (compressed, size, offset)
        fixed = struct.pack(
            "<IHHHHHHIIIHHHHHII",
            *(0x02014B50, 45, 45, 0, 8, 0, 0x21, crc, sizes[0], sizes[1], len(name), len(extra), 0, 0, 0, 0, sizes[2]),
        )
        out.write(fixed + name + extra)
    end = out.tell()
    count, length = len(entries), end - start
    out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, length, start))
    out.write(struct.pack("<IIQI", 0x07064B50, 0, end, 1))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))


def truncated_xls() -> bytes:
    """The Booking.com sample cut short where calamine panics (index out of bounds)."""
    return XLS_SAMPLE.read_bytes()[:16896]


def duplicated_xls(at: int = 4096, length: int = 512) -> bytes:
    """The Booking.com sample with `length` bytes at `at` written twice: calamine then asks for a
    gigabyte."""
    data = XLS_SAMPLE.read_bytes()
    return data[: at + length] + data[at : at + length] + data[at + length :]
