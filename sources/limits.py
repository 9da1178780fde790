"""Limits on untrusted bytes, checked before a reader touches them: a file's size, and a
workbook's zip (members, declared sizes, compression ratios) and its sheets' declared extent.

What a zip declares can be a lie: what a reader really unpacks is bounded by the child process
it runs in (sources.sandbox), under the memory and time limits.
"""

from __future__ import annotations

import hashlib
import html
import io
import os
import re
import zipfile
import zlib
from pathlib import Path

from schemas.tuning import Tuning
from sources.errors import UnreadableFile

_MB = 1 << 20
# A member smaller than this is no bomb whatever its ratio (a sheet of blank styled cells packs
# a few KB into one); the total size limit covers many of them.
_RATIO_FLOOR = _MB
_SHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
# <dimension ref="A1:M200001"/>, or a single cell ("A1" in an empty sheet).
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})(\d{1,7})(?::([A-Z]{1,3})(\d{1,7}))?\"")
_SHEET_ENTRY = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_TARGET = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_DIMENSION_WITHIN = 64 * 1024  # bytes of a sheet's XML read to find it: it comes before the rows


class OverLimit(UnreadableFile):
    """The file is over one of the limits on untrusted input (schemas.tuning); its reason names
    the limit, the value seen and the BOOKINGEST_ variable that raises it."""


def over_limit(path: str, seen: str, limit: int, unit: str, setting: str) -> OverLimit:
    """'<seen>, more than the limit of <limit><unit> (set BOOKINGEST_<SETTING> higher to read it)'."""
    return OverLimit(
        path, f"{seen}, more than the limit of {limit}{unit} (set BOOKINGEST_{setting.upper()} higher to read it)"
    )


def check_file_size(size: int, path: str, tuning: Tuning) -> None:
    """OverLimit when a file of `size` bytes is larger than max_file_mb."""
    if size > tuning.max_file_mb * _MB:
        raise over_limit(path, f"the file is {_mb(size)} MB", tuning.max_file_mb, " MB", "max_file_mb")


def file_sha256(path: Path, tuning: Tuning) -> str:
    """The SHA-256 of the file's bytes, read a block at a time; OverLimit, before any is read,
    when the file is larger than max_file_mb."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        check_file_size(os.fstat(f.fileno()).st_size, str(path), tuning)
        while block := f.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def check_workbook(source: Path | bytes, path: str, tuning: Tuning) -> None:
    """OverLimit when a workbook's zip (xlsx/xlsm) is over a limit, as its central directory
    declares it, or a sheet declares a larger extent than max_rows x max_columns. Only the
    central directory and the first bytes of each sheet are read. A zip that cannot be opened
    passes: the reader says how it is damaged."""
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as book:
            infos = book.infolist()
            _check_members(infos, path, tuning)
            names = _sheet_names(book)
            for info in infos:
                if _SHEET.fullmatch(info.filename):
                    _check_extent(book, info, names.get(info.filename, info.filename), path, tuning)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        NotImplementedError,
        RuntimeError,
        EOFError,
        ValueError,
    ):
        return  # damaged (a corrupt deflate stream too), encrypted or of an unknown compression: the reader reports it


def _check_members(infos: list[zipfile.ZipInfo], path: str, tuning: Tuning) -> None:
    if len(infos) > tuning.max_zip_members:
        raise over_limit(
            path, f"the workbook's zip has {len(infos)} members", tuning.max_zip_members, "", "max_zip_members"
        )
    limit = tuning.max_uncompressed_mb
    for info in infos:
        if info.file_size > limit * _MB:
            seen = f"the workbook's {info.filename} unpacks to {_mb(info.file_size)} MB"
            raise over_limit(path, seen, limit, " MB", "max_uncompressed_mb")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > tuning.max_zip_ratio:
            seen = f"the workbook's {info.filename} is compressed {ratio:.0f} to 1"
            raise over_limit(path, seen, tuning.max_zip_ratio, " to 1", "max_zip_ratio")
    total = sum(info.file_size for info in infos)
    if total > limit * _MB:
        raise over_limit(path, f"the workbook unpacks to {_mb(total)} MB", limit, " MB", "max_uncompressed_mb")


def _sheet_names(book: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's member -> its name as Excel shows it ('xl/worksheets/sheet1.xml' ->
    'Reservations'), from the workbook's list of sheets and its relationships."""
    try:
        sheets = _start(book, "xl/workbook.xml")
        targets = dict(_TARGET.findall(_start(book, "xl/_rels/workbook.xml.rels")))
    except KeyError:
        return {}
    names = {}
    for name, rid in _SHEET_ENTRY.findall(sheets):
        target = targets.get(rid, b"").decode(errors="replace").lstrip("/")
        member = target if target.startswith("xl/") else "xl/" + target
        names[member] = html.unescape(name.decode(errors="replace"))
    return names


def _start(book: zipfile.ZipFile, member: str) -> bytes:
    with book.open(member) as f:
        return f.read(_DIMENSION_WITHIN * 16)  # a workbook's list of sheets is far shorter


def _check_extent(book: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, path: str, tuning: Tuning) -> None:
    with book.open(info) as member:
        start = member.read(_DIMENSION_WITHIN)  # streamed: never more than this is unpacked
    found = _DIMENSION.search(start)
    if found is None:
        return  # no declared extent: the real one is bounded by the reader's memory limit
    # The extent from A1, as the reader holds it (leading blank rows and columns are kept).
    _, first_row, last_column, last_row = (g.decode() if g else "" for g in found.groups())
    rows = int(last_row or first_row)
    columns = column_number(last_column or found.group(1).decode())
    declared = found.group(0).split(b'"')[1].decode()
    check_extent(rows, columns, f"the sheet {name!r} declares", f" ({declared})", path, tuning)


def check_extent(rows: int, columns: int, sheet: str, extent: str, path: str, tuning: Tuning) -> None:
    """OverLimit when a sheet's rows or columns, as declared or as read, are over the limits."""
    if rows > tuning.max_rows:
        raise over_limit(path, f"{sheet} {rows} rows{extent}", tuning.max_rows, "", "max_rows")
    if columns > tuning.max_columns:
        raise over_limit(path, f"{sheet} {columns} columns{extent}", tuning.max_columns, "", "max_columns")


def column_number(letters: str) -> int:
    """A spreadsheet column's number from its letters: A is 1, Z 26, AA 27, XFD 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _mb(size: int) -> str:
    return f"{size / _MB:.1f}".removesuffix(".0")
