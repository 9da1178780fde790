"""The report's charts (reports.charts) as inline SVG: lines, grouped and stacked columns, drawn
here rather than by a charting library (pygal would be a dependency for four charts, matplotlib
tens of megabytes and a font cache). No script, no external reference; every text escaped.
Each mark (bar, point) is of class "mark" and carries a <title> a browser shows on hover."""

from __future__ import annotations

import math
from collections.abc import Callable

from markupsafe import Markup, escape

from reports.charts import Chart
from reports.sections import Kind

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 28, 40
# Okabe-Ito, readable by the colour-blind, then a darker set; series past both repeat dashed.
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
    "#6A3D9A", "#B15928", "#1B9E77", "#666666",
)  # fmt: skip


Scale = Callable[[float], float]  # a value -> its height in the drawing


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def dashed(index: int) -> bool:
    return (index // len(PALETTE)) % 2 == 1


def axis_label(value: float, kind: Kind) -> str:
    if kind == "ratio":
        return f"{value:.0%}"
    return f"{value:,.0f}" if value >= 10 or value == 0 else f"{value:,.1f}"


def nice_top(peak: float) -> tuple[float, float]:
    """The axis top and step: the smallest step of 1, 2, 2.5 or 5 x 10^k that reaches `peak` in
    at most 5 steps."""
    if peak <= 0:
        return 1.0, 0.25
    raw = peak / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return step * math.ceil(peak / step), step


def _peak(chart: Chart) -> float:
    if chart.kind == "stacked":
        sums = [sum(s.values[i] or 0 for s in chart.series) for i in range(len(chart.categories))]
        return max(sums, default=0.0)
    peak = max((v for s in chart.series for v in s.values if v is not None), default=0.0)
    # A ratio's axis is 0-100 %, or higher when a double booking sold more nights than there were.
    return max(peak, 1.0) if chart.value_kind == "ratio" else peak


def _axes(chart: Chart, top: float, step: float, y: Scale) -> list[str]:
    parts = []
    ticks = round(top / step)
    for i in range(ticks + 1):
        value = step * i
        at = y(value)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{at:.1f}" y2="{at:.1f}"/>')
        label = escape(axis_label(value, chart.value_kind))
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{at + 4:.1f}" text-anchor="end">{label}</text>')
    band = (WIDTH - LEFT - RIGHT) / max(len(chart.categories), 1)
    every = max(1, math.ceil(len(chart.categories) / 6))  # 6 labels fit under the axis, even on a phone
    for i, category in enumerate(chart.categories):
        if i % every == 0:
            x = LEFT + band * (i + 0.5)
            y_label = HEIGHT - BOTTOM + 16
            parts.append(f'<text class="tick" x="{x:.1f}" y="{y_label}" text-anchor="middle">{escape(category)}</text>')
    parts.append(f'<text class="axis" x="4" y="14">{escape(chart.axis)}</text>')
    return parts


def _title(series: str, category: str, value: float | None, kind: Kind) -> Markup:
    shown = "no figure" if value is None else (f"{value:.1%}" if kind == "ratio" else f"{value:,}")
    return escape(f"{series}, {category}: {shown}")


def _columns(chart: Chart, y: Scale) -> list[str]:
    parts = []
    band = (WIDTH - LEFT - RIGHT) / max(len(chart.categories), 1)
    stacked = chart.kind == "stacked"
    width = band * 0.7 / (1 if stacked else max(len(chart.series), 1))
    for i, category in enumerate(chart.categories):
        base = 0.0
        for j, series in enumerate(chart.series):
            value = series.values[i]
            if value is None:
                continue
            low, high = (base, base + value) if stacked else (0.0, value)
            base = high if stacked else base
            x = LEFT + band * i + band * 0.15 + (0 if stacked else j * width)
            y_high, y_low = y(high), y(low)
            tip = _title(series.name, category, value, chart.value_kind)
            parts.append(
                f'<rect class="mark" x="{x:.1f}" y="{y_high:.1f}" width="{width:.1f}" '
                f'height="{max(y_low - y_high, 0.5):.1f}" fill="{colour(j)}"><title>{tip}</title></rect>'
            )
    return parts


def _lines(chart: Chart, y: Scale) -> list[str]:
    parts = []
    band = (WIDTH - LEFT - RIGHT) / max(len(chart.categories), 1)
    for j, series in enumerate(chart.series):
        dash = ' stroke-dasharray="6 3"' if dashed(j) else ""
        segment: list[str] = []
        points = []
        for i, value in enumerate([*series.values, None]):
            if value is None:
                if len(segment) > 1:
                    parts.append(f'<polyline class="line" points="{" ".join(segment)}" stroke="{colour(j)}"{dash}/>')
                segment = []
                continue
            x, at = LEFT + band * (i + 0.5), y(value)
            segment.append(f"{x:.1f},{at:.1f}")
            tip = _title(series.name, chart.categories[i], value, chart.value_kind)
            points.append(
                f'<circle class="mark" cx="{x:.1f}" cy="{at:.1f}" r="3" fill="{colour(j)}"><title>{tip}</title></circle>'
            )
        parts.extend(points)
    return parts


def svg(chart: Chart) -> Markup:
    """The chart as an <svg> element that scales to its container's width."""
    top, step = nice_top(_peak(chart))
    height = HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + height * (1 - min(value, top) / top)

    marks = _lines(chart, y) if chart.kind == "line" else _columns(chart, y)
    label = escape(chart.title)
    body = "".join([*_axes(chart, top, step, y), *marks])
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{label}" '
        f'preserveAspectRatio="xMidYMid meet">{body}</svg>'
    )
