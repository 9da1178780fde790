"""sources.limits and sources.sandbox: a workbook over a limit is refused before a reader touches
it, with one sentence naming the limit and its BOOKINGEST_ variable; a reader that crashes, runs
out of memory or time costs that file only (it runs in a child process)."""

from __future__ import annotations

from pathlib import Path

import hostile_files
import pytest

from schemas.tuning import DEFAULT_TUNING, Tuning
from sources.errors import UnreadableFile
from sources.limits import OverLimit, column_number
from sources.readers import read_export, read_export_chunks
from sources.sandbox import ReaderFailed

SAMPLES = hostile_files.SAMPLES


def refused(file: Path, tuning: Tuning = DEFAULT_TUNING) -> UnreadableFile:
    with pytest.raises(UnreadableFile) as raised:
        list(read_export_chunks(file, str(file), tuning=tuning))
    assert "\n" not in raised.value.reason
    return raised.value


def test_column_letters_count_as_a_spreadsheet_does() -> None:
    assert [column_number(c) for c in ("A", "Z", "AA", "AZ", "ZZ", "XFD")] == [1, 26, 27, 52, 702, 16384]


def test_a_single_cell_at_the_sheets_far_corner_is_refused_by_its_declared_extent(tmp_path: Path) -> None:
    file = tmp_path / "far.xlsx"
    file.write_bytes(hostile_files.far_cell_xlsx())
    assert file.stat().st_size < 2500
    err = refused(file)
    assert isinstance(err, OverLimit)
    assert err.reason == (
        "the sheet 'Sheet1' declares 16384 columns (XFD1048576), more than the limit of 4096 "
        "(set BOOKINGEST_MAX_COLUMNS higher to read it)"
    )
    rows = refused(file, Tuning(max_columns=16384, max_rows=1000))
    assert "declares 1048576 rows (XFD1048576), more than the limit of 1000 (set BOOKINGEST_MAX_ROWS" in rows.reason


def test_the_rows_a_real_workbook_declares_are_counted_from_row_1(tmp_path: Path) -> None:
    file = SAMPLES / "cleaning_schedule.xlsx"
    assert len(read_export(file.read_bytes(), str(file))) > 0  # within the default limits
    err = refused(file, Tuning(max_rows=3))
    assert "rows" in err.reason and "more than the limit of 3 (set BOOKINGEST_MAX_ROWS higher" in err.reason


def test_a_zip_bomb_is_refused_by_its_declared_size_and_ratio(tmp_path: Path) -> None:
    file = tmp_path / "bomb.xlsx"
    unpacked = hostile_files.bomb_xlsx(file, 0.2)
    assert unpacked > 200 * file.stat().st_size  # what it declares is what it holds
    ratio = refused(file)
    assert isinstance(ratio, OverLimit)
    assert "is compressed" in ratio.reason and "more than the limit of 200 to 1" in ratio.reason
    assert "BOOKINGEST_MAX_ZIP_RATIO" in ratio.reason
    size = refused(file, Tuning(max_zip_ratio=10_000, max_uncompressed_mb=20))
    assert "unpacks to" in size.reason and "more than the limit of 20 MB" in size.reason
    assert "BOOKINGEST_MAX_UNCOMPRESSED_MB" in size.reason
    members = refused(SAMPLES / "cleaning_schedule.xlsx", Tuning(max_zip_members=3))
    assert "members, more than the limit of 3 (set BOOKINGEST_MAX_ZIP_MEMBERS higher" in members.reason


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    file = tmp_path / "big.csv"
    with file.open("wb") as f:
        f.truncate(3 << 20)  # sparse: takes no disk
    err = refused(file, Tuning(max_file_mb=2))
    assert err.reason == "the file is 3 MB, more than the limit of 2 MB (set BOOKINGEST_MAX_FILE_MB higher to read it)"


def test_a_zip_bomb_that_lies_about_its_size_is_stopped_by_the_readers_memory_limit(tmp_path: Path) -> None:
    file = tmp_path / "lying.xlsx"
    hostile_files.bomb_xlsx(file, 1, lying=True)  # declares 1 MB, holds some 300 MB
    err = refused(file, Tuning(max_reader_memory_mb=400))
    assert isinstance(err, ReaderFailed)
    assert err.reason.startswith("the workbook reader failed on this file (out of memory, over 400 MB)")
    assert err.reason.endswith("; nothing of it was loaded")


def test_a_reader_that_takes_too_long_is_killed(tmp_path: Path) -> None:
    file = tmp_path / "lying.xlsx"
    hostile_files.bomb_xlsx(file, 1, lying=True)
    err = refused(file, Tuning(max_seconds_per_file=1))
    assert isinstance(err, ReaderFailed)
    assert "(took longer than 1 s)" in err.reason


def test_a_truncated_xls_that_makes_the_reader_panic_costs_that_file(tmp_path: Path) -> None:
    file = tmp_path / "truncated.xls"
    file.write_bytes(hostile_files.truncated_xls())
    err = refused(file)
    assert isinstance(err, ReaderFailed)
    assert err.reason.startswith("the workbook reader failed on this file (crashed): ")
    assert "index out of bounds" in err.reason


def test_an_xls_with_a_chunk_written_twice_is_stopped_by_the_memory_limit(tmp_path: Path) -> None:
    file = tmp_path / "duplicated.xls"
    file.write_bytes(hostile_files.duplicated_xls())
    err = refused(file)
    assert isinstance(err, ReaderFailed)
    assert err.reason.startswith("the workbook reader failed on this file (out of memory, over 792 MB)")
    assert "memory allocation of" in err.reason


def test_a_workbook_given_as_bytes_is_read_in_the_child_too() -> None:
    with pytest.raises(ReaderFailed):
        read_export(hostile_files.truncated_xls(), "truncated.xls")
    table = read_export((SAMPLES / "booking_com_reservations_2025-12.xls").read_bytes(), "ok.xls")
    assert len(table) > 0


def test_errors_over_a_limit_survive_pickling() -> None:
    import pickle

    for err in (OverLimit("f.xlsx", "why"), ReaderFailed("f.xls", "how")):
        again = pickle.loads(pickle.dumps(err))
        assert type(again) is type(err) and again.reason == err.reason and again.path == err.path


def test_the_rows_and_columns_a_workbook_really_has_are_checked_too() -> None:
    file = SAMPLES / "booking_com_reservations_2025-12.xls"  # BIFF: no declared extent is checked
    rows = refused(file, Tuning(max_rows=10))
    assert (
        rows.reason
        == "the sheet 'Sheet1' has 21 rows, more than the limit of 10 (set BOOKINGEST_MAX_ROWS higher to read it)"
    )
    columns = refused(file, Tuning(max_columns=5))
    assert "has 27 columns, more than the limit of 5 (set BOOKINGEST_MAX_COLUMNS higher" in columns.reason


def test_a_sheet_whose_deflate_stream_is_corrupt_is_refused_as_damaged_not_an_internal_error(tmp_path: Path) -> None:
    # Found by the long fuzz run: a byte flipped inside a sheet's compressed data made the
    # extent check's streamed read raise zlib.error, which no reader catches.
    import zipfile

    data = bytearray((SAMPLES / "cleaning_schedule_v1.xlsx").read_bytes())
    with zipfile.ZipFile(SAMPLES / "cleaning_schedule_v1.xlsx") as book:
        sheet = book.getinfo("xl/worksheets/sheet1.xml")
    start = sheet.header_offset + 30 + len(sheet.filename.encode()) + len(sheet.extra)
    for i in range(start + 10, start + min(sheet.compress_size, 400), 7):
        data[i] ^= 0xFF  # garble the deflate stream, not the zip's directory
    file = tmp_path / "corrupt.xlsx"
    file.write_bytes(bytes(data))
    err = refused(file)
    assert "internal error" not in err.reason and "while decompressing" not in err.reason


def test_the_reader_child_starts_one_openblas_thread_unless_the_operator_says_otherwise() -> None:
    from sources.sandbox import child_environment

    assert child_environment({"PATH": "/bin"}) == {"PATH": "/bin", "RUST_BACKTRACE": "0", "OPENBLAS_NUM_THREADS": "1"}
    assert child_environment({"OPENBLAS_NUM_THREADS": "4"})["OPENBLAS_NUM_THREADS"] == "4"
