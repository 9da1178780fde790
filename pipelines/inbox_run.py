"""Draining the inbox: each ready file claimed, ingested, filed away; what `inbox run` and the Prefect flow call."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from loaders import claims
from loaders.claims import Claim
from loaders.errors import GaveUp, first_line
from loaders.retry import retrying
from pipelines import filing
from pipelines.declared import check_source, status_map_for
from pipelines.discover import FileOptions, Unread
from pipelines.inbox import DEFAULT_LEASE_SECONDS, DEFAULT_SETTLE_SECONDS, Listing, default_folders, look, with_options
from pipelines.inbox_queue import Held, Queue, claim, release, stays_in_inbox
from pipelines.ingest import ingest_file
from pipelines.results import FileResult
from pipelines.slots import default_slots, machine_slot
from schemas.status_map import StatusMap
from schemas.tuning import DEFAULT_TUNING, Tuning
from schemas.vocab import ClaimOutcome, FileStatus

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inbox:
    """An inbox folder and where its files go: `archive` (default INBOX/archive) and `rejected`
    (default INBOX/rejected), the settle time, the lease of a claim, and how many files this
    machine's workers process at once (pipelines.slots; 0: no cap)."""

    folder: Path
    archive: Path
    rejected: Path
    settle_seconds: float = DEFAULT_SETTLE_SECONDS
    lease_seconds: float = DEFAULT_LEASE_SECONDS
    slots: int = field(default_factory=default_slots)

    @classmethod
    def at(
        cls,
        folder: Path,
        archive: Path | None = None,
        rejected: Path | None = None,
        settle_seconds: float = DEFAULT_SETTLE_SECONDS,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        slots: int | None = None,
    ) -> Inbox:
        archive, rejected = default_folders(folder, archive, rejected)
        return cls(
            folder, archive, rejected, settle_seconds, lease_seconds, default_slots() if slots is None else slots
        )

    def key(self, path: Path) -> str:
        """The claim key of a file: its path relative to the inbox, the same on every machine."""
        return path.relative_to(self.folder).as_posix()

    def waiting(self, now: float | None = None) -> tuple[list[tuple[Path, FileOptions]], list[Unread]]:
        """The files ready to take, with their options, in as-of order; and what cannot be read."""
        listing = self._look(now)
        unread = listing.unread
        files = with_options(listing.ready, unread)
        for path, options in files:  # a layout a bookingest.toml names must exist (exit 2 otherwise)
            check_source(options.source, options, path)
        return files, unread

    def left_for_the_next_run(self, listed: list[tuple[Path, FileOptions]], results: list[FileResult]) -> bool:
        """Whether a run that lists the inbox now may find a file that this drain of `listed` did
        not settle: one still being written, one come after the listing, or one it left there."""
        now = self._look()
        elsewhere = {path for path, _ in listed} - {Path(r.path) for r in results}  # other workers' claims
        return bool(now.settling) or any(path not in elsewhere for path in now.ready)

    def settling(self, now: float | None = None) -> list[Path]:
        """The files still being written: changed within the settle time (the next run takes them)."""
        return self._look(now).settling

    def _look(self, now: float | None = None) -> Listing:
        """The inbox as it is now (or at `now`), its archive and rejected folders left out."""
        return look(self.folder, self.settle_seconds, now, skip=[self.archive, self.rejected])


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
    are left to it and not reported; one bad file never stops the others. While a file waits
    for the merge lock (another worker's merge holds it), the next file is claimed and read."""
    if files is None:
        files, unread = inbox.waiting()
    results = [FileResult.unread(u) for u in unread or []]
    status_map = retrying(lambda: status_map_for(engine, files), tuning) if files else None
    queue = Queue(engine, inbox, worker, files, status_map, tuning)
    with machine_slot(inbox.slots):  # one of the machine's places (pipelines.slots), for the whole run
        try:
            while (held := queue.take()) is not None:
                result = held if isinstance(held, FileResult) else _process(engine, inbox, held, status_map, tuning, merge_slot, queue.meanwhile)  # fmt: skip
                if result is not None:
                    results.append(result)
                    if on_file:
                        on_file(result)
        finally:
            queue.close()
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
    with machine_slot(inbox.slots):
        held = claim(engine, inbox, path, worker, options, tuning)
        if held is None or isinstance(held, FileResult):
            return held
        return _process(engine, inbox, held, status_map, tuning, merge_slot)


def _process(
    engine: Engine,
    inbox: Inbox,
    held: Held,
    status_map: StatusMap | None,
    tuning: Tuning,
    merge_slot: Callable[[], AbstractContextManager[object]],
    meanwhile: Callable[[], object] | None = None,
) -> FileResult | None:
    """Ingest a claimed file, file it away, end its claim."""
    path, options, source = held.path, held.options, held.options.source

    def ingest() -> FileResult:  # read ahead the first time only: a retry reads the file anew
        read = held.take_read()
        return ingest_file(
            engine, path, options, status_map, tuning, merge_slot=merge_slot, meanwhile=meanwhile, read=read
        )

    try:
        try:
            result = retrying(ingest, tuning)
        finally:
            held.heartbeat.stop()  # before the claim is released or the file filed away
    except (SQLAlchemyError, GaveUp) as err:
        release(engine, held.claim)
        return stays_in_inbox(path, source, err)
    except Exception as err:  # a bug must not cost the other files; the file is filed as rejected
        result = FileResult.internal_error(path, source, err)
    return _file_away(engine, inbox, path, held.claim, result, tuning)


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
            release(engine, held)
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
