"""The whole app over a real recorded day (2025-01-10), for the community page and API tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser, LexborNode

from paperboy.app import Deps, build_deps
from paperboy.config import load_settings
from paperboy.domain.models import EntryRecord
from paperboy.sources.daily_papers import parse_daily_file
from paperboy.web.app import create_app

HISTORY_DAY = (
    Path(__file__).parent.parent
    / "data"
    / "hf-history"
    / ("2025-01-10__2025-01-10T170811p0000__434886cd.json")
)
LIST_DAY = date(2025, 1, 10)
# 21:30 in New York on the list's day, so "today" is 2025-01-10 there.
LIST_NOW = datetime(2025, 1, 11, 2, 30, tzinfo=UTC)


@dataclass
class Site:
    """The app over a database holding one real day, a client of it, and a way to parse."""

    deps: Deps
    client: TestClient

    def page(self, url: str, status: int = 200) -> LexborHTMLParser:
        response = self.client.get(url)
        assert response.status_code == status, response.text[:500]
        return LexborHTMLParser(response.text)

    def page_of(self, html: str) -> LexborHTMLParser:
        return LexborHTMLParser(html)

    def count(self, arxiv_id: str) -> int:
        state = self.deps.votes.vote_state(None, arxiv_id)
        assert state is not None
        return state.upvote_count


@contextmanager
def site_for(database_url: str, now: datetime = LIST_NOW, **settings: Any) -> Iterator[Site]:
    """The real app over `database_url` holding the recorded day of 2025-01-10; its clock: `now`."""
    deps = build_deps(
        load_settings(environ={}, database_url=database_url, **settings), clock=lambda: now
    )
    records = [item for item in parse_daily_file(HISTORY_DAY) if isinstance(item, EntryRecord)]
    deps.store.upsert_entries(records, observed_at=LIST_NOW - timedelta(hours=9))
    with TestClient(create_app(deps)) as client:
        yield Site(deps, client)


def card(tree: LexborHTMLParser, arxiv_id: str) -> LexborNode:
    node = tree.css_first(f"li.card[data-arxiv-id='{arxiv_id}']")
    assert node is not None, f"no card for {arxiv_id}"
    return node


def field(node: LexborNode, selector: str) -> str:
    found = node.css_first(selector)
    assert found is not None, selector
    return str(found.attributes.get("value") or "")
