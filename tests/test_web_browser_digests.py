"""The digest, end to end in a real browser: subscribe from the front page's box, confirm from
the link in the email a real SMTP server received, run the digest job, get the digest, and
unsubscribe with its link.

Chromium (Playwright) against uvicorn in a subprocess over the recorded days, mail over SMTP to
an aiosmtpd sink in this process. The digest job runs here (`run_digests`, what `paperboy
digest run` calls) at a moment of the recorded days, so the digest has real papers in it. Every
wait is bounded (the sink's 10 s, Playwright's 10 s), so a broken step fails instead of hanging.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
import pytest

from paperboy.app import Deps, build_deps
from paperboy.config import load_settings
from paperboy.domain.digests import SubscriptionStatus
from paperboy.services.digest_links import digest_links
from paperboy.services.digest_outbox import run_digests
from tests.support.live_server import (
    chromium_browser,  # noqa: F401  (the `browser` fixture)
    free_port,
    open_page,
    served_app,
    server_environment,
)
from tests.support.recorded_days import write_recorded_days
from tests.support.smtp import SmtpSink, running_sink

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

READER = "reader@example.org"
SECRET = "a-test-secret-shared-by-the-server-and-the-digest-job"
# Tuesday 2024-12-03, 08:00 in New York (the default schedule): a slot whose window holds
# the recorded lists of Monday 2024-12-02 and Tuesday 2024-12-03.
SLOT_DUE_AT = datetime(2024, 12, 3, 13, 0, tzinfo=UTC)
RUN_AT = datetime(2024, 12, 3, 13, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def sink() -> Iterator[SmtpSink]:
    with running_sink() as running:
        yield running


@pytest.fixture(scope="module")
def site(
    browser: Browser,
    sink: SmtpSink,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Deps]]:
    """The served app's base URL, and deps over the same database and mail settings."""
    database = write_recorded_days(sqlite_template, tmp_path_factory.mktemp("live") / "db.sqlite3")
    port = free_port()
    settings = {
        "database_url": f"sqlite:///{database}",
        "base_url": f"http://127.0.0.1:{port}",
        "secret_key": SECRET,
        "mail_backend": "smtp",
        "smtp_host": sink.host,
        "smtp_port": str(sink.port),
        "smtp_security": "none",
        "smtp_timeout": "5",
    }
    deps = build_deps(load_settings(environ=server_environment(**settings)))
    with served_app(server_environment(**settings), port) as base_url:
        yield base_url, deps


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_subscribe_confirm_receive_and_unsubscribe(
    browser: Browser, site: tuple[str, Deps], sink: SmtpSink
) -> None:
    base_url, deps = site
    errors: list[str] = []
    with open_page(browser, base_url, errors) as page:
        page.set_default_timeout(10_000)
        page.goto("/")
        box = page.locator("aside.subscribe-box form")
        box.locator("input[name=email]").fill(READER)
        box.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "Check your inbox"
        assert sink.wait_for(1)[0].rcpt_tos == (READER,)

        subscription = deps.subscriptions.by_email(READER)
        assert subscription is not None and subscription.status is SubscriptionStatus.PENDING
        links = digest_links(deps.settings, subscription.id)
        confirm_link = next(
            link for link in sink.messages[0].links() if "/subscribe/confirm" in link
        )
        assert confirm_link == links.confirm
        pending_run = run_digests(deps, now=RUN_AT, connections=1)
        assert (pending_run.counts.planned, pending_run.counts.sent) == (0, 0)  # not confirmed
        page.goto(local(confirm_link))
        assert deps.subscriptions.by_email(READER) == subscription  # opening alone changes nothing
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "You are subscribed"
        confirmed = deps.subscriptions.by_email(READER)
        assert confirmed is not None and confirmed.status is SubscriptionStatus.ACTIVE

        # as if confirmed before the recorded Tuesday: due at its 08:00 slot that day
        deps.subscriptions.update_preferences(
            confirmed.id, confirmed.preferences, RUN_AT, SLOT_DUE_AT
        )
        report = run_digests(deps, now=RUN_AT, connections=1)
        assert report.counts.sent == 1, report
        digest = sink.wait_for(2)[1]
        assert digest.rcpt_tos == (READER,)
        assert digest.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert links.unsubscribe in digest.links() and links.unsubscribe in digest.html()
        paper_links = [link for link in digest.links() if "/papers/" in link]
        assert paper_links, digest.text()
        page.goto(local(paper_links[0]))  # the digest's paper link opens the paper page
        assert page.locator("h1").count() >= 1

        page.goto(local(links.unsubscribe))
        assert deps.subscriptions.by_email(READER) is not None
        page.get_by_role("button", name="Unsubscribe").click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "You are unsubscribed"
    gone = deps.subscriptions.by_email(READER)
    assert gone is not None and gone.status is SubscriptionStatus.UNSUBSCRIBED
    assert errors == []
    # the header's one-click URL answers a mail client's POST too (idempotent)
    header = str(digest.message["List-Unsubscribe"])
    https_url = header.split(",")[0].strip().strip("<>")
    answer = httpx.post(https_url, data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert answer.status_code == 200
    assert run_digests(deps, now=RUN_AT, connections=1).counts.sent == 0
