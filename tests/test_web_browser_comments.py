"""Comments in a real browser: XSS payloads in a comment and a display name never run script,
math in a comment is typeset by KaTeX, and the edit and delete forms work.

Chromium (Playwright) against uvicorn in a subprocess over the recorded days, with members added
through the accounts service and logged in through the real login form.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from paperboy.app import build_deps
from paperboy.config import load_settings
from tests.support.live_server import (
    chromium_browser,  # noqa: F401  (the `browser` fixture)
    open_page,
    served_app,
    server_environment,
)
from tests.support.members import PASSWORD, add_member
from tests.support.recorded_days import MATH_PAPER, write_recorded_days

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

XSS_NAME = '<img src=x onerror="window.__xss=1">"><script>window.__xss=1</script>'
XSS_COMMENT = "\n\n".join(
    [
        "<script>window.__xss=1</script>",
        "<img src=x onerror=window.__xss=1>",
        "<svg onload=window.__xss=1>",
        "[click me](javascript:window.__xss=1)",
        "[data](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)",
        "&lt;script&gt;window.__xss=1&lt;/script&gt;",
        "$a</span><img src=x onerror=window.__xss=1>$",
        "$\\href{javascript:window.__xss=1}{x}$",
        "Inline $x^2 < y$ and display $$\\sum_{i=1}^n i$$",
    ]
)


@pytest.fixture(scope="module")
def live_server(
    browser: Browser, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app over the recorded days, with a member whose display name is an XSS payload."""
    database = write_recorded_days(sqlite_template, tmp_path_factory.mktemp("live") / "db.sqlite3")
    url = f"sqlite:///{database}"
    deps = build_deps(load_settings(environ={}, database_url=url))
    add_member(deps, "mallory", display_name=XSS_NAME)
    add_member(deps, "ada")
    with served_app(server_environment(database_url=url)) as base_url:
        yield base_url


@pytest.fixture
def dialogs() -> list[str]:
    return []


@pytest.fixture
def page(browser: Browser, live_server: str, dialogs: list[str]) -> Iterator[Page]:
    errors: list[str] = []
    with open_page(browser, live_server, errors) as opened:
        opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        yield opened


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.account-form button[type=submit]").click()
    page.wait_for_load_state()


def post_comment(page: Page, body: str) -> None:
    page.goto(f"/papers/{MATH_PAPER}")
    page.fill("#new-comment", body)
    page.locator(".new-comment button[type=submit]").click()
    page.wait_for_load_state()


def assert_no_script_ran(page: Page, dialogs: list[str]) -> None:
    page.wait_for_timeout(300)  # let any injected handler (onerror, onload) have its chance
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert dialogs == []


def test_xss_in_a_comment_and_a_display_name_never_runs_and_math_renders(
    page: Page, dialogs: list[str]
) -> None:
    from playwright.sync_api import expect

    log_in(page, "mallory")
    post_comment(page, XSS_COMMENT)
    comment = page.locator(".discussion .comment").last
    expect(comment.locator(".comment-author")).to_have_text(XSS_NAME)  # shown as text
    expect(comment.locator(".katex").first).to_be_visible()
    assert comment.locator(".katex-display").count() == 1
    assert comment.locator("img, svg:not(.katex svg), script, iframe").count() == 0
    for link in comment.locator(".comment-body a").all():
        assert (link.get_attribute("href") or "").startswith(("http:", "https:", "mailto:"))
    assert_no_script_ran(page, dialogs)
    page.goto("/u/mallory")
    expect(page.locator(".profile-name")).to_have_text(XSS_NAME)
    expect(page.locator(".member-comments .katex").first).to_be_visible()
    assert_no_script_ran(page, dialogs)


def test_a_member_edits_and_deletes_their_comment_in_the_browser(
    page: Page, dialogs: list[str]
) -> None:
    from playwright.sync_api import expect

    log_in(page, "ada")
    post_comment(page, "A first thought about $E = mc^2$")
    comment = page.locator(".discussion .comment").last
    comment.locator(".edit-action summary").click()
    comment.locator(".edit-action textarea").fill("A better thought")
    comment.locator(".edit-action button[type=submit]").click()
    page.wait_for_load_state()
    edited = page.locator(".discussion .comment").last
    expect(edited.locator(".comment-body")).to_have_text("A better thought")
    expect(edited.locator(".edited")).to_be_visible()
    comment_id = edited.get_attribute("data-comment-id")
    edited.locator(".delete-form button").click()
    page.wait_for_load_state()
    expect(page.locator(f"#comment-{comment_id}")).to_have_count(0)
    assert_no_script_ran(page, dialogs)
