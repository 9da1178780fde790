"""Writing an output file whole or not at all: the writers write beside the target and rename,
so a reader never opens half a report and a failed run leaves yesterday's report in place."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class OutputError(Exception):
    """The report cannot be written where asked (no such folder, no permission, a full disk)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot write the report to {self.path}: {self.reason}"


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary file beside `path` to write; it becomes `path` when the block succeeds."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(path, f"the folder {folder} does not exist")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=folder)
    except OSError as error:
        raise OutputError(path, _reason(error)) from None
    os.close(handle)
    temporary = Path(name)
    umask = os.umask(0)
    os.umask(umask)
    temporary.chmod(0o666 & ~umask)  # mkstemp's 0600 would hide the report from its readers
    try:
        yield temporary
        os.replace(temporary, path)
    except OSError as error:
        raise OutputError(path, _reason(error)) from None
    finally:
        temporary.unlink(missing_ok=True)
