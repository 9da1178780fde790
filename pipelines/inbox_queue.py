"""An inbox worker's files, claimed one at a time (loaders.claims), each claim's lease renewed
while the file is processed; and the next file claimed and read ahead while the current one
waits for the merge lock."""

from __future__ import annotations

import logging
import threading
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from loaders import claims
from loaders.claims import Claim
from loaders.errors import GaveUp, file_failure, first_line
from loaders.retry import retrying
from pipelines.discover import FileOptions
from pipelines.opening import ReadAhead, read_ahead
from pipelines.results import FileResult
from schemas.status_map import StatusMap
from schemas.tuning import Tuning
from schemas.vocab import ClaimOutcome, FileStatus

if TYPE_CHECKING:
    from pipelines.inbox_run import Inbox

_log = logging.getLogger(__name__)


@dataclass
class Held:
    """A file this worker claimed, its lease renewed until it is processed; maybe read already."""

    path: Path
    options: FileOptions
    claim: Claim
    heartbeat: Heartbeat
    read: ReadAhead | None = None

    def take_read(self) -> ReadAhead | None:
        """The file as read ahead, once (a retry reads it anew)."""
        read, self.read = self.read, None
        return read


def claim(
    engine: Engine, inbox: Inbox, path: Path, worker: str, options: FileOptions | None, tuning: Tuning
) -> Held | FileResult | None:
    """The file claimed for this worker (its lease renewed from now on), the result of a file
    that cannot be claimed (the database failed), or None if another worker has it."""
    try:
        info = path.stat()
    except FileNotFoundError:  # another worker filed it away after we listed it
        return None
    stamp = f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}"
    source = options.source if options else None
    try:
        held = retrying(lambda: claims.claim(engine, inbox.key(path), worker, inbox.lease_seconds, stamp), tuning)
    except (SQLAlchemyError, GaveUp) as err:
        return stays_in_inbox(path, source, err)
    if held is None:
        return None
    if not path.exists():  # taken from a dead worker that had filed it away already
        claims.finish(engine, held, ClaimOutcome.VANISHED)
        return None
    return Held(path, options or FileOptions(), held, Heartbeat(engine, held, inbox.lease_seconds))


class Queue:
    """The ready files in order, each claimed when it is its turn; or earlier: `meanwhile` (what
    a file does while another worker's merge holds the lock) claims and reads the next one."""

    def __init__(
        self,
        engine: Engine,
        inbox: Inbox,
        worker: str,
        files: list[tuple[Path, FileOptions]],
        status_map: StatusMap | None,
        tuning: Tuning,
    ) -> None:
        self._engine, self._inbox, self._worker, self._tuning = engine, inbox, worker, tuning
        self._files = iter(files)
        self._status_map = status_map
        self._ahead: Held | FileResult | None = None

    def take(self) -> Held | FileResult | None:
        """The next file (claimed), the result of one that could not be claimed, or None: no more."""
        if self._ahead is not None:
            ahead, self._ahead = self._ahead, None
            return ahead
        for path, options in self._files:
            if (held := claim(self._engine, self._inbox, path, self._worker, options, self._tuning)) is not None:
                return held
        return None

    def meanwhile(self) -> None:
        """Claim the next file and read it (one file ahead at most). A failure here is left to its turn."""
        if self._ahead is not None or self._status_map is None:
            return
        self._ahead = self.take()
        if isinstance(self._ahead, Held):
            held = self._ahead
            try:
                held.read = read_ahead(self._engine, held.path, held.options, self._status_map, self._tuning)
            except Exception as err:  # the duplicate check's query: its turn tries again
                _log.info("%s is read in its turn: %s", held.path, first_line(err))

    def close(self) -> None:
        """Let go of a file claimed ahead and not processed (the run was interrupted)."""
        if isinstance(self._ahead, Held):
            self._ahead.heartbeat.stop()
            release(self._engine, self._ahead.claim)


def stays_in_inbox(path: Path, source: str | None, err: Exception) -> FileResult:
    """The result of a file the database failed for (after its retries): the next run takes it."""
    reason = f"{file_failure(err)}; it stays in the inbox for the next run"
    return FileResult(str(path), source, FileStatus.REJECTED, reason=reason)


def release(engine: Engine, held: Claim) -> None:
    with suppress(SQLAlchemyError):  # the database is down: the lease expires by itself
        claims.finish(engine, held, ClaimOutcome.RELEASED)


class Heartbeat:
    """Renews a claim's lease every third of it until stopped, so that a slow file (or one
    claimed ahead) is not taken by another worker; a worker that dies stops renewing, and its
    lease expires."""

    def __init__(self, engine: Engine, held: Claim, lease_seconds: float) -> None:
        self._stop = threading.Event()

        def beat() -> None:
            while not self._stop.wait(lease_seconds / 3):
                try:
                    if not claims.renew(engine, held, lease_seconds):
                        _log.warning("the claim on %s was lost (its lease expired)", held.key)
                        return
                except SQLAlchemyError as err:  # a transient failure: the next beat tries again
                    _log.warning("could not renew the claim on %s: %s", held.key, err)

        self._thread = threading.Thread(target=beat, name=f"lease {held.key}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join()
