"""Draining the inbox: each ready file claimed, ingested, filed away; what `inbox run` and the Prefect flow call."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from loaders import claims
from loaders.claims import Claim
from loaders.errors import GaveUp, file_failure, first_line
from loaders.retry import retrying
from pipelines import filing
from pipelines.declared import check_source, status_map_for
from pipelines.discover import FileOptions, Unread
from pipelines.inbox import DEFAULT_LEASE_SECONDS, DEFAULT_SETTLE_SECONDS, default_folders, look, with_options
from pipelines.ingest import ingest_file
from pipelines.results import FileResult
from schemas.status_map import StatusMap
from schemas.tuning import DEFAULT_TUNING, Tuning
from schemas.vocab import ClaimOutcome, FileStatus

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inbox:
    """An inbox folder and where its files go: `archive` (default INBOX/archive) and `rejected`
    (default INBOX/rejected), the settle time and the lease of a claim."""

    folder: Path
    archive: Path
    rejected: Path
    settle_seconds: float = DEFAULT_SETTLE_SECONDS
    lease_seconds: float = DEFAULT_LEASE_SECONDS

    @classmethod
    def at(
        cls,
        folder: Path,
        archive: Path | None = None,
        rejected: Path | None = None,
        settle_seconds: float = DEFAULT_SETTLE_SECONDS,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> Inbox:
        archive, rejected = default_folders(folder, archive, rejected)
        return cls(folder, archive, rejected, settle_seconds, lease_seconds)

    def key(self, path: Path) -> str:
        """The claim key of a file: its path relative to the inbox, the same on every machine."""
        return path.relative_to(self.folder).as_posix()

    def waiting(self, now: float | None = None) -> tuple[list[tuple[Path, FileOptions]], list[Unread]]:
        """The files ready to take, with their options, in as-of order; and what cannot be read."""
        listing = look(self.folder, self.settle_seconds, now, skip=[self.archive, self.rejected])
        unread = listing.unread
        files = with_options(listing.ready, unread)
        for path, options in files:  # a layout a bookingest.toml names must exist (exit 2 otherwise)
            check_source(options.source, options, path)
        return files, unread

    def settling(self, now: float | None = None) -> list[Path]:
        """The files still being written: changed within the settle time (the next run takes them)."""
        return look(self.folder, self.settle_seconds, now, skip=[self.archive, self.rejected]).settling


def drain(
    engine: Engine,
    inbox: Inbox,
    worker: str,
    tuning: Tuning = DEFAULT_TUNING,
    merge_slot: Callable[[], AbstractContextManager[object]] = nullcontext,
    on_file: Callable[[FileResult], None] | None = None,
    files: list[tuple[Path, FileOptions]] | None = None,
    unread: list[Unread] | None = None,
) -> list[FileResult]:
    """Process every ready file once, in as-of order (`files` and `unread` from
    `inbox.waiting()` if given), and report what cannot be read. Files another worker holds
    are left to it and not reported; one bad file never stops the others."""
    if files is None:
        files, unread = inbox.waiting()
    results = [FileResult.unread(u) for u in unread or []]
    status_map = retrying(lambda: status_map_for(engine, files), tuning) if files else None
    for path, options in files:
        result = process_file(engine, inbox, path, worker, options, status_map, tuning, merge_slot)
        if result is not None:
            results.append(result)
            if on_file:
                on_file(result)
    return results


def process_file(
    engine: Engine,
    inbox: Inbox,
    path: Path,
    worker: str,
    options: FileOptions | None = None,
    status_map: StatusMap | None = None,
    tuning: Tuning = DEFAULT_TUNING,
    merge_slot: Callable[[], AbstractContextManager[object]] = nullcontext,
) -> FileResult | None:
    """Claim one inbox file, ingest it (its merge is one transaction), file it away and end the
    claim. None when another worker holds it, or took it and filed it away before us. A
    database failure leaves the file in the inbox for the next run (the claim released)."""
    try:
        info = path.stat()
    except FileNotFoundError:  # another worker filed it away after we listed it
        return None
    stamp = f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}"
    source = options.source if options else None
    try:
        held = retrying(lambda: claims.claim(engine, inbox.key(path), worker, inbox.lease_seconds, stamp), tuning)
    except (SQLAlchemyError, GaveUp) as err:
        reason = f"{file_failure(err)}; it stays in the inbox for the next run"
        return FileResult(str(path), source, FileStatus.REJECTED, reason=reason)
    if held is None:
        return None
    if not path.exists():  # taken from a dead worker that had filed it away already
        claims.finish(engine, held, ClaimOutcome.VANISHED)
        return None
    with _heartbeat(engine, held, inbox.lease_seconds):
        try:
            result = retrying(
                lambda: ingest_file(engine, path, options or FileOptions(), status_map, tuning, merge_slot=merge_slot),
                tuning,
            )
        except (SQLAlchemyError, GaveUp) as err:
            _release(engine, held)
            reason = f"{file_failure(err)}; it stays in the inbox for the next run"
            return FileResult(str(path), source, FileStatus.REJECTED, reason=reason)
        except Exception as err:  # a bug must not cost the other files; the file is filed as rejected
            reason = f"internal error, nothing was loaded; please report it ({type(err).__name__}: {err})"
            result = FileResult(str(path), source, FileStatus.REJECTED, reason=reason)
    return _file_away(engine, inbox, path, held, result, tuning)


def _file_away(
    engine: Engine, inbox: Inbox, path: Path, held: Claim, result: FileResult, tuning: Tuning
) -> FileResult | None:
    """Move the file where its outcome sends it, write the sidecars, then end the claim (in that
    order: a worker that dies in between leaves a file that the next one finds gone). A file
    that cannot be moved stays in the inbox, its claim released: the next run takes it again
    (a loaded one is then a duplicate, and filed away as such)."""
    try:
        if not retrying(lambda: claims.renew(engine, held, inbox.lease_seconds), tuning):
            return _noted(result, "its claim expired meanwhile; the worker that took it over files it away")
        when = dt.datetime.now(dt.UTC)
        rejected = result.status is FileStatus.REJECTED
        try:
            target = filing.move_into(path, inbox.rejected if rejected else filing.archive_folder(inbox.archive, when))
        except FileNotFoundError:
            retrying(lambda: claims.finish(engine, held, ClaimOutcome.VANISHED), tuning)
            return None
        except OSError as err:
            _release(engine, held)
            return _noted(result, f"it could not be filed away ({err.strerror}); it stays in the inbox")
        moved_to = str(target.resolve())
        if rejected:
            filing.write_sidecar(
                inbox.rejected, target.name, ".error.txt", filing.error_text(result, path, target, held.worker, when)
            )
        elif result.rejected and result.file_id is not None:
            rows = retrying(lambda: claims.quarantined(engine, result.file_id or 0), tuning)
            filing.write_sidecar(inbox.rejected, target.name, ".rejected.csv", filing.rejected_csv(rows))
        outcome = ClaimOutcome(result.status.value)
        retrying(lambda: claims.finish(engine, held, outcome, result.file_id, moved_to), tuning)
    except (SQLAlchemyError, GaveUp) as err:  # its load stands; only where it went may be unrecorded
        why = str(err) if isinstance(err, GaveUp) else first_line(err)
        return _noted(result, f"where it was filed was not recorded ({why})")
    except OSError as err:  # a sidecar: the file itself is filed away
        return _noted(replace(result, moved_to=moved_to), f"its sidecar could not be written ({err.strerror})")
    return replace(result, moved_to=moved_to)


def _noted(result: FileResult, note: str) -> FileResult:
    return replace(result, notes=[*result.notes, note])


def _release(engine: Engine, held: Claim) -> None:
    with suppress(SQLAlchemyError):  # the database is down: the lease expires by itself
        claims.finish(engine, held, ClaimOutcome.RELEASED)


@contextmanager
def _heartbeat(engine: Engine, held: Claim, lease_seconds: float) -> Iterator[None]:
    """Renew the claim's lease every third of it while the block runs, so that a slow file is
    not taken by another worker; a worker that dies stops renewing, and its lease expires."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(lease_seconds / 3):
            try:
                if not claims.renew(engine, held, lease_seconds):
                    _log.warning("the claim on %s was lost (its lease expired)", held.key)
                    return
            except SQLAlchemyError as err:  # a transient failure: the next beat tries again
                _log.warning("could not renew the claim on %s: %s", held.key, err)

    thread = threading.Thread(target=beat, name=f"lease {held.key}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
