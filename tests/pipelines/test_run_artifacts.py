"""The run's artifacts as text: figures added up across files, and names from outside kept inside their cell."""

from __future__ import annotations

from pipelines.results import FileResult
from pipelines.run_artifacts import LEFT_STATUS, Left, files_table, summary_markdown
from schemas.vocab import FileStatus


def _loaded(path: str, inserted: int, conflicts: list[str]) -> FileResult:
    return FileResult(
        path, "airbnb", FileStatus.LOADED, rows=inserted + 1, inserted=inserted, unchanged=1, conflicts=conflicts
    )


def test_a_double_booking_two_files_share_counts_once() -> None:
    shared = "Old Town Flat: HMA (2027-03-01..2027-03-05) overlaps HMB (2027-03-03..2027-03-06)"
    results = [_loaded("in/a.csv", 3, [shared]), _loaded("in/b.csv", 2, [shared, "another overlap"])]

    text = summary_markdown("in", results)

    numbers = text.splitlines()[text.splitlines().index("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|") + 1]
    assert numbers == "| 2 | 2 | 0 | 0 | 7 | 5 | 0 | 2 | 0 | 2 |"
    assert text.count(shared) == 1


def test_a_name_with_pipes_and_backticks_stays_in_its_cell() -> None:
    odd = FileResult("in/a|b`c.csv", None, FileStatus.REJECTED, reason="no layout | matches\nthis file")

    text = summary_markdown("in|box", [odd])

    assert "# bookingest inbox run: in\\|box" in text
    assert "- `a\\|b'c.csv`: no layout \\| matches this file" in text


def test_files_left_in_the_inbox_are_listed_and_in_the_table() -> None:
    left = [Left("in/c.csv", "the database could not be reached for 30 s, 8 tries (refused)")]

    text = summary_markdown("in", [], left, failure="1 file(s) could not be processed")
    table = files_table([], left)

    assert "**The run failed:** 1 file(s) could not be processed" in text
    assert "## Left in the inbox for the next run" in text and "No file was ready" not in text
    assert [(r["file"], r["status"], r["inserted"]) for r in table] == [("in/c.csv", LEFT_STATUS, 0)]


def test_an_empty_run_says_so() -> None:
    assert "No file was ready in the inbox." in summary_markdown("in", [])
