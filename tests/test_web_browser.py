"""The site in a real browser: Debian's Chromium, driven by Playwright, against uvicorn.

The server runs in a subprocess on a free 127.0.0.1 port over a SQLite file holding real
recorded days, exactly as `paperboy serve` runs it (`create_app_from_env`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.live_server import (
    chromium_browser,  # noqa: F401  (the `browser` fixture)
    open_page,
    served_app,
    server_environment,
)
from tests.support.recorded_days import MATH_PAPER, write_recorded_days

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(
    browser: Browser,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """The base URL of the app served by uvicorn in a subprocess over the recorded days."""
    database = write_recorded_days(sqlite_template, tmp_path_factory.mktemp("live") / "db.sqlite3")
    with served_app(server_environment(database_url=f"sqlite:///{database}")) as base_url:
        yield base_url


@pytest.fixture
def console_errors() -> list[str]:
    """Errors the page logged: script failures and refused loads (CSP violations)."""
    return []


@pytest.fixture
def page(browser: Browser, live_server: str, console_errors: list[str]) -> Iterator[Page]:
    with open_page(browser, live_server, console_errors) as opened:
        yield opened


@pytest.fixture
def page_without_js(
    browser: Browser, live_server: str, console_errors: list[str]
) -> Iterator[Page]:
    with open_page(browser, live_server, console_errors, java_script_enabled=False) as opened:
        yield opened


def test_reader_goes_to_the_previous_day_and_reads_rendered_math(
    page: Page, console_errors: list[str]
) -> None:
    from playwright.sync_api import expect

    page.goto("/")
    expect(page.locator(".period-title")).to_have_text("Thu, Sep 4, 2025")  # the latest list
    page.locator(".period-nav a[rel=prev]").click()
    expect(page).to_have_url(re.compile(r"/date/2024-12-03$"))
    page.locator(f"li.card[data-arxiv-id='{MATH_PAPER}'] .card-title a").click()
    expect(page).to_have_url(re.compile(rf"/papers/{re.escape(MATH_PAPER)}$"))
    math = page.locator(".abstract-section .katex")
    expect(math.first).to_be_visible()
    assert "gen" in math.first.inner_text()  # p_{gen}, typeset
    assert console_errors == []


def test_abstract_opens_without_javascript(page_without_js: Page) -> None:
    from playwright.sync_api import expect

    page_without_js.goto("/date/2024-12-03")
    card = page_without_js.locator(f"li.card[data-arxiv-id='{MATH_PAPER}']")
    abstract = card.locator(".abstract-text")
    expect(abstract).to_be_hidden()
    card.locator("summary").click()
    expect(abstract).to_be_visible()
    expect(abstract).to_contain_text("$P(final output is incorrect)")  # raw, still readable
    assert page_without_js.locator(".katex").count() == 0


@pytest.mark.parametrize("url", ["/date/2024-12-03", f"/papers/{MATH_PAPER}", "/date/2030-01-01"])
def test_pages_fit_a_phone_screen(page: Page, console_errors: list[str], url: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert console_errors == []


def test_dark_mode_follows_the_system(browser: Browser, live_server: str) -> None:
    errors: list[str] = []
    brightness = {}
    for scheme in ("light", "dark"):
        with open_page(browser, live_server, errors, color_scheme=scheme) as page:
            page.goto("/")
            color = page.evaluate("getComputedStyle(document.body).backgroundColor")
            red, green, blue = (int(part) for part in re.findall(r"\d+", color)[:3])
            brightness[scheme] = (red + green + blue) / 3
    assert brightness["light"] > 200
    assert brightness["dark"] < 60
    assert errors == []
