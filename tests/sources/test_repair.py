"""sources.repair: text garbled by a wrong encoding is repaired for matching, each distinct value once."""

from __future__ import annotations

import ftfy
import pandas as pd
import pytest

from sources.readers import read_export
from sources.repair import repair, repaired_cells, repaired_rows


@pytest.mark.parametrize(
    ("garbled", "meant"),
    [
        pytest.param("# des b√©b√©s", "# des bébés", id="mac-roman-header"),
        pytest.param("328,44¬†‚Ç¨", "328,44\u00a0€", id="mac-roman-money"),
        pytest.param("RÃ©servÃ©e", "Réservée", id="windows-1252-label"),
        pytest.param("ZoÃ« MÃ¼ller", "Zoë Müller", id="windows-1252-name"),
        pytest.param("ï»¿Confirmation code", "\ufeffConfirmation code", id="a-bom-read-as-text"),
    ],
)
def test_the_issues_examples_are_repaired(garbled: str, meant: str) -> None:
    assert repair(garbled) == meant


@pytest.mark.parametrize("clean", ["Zoë Müller", "Chloé García", "«Élise»", "Kowalski", "1 023,64\u202f€", "½ price"])
def test_clean_text_is_left_alone(clean: str) -> None:
    assert repair(clean) == clean
    assert repaired_cells(pd.Series([clean] * 3, dtype=object)) is None


def test_each_distinct_value_is_repaired_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    fix = ftfy.fix_encoding

    def counted(text: str) -> str:
        calls.append(text)
        return fix(text)

    monkeypatch.setattr(ftfy, "fix_encoding", counted)
    cells = pd.Series(["ZoÃ«", "Ann", None, "Chloé", "97.35 ‚Ç¨"] * 20_000, dtype=object)
    fixed = repaired_cells(cells)
    assert fixed is not None
    assert fixed.iloc[:5].tolist() == ["Zoë", "Ann", None, "Chloé", "97.35 €"]
    assert fixed.iloc[-5:].tolist() == ["Zoë", "Ann", None, "Chloé", "97.35 €"]
    assert sorted(calls) == ["97.35 ‚Ç¨", "ZoÃ«"]  # not per row; clean values never reach ftfy


def test_clean_money_in_the_hosts_language_never_reaches_ftfy(monkeypatch: pytest.MonkeyPatch) -> None:
    # A no-break space is a UTF-8 lead byte in Mac Roman and "€" a continuation byte in
    # Windows-1252: only a pair from one encoding is a telltale, or every French amount of a
    # million-row export would go through ftfy.
    calls: list[str] = []

    def counted(text: str) -> str:
        calls.append(text)
        return text

    monkeypatch.setattr(ftfy, "fix_encoding", counted)
    french = pd.Series([f"{n},35\u00a0€" for n in range(1000)] + ["1\u202f023,64\u00a0€", "Zoë Müller"], dtype=object)
    assert repaired_cells(french) is None
    assert calls == []


def test_header_rows_are_repaired_and_say_so() -> None:
    rows, changed = repaired_rows([["Title"], ["# des b√©b√©s", 3, None]])
    assert rows == [["Title"], ["# des bébés", 3, None]]
    assert changed == {"# des bébés"}
    assert repaired_rows([["Confirmation code", "Status"]])[1] == frozenset()


def test_a_garbled_header_and_cells_are_read_repaired() -> None:
    data = "ï»¿Confirmation code,Status,Start date,End date,Listing,Earnings\nHM12345678,Confirmed,1/2/2026,1/4/2026,CafÃ© Loft,97.35 ‚Ç¨\n"
    table = read_export(data.encode(), "x.csv")
    assert table.layout.name == "airbnb"  # the garbled BOM no longer hides the first header
    assert table.repaired == ("headers", "property_name", "payout")
    assert table.columns["property_name"].tolist() == ["Café Loft"]
    assert table.columns["payout"].tolist() == ["97.35 €"]


def test_a_clean_file_is_not_marked_repaired() -> None:
    data = "Confirmation code,Status,Start date,End date,Listing\nHM12345678,Confirmed,1/2/2026,1/4/2026,Café Loft\n"
    assert read_export(data.encode(), "x.csv").repaired == ()
