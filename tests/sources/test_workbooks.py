"""sources.workbooks: a workbook read ahead in a background thread gives exactly what the ingest
reads itself, and is never used for a file that changed, nor read for anything but a workbook."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from raw_tables import assert_identical

from sources import workbooks
from sources.errors import UnreadableFile
from sources.readers import read_export, read_export_chunks

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
WORKBOOKS = ["cleaning_schedule.xlsx", "booking_com_reservations_2025-12.xls"]


def copy(name: str, folder: Path) -> Path:
    return Path(shutil.copyfile(SAMPLES / name, folder / name))


@pytest.mark.parametrize("name", WORKBOOKS)
def test_a_workbook_read_ahead_is_what_the_ingest_reads(tmp_path: Path, name: str) -> None:
    file = copy(name, tmp_path)
    workbooks.prefetch(file)
    ahead = workbooks.take(file)
    assert ahead is not None and workbooks.take(file) is None  # taken once

    read = ahead.result()
    assert read is not None and file.read_bytes().startswith(read[0])  # its first bytes, to sniff
    (chunk,) = read_export_chunks(file, str(file), ahead=ahead)
    assert_identical(chunk, read_export(file.read_bytes(), str(file)))


def test_only_workbooks_are_read_ahead(tmp_path: Path) -> None:
    csv = tmp_path / "export.csv"
    csv.write_text("Confirmation code,Status\n", encoding="utf-8")
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    for file in (csv, empty, tmp_path / "missing.xlsx"):
        workbooks.prefetch(file)
        assert workbooks.take(file) is None


def test_a_workbook_changed_after_its_read_began_is_read_again(tmp_path: Path) -> None:
    file = copy("cleaning_schedule.xlsx", tmp_path)
    workbooks.prefetch(file)
    ahead = workbooks.take(file)
    assert ahead is not None
    ahead.result()  # the old bytes are read
    other = SAMPLES / "booking_com_reservations_2025-12.xls"
    file.write_bytes(other.read_bytes())
    os.utime(file, ns=(0, 1))  # a different modification time, whatever the clock's resolution

    assert ahead.result() is None
    (chunk,) = read_export_chunks(file, str(file), ahead=ahead)
    assert_identical(chunk, read_export(other.read_bytes(), str(file)))


@pytest.mark.slow
def test_a_damaged_workbook_read_ahead_fails_as_it_would_unread(tmp_path: Path) -> None:
    file = tmp_path / "cut.xlsx"
    file.write_bytes((SAMPLES / "cleaning_schedule.xlsx").read_bytes()[:3000])
    with pytest.raises(UnreadableFile) as unread:
        list(read_export_chunks(file, str(file)))
    workbooks.prefetch(file)
    ahead = workbooks.take(file)
    assert ahead is not None
    with pytest.raises(UnreadableFile) as refused:  # the read ahead's verdict: not read twice
        ahead.result()
    assert refused.value.reason == unread.value.reason

    with pytest.raises(UnreadableFile) as read_ahead:
        list(read_export_chunks(file, str(file), ahead=ahead))
    assert read_ahead.value.reason == unread.value.reason
    assert "damaged or truncated" in read_ahead.value.reason
