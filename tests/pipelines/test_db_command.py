"""`bookingest db upgrade|current|history` on empty, new and missing databases (the refusals are in
tests/loaders/test_previous_release.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from loaders import migrate
from loaders.db import normalize_url
from loaders.tables import status_map
from pipelines.cli import main


def test_db_upgrade_builds_an_empty_database_says_each_revision_and_seeds_the_status_map(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "current", "--db", db_url]) == (0 if db_url.startswith("postgresql") else 2)  # no file yet
    capsys.readouterr()

    assert main(["db", "upgrade", "--db", db_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "empty database: building the schema"
    assert [line.split()[:2] for line in lines[1:-1]] == [["applied", s.revision] for s in migrate.revisions()]
    assert lines[-1] == f"upgraded to {migrate.head()}, the newest revision"
    engine = create_engine(normalize_url(db_url))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(status_map)).scalar_one() > 0
    engine.dispose()

    assert main(["db", "current", "--db", db_url]) == 0
    assert capsys.readouterr().out == f"{migrate.head()} (the newest revision)\n"


def test_db_current_on_an_empty_postgresql_database_says_it_is_built_on_first_use(
    pg_server_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from databases import reset_pg_schema

    reset_pg_schema(pg_server_url)
    assert main(["db", "current", "--db", pg_server_url]) == 0
    assert capsys.readouterr().out == f"none: an empty database, built to {migrate.head()} on first use\n"


def test_db_current_and_history_create_no_sqlite_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'missing.db'}"
    for argv in (["db", "current"], ["db", "history"]):
        assert main([*argv, "--db", url]) == 2
        assert "no database at" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_db_history_lists_every_revision_with_what_it_does_and_marks_the_databases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "history"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [s.revision for s in migrate.revisions()]
    assert lines[1].startswith("0002  bookings.row_hash") and lines[-1].endswith("(newest)")

    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["db", "upgrade", "--db", url]) == 0
    capsys.readouterr()
    assert main(["db", "history", "--db", url]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("(newest, this database)")
