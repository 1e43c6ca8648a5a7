"""The site in a real browser: Debian's Chromium, driven by Playwright, against uvicorn.

The server runs in a subprocess on a free 127.0.0.1 port over a SQLite file holding real
recorded days, exactly as `paperboy serve` runs it (`create_app_from_env`).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.conftest import need
from tests.support.recorded_days import MATH_PAPER, write_recorded_days

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_serving(server: subprocess.Popen[bytes], url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with status {server.returncode}")
        try:
            httpx.get(url, timeout=1.0).raise_for_status()
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    need(CHROMIUM.exists(), f"Debian's Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "the playwright package is not installed")
        raise
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def live_server(
    browser: Browser, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL of the app served by uvicorn in a subprocess over the recorded days."""
    database = write_recorded_days(sqlite_template, tmp_path_factory.mktemp("live") / "db.sqlite3")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
    env["PAPERBOY_DATABASE_URL"] = f"sqlite:///{database}"
    command = [sys.executable, "-m", "uvicorn", "--factory", "paperboy.web.app:create_app_from_env"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(server, f"{base_url}/static/style.css")
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def console_errors() -> list[str]:
    """Errors the page logged: script failures and refused loads (CSP violations)."""
    return []


@contextmanager
def open_page(browser: Browser, base_url: str, errors: list[str], **options: Any) -> Iterator[Page]:
    """A page in a fresh browser context that records console errors into `errors`."""
    context = browser.new_context(base_url=base_url, **options)
    page = context.new_page()
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        yield page
    finally:
        context.close()


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
