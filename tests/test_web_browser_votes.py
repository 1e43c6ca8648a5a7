"""Upvotes and submissions in a real browser: the button with JavaScript (no reload) and
without it (a form), a visitor sent to log in, and XSS in submitted text and in a submitter's
display name never running.

Chromium (Playwright) against uvicorn in a subprocess over the recorded days, with members added
through the accounts service and logged in through the real login form.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from paperboy.app import build_deps
from paperboy.config import load_settings
from paperboy.domain.models import PaperRecord
from tests.support.live_server import (
    chromium_browser,  # noqa: F401  (the `browser` fixture)
    open_page,
    served_app,
    server_environment,
)
from tests.support.members import PASSWORD, add_member
from tests.support.recorded_days import write_recorded_days

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

DAY_URL = "/date/2024-12-03"
XSS_NAME = '<img src=x onerror="window.__xss=1">"><script>window.__xss=1</script>'
XSS_SUBMISSIONS = [
    '"><script>window.__xss=1</script>',
    "javascript:window.__xss=1",
    "https://arxiv.org/abs/<img src=x onerror=window.__xss=1>",
]
RECENT = "2611.00001"  # stored with a publication time of yesterday, on no list


@pytest.fixture(scope="module")
def live_server(
    browser: Browser, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app over the recorded days, a recent unlisted paper, and two members."""
    database = write_recorded_days(sqlite_template, tmp_path_factory.mktemp("live") / "db.sqlite3")
    url = f"sqlite:///{database}"
    deps = build_deps(load_settings(environ={}, database_url=url))
    yesterday = datetime.now(UTC) - timedelta(days=1)
    deps.store.upsert_papers(
        [PaperRecord(RECENT, "A recent paper", "Its abstract.", 1, published_at=yesterday)]
    )
    add_member(deps, "mallory", display_name=XSS_NAME)
    add_member(deps, "ada")
    with served_app(server_environment(database_url=url)) as base_url:
        yield base_url


@pytest.fixture
def dialogs() -> list[str]:
    return []


@pytest.fixture
def page(browser: Browser, live_server: str, dialogs: list[str]) -> Iterator[Page]:
    with open_page(browser, live_server, []) as opened:
        opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        yield opened


@pytest.fixture
def page_without_js(browser: Browser, live_server: str) -> Iterator[Page]:
    with open_page(browser, live_server, [], java_script_enabled=False) as opened:
        yield opened


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.account-form button[type=submit]").click()
    page.wait_for_load_state()


def test_vote_button_with_javascript_updates_in_place(page: Page) -> None:
    from playwright.sync_api import expect

    log_in(page, "ada")
    page.goto(DAY_URL)
    button = page.locator("li.card").nth(2).locator(".vote-button")
    before = int(button.locator(".count").inner_text())
    page.evaluate("window.__sameDocument = true")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button.locator(".count")).to_have_text(str(before + 1))
    assert page.evaluate("window.__sameDocument") is True  # no reload
    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button.locator(".count")).to_have_text(str(before))
    assert page.evaluate("window.__sameDocument") is True


def test_vote_button_without_javascript_posts_and_comes_back(page_without_js: Page) -> None:
    page = page_without_js
    log_in(page, "ada")
    page.goto(DAY_URL)
    card = page.locator("li.card").nth(3)
    arxiv_id = card.get_attribute("data-arxiv-id")
    before = int(card.locator(".vote-button .count").inner_text())
    card.locator(".vote-button").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"{DAY_URL}#paper-{arxiv_id}")
    again = page.locator(f"li.card[data-arxiv-id='{arxiv_id}'] .vote-button")
    assert again.get_attribute("aria-pressed") == "true"
    assert int(again.locator(".count").inner_text()) == before + 1


def test_visitor_clicking_vote_is_sent_to_log_in(page: Page) -> None:
    page.goto(DAY_URL)
    page.locator("li.card").first.locator(".vote-button").click()
    page.wait_for_load_state()
    assert "/login" in page.url


def test_xss_in_submitted_text_and_submitter_name_never_runs(
    page: Page, dialogs: list[str]
) -> None:
    from playwright.sync_api import expect

    log_in(page, "mallory")
    for payload in XSS_SUBMISSIONS:
        page.goto("/submit")
        page.fill("#submit-paper", payload)
        page.locator("form.submit-form button[type=submit]").click()
        page.wait_for_load_state()
        expect(page.locator(".notice.error")).to_contain_text("paper:")
        assert page.locator("#submit-paper").input_value() == payload
    page.goto("/submit")
    page.fill("#submit-paper", f"https://arxiv.org/abs/{RECENT}")
    page.locator("form.submit-form button[type=submit]").click()
    page.wait_for_load_state()
    submitter = page.locator(f"li.card[data-arxiv-id='{RECENT}'] .submitter .name")
    expect(submitter).to_have_text(XSS_NAME)
    page.goto(f"/papers/{RECENT}")
    expect(page.locator(".lists .submitter .name")).to_have_text(XSS_NAME)
    page.wait_for_timeout(300)  # let any injected handler (onerror, onload) have its chance
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert dialogs == []


def test_paper_page_vote_updates_the_button_and_the_stats(page: Page) -> None:
    from playwright.sync_api import expect

    log_in(page, "ada")
    page.goto("/papers/2411.19477")
    button = page.locator(".paper-vote .vote-button")
    before = int(button.locator(".count").inner_text())
    button.click()
    expect(button.locator(".count")).to_have_text(str(before + 1))
    expect(page.locator(".stats .upvotes .text")).to_have_text(f"{before + 1} upvotes")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
