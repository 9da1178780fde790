"""Filing a processed inbox file away: archive/YYYY/MM or rejected/, the sidecars, names that never overwrite."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import os
import shutil
from pathlib import Path

from pipelines.results import FileResult
from schemas.problems import Rejected


def reserve(folder: Path, stem: str, suffix: str) -> Path:
    """A new, empty file `stem + suffix` in `folder` (made if missing), or `stem (2) + suffix`,
    `stem (3) + suffix`, ... when the name is taken: created exclusively, so two workers filing
    files of one name at once never get the same one, and nothing is ever overwritten."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in itertools.count(1):
        candidate = folder / (f"{stem}{suffix}" if n == 1 else f"{stem} ({n}){suffix}")
        try:
            os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            continue
        return candidate
    raise AssertionError("unreachable")


def move_into(path: Path, folder: Path) -> Path:
    """Move `path` into `folder` under its name (suffixed if taken); across file systems too
    (shutil.move copies, then removes the original). FileNotFoundError if it is gone."""
    target = reserve(folder, Path(path.name).stem, Path(path.name).suffix)
    try:
        # Over the reserved empty file: rename replaces it (a copy overwrites it) atomically enough
        # that no other worker can have taken the name meanwhile.
        shutil.move(path, target)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def archive_folder(archive: Path, when: dt.datetime) -> Path:
    """ARCHIVE/YYYY/MM of the month of processing."""
    return archive / f"{when.year:04d}" / f"{when.month:02d}"


def write_sidecar(folder: Path, name: str, suffix: str, text: str) -> Path:
    """`folder/NAME + suffix` (suffixed before `suffix` if taken) holding `text`."""
    target = reserve(folder, name, suffix)
    target.write_text(text, encoding="utf-8")
    return target


def error_text(result: FileResult, original: Path, moved_to: Path, worker: str, when: dt.datetime) -> str:
    """What NAME.error.txt says: why the file was rejected, and what to do, for a person."""
    return (
        f"{original} was rejected by bookingest (worker {worker}, {when:%Y-%m-%d %H:%M} UTC).\n"
        f"\nReason: {result.reason or 'not given'}\n"
        f"Layout: {result.source or 'none detected'}\n"
        f"Filed as: {moved_to}\n"
        "\nNothing of it was loaded. Once the cause is fixed (a layout declared, the file exported again),\n"
        "move the file back into the inbox: the next run takes it.\n"
    )


def rejected_csv(rows: list[Rejected]) -> str:
    """NAME.rejected.csv: one line per problem of a quarantined row (row, column, value, reason)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["row", "column", "value", "reason"])
    writer.writerows([r.row_number, r.column or "", r.value or "", r.error] for r in rows)
    return out.getvalue()
