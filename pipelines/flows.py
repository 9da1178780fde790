"""Prefect flows over the plain ingest functions: one task per file, retried on transient errors as Tuning says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import Engine

from loaders.errors import file_failure, first_line, is_transient
from loaders.retry import gave_up
from pipelines.declared import status_map_for
from pipelines.discover import FileOptions, Unread, discover
from pipelines.ingest import ingest_file, open_database
from pipelines.results import FileResult
from pipelines.settings import Settings
from schemas.tuning import DEFAULT_TUNING, Tuning
from schemas.vocab import FileStatus

_engines: dict[str, Engine] = {}


def _engine(url: str, tuning: Tuning = DEFAULT_TUNING) -> Engine:
    if url not in _engines:
        _engines[url] = open_database(url, tuning)
    return _engines[url]


def _retry_if_transient(_task: Any, _run: Any, state: Any) -> bool:
    exc = state.data if isinstance(state.data, BaseException) else state.result(raise_on_failure=False)
    return isinstance(exc, BaseException) and is_transient(exc)


def _retry_options(tuning: Tuning) -> dict[str, Any]:
    # The retry policy of loaders.retry.retrying, as Prefect's: the retries show in the flow run's
    # states, and each retries the whole file (its one transaction), as ingest_paths does.
    return {"retries": len(tuning.retry_delays()), "retry_delay_seconds": tuning.retry_delays() or 0}


@task(
    name="ingest-file",
    **_retry_options(DEFAULT_TUNING),
    retry_condition_fn=_retry_if_transient,
    cache_policy=NO_CACHE,
    task_run_name="ingest {path}",
)
def ingest_file_task(path: str, options: FileOptions, database_url: str, tuning: Tuning = DEFAULT_TUNING) -> FileResult:
    return ingest_file(_engine(database_url, tuning), Path(path), options, tuning=tuning)


@flow(name="bookingest-ingest", validate_parameters=False)
def ingest_flow(
    paths: list[str],
    database_url: str,
    options: FileOptions | None = None,
    tuning: Tuning | dict[str, Any] | None = None,
) -> list[FileResult]:
    """Ingest every file below `paths` into `database_url`, one task per file, in as-of order.
    `tuning` defaults to the settings of the process that runs the flow (a served deployment's)."""
    if tuning is None:
        tuning = Settings.load().tuning()
    elif isinstance(tuning, dict):  # a deployment's parameters arrive as JSON
        tuning = Tuning(**tuning)
    engine = _engine(database_url, tuning)  # an unusable database fails the run once, not every file
    unread: list[Unread] = []
    files = discover(paths, options or FileOptions(), unread)
    status_map_for(engine, files)  # the labels of the declared layouts, in the status map before any file
    # The decorator's retries are the default policy's; the settings may change them.
    ingest = ingest_file_task.with_options(**_retry_options(tuning))
    results = [FileResult.unread(u) for u in unread]  # what the walk could not read: rejected, said why
    for path, file_options in files:
        state = ingest(str(path), file_options, database_url, tuning, return_state=True)
        value = state.result(raise_on_failure=False)
        if isinstance(value, FileResult):
            results.append(value)
        else:  # retries exhausted, or a bug: the file loaded nothing, the run goes on
            delays = tuning.retry_delays()
            if isinstance(value, BaseException) and is_transient(value):
                reason = file_failure(gave_up(value, sum(delays), len(delays) + 1))
            else:
                reason = (
                    f"failed, nothing was loaded ({first_line(value) if isinstance(value, BaseException) else value})"
                )
            results.append(FileResult(str(path), file_options.source, FileStatus.REJECTED, reason=reason))
    return results
