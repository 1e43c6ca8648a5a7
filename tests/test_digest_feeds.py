"""Private digest feeds: valid RSS and Atom of a subscription, escaped; bad tokens refused."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from paperboy.app import Deps, build_deps
from paperboy.domain.digests import (
    DigestContent,
    LinkPurpose,
    Preferences,
    Subscription,
    link_token,
)
from paperboy.domain.models import EntryRecord, PaperRecord
from paperboy.embeddings.hashing import HashingEmbedder
from paperboy.services.digest_links import digest_links
from paperboy.services.ingest import ingest
from paperboy.web.app import create_app
from tests.conftest import make_settings
from tests.support.subscribers import add_subscriber
from tests.support.web_client import DAILY, DAYS

BASE = "https://papers.example.org"
NOW = datetime(2026, 8, 21, 15, 0, tzinfo=UTC)  # Friday 11:00 in New York
ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = "<script>alert(1)</script> & $\\alpha$ \x0b]]>"


@pytest.fixture
def deps(sqlite_url: str, tmp_path: Path) -> Deps:
    settings = make_settings(
        sqlite_url, base_url=BASE, embedder="hashing", index_dir=str(tmp_path / "indexes")
    )
    built = build_deps(settings, embedder=HashingEmbedder(), clock=lambda: NOW)
    report = ingest(
        built.store, built.sources.daily_papers_files([DAILY / f"{d}.json" for d in DAYS])
    )
    assert report.rejected == 0
    record = PaperRecord(
        arxiv_id="2608.99998", title=HOSTILE, abstract=HOSTILE, code_url="javascript:x"
    )
    built.store.upsert_entries([EntryRecord(record, date(2026, 8, 21), upvote_count=999)])
    return built


@pytest.fixture
def client(deps: Deps) -> Iterator[TestClient]:
    with TestClient(create_app(deps)) as test_client:
        yield test_client


def feed_path(deps: Deps, subscription: Subscription, kind: str = "rss") -> str:
    links = digest_links(deps.settings, subscription.id)
    return (links.feed_rss if kind == "rss" else links.feed_atom).removeprefix(BASE)


def test_rss_lists_the_subscription_papers_escaped(deps: Deps, client: TestClient) -> None:
    sub = add_subscriber(deps, "reader@example.org", Preferences(max_papers=3), now=NOW)
    response = client.get(feed_path(deps, sub))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/rss+xml")
    assert response.headers["cache-control"].startswith("private")
    assert b"<script" not in response.content
    channel = ET.fromstring(response.content).find("channel")
    assert channel is not None
    items = channel.findall("item")
    links = [item.findtext("link") for item in items]
    assert links[:3] == [
        f"{BASE}/papers/2608.99998",  # 999 upvotes on Friday's list
        f"{BASE}/papers/2608.19880",
        f"{BASE}/papers/2608.16590",  # Thursday's list is in a Friday digest's window
    ]
    assert len(items) == 15 + 17 + 1  # the whole window, not max_papers: readers keep history
    assert items[0].findtext("title") == "<script>alert(1)</script> & α ]]>"
    assert "javascript:" not in response.text


def test_atom_is_valid_and_follows_the_content_preference(deps: Deps, client: TestClient) -> None:
    prefs = Preferences(content=DigestContent.TRENDING, categories=("cs.CL",))
    sub = add_subscriber(deps, "trends@example.org", prefs, now=NOW)
    response = client.get(feed_path(deps, sub, "atom"))
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") == "paperboy: your digest (trending)"
    assert root.findall(f"{ATOM}entry") == []  # the recorded lists carry no categories
    everything = add_subscriber(
        deps, "all@example.org", Preferences(content=DigestContent.TRENDING), now=NOW
    )
    entries = ET.fromstring(client.get(feed_path(deps, everything, "atom")).content)
    assert len(entries.findall(f"{ATOM}entry")) > 10


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_a_forged_or_altered_token_is_refused(deps: Deps, client: TestClient, kind: str) -> None:
    sub = add_subscriber(deps, "reader@example.org", now=NOW)
    good = link_token(deps.settings.secret_key, LinkPurpose.FEED, sub.id)
    number, signature = good.split(".")
    forged = [
        f"{number}.{'0' * len(signature)}",
        f"{int(number) + 1}.{signature}",  # moved to another subscription
        link_token(deps.settings.secret_key, LinkPurpose.MANAGE, sub.id),  # another purpose
        link_token("not-our-key", LinkPurpose.FEED, sub.id),
        "nonsense",
    ]
    for token in forged:
        response = client.get(f"/feeds/digest/{token}.{kind}")
        assert response.status_code == 404, token
        assert response.json()["error"]["code"] == "not_found"
        assert response.json()["error"]["message"].startswith("token: ")
    assert client.get(f"/feeds/digest/{good}.{kind}").status_code == 200


def test_unsubscribed_and_unconfirmed_feeds_are_gone(deps: Deps, client: TestClient) -> None:
    leaving = add_subscriber(deps, "leaving@example.org", now=NOW)
    assert client.get(feed_path(deps, leaving)).status_code == 200
    assert deps.subscriptions.unsubscribe(leaving.id, NOW)
    gone = client.get(feed_path(deps, leaving))
    assert gone.status_code == 404 and "unsubscribed" in gone.json()["error"]["message"]
    pending = add_subscriber(deps, "pending@example.org", active=False, now=NOW)
    waiting = client.get(feed_path(deps, pending))
    assert waiting.status_code == 404 and "not confirmed" in waiting.json()["error"]["message"]


def test_a_reader_that_has_the_feed_gets_304(deps: Deps, client: TestClient) -> None:
    sub = add_subscriber(deps, "reader@example.org", now=NOW)
    first = client.get(feed_path(deps, sub, "atom"))
    again = client.get(
        feed_path(deps, sub, "atom"), headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
