"""The inbox's functions (pipelines.inbox) as the ingest-inbox flow calls them: one place to adapt."""

from __future__ import annotations

import importlib
import os
import socket
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from pipelines.results import FileResult
from schemas.tuning import Tuning

MergeSlot = Callable[[], AbstractContextManager[object]]


@dataclass(frozen=True)
class InboxFolders:
    """Where a run reads and where it files away what it read."""

    inbox: Path
    archive: Path
    rejected: Path

    @classmethod
    def of(cls, inbox: str, archive: str | None = None, rejected: str | None = None) -> InboxFolders:
        root = Path(inbox)
        return cls(
            root, Path(archive) if archive else root / "archive", Path(rejected) if rejected else root / "rejected"
        )


def worker_name() -> str:
    """This process among the workers: its machine and process id (a flow run is one process)."""
    return f"{socket.gethostname()}-{os.getpid()}"


def _inbox() -> Any:
    # pipelines.inbox is written by the inbox work in parallel; imported when first called.
    return importlib.import_module("pipelines.inbox")


def ready(folders: InboxFolders, settle_seconds: float) -> list[Path]:
    """The inbox's files that stopped changing, in the order to process them."""
    return list(_inbox().ready_files(folders.inbox, settle_seconds))


def process(
    engine: Engine,
    folders: InboxFolders,
    path: Path,
    worker: str,
    tuning: Tuning,
    merge_slot: MergeSlot = nullcontext,
) -> FileResult | None:
    """Claim, ingest and file away one file; None when another worker holds it."""
    return _inbox().process_file(engine, folders, path, worker, tuning=tuning, merge_slot=merge_slot)
