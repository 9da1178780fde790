"""`bookingest serve`: what it refuses before serving anything (exit status 2, one sentence)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.cli import main


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cron", "every day"], "--cron: 'every day' is not a cron schedule"),
        (["--cron", "61 * * * *"], "--cron: '61 * * * *' is not a cron schedule"),
        (["--db", "postgresql+psycopg://postgres@127.0.0.1:1/x"], "cannot use the database postgresql+psycopg"),
        (["--db", "mysql://a@b/c"], "only SQLite and PostgreSQL are supported"),
    ],
    ids=["words", "minute-61", "unreachable", "not-supported"],
)
def test_serve_refuses_bad_arguments_in_a_sentence(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOOKINGEST_RETRY_FOR_SECONDS", "0")
    db = ["--db", f"sqlite:///{tmp_path / 'b.db'}"] if "--db" not in args else []

    code = main(["serve", str(tmp_path), *db, *args])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("bookingest: ") and message in err and err.count("\n") == 1, err


def test_serve_refuses_an_inbox_that_is_not_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["serve", str(tmp_path / "missing"), "--db", f"sqlite:///{tmp_path / 'b.db'}"])

    err = capsys.readouterr().err
    assert code == 2 and "missing is not a folder; create it or pass another" in err, err
