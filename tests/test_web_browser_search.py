"""Search in a real browser: Debian's Chromium driven by Playwright, against uvicorn.

The server runs in a subprocess over the recorded days, indexed and embedded (hashing embedder)
by the same commands an operator runs: `paperboy index sync` and `paperboy embed`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.live_server import (
    ROOT,
    chromium_browser,  # noqa: F401  (the `browser` fixture)
    open_page,
    served_app,
)
from tests.support.recorded_days import write_recorded_days

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

ROBIX = "2509.01106"
PAPERBOY = Path(sys.executable).parent / "paperboy"


@pytest.fixture(scope="module")
def search_server(
    browser: Browser,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """The base URL of the app served by uvicorn over the recorded days, searchable."""
    folder = tmp_path_factory.mktemp("live-search")
    database = write_recorded_days(sqlite_template, folder / "db.sqlite3")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
    env.update(
        PAPERBOY_DATABASE_URL=f"sqlite:///{database}",
        PAPERBOY_INDEX_DIR=str(folder / "indexes"),
        PAPERBOY_EMBEDDER="hashing",
        PAPERBOY_RUN_JOBS="false",
    )
    for command in (["index", "sync"], ["embed"]):
        subprocess.run(
            [str(PAPERBOY), *command], env=env, cwd=ROOT, check=True, capture_output=True
        )
    with served_app(env) as base_url:
        yield base_url


def test_reader_searches_from_the_header_filters_and_opens_a_result(
    browser: Browser,
    search_server: str,
) -> None:
    from playwright.sync_api import expect

    errors: list[str] = []
    with open_page(browser, search_server, errors) as page:
        page.goto("/date/2024-12-03")
        box = page.locator("header form.header-search input[name=q]")
        box.fill("robot interaction and planning")
        box.press("Enter")
        expect(page).to_have_url(re.compile(r"/search\?q=robot\+interaction\+and\+planning$"))
        expect(page.locator("li.hit").first).to_have_attribute("data-arxiv-id", ROBIX)
        expect(page.locator(".result-count")).to_contain_text("ms")
        page.locator(".facets a", has_text="On the daily list").click()
        expect(page).to_have_url(re.compile(r"on_list=true"))
        expect(page.locator(".active-filters")).to_contain_text("On the daily list")
        page.locator(f"li.hit[data-arxiv-id='{ROBIX}'] .card-title a").click()
        expect(page).to_have_url(re.compile(rf"/papers/{re.escape(ROBIX)}$"))
        expect(page.locator("h1.paper-title")).to_contain_text("Robix")
    assert errors == []
