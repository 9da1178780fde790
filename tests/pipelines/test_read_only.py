"""A database this process may only read: every report command works on it without writing,
and an ingest is refused with one sentence (exit 2). SQLite on a read-only bind mount and as an
immutable file (both stop root, who runs the tests: chmod would not), PostgreSQL with a role
that may only SELECT and one whose transactions are read-only."""

from __future__ import annotations

import hashlib
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from databases import reset_pg_schema
from sqlalchemy import create_engine, select, text

from loaders.tables import bookings
from pipelines.cli import main
from pipelines.discover import FileOptions, discover
from pipelines.ingest import ingest_paths, open_database

pytestmark = pytest.mark.slow  # each loads the samples, then runs every report twice

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"


def _load_samples(url: str) -> str:
    """Load the samples into `url`; a booking code of them, for `history`."""
    engine = open_database(url)
    ingest_paths(engine, discover([str(SAMPLES)], FileOptions()))
    with engine.connect() as conn:
        code = conn.scalar(select(bookings.c.external_code).order_by(bookings.c.id).limit(1))
    engine.dispose()
    assert code
    return str(code)


def _reports(code: str) -> list[list[str]]:
    return [
        ["history", code],
        ["tasks", "--from", "2020-01-01", "--to", "2030-12-31", "--json"],
        ["conflicts", "--json"],
        ["properties", "--json"],
        ["payouts", "--json"],
    ]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _check(writable: str, read_only: str, code: str, capsys: pytest.CaptureFixture[str], says: str) -> None:
    """Each report gives on `read_only` what it gives on `writable` (the same database); an
    ingest into `read_only` is refused in one sentence naming why."""
    for argv in _reports(code):
        expected = _run([*argv, "--db", writable], capsys)
        assert expected[0] == 0, (argv, expected)
        assert _run([*argv, "--db", read_only], capsys) == expected, argv

    status, out, err = _run(["ingest", str(SAMPLES), "--db", read_only, "--no-prefect"], capsys)

    assert status == 2 and out == "", (status, out, err)
    assert err.startswith(f"bookingest: the database {read_only} is read-only: ") and says in err, err
    assert err.count("\n") == 1 and "Traceback" not in err, err


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def read_only_mount(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A folder, and the same folder mounted read-only (for root too: EROFS)."""
    source, mounted = tmp_path / "source", tmp_path / "mounted"
    source.mkdir()
    mounted.mkdir()
    bind = subprocess.run(["mount", "--bind", str(source), str(mounted)], capture_output=True, text=True)
    if bind.returncode != 0:
        pytest.skip(f"cannot bind-mount here (needs root): {bind.stderr.strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(mounted)], check=True, capture_output=True)
        yield source, mounted
    finally:
        subprocess.run(["umount", "--lazy", str(mounted)], check=True)  # main()'s engines stay open


def test_sqlite_on_a_read_only_mount_is_read_and_never_written(
    read_only_mount: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    source, mounted = read_only_mount
    code = _load_samples(f"sqlite:///{source / 'bookingest.db'}")
    # Closed cleanly: no -wal or -shm beside it, which a reader would need to create (so the
    # read-only open falls back to immutable) -- writing anything there fails (EROFS).
    assert sorted(p.name for p in source.iterdir()) == ["bookingest.db"]

    _check(f"sqlite:///{source / 'bookingest.db'}", f"sqlite:///{mounted / 'bookingest.db'}", code, capsys,
           "Read-only file system")  # fmt: skip


@pytest.fixture
def immutable(tmp_path: Path) -> Iterator[Path]:
    """A SQLite file that nobody may write (chattr +i: for root too), in a folder that can be."""
    path = tmp_path / "bookingest.db"
    yield path
    subprocess.run(["chattr", "-i", str(path)], capture_output=True)


def test_a_sqlite_file_nobody_may_write_is_read_and_never_written(
    immutable: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _load_samples(f"sqlite:///{immutable}")
    copy = tmp_path / "copy.db"
    copy.write_bytes(immutable.read_bytes())
    chattr = subprocess.run(["chattr", "+i", str(immutable)], capture_output=True, text=True)
    if chattr.returncode != 0:
        pytest.skip(f"cannot make a file immutable here: {chattr.stderr.strip()}")
    digest = _digest(immutable)

    _check(f"sqlite:///{copy}", f"sqlite:///{immutable}", code, capsys, f"the file {immutable} cannot be written")

    assert _digest(immutable) == digest


@pytest.fixture
def pg_roles(pg_server_url: str) -> Iterator[tuple[str, str]]:
    """Two roles on the test database: one that may only SELECT, one whose transactions are read-only."""
    suffix = uuid.uuid4().hex[:8]
    selects, read_only = f"bookingest_select_{suffix}", f"bookingest_ro_{suffix}"
    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {selects} LOGIN"))
        conn.execute(text(f"CREATE ROLE {read_only} LOGIN SUPERUSER"))
        conn.execute(text(f"ALTER ROLE {read_only} SET default_transaction_read_only = on"))
    yield selects, read_only
    with admin.connect() as conn:
        for role in (selects, read_only):
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
    admin.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("which", ["select-only", "read-only-transactions"])
def test_postgresql_a_role_that_may_only_read_reads_and_an_ingest_is_refused(
    pg_server_url: str, pg_roles: tuple[str, str], which: str, capsys: pytest.CaptureFixture[str]
) -> None:
    reset_pg_schema(pg_server_url)
    code = _load_samples(pg_server_url)
    selects, read_only = pg_roles
    role = selects if which == "select-only" else read_only
    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {selects}"))
        conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {selects}"))
    admin.dispose()
    as_role = pg_server_url.replace("postgres@", f"{role}@", 1)
    says = (
        f"the role {selects} may not write the table"
        if which == "select-only"
        else "its transactions are read-only (default_transaction_read_only is on)"
    )

    _check(pg_server_url, as_role, code, capsys, says)
