"""The report as one self-contained HTML page: the tables of reports.sections and the charts of
reports.charts (inline SVG, reports.svg), styles inline, no script and no external reference, so
it opens offline, on a phone (tables scroll sideways within the page) and prints.

Jinja2 renders it with autoescaping on: every text of the figures (a guest called
<script>alert(1)</script>) is shown as its characters, never read as markup."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined

from reports.charts import Chart, charts
from reports.output_file import replacing
from reports.sections import SECTIONS, Figures, Kind, Section, cover, definitions, display
from reports.svg import colour, dashed, svg

TEMPLATE = Path(__file__).with_name("templates") / "report.html"  # package data (pyproject)
NUMERIC: frozenset[Kind] = frozenset({"int", "money", "number", "ratio"})


@dataclass
class Table:
    title: str
    headers: list[tuple[str, str]]
    rows: list[dict[str, Any]]


@dataclass
class Group:
    """A heading of the page: its charts, then its tables (the data quality tables share one)."""

    id: str
    heading: str
    charts: list[dict[str, Any]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


def css(kind: Kind) -> str:
    return "num" if kind in NUMERIC else kind


def table(section: Section, figures: Figures) -> Table:
    headers = [(c.header, css(c.kind)) for c in section.columns]
    rows = []
    for row in section.rows(figures):
        cells = [(display(value, kind), css(kind)) for value, kind in section.cells(row)]
        rows.append({"cells": cells, "marked": bool(row.get("same_day_turnover"))})
    return Table(section.title, headers, rows)


def chart_view(chart: Chart) -> dict[str, Any]:
    legend = [(s.name, colour(i), dashed(i)) for i, s in enumerate(chart.series)]
    return {"key": chart.key, "title": chart.title, "svg": svg(chart), "legend": legend}


def groups(figures: Figures) -> list[Group]:
    built: dict[str, Group] = {}
    for section in SECTIONS:
        heading = section.topic or section.sheet
        group = built.setdefault(heading, Group(heading.lower().replace(" ", "-"), heading))
        group.tables.append(table(section, figures))
    for chart in charts(figures):
        if chart.has_values:
            built[chart.sheet].charts.append(chart_view(chart))
    return list(built.values())


def render(figures: Figures) -> str:
    """The page of `figures` (reports.figures.report_figures) as text."""
    environment = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
    template = environment.from_string(TEMPLATE.read_text("utf-8"))
    facts = cover(figures)
    return template.render(
        period=facts[0][1],
        property=figures.get("property"),
        facts=facts,
        definitions=definitions(figures),
        groups=groups(figures),
        generated_at=figures.get("generated_at") or "",
    )


def write_html(figures: Figures, path: Path) -> None:
    """Write the report of `figures` to the page `path` (whole, or not at all)."""
    page = render(figures)
    with replacing(path) as temporary:
        temporary.write_text(page, encoding="utf-8")
