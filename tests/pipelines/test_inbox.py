"""The inbox: settled files only, each claimed once, filed away to archive/YYYY/MM or rejected/ with sidecars."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from inbox_files import MONTH, drop, every_file, export
from sqlalchemy import func, select, update

import pipelines.inbox_run
import pipelines.ingest
from loaders.claims import claim
from loaders.tables import file_claims, source_files
from pipelines.discover import FileOptions, Unread
from pipelines.filing import move_into
from pipelines.inbox import ready_files, with_options
from pipelines.inbox_run import Inbox, drain, process_file
from pipelines.ingest import open_database
from pipelines.results import FileResult
from schemas.vocab import FileStatus


def test_only_complete_files_are_ready(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    drop(inbox, "done.csv", b"x")
    drop(inbox, "sub/done too.xlsx", b"x")
    for partial in ("a.csv.part", "b.xlsx.crdownload", "c.TMP", "~$d.xlsx", ".hidden.csv", "bookingest.toml"):
        drop(inbox, partial, b"x")
    drop(inbox, "archive/2026/01/old.csv", b"x")
    drop(inbox, "rejected/bad.csv", b"x")

    ready = ready_files(inbox, 10, now=dt.datetime.now(dt.UTC).timestamp() + 60)

    assert [p.relative_to(inbox).as_posix() for p in ready] == ["done.csv", "sub/done too.xlsx"]


def test_a_file_is_ready_once_unchanged_for_the_settle_time(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    path = drop(inbox, "export.csv", b"x", age=3600)  # a copy that kept an hour-old mtime (cp -p)
    changed = path.stat().st_ctime  # ... but the copy itself is now: its inode changed now

    assert ready_files(inbox, 10, now=changed + 9.9) == []
    assert ready_files(inbox, 10, now=changed + 10.1) == [path]
    with path.open("ab") as f:  # still being written
        f.write(b"more")
    written = max(path.stat().st_mtime, path.stat().st_ctime)
    assert ready_files(inbox, 10, now=written + 9.9) == []
    assert ready_files(inbox, 10, now=written + 10.1) == [path]


def test_archive_and_rejected_folders_named_elsewhere_inside_the_inbox_are_skipped(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    drop(inbox, "new.csv", b"x")
    drop(inbox, "done/2026/01/old.csv", b"x")
    drop(inbox, "bad/old.csv", b"x")
    drop(inbox, "archive/not the archive.csv", b"x")  # not skipped: the archive is elsewhere

    ready = ready_files(inbox, 0, skip=[inbox / "done", inbox / "bad"])

    assert sorted(p.relative_to(inbox).as_posix() for p in ready) == ["archive/not the archive.csv", "new.csv"]


def test_a_drain_files_every_kind_of_file_away_and_deletes_nothing(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    drop(folder, "good.csv", export(1))
    drop(folder, "quarantined.csv", export(2, bad_status=True))
    drop(folder, "junk.csv", b"this is not an export\n")
    drop(folder, "again.csv", export(1))  # the same bytes as good.csv: a duplicate
    drop(folder, f"archive/{MONTH}/good.csv", b"an older file of that name")  # the name is taken
    inbox = Inbox.at(folder, settle_seconds=0)
    engine = open_database(db_url)

    results = {Path(r.path).name: r for r in drain(engine, inbox, "w1")}

    assert {n: r.status for n, r in results.items()} == {
        "good.csv": FileStatus.LOADED,
        "quarantined.csv": FileStatus.LOADED,
        "junk.csv": FileStatus.REJECTED,
        "again.csv": FileStatus.DUPLICATE,
    }
    assert every_file(folder) == [
        f"archive/{MONTH}/again.csv",
        f"archive/{MONTH}/good (2).csv",
        f"archive/{MONTH}/good.csv",
        f"archive/{MONTH}/quarantined.csv",
        "rejected/junk.csv",
        "rejected/junk.csv.error.txt",
        "rejected/quarantined.csv.rejected.csv",
    ]
    assert (folder / f"archive/{MONTH}/good.csv").read_bytes() == b"an older file of that name"
    assert (folder / f"archive/{MONTH}/good (2).csv").read_bytes() == export(1)
    assert (folder / "rejected/junk.csv").read_bytes() == b"this is not an export\n"
    assert "no known export layout matches this file" in (folder / "rejected/junk.csv.error.txt").read_text()
    with (folder / "rejected/quarantined.csv.rejected.csv").open(newline="") as f:
        quarantined = list(csv.reader(f))
    assert quarantined[0] == ["row", "column", "value", "reason"]
    assert [(r[0], r[2]) for r in quarantined[1:]] == [("4", "Wibble")]  # row 4: the header is row 1
    assert "Wibble" in quarantined[1][3]
    with engine.connect() as conn:
        archived = dict(conn.execute(select(source_files.c.path, source_files.c.archived_path)).all())
        outcomes = dict(conn.execute(select(file_claims.c.key, file_claims.c.outcome)).all())
    assert archived == {
        str(folder / "good.csv"): str((folder / f"archive/{MONTH}/good (2).csv").resolve()),
        str(folder / "quarantined.csv"): str((folder / f"archive/{MONTH}/quarantined.csv").resolve()),
    }
    assert outcomes == {
        "good.csv": "loaded",
        "quarantined.csv": "loaded",
        "junk.csv": "rejected",
        "again.csv": "duplicate",
    }
    assert results["junk.csv"].moved_to == str((folder / "rejected/junk.csv").resolve())

    # The inbox is empty now: a second run does nothing at all.
    assert drain(engine, inbox, "w1") == []
    assert len(every_file(folder)) == 7
    engine.dispose()


def test_a_file_dropped_again_later_is_archived_as_a_duplicate(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    inbox = Inbox.at(folder, settle_seconds=0)
    engine = open_database(db_url)
    drop(folder, "export.csv", export(7))
    assert [r.status for r in drain(engine, inbox, "w1")] == [FileStatus.LOADED]

    # As if the first worker had died after filing it away, before recording where.
    with engine.begin() as conn:
        conn.execute(update(source_files).values(archived_path=None))

    drop(folder, "export.csv", export(7))
    [again] = drain(engine, inbox, "w1")

    assert again.status is FileStatus.DUPLICATE
    assert every_file(folder) == [f"archive/{MONTH}/export (2).csv", f"archive/{MONTH}/export.csv"]
    copy = str((folder / f"archive/{MONTH}/export (2).csv").resolve())
    with engine.connect() as conn:
        first_id, archived = conn.execute(select(source_files.c.id, source_files.c.archived_path)).one()
        claimed = conn.execute(
            select(file_claims.c.attempts, file_claims.c.outcome, file_claims.c.source_file_id)
        ).one()
    assert (again.file_id, archived) == (first_id, copy)  # the same bytes serve replay
    assert tuple(claimed) == (2, "duplicate", first_id)
    engine.dispose()


def test_a_live_lease_is_left_alone_an_expired_one_is_taken_again(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    inbox = Inbox.at(folder, settle_seconds=0, lease_seconds=60)
    engine = open_database(db_url)
    drop(folder, "held.csv", export(1))
    drop(folder, "dead.csv", export(2))
    assert claim(engine, "held.csv", "other-worker", 600) is not None  # alive, somewhere else
    assert claim(engine, "dead.csv", "killed-worker", 600) is not None
    with engine.begin() as conn:  # its worker died ten minutes ago: its lease ran out
        expired = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=10)
        conn.execute(update(file_claims).where(file_claims.c.key == "dead.csv").values(lease_until=expired))

    results = drain(engine, inbox, "w2")

    assert [(Path(r.path).name, r.status) for r in results] == [("dead.csv", FileStatus.LOADED)]
    assert every_file(folder) == [f"archive/{MONTH}/dead.csv", "held.csv"]
    with engine.connect() as conn:
        rows = conn.execute(select(file_claims.c.key, file_claims.c.worker, file_claims.c.attempts)).all()
    assert sorted(rows) == [("dead.csv", "w2", 2), ("held.csv", "other-worker", 1)]
    engine.dispose()


@pytest.mark.slow
def test_two_workers_racing_over_twenty_files_process_each_exactly_once(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    for n in range(20):
        drop(folder, f"export_{n:02d}.csv", export(n, rows=20))
    inbox = Inbox.at(folder, settle_seconds=0)
    open_database(db_url).dispose()  # the schema, made once
    start = threading.Barrier(2)
    done: dict[str, list[FileResult]] = {}

    def worker(name: str) -> None:
        engine = open_database(db_url)
        files, unread = inbox.waiting()  # both list all twenty before either takes one
        start.wait()
        done[name] = drain(engine, inbox, name, files=files, unread=unread)
        engine.dispose()

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    processed = [Path(r.path).name for results in done.values() for r in results]
    assert sorted(processed) == [f"export_{n:02d}.csv" for n in range(20)]
    assert all(r.status is FileStatus.LOADED for results in done.values() for r in results)
    assert every_file(folder) == [f"archive/{MONTH}/export_{n:02d}.csv" for n in range(20)]
    engine = open_database(db_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count(), func.count(func.distinct(source_files.c.sha256)))).one() == (20, 20)
        claims = conn.execute(select(file_claims.c.worker, file_claims.c.attempts, file_claims.c.outcome)).all()
    assert len(claims) == 20 and {(a, o) for _, a, o in claims} == {(1, "loaded")}
    assert {w for w, _, _ in claims} <= {"w1", "w2"}
    engine.dispose()


def test_a_file_moves_to_an_archive_on_another_file_system(tmp_path: Path) -> None:
    other = Path("/dev/shm")
    if not other.is_dir() or other.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("no second file system (/dev/shm) to move to")
    archive = other / f"bookingest-test-{os.getpid()}-{tmp_path.name}"
    try:
        first = drop(tmp_path, "export.csv", export(1))
        assert move_into(first, archive) == archive / "export.csv"
        second = drop(tmp_path, "export.csv", export(2))
        assert move_into(second, archive) == archive / "export (2).csv"

        assert not first.exists()
        assert (archive / "export.csv").read_bytes() == export(1)
        assert (archive / "export (2).csv").read_bytes() == export(2)
    finally:
        shutil.rmtree(archive, ignore_errors=True)


def test_the_merge_slot_is_taken_for_each_merge_only(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    drop(folder, "good.csv", export(1), age=60)
    drop(folder, "junk.csv", b"not an export\n", age=50)  # rejected when read: no merge
    drop(folder, "again.csv", export(1), age=40)  # a duplicate: no merge
    drop(folder, "other.csv", export(2), age=30)
    engine = open_database(db_url)
    slots: list[str] = []

    @contextmanager
    def slot() -> Iterator[None]:
        slots.append("taken")
        yield
        slots.append("given back")

    results = drain(engine, Inbox.at(folder, settle_seconds=0), "w1", merge_slot=slot)

    assert [r.status for r in results] == [
        FileStatus.LOADED, FileStatus.REJECTED, FileStatus.DUPLICATE, FileStatus.LOADED,
    ]  # fmt: skip
    assert slots == ["taken", "given back"] * 2
    engine.dispose()


def test_odd_entries_are_reported_and_left_where_they_are(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    drop(folder, "good.csv", export(1))
    os.mkfifo(folder / "pipe.csv")
    (folder / "gone.csv").symlink_to(folder / "nothing here")
    bad_name = os.fsencode(folder) + b"/caf\xe9.csv"  # Latin-1 bytes: not a UTF-8 name
    with open(bad_name, "wb") as f:
        f.write(export(2))
    engine = open_database(db_url)

    results = drain(engine, Inbox.at(folder, settle_seconds=0), "w1")

    reasons = {Path(r.path).name: (r.status, r.reason) for r in results}
    assert reasons["good.csv"][0] is FileStatus.LOADED
    assert reasons["pipe.csv"] == (FileStatus.REJECTED, "not a regular file; not read")
    assert reasons["gone.csv"] == (FileStatus.REJECTED, "a symbolic link to nothing; not read")
    assert [r for n, r in reasons.items() if n.startswith("caf")] == [
        (FileStatus.REJECTED, "its name is not valid UTF-8 text, so it cannot be recorded (rename it); not read")
    ]
    assert len(results) == 4
    assert os.path.exists(bad_name) and (folder / "pipe.csv").exists() and (folder / "gone.csv").is_symlink()
    engine.dispose()


def test_a_file_that_cannot_be_filed_away_stays_and_is_taken_again(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    drop(folder, "export.csv", export(1))
    (tmp_path / "a file").write_text("not a folder")
    engine = open_database(db_url)

    [first] = drain(engine, Inbox.at(folder, archive=tmp_path / "a file" / "archive", settle_seconds=0), "w1")

    assert first.status is FileStatus.LOADED and first.moved_to is None
    assert "it could not be filed away (Not a directory); it stays in the inbox" in first.notes
    assert every_file(folder) == ["export.csv"]
    # With a usable archive, the next run files it away (as the duplicate it now is).
    [second] = drain(engine, Inbox.at(folder, settle_seconds=0), "w1")
    assert second.status is FileStatus.DUPLICATE
    assert every_file(folder) == [f"archive/{MONTH}/export.csv"]
    engine.dispose()


@pytest.mark.slow
def test_a_slow_file_keeps_its_lease_while_it_is_processed(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    path = drop(folder, "slow.csv", export(1))
    inbox = Inbox.at(folder, settle_seconds=0, lease_seconds=1)
    engine = open_database(db_url)
    working, stolen = threading.Event(), []

    @contextmanager
    def slow_merge() -> Iterator[None]:
        working.set()
        time.sleep(3)  # three leases long: only the heartbeat keeps the claim
        working.clear()  # the thief stops before the claim is finished (a new file could take it then)
        yield

    def thief() -> None:
        working.wait()
        while working.is_set():
            if claim(engine, "slow.csv", "thief", 1, stamp="another file") is not None:
                stolen.append(True)
            time.sleep(0.1)

    other = threading.Thread(target=thief)
    other.start()
    try:
        result = process_file(engine, inbox, path, "w1", merge_slot=slow_merge)
    finally:
        working.clear()
        other.join()

    assert result is not None and result.status is FileStatus.LOADED and not stolen
    with engine.connect() as conn:
        assert tuple(conn.execute(select(file_claims.c.worker, file_claims.c.outcome)).one()) == ("w1", "loaded")
    engine.dispose()


def test_a_file_filed_away_by_another_worker_after_the_listing_is_left_out(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    kept = drop(folder, "b.csv", export(1), age=60)
    gone = drop(folder, "a.csv", export(2), age=120)
    listed = ready_files(folder, 10, now=time.time() + 60)
    assert listed == [gone, kept]
    gone.unlink()  # another worker moved it to its archive meanwhile
    unread: list[Unread] = []
    assert with_options(listed, unread) == [(kept, FileOptions())]
    assert unread == []


def test_a_bug_while_one_file_loads_files_it_as_rejected_with_what_to_do(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "inbox"
    drop(folder, "bug.csv", export(1))
    drop(folder, "good.csv", export(2))
    real = pipelines.ingest.ingest_file  # what the inbox calls

    def buggy(engine: object, path: Path, *args: object, **kwargs: object) -> FileResult:
        if path.name == "bug.csv":
            raise KeyError("a bug")
        return real(engine, path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipelines.inbox_run, "ingest_file", buggy)
    engine = open_database(db_url)
    results = {Path(r.path).name: r for r in drain(engine, Inbox.at(folder, settle_seconds=0), "w1")}

    reason = "internal error, nothing was loaded; please report it (KeyError: 'a bug')"
    assert (results["bug.csv"].status, results["bug.csv"].reason) == (FileStatus.REJECTED, reason)
    assert results["good.csv"].status is FileStatus.LOADED
    assert every_file(folder) == [f"archive/{MONTH}/good.csv", "rejected/bug.csv", "rejected/bug.csv.error.txt"]
    assert reason in (folder / "rejected/bug.csv.error.txt").read_text()
    with engine.connect() as conn:
        assert dict(conn.execute(select(file_claims.c.key, file_claims.c.outcome)).all()) == {
            "bug.csv": "rejected",
            "good.csv": "loaded",
        }
    engine.dispose()
