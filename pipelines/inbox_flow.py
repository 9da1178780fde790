"""The `ingest-inbox` Prefect flow: one task per ready file (claim, ingest, file away), each merge
under Prefect's global concurrency limit, and the run's artifacts."""

from __future__ import annotations

import socket
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import NoReturn

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from loaders.errors import DatabaseUnavailable, GaveUp, first_line, is_transient
from loaders.retry import gave_up, retrying
from pipelines import run_artifacts
from pipelines.declared import status_map_for
from pipelines.discover import FileOptions, UsageError
from pipelines.flows import _engine, _retry_if_transient, _retry_options
from pipelines.inbox_run import Inbox, process_file
from pipelines.results import FileResult
from pipelines.run_artifacts import Left
from pipelines.settings import Settings
from schemas.status_map import StatusMap
from schemas.tuning import DEFAULT_TUNING, Tuning
from schemas.vocab import FileStatus

MergeSlot = Callable[[], AbstractContextManager[object]]


class InboxRunFailed(Exception):
    """A run that could not do all its work; the message says what to do (Prefect shows it as the run's state)."""


def merge_slot(limit: str) -> MergeSlot:
    """A slot of Prefect's global concurrency limit named `limit` around each merge ("": none).
    Not strict: without the limit (`prefect gcl create NAME --limit N` was not run) Prefect logs
    a warning and the merge goes ahead; the database's merge lock still takes merges one at a time."""
    if not limit:
        return nullcontext

    def slot() -> AbstractContextManager[object]:
        from prefect.concurrency.sync import concurrency

        return concurrency(limit, occupy=1, strict=False)

    return slot


@task(
    name="ingest-inbox-file",
    **_retry_options(DEFAULT_TUNING),
    retry_condition_fn=_retry_if_transient,
    cache_policy=NO_CACHE,
    task_run_name="ingest {path}",
)
def inbox_file_task(
    path: str,
    inbox: Inbox,
    options: FileOptions,
    status_map: StatusMap | None,
    database_url: str,
    worker: str,
    tuning: Tuning,
    merge_limit: str,
) -> FileResult | None:
    """One file: claimed, ingested, filed away (pipelines.inbox_run); None when another worker
    holds it. A transient database error that escapes it (the claim's) is retried as Tuning says."""
    engine = _engine(database_url, tuning)
    return process_file(engine, inbox, Path(path), worker, options, status_map, tuning, merge_slot(merge_limit))


@flow(name="ingest-inbox", validate_parameters=False)
def ingest_inbox_flow(
    inbox: str,
    archive: str | None = None,
    database_url: str | None = None,
    rejected: str | None = None,
    settle_seconds: float | None = None,
) -> list[FileResult]:
    """Drain the inbox folder once: every file that stopped changing is claimed, ingested into
    `database_url` and moved to `archive` or `rejected`. What a parameter leaves out comes from
    the worker's settings (BOOKINGEST_DATABASE_URL, BOOKINGEST_ARCHIVE_DIR, ...; INBOX/archive
    and INBOX/rejected by default). Publishes a summary and a table of the files as artifacts;
    fails, saying what to do, when files could not be processed."""
    host = socket.gethostname()
    try:
        settings = Settings.load()
    except UsageError as err:
        raise InboxRunFailed(f"{err} on the worker {host}; fix the worker's environment and run again") from None
    url = database_url or settings.database_url
    tuning = settings.tuning()
    folders = Inbox.at(
        Path(inbox),
        _path(archive or settings.archive_dir),
        _path(rejected or settings.rejected_dir),
        settings.settle_seconds if settle_seconds is None else settle_seconds,
        settings.lease_seconds,
        settings.machine_slots,
    )
    if not folders.folder.is_dir():
        _fail(inbox, f"the inbox {inbox} is not a folder on the worker {host}; check the deployment's inbox parameter")
    try:
        engine = _engine(url, tuning)  # an unusable database fails the run once, before any file is claimed
        files, unread = folders.waiting()
        status_map = retrying(lambda: status_map_for(engine, files), tuning) if files else None
    except DatabaseUnavailable as err:
        _fail(
            inbox,
            f"{err}; check the deployment's database_url (or BOOKINGEST_DATABASE_URL on {host}) and that the database is up",
        )
    except GaveUp as err:
        _fail(inbox, f"{err}; check that the database is up and reachable from {host}")
    except UsageError as err:  # a bookingest.toml of the inbox names a layout that does not exist
        _fail(inbox, f"{err}; fix the inbox's bookingest.toml")
    worker = settings.worker_name
    ingest = inbox_file_task.with_options(**_retry_options(tuning))  # the settings' retry policy
    results = [FileResult.unread(u) for u in unread]  # what cannot be read is reported, never skipped
    left: list[Left] = []
    for path, options in files:
        state = ingest(
            str(path), folders, options, status_map, url, worker, tuning, settings.merge_limit, return_state=True
        )
        value = state.result(raise_on_failure=False)
        if isinstance(value, FileResult) and (value.moved_to or value.status is not FileStatus.REJECTED):
            results.append(value)
        elif isinstance(value, FileResult):  # the database failed it: released, still in the inbox
            left.append(Left(str(path), value.reason or "not processed"))
        elif value is not None:  # retries exhausted, or a bug
            left.append(Left(str(path), _why_left(value, tuning)))
        # None: another worker holds the file; its run reports it.
    why = _failure(left) if left else None
    run_artifacts.publish(inbox, results, left, why)
    if why:
        raise InboxRunFailed(why)
    return results


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _fail(inbox: str, why: str) -> NoReturn:
    """End a run that could not start on its files: the summary says why, and so does the run's state."""
    run_artifacts.publish(inbox, [], failure=why)
    raise InboxRunFailed(why)


def _why_left(value: object, tuning: Tuning) -> str:
    """Why a file could not be processed (it stays in the inbox), in one sentence."""
    if isinstance(value, BaseException) and is_transient(value):
        delays = tuning.retry_delays()
        return str(gave_up(value, sum(delays), len(delays) + 1))
    what = f"{type(value).__name__}: {first_line(value)}" if isinstance(value, BaseException) else str(value)
    return f"internal error ({what})"


def _failure(left: Sequence[Left]) -> str:
    first = left[0].reason
    todo = (
        "check that the database is up and reachable from the workers"
        if "database" in first
        else "report it with this run's logs"
    )
    return (
        f"{len(left)} file(s) could not be processed and stay in the inbox for the next run; "
        f"{Path(left[0].path).name}: {first}; {todo}"
    )
