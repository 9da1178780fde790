"""`bookingest report --out FILE.xlsx|.html` end to end, on SQLite and PostgreSQL: exports loaded,
the report written from the database's figures, read back; a guest or a listing named like a
formula or a script is its characters in both files. Bad --out values are one sentence, exit 2."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from lxml import html
from oracles import Stay, stays_csv
from sqlalchemy import Engine

from pipelines.cli import main
from pipelines.discover import FileOptions
from pipelines.ingest import ingest_file
from schemas.vocab import FileStatus

FLAT, FORMULA_LISTING = "Old Town Flat", "=1+1 Cottage"
STAYS = [
    # A stay across the month end, then a same-day turnover with a guest named like a formula.
    Stay("HMREP00001", FLAT, dt.date(2025, 11, 28), dt.date(2025, 12, 3), guest='=HYPERLINK("http://x","y")'),
    Stay("HMREP00002", FLAT, dt.date(2025, 12, 3), dt.date(2025, 12, 6), guest="<script>alert(1)</script>"),
    Stay("HMREP00003", FORMULA_LISTING, dt.date(2025, 12, 1), dt.date(2025, 12, 4), guest="@SUM(1)"),
    Stay("HMREP00004", FORMULA_LISTING, dt.date(2025, 12, 10), dt.date(2025, 12, 12), status="Canceled by guest"),
]
PERIOD = ["--from", "2025-11-01", "--to", "2025-12-31", "--today", "2025-12-01"]


@pytest.fixture
def loaded(engine: Engine, db_url: str, tmp_path: Path) -> str:
    path = tmp_path / "airbnb.csv"
    path.write_bytes(stays_csv(STAYS))
    result = ingest_file(engine, path, FileOptions(as_of=dt.datetime(2025, 12, 1, 6, 0, tzinfo=dt.UTC)))
    assert result.status is FileStatus.LOADED and result.rejected == 0, result
    return db_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_report_out_xlsx_holds_the_databases_figures(
    loaded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report.xlsx"
    code, out, err = run(capsys, "report", *PERIOD, "--db", loaded, "--out", str(target))
    assert (code, err) == (0, "") and out == f"wrote the report to {target}\n"
    code, out, _ = run(capsys, "report", *PERIOD, "--db", loaded, "--json")
    assert code == 0
    figures = json.loads(out)
    workbook = openpyxl.load_workbook(target)
    monthly = list(workbook["Monthly"].iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[1], r[3]) for r in monthly] == [
        (m["property"] or "All properties", m["month"], m["nights_sold"]) for m in figures["monthly"]
    ]
    assert FORMULA_LISTING in [r[0] for r in monthly]
    guests = {c.value: c.data_type for row in workbook["Cleaning"].iter_rows(min_row=3) for c in row[5:6]}
    assert guests == {'=HYPERLINK("http://x","y")': "s", "<script>alert(1)</script>": "s", "@SUM(1)": "s"}
    assert all(c.data_type != "f" for ws in workbook for row in ws.iter_rows() for c in row)
    assert len(workbook["Monthly"]._charts) == 1


def test_report_out_html_shows_the_guests_as_text(
    loaded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report.html"
    code, out, err = run(capsys, "report", *PERIOD, "--property", FLAT, "--db", loaded, "--out", str(target))
    assert (code, err, out) == (0, "", f"wrote the report to {target}\n"), err
    document = html.fromstring(target.read_text("utf-8"))
    assert document.xpath("//script") == []
    cells = [td.text_content() for td in document.xpath("//section[@id='cleaning']//td")]
    assert "<script>alert(1)</script>" in cells and "@SUM(1)" not in cells  # one property's schedule
    assert document.xpath("//figure[@data-chart='occupancy']//*[@class='mark']")
    assert FLAT in document.xpath("string(//title)")


def test_json_and_out_together_keep_stdout_for_the_json(
    loaded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report.html"
    code, out, err = run(capsys, "report", *PERIOD, "--db", loaded, "--out", str(target), "--json")
    assert code == 0 and json.loads(out)["period"] == {"from": "2025-11-01", "to": "2025-12-31"}
    assert err == f"wrote the report to {target}\n" and target.is_file()


@pytest.mark.parametrize("out", ["report.pdf", "report", "report.xlsx.txt"])
def test_an_unknown_kind_of_out_is_one_sentence_before_the_database_opens(
    out: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing_db = f"sqlite:///{tmp_path / 'none.db'}"
    code, stdout, err = run(capsys, "report", *PERIOD, "--db", missing_db, "--out", str(tmp_path / out))
    assert code == 2 and stdout == ""
    assert err == f"bookingest: --out: {str(tmp_path / out)!r} must end in .xlsx (Excel) or .html (a web page)\n"
    assert not (tmp_path / "none.db").exists()


def test_a_missing_folder_is_one_sentence(loaded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "nowhere" / "report.xlsx"
    code, out, err = run(capsys, "report", *PERIOD, "--db", loaded, "--out", str(target))
    assert code == 2 and out == ""
    assert err == f"bookingest: cannot write the report to {target}: the folder {target.parent} does not exist\n"
