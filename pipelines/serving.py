"""`bookingest serve`: the ingest-inbox flow served from this process on a cron schedule (one machine)."""

from __future__ import annotations

import os
from pathlib import Path

from loaders.errors import DatabaseUnavailable
from pipelines.discover import UsageError
from pipelines.ingest import open_database
from pipelines.settings import Settings


def serve_inbox(inbox: str, archive: str | None, database_url: str, cron: str) -> None:
    """Check the arguments (UsageError: exit status 2), then serve until interrupted: each tick
    of `cron` is a flow run of ingest-inbox, shown in the Prefect UI as a deployment's."""
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.settings import get_current_settings

    from pipelines.inbox_flow import ingest_inbox_flow

    folder = Path(inbox)
    if not folder.is_dir():
        raise UsageError(f"the inbox {inbox} is not a folder; create it or pass another")
    try:
        CronSchedule(cron=cron)
    except ValueError:
        raise UsageError(f'--cron: {cron!r} is not a cron schedule (for example "*/15 * * * *")') from None
    try:
        open_database(database_url, Settings.load().tuning()).dispose()  # a wrong URL now, not at each run
    except DatabaseUnavailable as err:
        raise UsageError(str(err)) from None
    if not get_current_settings().api.url:  # Prefect's temporary server keeps no schedule: no run would start
        raise UsageError(
            "serve needs a Prefect server to keep its schedule (a temporary one runs nothing): start one "
            "with `prefect server start`, then set PREFECT_API_URL=http://127.0.0.1:4200/api "
            "(or `prefect config set PREFECT_API_URL=...`)"
        )
    # The served runs are child processes of this one: the URL (maybe with a password) reaches
    # them through the environment, never through Prefect's database and UI as a parameter.
    os.environ["BOOKINGEST_DATABASE_URL"] = database_url
    ingest_inbox_flow.serve(
        name="ingest-inbox",
        cron=cron,
        parameters={"inbox": str(folder.resolve()), "archive": str(Path(archive).resolve()) if archive else None},
    )
