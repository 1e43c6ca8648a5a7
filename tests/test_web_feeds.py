"""RSS and Atom feeds of daily lists: valid (feedparser, bozo false), in list order, escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import feedparser
import pytest
from fastapi.testclient import TestClient

from paperboy.domain.models import EntryRecord, PaperRecord, Submitter
from paperboy.services.ports import PaperStore
from tests.support.web_client import BASE_URL, client_for, loaded_deps, recorded

DAY = "2026-08-21"
FEEDS = [
    "/feeds/daily.rss",
    "/feeds/daily.atom",
    f"/feeds/date/{DAY}.rss",
    f"/feeds/date/{DAY}.atom",
]
HOSTILE = "<script>alert(1)</script> & <b>bold</b> \x0c"
HOSTILE_DAY = date(2026, 8, 22)


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    with client_for(loaded_deps(sqlite_url)) as test_client:
        yield test_client


def parsed(client: TestClient, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, response.text
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def upvote_order(day: str) -> list[str]:
    """The recorded list's ids, most upvoted first (the API's and the feed's order)."""
    items = sorted(recorded(day), key=lambda i: i["paper"]["upvotes"], reverse=True)
    return [item["paper"]["id"] for item in items]


def add_hostile_entry(store: PaperStore) -> None:
    paper = PaperRecord(
        "2608.99999",
        title=f"A title with {HOSTILE}",
        abstract=f"An abstract with {HOSTILE}",
        authors=("Ann <Author>", "Bob & Co"),
        categories=("cs.LG", "cs.CL"),
        code_url="https://github.com/example/repo?a=1&b=2",
        project_url="javascript:alert(document.cookie)",
    )
    submitted = datetime(2026, 8, 22, 9, 0, tzinfo=UTC)
    store.upsert_entries([EntryRecord(paper, HOSTILE_DAY, Submitter("someone"), submitted, 7)])


@pytest.mark.parametrize("path", FEEDS)
def test_feed_is_valid_with_every_paper_in_list_order(client: TestClient, path: str) -> None:
    feed = parsed(client, path)
    expected = upvote_order(DAY)
    assert [entry.link for entry in feed.entries] == [f"{BASE_URL}/papers/{i}" for i in expected]
    assert [entry.id for entry in feed.entries] == [entry.link for entry in feed.entries]


@pytest.mark.parametrize("path", FEEDS)
def test_feed_item_has_authors_date_and_description(client: TestClient, path: str) -> None:
    first = parsed(client, path).entries[0]
    original = next(o for o in recorded(DAY) if o["paper"]["id"] == upvote_order(DAY)[0])
    assert first.title == original["paper"]["title"]
    assert [a["name"] for a in first.authors] == [a["name"] for a in original["paper"]["authors"]]
    assert first.published_parsed[:3] == (2026, 8, 21)
    assert "163 upvotes" in first.summary
    assert original["paper"]["githubRepo"] in first.summary
    assert original["paper"]["summary"][:60] in first.summary


@pytest.mark.parametrize("path", FEEDS)
def test_feed_channel_names_itself_and_its_page(client: TestClient, path: str) -> None:
    feed = parsed(client, path).feed
    links = {link.rel: link.href for link in feed.links}
    assert links["self"] == BASE_URL + path
    expected_page = f"{BASE_URL}/" if "daily" in path else f"{BASE_URL}/date/{DAY}"
    assert links["alternate"] == expected_page
    assert feed.title.startswith("paperboy")
    assert feed.updated_parsed[:3] == (2026, 8, 21)


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        (".rss", "application/rss+xml; charset=utf-8"),
        (".atom", "application/atom+xml; charset=utf-8"),
    ],
)
def test_feed_content_type(client: TestClient, path: str, content_type: str) -> None:
    assert client.get(f"/feeds/daily{path}").headers["content-type"] == content_type


@pytest.mark.parametrize("path", FEEDS)
def test_feed_escapes_hostile_text(sqlite_url: str, path: str) -> None:
    deps = loaded_deps(sqlite_url)
    add_hostile_entry(deps.store)
    path = path.replace(DAY, HOSTILE_DAY.isoformat())
    with client_for(deps) as client:
        raw = client.get(path).content
        feed = parsed(client, path)
    assert b"<script" not in raw and b"<b>" not in raw
    ET.fromstring(raw)  # well-formed, control character dropped
    (entry,) = feed.entries
    assert "alert(1)" in entry.title and "&" in entry.title
    assert "<script" not in entry.summary
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;" in entry.summary
    assert "https://github.com/example/repo?a=1&amp;b=2" in entry.summary
    assert b"javascript:" not in raw and "Project page" not in entry.summary
    assert [a["name"] for a in entry.authors] == ["Ann <Author>", "Bob & Co"]
    assert [tag.term for tag in entry.tags] == ["cs.LG", "cs.CL"]


def test_latest_feed_follows_today(sqlite_url: str) -> None:
    deps = loaded_deps(sqlite_url, clock=lambda: datetime(2026, 8, 20, 15, 0, tzinfo=UTC))
    with client_for(deps) as client:
        feed = parsed(client, "/feeds/daily.atom")
    assert len(feed.entries) == len(recorded("2026-08-20"))


def test_feed_of_a_day_without_papers_is_empty_but_valid(client: TestClient) -> None:
    assert parsed(client, "/feeds/date/2020-01-01.rss").entries == []


@pytest.mark.parametrize("day", ["2026-02-30", "yesterday", "2026-8-21"])
def test_feed_of_an_invalid_day_is_a_404(client: TestClient, day: str) -> None:
    response = client.get(f"/feeds/date/{day}.rss")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_feed_answers_304_to_its_own_etag(client: TestClient) -> None:
    first = client.get("/feeds/daily.rss")
    assert "max-age" in first.headers["cache-control"]
    assert first.headers["last-modified"] == "Fri, 21 Aug 2026 00:00:00 GMT"
    again = client.get("/feeds/daily.rss", headers={"If-None-Match": first.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")
    other = client.get("/feeds/daily.rss", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_feed_etag_is_weak_and_the_same_gzipped_or_not(client: TestClient) -> None:
    # gzip changes the bytes, so a strong tag would name two different representations
    plain = client.get("/feeds/daily.rss", headers={"Accept-Encoding": "identity"})
    zipped = client.get("/feeds/daily.rss", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert plain.headers["etag"].startswith('W/"')
    assert plain.headers["etag"] == zipped.headers["etag"]
    strong = plain.headers["etag"].removeprefix("W/")  # what a client may send back
    again = client.get("/feeds/daily.rss", headers={"If-None-Match": strong})
    assert again.status_code == 304
