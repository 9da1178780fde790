"""The build-reports flow on both databases: the workbook and the page of the previous and the
current month in the reports folder, and the headline figures as an artifact."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

from pipelines.cli import main
from pipelines.ingest import open_database
from pipelines.reports_flow import HEADLINE_KEY, build_reports_flow, months_of
from reports.figures import report_figures

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def test_the_months_are_the_previous_and_the_current_one() -> None:
    assert months_of(dt.date(2026, 1, 15)) == (dt.date(2025, 12, 1), dt.date(2026, 1, 31))
    assert months_of(dt.date(2024, 3, 1)) == (dt.date(2024, 2, 1), dt.date(2024, 3, 31))


@pytest.mark.slow
def test_build_reports_writes_both_files_and_publishes_the_headline(
    db_url: str, tmp_path: Path, prefect_harness: None
) -> None:
    assert main(["ingest", str(SAMPLES), "--db", db_url, "--no-prefect"]) == 0
    engine = open_database(db_url)
    with engine.connect() as conn:
        first = conn.exec_driver_sql("SELECT MIN(check_in) FROM bookings").scalar()
    today = dt.date.fromisoformat(str(first)[:10]) + dt.timedelta(days=20)
    state = build_reports_flow(str(tmp_path / "reports"), db_url, today.isoformat(), return_state=True)
    written = [Path(p) for p in state.result()]
    assert [p.name for p in written] == [f"report-{today:%Y-%m}.xlsx", f"report-{today:%Y-%m}.html"]
    assert "Monthly" in openpyxl.load_workbook(written[0]).sheetnames
    assert "<svg" in written[1].read_text(encoding="utf-8")

    run_id = state.state_details.flow_run_id
    assert run_id is not None
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
    markdown = {str(a.key): str(a.data) for a in found}[HEADLINE_KEY]
    start, end = months_of(today)
    totals = [r for r in report_figures(engine, start, end, None, today)["monthly"] if r["property"] is None]
    engine.dispose()
    assert totals, "the samples have stays in these months"
    for row in totals:  # each month's line states its nights sold and available
        line = next(x for x in markdown.splitlines() if x.startswith(f"| {row['month']} | {row['currency'] or ''} |"))
        assert f"| {row['nights_sold']} | {row['nights_available']} |" in line
