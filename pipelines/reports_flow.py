"""The build-reports flow: the report of the previous and the current month, as a workbook and a
page in a reports folder, and its headline figures as a Prefect artifact (markdown table)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from pipelines.ingest import open_database
from pipelines.settings import Settings
from pipelines.shown import shown
from reports.excel import write_xlsx
from reports.figures import report_figures
from reports.html import write_html

HEADLINE_KEY = "build-reports-headline"  # artifact keys: lowercase letters, digits and dashes


def months_of(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first day of the previous month and the last day of the current one."""
    first = today.replace(day=1)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=31)).replace(day=1)
    return previous, following - dt.timedelta(days=1)


def headline(figures: dict[str, Any]) -> str:
    """The all-properties monthly figures as a markdown table (one line per month and currency)."""
    lines = [
        f"# Report {figures['period']['from']} to {figures['period']['to']}",
        "",
        "| month | currency | nights sold | available | occupancy | revenue | ADR | RevPAR |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in figures["monthly"]:
        if row["property"] is not None:
            continue
        cells = [row["month"], row["currency"] or "", row["nights_sold"], row["nights_available"]]
        cells += [_percent(row["occupancy"]), *(_money(row[k]) for k in ("revenue", "adr", "revpar"))]
        lines.append("| " + " | ".join(shown(str(c)).replace("|", "\\|") for c in cells) + " |")
    quality = figures["data_quality"]
    lines += ["", f"Double bookings open: {len(figures['double_bookings'])}. "
              f"Bookings without payout: {quality['bookings_without_payout']}."]  # fmt: skip
    return "\n".join(lines) + "\n"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


@flow(name="build-reports", validate_parameters=False)
def build_reports_flow(reports: str, database_url: str | None = None, today: str | None = None) -> list[str]:
    """Write report-YYYY-MM.xlsx and .html (named after the current month) to `reports` and publish
    the headline figures. `database_url` defaults to the worker's BOOKINGEST_DATABASE_URL."""
    settings = Settings.load()
    day = dt.date.fromisoformat(today) if today else dt.date.today()
    start, end = months_of(day)
    engine = open_database(database_url or settings.database_url, settings.tuning(), read_only=True)
    try:
        figures = report_figures(engine, start, end, None, day)
    finally:
        engine.dispose()
    folder = Path(reports)
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / f"report-{day:%Y-%m}.xlsx", folder / f"report-{day:%Y-%m}.html"]
    write_xlsx(figures, written[0])
    write_html(figures, written[1])
    create_markdown_artifact(key=HEADLINE_KEY, markdown=headline(figures), description="bookingest report")
    return [str(p) for p in written]
