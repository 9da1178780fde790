"""`bookingest report --out FILE`: the report file chosen by its suffix (.xlsx, .html)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipelines.discover import UsageError
from reports.excel import write_xlsx
from reports.html import write_html
from reports.output_file import OutputError

Writer = Callable[[dict[str, Any], Path], None]
WRITERS: dict[str, Writer] = {".xlsx": write_xlsx, ".html": write_html, ".htm": write_html}


def writer_for(out: str) -> Writer:
    """The writer of `out`'s kind, checked before the database is opened."""
    writer = WRITERS.get(Path(out).suffix.lower())
    if writer is None:
        raise UsageError(f"--out: {out!r} must end in .xlsx (Excel) or .html (a web page)")
    return writer


def write_report(writer: Writer, figures: dict[str, Any], out: str) -> None:
    try:
        writer(figures, Path(out))
    except OutputError as err:
        raise UsageError(str(err)) from None
