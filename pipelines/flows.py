"""Prefect flows over the plain ingest functions: one task per file, retries on transient errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import Engine

from loaders.errors import is_transient
from pipelines.discover import FileOptions, discover
from pipelines.ingest import ingest_file, open_database
from pipelines.results import FileResult
from schemas.vocab import FileStatus

_engines: dict[str, Engine] = {}


def _engine(url: str) -> Engine:
    if url not in _engines:
        _engines[url] = open_database(url)
    return _engines[url]


def _retry_if_transient(_task: Any, _run: Any, state: Any) -> bool:
    exc = state.data if isinstance(state.data, BaseException) else state.result(raise_on_failure=False)
    return isinstance(exc, BaseException) and is_transient(exc)


@task(
    name="ingest-file",
    retries=4,
    retry_delay_seconds=[0.5, 1, 2, 4],
    retry_condition_fn=_retry_if_transient,
    cache_policy=NO_CACHE,
    task_run_name="ingest {path}",
)
def ingest_file_task(path: str, options: FileOptions, database_url: str) -> FileResult:
    return ingest_file(_engine(database_url), Path(path), options)


@flow(name="bookingest-ingest", validate_parameters=False)
def ingest_flow(paths: list[str], database_url: str, options: FileOptions | None = None) -> list[FileResult]:
    """Ingest every file below `paths` into `database_url`, one task per file, in as-of order."""
    _engine(database_url)  # an unusable database fails the run once, not every file
    results = []
    for path, file_options in discover(paths, options or FileOptions()):
        state = ingest_file_task(str(path), file_options, database_url, return_state=True)
        value = state.result(raise_on_failure=False)
        if isinstance(value, FileResult):
            results.append(value)
        else:  # retries exhausted, or a bug: the file loaded nothing, the run goes on
            first_line = str(value).strip().splitlines()[0] if str(value).strip() else type(value).__name__
            results.append(
                FileResult(
                    str(path),
                    file_options.source,
                    FileStatus.REJECTED,
                    reason=f"failed, nothing was loaded ({first_line})",
                )
            )
    return results
