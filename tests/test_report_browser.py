"""The HTML report of the real corpus in a real headless Chromium (Playwright, sync API).

Skipped when Playwright or Chromium is missing, except under CI (the CI variable is set),
where a missing browser is a failure: CI must prove the page works.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from painlit.cli import app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

REAL = Path(__file__).resolve().parents[1] / "data" / "studies.yaml"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must run the browser test")
    pytest.skip(reason)


def _chromium() -> str | None:
    found = shutil.which("chromium")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
        raise  # not reached: _unavailable skips or fails
    executable = _chromium()
    if executable is None:
        _unavailable("chromium is not installed")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=executable,
                                                  args=CHROMIUM_ARGS)
        except Error as error:
            _unavailable(f"chromium does not start: {error.message.splitlines()[0]}")
            raise
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def report_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    target = tmp_path_factory.mktemp("report") / "report.html"
    result = CliRunner().invoke(app, ["--data", str(REAL), "report", "--format", "html",
                                      "--log", str(REAL.parent / "screening.yaml"),
                                      "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    return target.as_uri()


class Watched:
    """A page with its console errors, page errors and every request it made."""

    def __init__(self, browser: Browser, viewport: ViewportSize, *,
                 javascript: bool = True) -> None:
        self.context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.on("request", lambda request: self.requests.append(request.url))

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(f"console {message.type}: {message.text}")

    def open(self, url: str) -> Page:
        self.page.goto(url, wait_until="load")
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Watched]:
    watched = Watched(browser, DESKTOP)
    yield watched
    watched.close()


def _column(page: Page, index: int) -> list[str]:
    values: list[str] = page.eval_on_selector_all(
        "table.studies tbody tr",
        f"rows => rows.map(r => r.cells[{index}].getAttribute('data-sort') "
        f"?? r.cells[{index}].textContent.trim())")
    return values


def test_real_report_loads_cleanly_self_contained(desktop: Watched, report_url: str) -> None:
    page = desktop.open(report_url)
    assert desktop.errors == []
    assert desktop.requests == [report_url]  # no network, no other file
    svg = page.locator("svg.gap-map")
    assert svg.count() == 1
    assert svg.is_visible()
    box = svg.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200
    assert page.locator("p.js-only").is_visible()  # the script ran under the CSP
    assert page.get_by_role("img", name="Evidence gap map: conditions by study design"
                            ).count() == 1


def test_clicking_a_study_table_heading_sorts_the_rows(desktop: Watched,
                                                       report_url: str) -> None:
    page = desktop.open(report_url)
    years = [int(y) for y in _column(page, 1)]
    assert years == sorted(years, reverse=True)  # newest first, as written
    heading = page.locator("table.studies thead th").nth(1)
    heading.get_by_role("button").click()
    ascending = [int(y) for y in _column(page, 1)]
    assert ascending == sorted(years) and ascending != years
    assert heading.get_attribute("aria-sort") == "ascending"
    heading.get_by_role("button").click()
    assert [int(y) for y in _column(page, 1)] == sorted(years, reverse=True)
    assert heading.get_attribute("aria-sort") == "descending"
    page.locator("table.studies thead th").nth(4).get_by_role("button").click()
    sizes = [int(n) for n in _column(page, 4)]
    assert sizes == sorted(sizes)
    page.locator("table.studies thead th").nth(0).get_by_role("button").click()
    ids = _column(page, 0)
    assert ids == sorted(ids)
    assert desktop.errors == []


def test_phone_viewport_has_no_horizontal_overflow(browser: Browser, report_url: str,
                                                   tmp_path: Path) -> None:
    watched = Watched(browser, PHONE)
    try:
        page = watched.open(report_url)
        page.screenshot(path=str(tmp_path / "phone.png"))
        assert (tmp_path / "phone.png").stat().st_size > 10_000
        width = page.evaluate("document.body.scrollWidth")
        assert width <= PHONE["width"] + 2
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 2
        page.locator("#map").scroll_into_view_if_needed()
        assert page.locator("svg.gap-map").is_visible()
        assert page.locator("#map .narrow-only").is_visible()
        assert watched.errors == []
    finally:
        watched.close()


def test_the_page_reads_without_javascript(browser: Browser, report_url: str) -> None:
    watched = Watched(browser, DESKTOP, javascript=False)
    try:
        page = watched.open(report_url)
        assert page.locator("table.studies tbody tr").count() > 10
        assert page.locator("table.studies button").count() == 0
        assert not page.locator("p.js-only").is_visible()
        assert page.locator("svg.gap-map").is_visible()
        assert watched.errors == []
    finally:
        watched.close()


@pytest.fixture(scope="module")
def check_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    article = Path(__file__).resolve().parent / "fixtures" / "articles" / "source-article.txt"
    target = tmp_path_factory.mktemp("check") / "checked.html"
    result = CliRunner().invoke(app, ["--data", str(REAL), "check", str(article), "--format",
                                      "html", "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    return target.as_uri()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_checked_article_page_reads_at_phone_and_desktop_width(
        browser: Browser, check_url: str, viewport: ViewportSize, tmp_path: Path) -> None:
    watched = Watched(browser, viewport)
    try:
        page = watched.open(check_url)
        page.screenshot(path=str(tmp_path / "check.png"), full_page=True)
        assert watched.errors == []
        assert watched.requests == [check_url]  # self-contained
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 2
        marks = page.locator("mark")
        assert marks.count() > 10
        first = marks.first.bounding_box()
        finding = page.locator("#f-1").bounding_box()
        assert first is not None and finding is not None
        if viewport is DESKTOP:  # the finding sits beside its paragraph
            assert finding["x"] > first["x"] + 300
        else:  # and below it on a phone
            assert finding["y"] > first["y"]
        page.locator('a[href="#f-1"]').click()
        assert page.evaluate("location.hash") == "#f-1"
    finally:
        watched.close()


def test_the_prisma_flow_is_a_labelled_figure_that_fits_a_phone(
        browser: Browser, report_url: str) -> None:
    phone = Watched(browser, PHONE)
    try:
        page = phone.open(report_url)
        figure = page.locator("svg.prisma")
        assert figure.count() == 1 and figure.is_visible()
        box = figure.bounding_box()
        assert box is not None and 300 < box["width"] <= PHONE["width"]
        assert page.get_by_role("img", name="PRISMA 2020 flow:", exact=False).count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert phone.errors == []
    finally:
        phone.close()
