"""The SVG charts' scale: an axis top that is a round number above the highest figure, and points
and bars placed by their figure on it."""

from __future__ import annotations

import re

import pytest

from reports.charts import Chart, ChartKind, Series
from reports.sections import Kind
from reports.svg import BOTTOM, HEIGHT, TOP, nice_top, svg


@pytest.mark.parametrize(
    ("peak", "top", "step"),
    [(0, 1.0, 0.25), (7, 8, 2), (40, 40, 10), (41, 50, 10), (1234.5, 1250, 250), (1.2, 1.25, 0.25), (0.3, 0.3, 0.1)],
)
def test_the_axis_top_is_round_and_above_the_peak(peak: float, top: float, step: float) -> None:
    assert nice_top(peak) == pytest.approx((top, step))


def _chart(kind: ChartKind, values: tuple[float | None, ...], value_kind: Kind = "int") -> Chart:
    return Chart(
        "c", "A chart", kind, "Monthly", ("2025-01", "2025-02", "2025-03"), (Series("A", values),), value_kind, "n"
    )


def test_an_occupancy_over_100_percent_raises_the_axis_instead_of_being_cut() -> None:
    drawn = svg(_chart("line", (0.5, 1.2, None), "ratio"))
    assert re.findall(r">(\d+%)</text>", drawn) == ["0%", "25%", "50%", "75%", "100%", "125%"]
    heights = [float(y) for y in re.findall(r'<circle class="mark" cx="[\d.]+" cy="([\d.]+)"', drawn)]
    plot = HEIGHT - TOP - BOTTOM
    assert heights == pytest.approx([TOP + plot * (1 - 0.5 / 1.25), TOP + plot * (1 - 1.2 / 1.25)], abs=0.1)


def test_stacked_bars_pile_up_and_a_missing_figure_draws_nothing() -> None:
    chart = Chart(
        "s",
        "Stacked",
        "stacked",
        "Channels",
        ("a", "b"),
        (Series("x", (10.0, None)), Series("y", (30.0, 5.0))),
        "money",
        "EUR",
    )
    drawn = svg(chart)
    bars = [
        (float(y), float(h))
        for y, h in re.findall(r'<rect class="mark" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"', drawn)
    ]
    assert len(bars) == 3
    plot = HEIGHT - TOP - BOTTOM  # axis top 40: the pile of 10 + 30 reaches it
    (x_y, x_h), (y_y, y_h), _ = bars
    assert x_h == pytest.approx(plot * 10 / 40, abs=0.1) and y_h == pytest.approx(plot * 30 / 40, abs=0.1)
    assert y_y == pytest.approx(TOP, abs=0.1) and y_y + y_h == pytest.approx(x_y, abs=0.1)
