"""What a run reports per file: the lines of the summary table and of --json."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from pipelines.discover import Unread
from schemas.problems import Rejected
from schemas.vocab import FileStatus

MAX_PROBLEMS_SHOWN = 20  # per file in the summary; all of them are in rejected_rows


@dataclass
class FileResult:
    """One line of the run summary."""

    path: str
    source: str | None
    status: FileStatus
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0  # rows quarantined (distinct rows, each may have several problems)
    reason: str | None = None  # why a whole file was rejected or skipped, in one sentence
    problems: list[str] = field(default_factory=list)  # the first rejected-row problems, readable
    problems_total: int = 0
    conflicts: list[str] = field(default_factory=list)  # double bookings involving this file's bookings
    # How its rows were merged (first_load, staged_merge, known_rows): a means, not an outcome,
    # so two results that differ only in it are equal.
    strategy: str | None = field(default=None, compare=False)
    notes: list[str] = field(default_factory=list)  # what was done to read it, e.g. text repaired
    new_properties: list[str] = field(default_factory=list)  # properties its names created
    dry_run: bool = False  # read, checked and merged as a real run would, then rolled back
    # The source_files id of a loaded file, or of the file a duplicate repeats (None otherwise, and
    # for a dry run): an id, not an outcome.
    file_id: int | None = field(default=None, compare=False)
    moved_to: str | None = None  # where an inbox run filed it (archive or rejected folder)
    # Seconds per phase (loaders.merge_lock.Timings: read, waited, locked, total, locked_fraction):
    # a measurement, not an outcome, so two results that differ only in it are equal.
    timings: dict[str, float] = field(default_factory=dict, compare=False)

    @classmethod
    def unread(cls, entry: Unread) -> FileResult:
        """A file or folder that a walk found but could not read: rejected, with the reason."""
        return cls(str(entry.path), None, FileStatus.REJECTED, reason=entry.reason)

    @classmethod
    def internal_error(cls, path: object, source: str | None, err: Exception) -> FileResult:
        """A file whose load a bug ended: rejected, with what to do; the run's other files go on."""
        reason = f"internal error, nothing was loaded; please report it ({type(err).__name__}: {err})"
        return cls(str(path), source, FileStatus.REJECTED, reason=reason)

    def to_json(self) -> dict[str, object]:
        out = asdict(self)
        out["status"] = self.status.value
        return out


def describe(r: Rejected) -> str:
    """A rejected row's problem as the summary lists it."""
    where = f"row {r.row_number}" + (f", {r.column}" if r.column else "")
    return f"{where}: {r.error}"
