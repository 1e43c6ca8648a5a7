"""The response cache: repeated anonymous GETs come from memory, and a write shows at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from paperboy.app import Deps
from paperboy.domain.models import EntryRecord, PaperRecord
from paperboy.storage.papers import SqlPaperStore
from paperboy.storage.schema import daily_entries
from paperboy.web.app import create_app

from .support.web_client import loaded_deps

PATH = "/api/daily_papers?date=2026-08-21"


@pytest.fixture
def deps(database_url: str) -> Deps:
    return loaded_deps(database_url)


@pytest.fixture
def client(deps: Deps) -> Iterator[TestClient]:
    with TestClient(create_app(deps)) as test_client:
        yield test_client


def top_upvotes(client: TestClient, **headers: str) -> int:
    response = client.get(PATH, headers=headers)
    assert response.status_code == 200
    return int(response.json()[0]["paper"]["upvotes"])


def write_behind_the_stores_back(deps: Deps, upvotes: int) -> None:
    """Change the data without moving the content revision, as nothing in paperboy does."""
    assert isinstance(deps.store, SqlPaperStore)
    with deps.store.engine.begin() as connection:
        connection.execute(update(daily_entries).values(upvote_count=upvotes))


def test_cache_answers_a_repeated_get_from_memory(deps: Deps, client: TestClient) -> None:
    first = top_upvotes(client)
    write_behind_the_stores_back(deps, 9999)
    assert top_upvotes(client) == first


def test_cache_shows_a_store_write_at_once(deps: Deps, client: TestClient) -> None:
    top_upvotes(client)
    day = date(2026, 8, 21)
    (entry,) = [e for e in deps.store.entries_between(day, day) if e.paper.arxiv_id == "2608.19880"]
    paper = PaperRecord(entry.paper.arxiv_id, entry.paper.title, entry.paper.abstract)
    deps.store.upsert_entries([EntryRecord(paper, day, entry.submitter, entry.submitted_at, 5000)])
    assert top_upvotes(client) == 5000


def test_cache_never_serves_requests_with_cookies(deps: Deps, client: TestClient) -> None:
    top_upvotes(client, cookie="session=abc")
    write_behind_the_stores_back(deps, 7777)
    assert top_upvotes(client, cookie="session=abc") == 7777


def test_cache_keeps_gzip_and_plain_answers_apart(client: TestClient) -> None:
    plain = client.get(PATH, headers={"accept-encoding": "identity"})
    zipped = client.get(PATH, headers={"accept-encoding": "gzip"})
    again = client.get(PATH, headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and "content-encoding" not in again.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert plain.json() == zipped.json() == again.json()


def test_cache_does_not_keep_errors(deps: Deps, client: TestClient) -> None:
    assert client.get("/api/papers/2601.99999").status_code == 404
    deps.store.upsert_papers([PaperRecord("2601.99999", "A title", "An abstract.", version=1)])
    assert client.get("/api/papers/2601.99999").status_code == 200
