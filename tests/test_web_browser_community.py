"""The community flow in a real browser, with a real SMTP server receiving the account email.

A visitor signs up, opens the verification link from the email the app sent to aiosmtpd on
127.0.0.1, submits a recent paper (fetched from a local arXiv API replaying a recorded answer,
its date moved to yesterday), upvotes it, comments with math, and finds it on /trending.
The app runs in uvicorn in a subprocess, as `paperboy serve` runs it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.http_server import RecordedServer, Reply, serve
from tests.support.live_server import (
    chromium_browser,  # noqa: F401  (the `browser` fixture)
    free_port,
    open_page,
    served_app,
    server_environment,
)
from tests.support.recorded_days import write_recorded_days
from tests.support.recordings import recorded_reply
from tests.support.smtp import SmtpSink

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

PAPER = "2104.12255"  # the recorded arXiv answer; only its dates are moved to yesterday
MATH = r"Nice bound: $\sum_{i=1}^n x_i^2 \le n$"


def recent_arxiv_answer() -> Reply:
    """The recorded export-API answer for PAPER, first published yesterday."""
    reply = recorded_reply("id_2104.12255v1_s0_m100_6ae69987ffe1.json")
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = re.sub(rb"2021-04-20T16:07:14Z", yesterday.encode(), reply.body)
    return Reply(reply.status, body, reply.headers)


@pytest.fixture
def arxiv_api() -> Iterator[RecordedServer]:
    answer = recent_arxiv_answer()
    with serve(lambda path, query: answer) as server:
        yield server


@pytest.fixture
def community_server(
    browser: Browser,
    sqlite_template: Path,
    tmp_path: Path,
    smtp_sink: SmtpSink,
    arxiv_api: RecordedServer,
) -> Iterator[str]:
    """The app over the recorded days, mailing through `smtp_sink`, asking `arxiv_api`."""
    database = write_recorded_days(sqlite_template, tmp_path / "db.sqlite3")
    port = free_port()
    env = server_environment(
        database_url=f"sqlite:///{database}",
        base_url=f"http://127.0.0.1:{port}",  # the links in the emails point here
        mail_backend="smtp",
        smtp_host=smtp_sink.host,
        smtp_port=str(smtp_sink.port),
        smtp_security="none",
        arxiv_api_url=f"{arxiv_api.base_url}/api/query",
        arxiv_request_interval="0",
        embedder="hashing",
        run_jobs="false",
    )
    with served_app(env, port) as base_url:
        yield base_url


def sign_up(page: Page, smtp_sink: SmtpSink) -> str:
    """Fill the sign-up form; the verification link from the email that arrives."""
    page.goto("/signup")
    page.get_by_label("Username", exact=True).fill("ada")
    page.get_by_label("Email", exact=True).fill("ada@example.org")
    page.get_by_label("Password", exact=True).fill("correct horse battery staple")
    page.locator("form.account-form button[type=submit]").click()
    (mail,) = smtp_sink.wait_for(1, timeout=15)
    assert mail.rcpt_tos == ("ada@example.org",)
    links = [link for link in mail.links() if "/verify-email/" in link]
    assert links, f"no verification link in: {mail.text()}"
    assert f'href="{links[0]}"' in mail.html()  # the HTML part's button opens the same link
    return links[0]


def test_member_signs_up_verifies_submits_upvotes_discusses_and_sees_it_trend(
    browser: Browser, community_server: str, smtp_sink: SmtpSink
) -> None:
    from playwright.sync_api import expect

    errors: list[str] = []
    with open_page(browser, community_server, errors) as page:
        page.set_default_timeout(15_000)
        link = sign_up(page, smtp_sink)
        assert link.startswith(community_server)
        page.goto(link)
        expect(page.locator("h1")).to_have_text("Address confirmed")

        page.goto("/submit")
        page.get_by_label("arXiv id or URL").fill(f"https://arxiv.org/abs/{PAPER}")
        page.locator(".submit-form button").click()
        expect(page.locator(f"[data-arxiv-id='{PAPER}']").first).to_be_visible()

        page.goto(f"/papers/{PAPER}")
        vote = page.locator(f"form.vote-form[data-arxiv-id='{PAPER}'] .vote-button").first
        count = int(vote.locator(".count").inner_text())
        page.evaluate("window.stillTheSamePage = true")
        vote.click()
        expect(vote).to_have_attribute("aria-pressed", "true")
        expect(vote.locator(".count")).to_have_text(str(count + 1))
        assert page.evaluate("window.stillTheSamePage === true")  # voted without a reload

        page.get_by_label("Add a comment").fill(MATH)
        page.locator("form.new-comment button").click()
        comment = page.locator(".discussion .comment").last
        expect(comment).to_contain_text("Nice bound")
        expect(comment.locator(".katex").first).to_be_visible()

        page.goto("/trending")
        card = page.locator(f"li.card[data-arxiv-id='{PAPER}']")
        expect(card).to_be_visible()
        expect(card.locator(".submitter .name")).to_have_text("ada")
        expect(card.locator(".why .recent")).to_contain_text("1")  # the upvote of the last 24 h
        expect(card.locator(".vote-button")).to_have_attribute("aria-pressed", "true")
    assert errors == []
