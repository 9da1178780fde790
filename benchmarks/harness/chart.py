"""Charting: log-log wall time against rows with matplotlib, from this run or from earlier results.json files."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .config import LABELS
from .measure import Run, Series
from .report import rows_label


def chart(series: list[Series], scenarios: list[Series], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(12, 6), dpi=120)
    styles = {"csv": "-", "xlsx": "--"}
    colors = plt.get_cmap("tab10")
    names = [*LABELS, "same", "changed"]
    plotted = 0
    for s_list in (series, [s for s in scenarios if s.name in ("same", "changed")]):
        groups: dict[tuple[str, str], list[Series]] = {}
        for s in s_list:
            groups.setdefault((s.name, s.kind), []).append(s)
        for (name, kind), group in groups.items():
            points = sorted((s.rows, s.median_wall_s) for s in group if s.median_wall_s)
            if not points:
                continue
            xs, ys = zip(*points, strict=True)
            marker = "s" if name in ("same", "changed") else "o"
            ax.plot(xs, ys, styles.get(kind, ":"), marker=marker, color=colors(names.index(name) % 10),
                    label=f"{group[0].label} — {kind}")  # fmt: skip
            plotted += 1
    ax.set_xscale("log")
    ax.set_yscale("log")
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    sizes = sorted({s.rows for s in series})
    if sizes:
        ax.xaxis.set_major_locator(FixedLocator(sizes))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: rows_label(round(x))))
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda y, _: f"{y:g}" if f"{y:g}"[0] in "25" else ""))
    ax.set_xlabel("rows in the export")
    ax.set_ylabel("wall time of the whole process, s (median)")
    ax.set_title("Loading an Airbnb-style export into PostgreSQL (SQLite where noted)")
    ax.grid(True, which="both", alpha=0.3)
    if plotted:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    tmp = path.with_name(path.stem + ".partial.png")
    fig.savefig(tmp)
    plt.close(fig)
    os.replace(tmp, path)


def series_from_json(path: Path) -> tuple[list[Series], list[Series]]:
    """The first-load series and the scenarios of a results.json."""
    doc = json.loads(path.read_text())

    def load(entry: dict[str, Any]) -> Series:
        runs = [Run(**r) for r in entry["runs"]]
        return Series(entry["name"], entry["label"], entry["kind"], entry["rows"], runs, entry["checks_failed"])

    return [load(e) for e in doc["results"]], [load(e) for e in doc["scenarios"]]


def combined_chart(results: list[Path], path: Path) -> None:
    """One chart of time against rows from several results.json (e.g. a 10k/100k run with every
    approach and a 1M run without the slowest)."""
    series: list[Series] = []
    scenarios: list[Series] = []
    for result in results:
        more, extra = series_from_json(result)
        series += more
        scenarios += extra
    chart(series, scenarios, path)
