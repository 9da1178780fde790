"""The report page in a real browser: Debian's headless Chromium, driven by Playwright, opens the
file and draws every chart, asks for nothing but the file, logs no error, fits a phone's width
and prints. Screenshots are saved (their paths printed: pytest -s shows them).

Playwright's own browser download is not used (it needs the network); `chromium` comes from the
system (.ci/run and the CI workflow install it). Missing, the tests skip, and fail in CI."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from databases import REQUIRE_PG

from reports.charts import charts
from reports.html import write_html

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def page_url(figures: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("page") / "report.html"
    write_html(figures, path)
    return path.as_uri()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if CHROMIUM is None:
        message = "chromium is not installed (apt-get install chromium)"
        if REQUIRE_PG:  # as for PostgreSQL: in CI a missing browser fails instead of skipping
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # A persistent context is how Playwright takes a user data dir: a fresh one per run.
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
        )
        yield context
        context.close()


class Watched:
    """A page with every request it made and every console error or uncaught exception."""

    def __init__(self, browser: Any, url: str, viewport: dict[str, int] | None = None) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page()
        if viewport:
            self.page.set_viewport_size(viewport)
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", self._dialog)
        self.page.goto(url, wait_until="load")

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def screenshot(self, path: Path) -> Path:
        self.page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        return path


def test_every_chart_renders_and_nothing_else_is_fetched(
    browser: Any, page_url: str, figures: dict[str, Any], tmp_path: Path
) -> None:
    watched = Watched(browser, page_url)
    expected = [c for c in charts(figures) if c.has_values]
    shown = watched.page.locator("figure.chart")
    assert shown.count() == len(expected) == 6
    for i, chart in enumerate(expected):
        figure = shown.nth(i)
        assert figure.get_attribute("data-chart") == chart.key
        box = figure.locator("svg").bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100, chart.key
        marks = figure.locator("svg .mark")
        assert marks.count() == sum(v is not None for s in chart.series for v in s.values), chart.key
        drawn = marks.evaluate_all(
            "ms => ms.filter(m => { const b = m.getBBox(); return b.width > 0 && b.height > 0 }).length"
        )
        assert drawn == marks.count(), chart.key
    assert watched.requests == [page_url]
    assert watched.errors == []
    assert watched.screenshot(tmp_path / "report-desktop.png").stat().st_size > 10_000
    watched.page.close()


def test_a_guest_called_script_is_text_not_a_script(browser: Any, page_url: str) -> None:
    watched = Watched(browser, page_url)
    assert watched.page.locator("script").count() == 0
    cell = watched.page.get_by_role("cell", name="<script>alert(1)</script>", exact=True)
    assert cell.count() >= 1 and cell.first.inner_text() == "<script>alert(1)</script>"
    assert watched.dialogs == []
    watched.page.close()


def test_a_phone_has_no_sideways_scrolling_of_the_page(browser: Any, page_url: str, tmp_path: Path) -> None:
    watched = Watched(browser, page_url, PHONE)
    widths = watched.page.evaluate(
        "() => ({ body: document.body.scrollWidth, page: document.documentElement.scrollWidth, view: window.innerWidth })"
    )
    assert widths["view"] == PHONE["width"]
    assert widths["body"] <= widths["view"] and widths["page"] <= widths["view"], widths
    # The wide tables scroll inside their own box instead.
    scrolls = watched.page.locator("div.table-scroll").first.evaluate("d => d.scrollWidth > d.clientWidth")
    assert scrolls is True
    box = watched.page.locator("figure.chart svg").first.bounding_box()
    assert box is not None and 0 < box["width"] <= PHONE["width"]
    assert watched.errors == [] and watched.requests == [page_url]
    watched.screenshot(tmp_path / "report-phone.png")
    watched.page.close()


def test_it_prints(browser: Any, page_url: str, tmp_path: Path) -> None:
    watched = Watched(browser, page_url)
    watched.page.emulate_media(media="print")
    assert watched.page.locator("nav").is_hidden()
    pdf = tmp_path / "report.pdf"
    watched.page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
    assert watched.requests == [page_url]
    watched.page.close()
