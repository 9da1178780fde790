"""What the CLI prints: tables (rich on a terminal, plain aligned text otherwise), the run summary, the progress bar."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from typing import Any, TextIO

from pipelines.results import FileResult
from pipelines.shown import shown
from schemas.vocab import FileStatus

MAX_CONFLICTS_SHOWN = 20  # double bookings in the text summary; --json and `bookingest conflicts` list all
MAX_NAMES_SHOWN = 10  # new properties per file in the text summary; --json lists all
_COLUMNS = ("file", "source", "status", "rows", "inserted", "updated", "unchanged", "rejected")


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO, right: Collection[int] = ()) -> None:
    """A table of text cells, the columns numbered in `right` right-aligned. A person at a
    terminal gets a rich table; a pipe or a file gets plain columns two spaces apart, one line
    per row, which scripts (and the tests) read."""
    if out.isatty():
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(show_edge=False)
        for i, name in enumerate(header):
            table.add_column(shown(name, cell=True), justify="right" if i in right else "left", overflow="fold")
        for cells in rows:
            table.add_row(*(Text(shown(c, cell=True)) for c in cells))  # Text: a "[" in a cell is no markup
        Console(file=out, highlight=False).print(table)
        return
    header, rows = [shown(h, cell=True) for h in header], [[shown(c, cell=True) for c in r] for r in rows]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    for cells in (header, ["-" * w for w in widths], *rows):
        line = "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )
        out.write(line.rstrip() + "\n")


def print_summary(results: Sequence[FileResult], output: TextIO) -> None:
    """A table, one line per file, then the double bookings, the reasons and the first rejected rows."""
    out = Shown(output)  # every path, name, reason and note quotes text from the files
    rows = [[r.path, r.source or "-", r.status.value, *(str(getattr(r, c)) for c in _COLUMNS[3:])] for r in results]
    print_table(_COLUMNS, rows, output, right=range(3, len(_COLUMNS)))
    by_status = Counter(r.status.value for r in results)
    out.write(
        f"\n{len(results)} file(s): "
        + ", ".join(f"{n} {s}" for s, n in sorted(by_status.items()))
        + f"; {sum(r.inserted for r in results)} inserted, {sum(r.updated for r in results)} updated, "
        f"{sum(r.unchanged for r in results)} unchanged, {sum(r.rejected for r in results)} row(s) rejected\n"
    )
    conflicts = list(dict.fromkeys(c for r in results for c in r.conflicts))
    if conflicts:
        out.write(f"\nDOUBLE BOOKINGS involving these files ({len(conflicts)}); see `bookingest conflicts`:\n")
        out.writelines(f"  {c}\n" for c in conflicts[:MAX_CONFLICTS_SHOWN])
        if len(conflicts) > MAX_CONFLICTS_SHOWN:
            # A file with many overlaps printed tens of thousands of lines here.
            out.write(f"  … and {len(conflicts) - MAX_CONFLICTS_SHOWN} more; see `bookingest conflicts`\n")
    for r in results:
        if r.new_properties:  # a name seen for the first time: a house, or an alias still to declare?
            shown = ", ".join(r.new_properties[:MAX_NAMES_SHOWN])
            more = (
                f" and {len(r.new_properties) - MAX_NAMES_SHOWN} more"
                if len(r.new_properties) > MAX_NAMES_SHOWN
                else ""
            )
            out.write(
                f"\n{r.path}: {len(r.new_properties)} new propert{'y' if len(r.new_properties) == 1 else 'ies'}: {shown}{more}\n"
            )
        out.writelines(f"\n{r.path}: {note}\n" for note in r.notes)
        if r.status is FileStatus.REJECTED and r.reason:
            out.write(f"\n{r.path}: rejected: {r.reason}\n")
        elif r.problems:
            out.write(f"\n{r.path}: {r.rejected} row(s) rejected; each reason is in the rejected_rows table:\n")
            out.writelines(f"  {p}\n" for p in r.problems)
            if r.problems_total > len(r.problems):
                out.write(f"  ... and {r.problems_total - len(r.problems)} more\n")
    if any(r.dry_run for r in results):
        # Each file's transaction is rolled back, so a file does not see the ones before it.
        alone = " (each file checked against the database as it is, without the files before it)"
        out.write(
            f"\nDRY RUN: nothing was written; a real run now would report the above{alone if len(results) > 1 else ''}\n"
        )


class Shown:
    """Writes to `out` what it is given as `shown` prints it."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(shown(text))

    def writelines(self, lines: Iterable[str]) -> None:
        self.out.writelines(shown(line) for line in lines)


class Progress:
    """A progress bar on stderr for runs of several files, when a person is watching."""

    def __init__(self, total: int) -> None:
        self.enabled = total > 1 and sys.stderr.isatty()
        self.total = total
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.progress import Progress as Bar

            self._progress = Bar(transient=True)
            self._progress.start()
            self._task = self._progress.add_task("ingesting", total=self.total)
        return self

    def advance(self, result: object) -> None:
        if self._progress is not None and self._task is not None:
            from rich.markup import escape

            path = escape(shown(getattr(result, "path", ""), cell=True))  # rich reads markup in a description
            self._progress.update(self._task, advance=1, description=f"ingesting {path}")

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
