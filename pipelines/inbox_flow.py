"""The `ingest-inbox` Prefect flow: one task per ready file (claim, ingest, file away), each merge
under Prefect's global concurrency limit, and the run's artifacts."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from loaders.errors import DatabaseUnavailable, first_line, is_transient
from loaders.retry import gave_up
from pipelines import inbox_calls, run_artifacts
from pipelines.discover import UsageError
from pipelines.flows import _engine, _retry_if_transient, _retry_options
from pipelines.inbox_calls import InboxFolders, MergeSlot
from pipelines.results import FileResult
from pipelines.run_artifacts import Left
from pipelines.settings import Settings
from schemas.tuning import DEFAULT_TUNING, Tuning

DEFAULT_SETTLE_SECONDS = 10.0


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
    path: str, folders: InboxFolders, database_url: str, worker: str, tuning: Tuning, merge_limit: str
) -> FileResult | None:
    """One file: claimed, ingested, filed away; None when another worker holds it. A transient
    database error is raised (the file stays in the inbox) and retried as Tuning says."""
    engine = _engine(database_url, tuning)
    return inbox_calls.process(engine, folders, Path(path), worker, tuning, merge_slot(merge_limit))


@flow(name="ingest-inbox", validate_parameters=False)
def ingest_inbox_flow(
    inbox: str,
    archive: str | None = None,
    database_url: str | None = None,
    rejected: str | None = None,
    settle_seconds: float | None = None,
) -> list[FileResult]:
    """Drain the inbox folder once: every file that stopped changing is claimed, ingested into
    `database_url` (default: BOOKINGEST_DATABASE_URL of the worker) and moved to `archive`
    (default INBOX/archive) or `rejected` (default INBOX/rejected). Publishes a summary and a
    table of the files as artifacts; fails, saying what to do, when a file could not be processed."""
    host = socket.gethostname()
    try:
        settings = Settings.load()
    except UsageError as err:
        raise InboxRunFailed(f"{err} on the worker {host}; fix the worker's environment and run again") from None
    url = database_url or settings.database_url
    tuning = settings.tuning()
    folders = InboxFolders.of(inbox, archive, rejected)
    if not folders.inbox.is_dir():
        failure = f"the inbox {inbox} is not a folder on the worker {host}; check the deployment's inbox parameter"
        run_artifacts.publish(inbox, [], failure=failure)
        raise InboxRunFailed(failure)
    try:
        _engine(url, tuning)  # an unusable database fails the run once, before any file is claimed
    except DatabaseUnavailable as err:
        failure = f"{err}; check the deployment's database_url (or BOOKINGEST_DATABASE_URL on {host}) and that the database is up"
        run_artifacts.publish(inbox, [], failure=failure)
        raise InboxRunFailed(failure) from None
    settle = DEFAULT_SETTLE_SECONDS if settle_seconds is None else settle_seconds
    worker = inbox_calls.worker_name()
    ingest = inbox_file_task.with_options(**_retry_options(tuning))  # the settings' retry policy
    results: list[FileResult] = []
    left: list[Left] = []
    for path in inbox_calls.ready(folders, settle):
        state = ingest(str(path), folders, url, worker, tuning, settings.merge_limit, return_state=True)
        value = state.result(raise_on_failure=False)
        if isinstance(value, FileResult):
            results.append(value)
        elif value is not None:  # retries exhausted, or a bug
            left.append(Left(str(path), _why_left(value, tuning)))
        # None: another worker holds the file; its run reports it.
    why = _failure(left) if left else None
    run_artifacts.publish(inbox, results, left, why)
    if why:
        raise InboxRunFailed(why)
    return results


def _why_left(value: object, tuning: Tuning) -> str:
    """Why a file could not be processed (it stays in the inbox), in one sentence."""
    if isinstance(value, BaseException) and is_transient(value):
        delays = tuning.retry_delays()
        return str(gave_up(value, sum(delays), len(delays) + 1))
    what = f"{type(value).__name__}: {first_line(value)}" if isinstance(value, BaseException) else str(value)
    return f"internal error ({what})"


def _failure(left: Sequence[Left]) -> str:
    first = left[0].reason
    if first.startswith("the database"):
        todo = "check that the database is up and reachable from the workers"
    else:
        todo = "report it with this run's logs"
    return (
        f"{len(left)} file(s) could not be processed and stay in the inbox for the next run; "
        f"{Path(left[0].path).name}: {first}; {todo}"
    )
