"""What a flow run shows in the Prefect UI: a markdown summary and a table of its files (Prefect artifacts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipelines.output import MAX_CONFLICTS_SHOWN
from pipelines.results import FileResult
from schemas.vocab import FileStatus

SUMMARY_KEY = "ingest-inbox-summary"  # artifact keys: lowercase letters, digits and dashes
FILES_KEY = "ingest-inbox-files"
LEFT_STATUS = "left in inbox"  # the table's status of a file that could not be processed


@dataclass(frozen=True)
class Left:
    """A file that could not be processed: it stays in the inbox, and the next run takes it."""

    path: str
    reason: str


@dataclass(frozen=True)
class RunTotals:
    """The figures of a run, as the markdown summary states them."""

    files: int
    loaded: int
    duplicates: int
    rejected_files: int
    rows: int
    inserted: int
    updated: int
    unchanged: int
    rejected_rows: int
    double_bookings: int

    @classmethod
    def of(cls, results: Sequence[FileResult]) -> RunTotals:
        def status(s: FileStatus) -> int:
            return sum(r.status == s for r in results)

        return cls(
            files=len(results),
            loaded=status(FileStatus.LOADED),
            duplicates=status(FileStatus.DUPLICATE),
            rejected_files=status(FileStatus.REJECTED),
            rows=sum(r.rows for r in results),
            inserted=sum(r.inserted for r in results),
            updated=sum(r.updated for r in results),
            unchanged=sum(r.unchanged for r in results),
            rejected_rows=sum(r.rejected for r in results),
            double_bookings=len(_conflicts(results)),
        )


def _conflicts(results: Sequence[FileResult]) -> list[str]:
    # Two files of one run may share a double booking: it counts once.
    return list(dict.fromkeys(c for r in results for c in r.conflicts))


def _cell(text: object) -> str:
    # A file name or reason quotes text from outside: it must not break the markdown table.
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("`", "'").replace("\n", " ").replace("\r", " ")


def summary_markdown(
    inbox: str, results: Sequence[FileResult], left: Sequence[Left] = (), failure: str | None = None
) -> str:
    """The run in a few lines: the figures, the reasons of rejected files, the first problems
    of files with rejected rows, the double bookings and the files left in the inbox."""
    t = RunTotals.of(results)
    lines = [f"# bookingest inbox run: {_cell(inbox)}", ""]
    if failure:
        lines += [f"**The run failed:** {_cell(failure)}", ""]
    lines += [
        "| files | loaded | duplicate | rejected files | rows | inserted | updated | unchanged | rejected rows | double bookings |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        f"| {t.files} | {t.loaded} | {t.duplicates} | {t.rejected_files} | {t.rows} | {t.inserted} | {t.updated} "
        f"| {t.unchanged} | {t.rejected_rows} | {t.double_bookings} |",
    ]
    if not results and not left:
        lines += ["", "No file was ready in the inbox."]
    if left:
        lines += ["", "## Left in the inbox for the next run", ""]
        lines += [f"- `{_cell(Path(x.path).name)}`: {_cell(x.reason)}" for x in left]
    rejected = [r for r in results if r.status == FileStatus.REJECTED]
    if rejected:
        lines += ["", "## Rejected files", ""]
        lines += [f"- `{_cell(Path(r.path).name)}`: {_cell(r.reason or 'no reason given')}" for r in rejected]
    with_rows = [r for r in results if r.status == FileStatus.LOADED and r.rejected]
    if with_rows:
        lines += ["", "## Rejected rows (see `bookingest rejected`)", ""]
        for r in with_rows:
            lines.append(f"- `{_cell(Path(r.path).name)}`: {r.rejected} row(s)")
            lines += [f"  - {_cell(p)}" for p in r.problems]
            if r.problems_total > len(r.problems):
                lines.append(f"  - … and {r.problems_total - len(r.problems)} more")
    conflicts = _conflicts(results)
    if conflicts:
        lines += ["", "## Double bookings (see `bookingest conflicts`)", ""]
        lines += [f"- {_cell(c)}" for c in conflicts[:MAX_CONFLICTS_SHOWN]]
        if len(conflicts) > MAX_CONFLICTS_SHOWN:
            lines.append(f"- … and {len(conflicts) - MAX_CONFLICTS_SHOWN} more")
    return "\n".join(lines) + "\n"


def files_table(results: Sequence[FileResult], left: Sequence[Left] = ()) -> list[dict[str, str | int]]:
    """One row per file, for the table artifact (with where the inbox run filed it); the files
    left in the inbox last."""
    rows: list[dict[str, str | int]] = [
        {
            "file": r.path,
            "source": r.source or "",
            "status": r.status.value,
            "rows": r.rows,
            "inserted": r.inserted,
            "updated": r.updated,
            "unchanged": r.unchanged,
            "rejected": r.rejected,
            "double_bookings": len(r.conflicts),
            "reason": r.reason or "",
            "filed_as": r.moved_to or "",
        }
        for r in results
    ]
    empty = dict.fromkeys(("rows", "inserted", "updated", "unchanged", "rejected", "double_bookings"), 0)
    rows += [
        {"file": x.path, "source": "", "status": LEFT_STATUS, **empty, "reason": x.reason, "filed_as": ""} for x in left
    ]
    return rows


def publish(inbox: str, results: Sequence[FileResult], left: Sequence[Left] = (), failure: str | None = None) -> None:
    """Both artifacts, attached to the current flow run (Prefect finds it in its context)."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    t = RunTotals.of(results)
    create_markdown_artifact(
        key=SUMMARY_KEY,
        markdown=summary_markdown(inbox, results, left, failure),
        description=f"{t.files} file(s): {t.inserted} inserted, {t.updated} updated, "
        f"{t.rejected_files} file(s) and {t.rejected_rows} row(s) rejected"
        + (f", {len(left)} left in the inbox" if left else ""),
    )
    create_table_artifact(
        key=FILES_KEY, table=files_table(results, left), description=f"the files of the run over {inbox}"
    )
