"""What the CLI prints: rich tables on a terminal, plain columns otherwise, and the summary's cap on double bookings."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from airbnb_export import airbnb_csv, airbnb_row

from pipelines.cli import main
from pipelines.output import MAX_CONFLICTS_SHOWN, print_table

LOFT = "Harbour Loft"


@pytest.fixture(autouse=True)
def _no_prefect_or_database_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("BOOKINGEST_") or name == "PREFECT_API_URL":
            monkeypatch.delenv(name)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


HEADER = ("date", "guest", "nights")
ROWS = [("2025-12-14", "Lena [bold]Berg[/bold]", "3"), ("2025-12-15", "Sam", "12")]


def test_a_terminal_gets_a_rich_table_and_a_pipe_plain_columns() -> None:
    terminal, pipe = _Terminal(), io.StringIO()
    print_table(HEADER, ROWS, terminal, right={2})
    print_table(HEADER, ROWS, pipe, right={2})

    assert "│" in terminal.getvalue() and "Lena [bold]Berg[/bold]" in terminal.getvalue()  # no markup
    assert pipe.getvalue().splitlines() == [
        "date        guest                   nights",
        "----------  ----------------------  ------",
        "2025-12-14  Lena [bold]Berg[/bold]       3",
        "2025-12-15  Sam                         12",
    ]


def _many_double_bookings(path: Path, nights: int) -> Path:
    """One long stay, and `nights` one-night stays inside it one after another: each of those
    overlaps the long stay and no other, so the file makes exactly `nights` double bookings."""
    start = dt.date(2025, 12, 1)
    long_stay = airbnb_row("HMLONG0001", "Confirmed", "Ada Long", start, start + dt.timedelta(days=nights + 2),
                           LOFT, Decimal("4000"))  # fmt: skip
    short = [
        airbnb_row(f"HMSHORT{i:03d}", "Confirmed", f"Guest {i}", start + dt.timedelta(days=i),
                   start + dt.timedelta(days=i + 1), LOFT, Decimal("100"))
        for i in range(1, nights + 1)
    ]  # fmt: skip
    path.write_bytes(airbnb_csv([long_stay, *short]))
    return path


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_the_summary_shows_the_first_double_bookings_and_json_all(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    more = 7
    path = _many_double_bookings(tmp_path / "airbnb.csv", MAX_CONFLICTS_SHOWN + more)
    argv = ["ingest", str(path), "--db", db_url, "--no-prefect", "--as-of", "2025-11-01T06:00:00"]
    code = main([*argv, "--json"] if as_json else argv)
    out, err = capsys.readouterr()
    assert code == 0, err

    if as_json:
        (report,) = json.loads(out)["files"]
        assert len(report["conflicts"]) == MAX_CONFLICTS_SHOWN + more
        assert all("HMLONG0001" in c for c in report["conflicts"])
        return
    lines = out.splitlines()
    at = lines.index(
        f"DOUBLE BOOKINGS involving these files ({MAX_CONFLICTS_SHOWN + more}); see `bookingest conflicts`:"
    )
    shown = lines[at + 1 : at + 1 + MAX_CONFLICTS_SHOWN]
    assert all(line.startswith(f"  {LOFT}: ") and "HMLONG0001" in line for line in shown), shown
    assert lines[at + 1 + MAX_CONFLICTS_SHOWN] == f"  … and {more} more; see `bookingest conflicts`"
    assert sum("HMSHORT" in line for line in lines) == MAX_CONFLICTS_SHOWN
