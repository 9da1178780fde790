"""Deciding what kind of file we hold from its bytes, never its name, and decoding text exports."""

from __future__ import annotations

import codecs
import re
from enum import StrEnum

from sources.errors import UnreadableFile


class FileKind(StrEnum):
    XLSX = "xlsx"  # Office Open XML workbook (a zip)
    XLS = "xls"  # legacy BIFF workbook (an OLE2 compound file)
    HTML = "html"  # an HTML table, often saved with an .xls name
    TEXT = "text"  # CSV/TSV


# Common things that land in an inbox by mistake, so the message can say what the file is.
_NOT_EXPORTS = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
]
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|table|meta)\b", re.I | re.S)
# Control characters never found in a text export (tab, CR, LF and form feed are fine).
_BINARY_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def sniff(data: bytes, path: str) -> FileKind:
    """The kind of export these bytes are; UnreadableFile if they are none we read."""
    if not data:
        raise UnreadableFile(path, "the file is empty (0 bytes); download the export again")
    if data.startswith(b"PK\x03\x04"):
        return FileKind.XLSX
    if data.startswith(b"PK"):
        raise UnreadableFile(path, "the file is a zip archive but not a complete workbook; it may be truncated")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return FileKind.XLS
    for magic, what in _NOT_EXPORTS:
        if data.startswith(magic):
            raise UnreadableFile(path, f"the file is {what}, not a spreadsheet or CSV export")
    head = data[:4096].lstrip(codecs.BOM_UTF8)
    if _HTML_START.match(head):
        return FileKind.HTML
    return FileKind.TEXT


def decode_text(data: bytes, path: str) -> str:
    """Decode a text export: a BOM decides, else UTF-8, else Windows-1252; binary is refused."""
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif len(data) >= 4 and data[1] == 0 and data[3] == 0 and data[0] != 0:
        encoding = "utf-16-le"  # UTF-16 without a BOM, as some Windows tools write it
    elif len(data) >= 4 and data[0] == 0 and data[2] == 0 and data[1] != 0:
        encoding = "utf-16-be"
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        if encoding != "utf-8":
            raise UnreadableFile(
                path, f"the file claims to be {encoding} but its bytes do not decode as such"
            ) from None
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as err:
            raise UnreadableFile(
                path,
                f"the file is neither UTF-8 nor Windows-1252 text (undecodable byte 0x{data[err.start]:02x} "
                f"at offset {err.start}); re-save it as UTF-8 CSV",
            ) from None
    found = _BINARY_CHARS.search(text, 0, 65536)
    if found:
        raise UnreadableFile(
            path,
            f"the file contains binary data (control character 0x{ord(found.group()):02x} at character "
            f"{found.start()}), so it is not a text export",
        )
    if not text.strip():
        raise UnreadableFile(path, "the file contains only white space, no export data")
    return text
