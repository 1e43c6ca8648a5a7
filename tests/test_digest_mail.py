"""A digest as the real SMTP server (aiosmtpd) receives it: parts, headers, links, escaping."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from paperboy.app import Deps, build_deps
from paperboy.domain.digest_schedule import Slot
from paperboy.domain.digests import Preferences, SubscriptionStatus
from paperboy.domain.models import EntryRecord, PaperRecord
from paperboy.embeddings.hashing import HashingEmbedder
from paperboy.services.digest_compose import DigestComposer
from paperboy.services.ingest import ingest
from paperboy.web.app import create_app
from tests.conftest import make_settings
from tests.support.smtp import Received, SmtpSink
from tests.support.subscribers import add_subscriber
from tests.support.web_client import DAILY, DAYS

BASE = "https://papers.example.org"
FRIDAY = "2026-08-21"
DUE = datetime(2026, 8, 21, 12, 0, tzinfo=UTC)
HOSTILE_ID = "2608.99999"
HOSTILE_TITLE = (
    'Evil <script>alert("t")</script> & $\\alpha \\leq \\beta$ \r\nBcc: victim@example.org'
)
HOSTILE_ABSTRACT = "<img src=x onerror=alert(1)> We bound it by $O(n^2)$ &amp; <b>more</b>."


@pytest.fixture
def deps(sqlite_url: str, smtp_sink: SmtpSink, tmp_path: Path) -> Deps:
    settings = make_settings(
        sqlite_url,
        base_url=BASE,
        embedder="hashing",
        index_dir=str(tmp_path / "indexes"),
        mail_backend="smtp",
        mail_from="Paper Digest <digest@papers.example.org>",
        smtp_host=smtp_sink.host,
        smtp_port=smtp_sink.port,
        smtp_security="none",
        smtp_timeout=5.0,
    )
    built = build_deps(settings, embedder=HashingEmbedder(), clock=lambda: DUE)
    report = ingest(
        built.store, built.sources.daily_papers_files([DAILY / f"{d}.json" for d in DAYS])
    )
    assert report.rejected == 0
    hostile = PaperRecord(
        arxiv_id=HOSTILE_ID,
        title=HOSTILE_TITLE,
        abstract=HOSTILE_ABSTRACT,
        authors=("Eve <eve@evil.example>", "Mallory & Co"),
        code_url="javascript:alert(1)",
    )
    built.store.upsert_entries([EntryRecord(hostile, date(2026, 8, 21), upvote_count=999)])
    return built


@pytest.fixture
def client(deps: Deps) -> Iterator[TestClient]:
    with TestClient(create_app(deps)) as test_client:
        yield test_client


def send_digest(deps: Deps, sink: SmtpSink, max_papers: int = 4) -> Received:
    subscription = add_subscriber(
        deps, "reader@example.org", Preferences(max_papers=max_papers), now=DUE
    )
    composer = DigestComposer.from_deps(deps)
    papers = composer.choose(subscription, Slot(FRIDAY, DUE), frozenset())
    mail = composer.compose(
        subscription, papers, message_id="<digest-1-2026-08-21@papers.example.org>", period=FRIDAY
    )
    deps.mailer.send(mail)
    return sink.wait_for(1)[0]


def test_the_received_mail_has_both_parts_and_the_list_headers(
    deps: Deps, smtp_sink: SmtpSink
) -> None:
    received = send_digest(deps, smtp_sink)
    message = received.message
    assert message.get_content_type() == "multipart/alternative"
    assert message["Message-ID"] == "<digest-1-2026-08-21@papers.example.org>"
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message["List-Id"] == '"paperboy digest" <digest.papers.example.org>'
    unsubscribe = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
    assert len(unsubscribe) == 1  # no mailto: nothing would read it
    assert unsubscribe[0].startswith(f"{BASE}/unsubscribe?token=")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received.rcpt_tos == ("reader@example.org",)
    text, html = received.text(), received.html()
    assert "Unsubscribe:" in text and unsubscribe[0] in text
    assert f'href="{unsubscribe[0]}"' in html and ">Unsubscribe</a>" in html
    assert "Change what you get, or pause" in text and "Change what you get, or pause" in html
    assert "<style" not in html and 'style="' in html
    prose = [line for line in text.splitlines() if "://" not in line]
    assert max(len(line) for line in prose) <= 76  # wrapped for plain-text clients
    for arxiv_id in ("2608.19880", "2608.16590"):  # the two most upvoted after the hostile one
        assert f"{BASE}/papers/{arxiv_id}" in text and f"https://arxiv.org/abs/{arxiv_id}" in html
    assert "https://github.com/google-research/envharness" in text  # its code link


def test_hostile_titles_and_abstracts_are_escaped_in_html_and_readable_in_text(
    deps: Deps, smtp_sink: SmtpSink
) -> None:
    received = send_digest(deps, smtp_sink)
    message, text, html = received.message, received.text(), received.html()
    assert message["Bcc"] is None and received.rcpt_tos == ("reader@example.org",)
    subject = message["Subject"]
    assert "\r" not in subject and "\n" not in subject
    assert subject.startswith("4 most upvoted papers — Fri 21 Aug: Evil <script>")
    assert "<script" not in html and "<img" not in html and "<b>more" not in html
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Eve &lt;eve@evil.example&gt; and Mallory &amp; Co" in html
    assert "javascript:" not in html and "javascript:" not in text
    assert 'Evil <script>alert("t")</script> & α ≤ β Bcc: victim@example.org' in text
    assert "We bound it by O(n²) &amp; <b>more</b>." in text
    assert "$" not in text.split("Paper:")[0]


def test_every_link_in_the_mail_opens_against_the_app(
    deps: Deps, smtp_sink: SmtpSink, client: TestClient
) -> None:
    received = send_digest(deps, smtp_sink)
    ours = [url for url in received.links() if url.startswith(BASE)]
    assert len([u for u in ours if "/papers/" in u]) == 4
    paths = {urlsplit(u).path for u in ours}
    assert {"/subscription", "/unsubscribe"} <= paths
    assert any(p.startswith("/feeds/digest/") and p.endswith(".rss") for p in paths)
    for url in ours:
        parts = urlsplit(url)
        response = client.get((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
    html_links = set(re.findall(r'href="(https://papers\.example\.org[^"]*)"', received.html()))
    assert html_links - {u.replace("&", "&amp;") for u in ours} <= {BASE}


def test_one_click_unsubscribe_from_the_header_works_without_login(
    deps: Deps, smtp_sink: SmtpSink, client: TestClient
) -> None:
    received = send_digest(deps, smtp_sink)
    url = re.findall(r"<(https://[^>]+)>", received.message["List-Unsubscribe"])[0]
    parts = urlsplit(url)
    response = client.post(
        f"{parts.path}?{parts.query}",
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text[:300]
    subscription = deps.subscriptions.by_email("reader@example.org")
    assert subscription is not None and subscription.status is SubscriptionStatus.UNSUBSCRIBED
