"""Search faces through the whole app in process: `/search`, `/api/search`, `/api/papers/search`,
`/search.rss`, and the header search box; bad input of every kind never makes a server error.

The app is built by `build_deps` with the hashing embedder, the papers embedded and indexed by
the real jobs; a slow embedder is handed in through the composition root
(`build_deps(..., embedder=...)`), never patched in.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser

from paperboy.app import Deps, build_deps
from paperboy.domain.models import PaperRecord
from paperboy.embeddings.hashing import HashingEmbedder
from paperboy.services.embedding import embed_new_papers
from paperboy.services.indexing import sync_keyword_index
from paperboy.services.ports import Embedder
from paperboy.web.app import create_app
from tests.conftest import make_settings
from tests.support.search_corpus import load_recorded_papers
from tests.test_services_search import ROBIX, SlowEmbedder

ROBIX_TITLE = "Robix: A Unified Model for Robot Interaction, Reasoning and Planning"
FACES = ["/search", "/api/search", "/api/papers/search", "/search.rss"]
HOSTILE = [
    "",
    "   ",
    "?!.,;:()[]{}",
    '"',
    '"unclosed phrase',
    "(((",
    "NEAR(robot planning, 3)",
    "robot*",
    "title:robot",
    "robot AND OR NOT",
    "'; DROP TABLE papers; --",
    "1' OR '1'='1",
    "🤖🦾 robots",
    r"$\alpha$-divergence and \frac{1}{2}",
    "<script>alert(1)</script>",
    "%00%27",
]


@dataclass
class Site:
    deps: Deps
    client: TestClient

    def get(self, url: str, **params: Any) -> Any:
        # httpx replaces a URL's own query with `params`, even an empty one
        return self.client.get(url, params=params) if params else self.client.get(url)

    def page(self, url: str, **params: Any) -> LexborHTMLParser:
        response = self.get(url, **params)
        assert response.status_code == 200, response.text[:500]
        return LexborHTMLParser(response.text)


@pytest.fixture
def make_site(sqlite_url: str, tmp_path: Path) -> Iterator[Callable[..., Site]]:
    """The app over the recorded papers, indexed; `embedder` and settings may be swapped."""
    clients: list[TestClient] = []
    indexed = False

    def make(embedder: Embedder | None = None, **settings: Any) -> Site:
        nonlocal indexed
        chosen = make_settings(
            sqlite_url, embedder="hashing", index_dir=str(tmp_path / "indexes"), **settings
        )
        deps = build_deps(chosen, embedder=embedder or HashingEmbedder())
        if not indexed:
            load_recorded_papers(deps.store)
            sync_keyword_index(deps.store, deps.keywords)  # type: ignore[arg-type]
            embed_new_papers(deps.embeddings, HashingEmbedder())
            indexed = True
        deps.vectors.sync()
        client = TestClient(create_app(deps))
        clients.append(client)
        return Site(deps, client)

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def site(make_site: Callable[..., Site]) -> Site:
    return make_site()


def hit_ids(tree: LexborHTMLParser) -> list[str]:
    return [str(node.attributes["data-arxiv-id"]) for node in tree.css("li.hit")]


def test_search_page_shows_hits_with_marked_snippets_count_and_time(site: Site) -> None:
    tree = site.page("/search", q="robot interaction reasoning")
    assert hit_ids(tree)[0] == ROBIX
    marks = {node.text().lower() for node in tree.css("li.hit .snippet mark")}
    assert {"robot", "interaction", "reasoning"} & marks
    count = tree.css_first(".result-count").text()
    assert "results" in count and "ms" in count
    assert tree.css_first("li.hit .card-title a").attributes["href"] == f"/papers/{ROBIX}"


@pytest.mark.parametrize("url", ["/", f"/papers/{ROBIX}", "/date/2025-09-04", "/search?q=x"])
def test_every_page_has_a_search_box_in_the_header(site: Site, url: str) -> None:
    form = LexborHTMLParser(site.client.get(url).text).css_first("header form.header-search")
    assert form is not None
    assert form.attributes["action"] == "/search" and form.attributes["method"] == "get"
    assert form.css_first("input[name=q]") is not None


def test_search_page_without_a_query_gives_a_hint(site: Site) -> None:
    tree = site.page("/search")
    assert hit_ids(tree) == []
    assert "arXiv id" in tree.css_first(".empty").text()


def test_search_page_with_no_match_says_so(site: Site) -> None:
    tree = site.page("/search", q="zzzqqq xxyyzz")
    assert "No papers match" in tree.css_first(".empty").text()


def test_search_page_pins_an_exact_title(site: Site) -> None:
    tree = site.page("/search", q=ROBIX_TITLE.lower())
    first = tree.css_first("li.hit")
    assert first.attributes["data-arxiv-id"] == ROBIX
    assert "pinned" in (first.attributes["class"] or "")


def test_search_page_filter_links_narrow_the_results(site: Site) -> None:
    tree = site.page("/search", q="vision language models")
    links = {node.text(): node.attributes["href"] for node in tree.css(".facets a")}
    category = next(label for label in links if label.startswith("cs.CV"))
    narrowed = site.page(str(links[category]))
    assert hit_ids(narrowed)
    papers = site.deps.store.papers_by_ids(hit_ids(narrowed))
    assert all("cs.CV" in papers[i][0].categories for i in hit_ids(narrowed))
    removal = narrowed.css_first(".active-filters a").attributes["href"]
    assert "category" not in parse_qs(urlsplit(str(removal)).query)
    with_code = site.page(str(links["Has code"]))
    papers = site.deps.store.papers_by_ids(hit_ids(with_code))
    assert hit_ids(with_code) and all(papers[i][0].code_url for i in hit_ids(with_code))


def test_search_page_sort_links(site: Site) -> None:
    tree = site.page("/search", q="video generation", sort="upvotes")
    assert tree.css_first(".sort a[aria-current=page]").text() == "Most upvoted"
    votes = [int(node.text()) for node in tree.css("li.hit .votes .count")]
    assert votes == sorted(votes, reverse=True)


def test_search_page_pages(site: Site) -> None:
    first = site.page("/search", q="language models")
    older = first.css_first(".pager a[rel=next]")
    assert older is not None
    second = site.page(str(older.attributes["href"]))
    assert set(hit_ids(first)).isdisjoint(hit_ids(second))
    assert second.css_first("ol.hits").attributes["start"] == "21"


def test_search_page_says_when_it_matched_words_only(make_site: Callable[..., Site]) -> None:
    site = make_site(embedder=SlowEmbedder(2.0), search_embed_timeout=0.05)
    tree = site.page("/search", q="robot planning")
    assert "words only" in tree.css_first(".notice.degraded").text()
    assert hit_ids(tree)[0] == ROBIX
    body = site.get("/api/search", q="robot planning").json()
    assert "words only" in body["degraded"]


def test_search_page_escapes_what_papers_say(site: Site) -> None:
    hostile = PaperRecord(
        arxiv_id="2608.99999",
        title="<b>Bold</b> claims about zebrafish",
        abstract='Zebrafish <img src=x onerror="alert(1)"> swim; $<x>$ and zebrafish again.',
    )
    site.deps.store.upsert_papers([hostile])
    sync_keyword_index(site.deps.store, site.deps.keywords)  # type: ignore[arg-type]
    html = site.get("/search", q="zebrafish").text
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert "<b>Bold</b>" not in html
    assert "<mark>Zebrafish</mark>" in html


def test_api_search_gives_scores_ranks_and_timings(site: Site) -> None:
    body = site.get("/api/search", q="robot interaction reasoning", limit=5).json()
    assert body["total"] >= len(body["hits"]) > 0 and body["degraded"] is None
    first = body["hits"][0]
    assert first["paper"]["id"] == ROBIX and first["rank"] == 1
    assert first["keywordRank"] == 1 and first["vectorRank"] >= 1 and first["score"] > 0
    assert any(part["match"] for part in first["snippet"])
    assert set(body["timingsMs"]) == {"embed", "keyword", "vector", "hydrate"}
    second = site.get("/api/search", q="robot interaction reasoning", limit=5, offset=5).json()
    assert second["hits"][0]["rank"] == 6


def test_api_search_pins_ids_and_filters(site: Site) -> None:
    body = site.get("/api/search", q=f"arXiv:{ROBIX}v2").json()
    assert body["hits"][0]["paper"]["id"] == ROBIX and body["hits"][0]["pinned"]
    body = site.get("/api/search", q="robots", has_code="true", on_list="true").json()
    assert all(hit["paper"]["githubRepo"] for hit in body["hits"])
    assert all(hit["lastListedOn"] for hit in body["hits"])


def test_api_papers_search_keeps_the_reference_shape(site: Site) -> None:
    items = site.get("/api/papers/search", q=ROBIX_TITLE, limit=3).json()
    assert len(items) == 3
    assert set(items[0]) == {"paper", "publishedAt", "title", "summary", "thumbnail"}
    assert items[0]["paper"]["id"] == ROBIX and items[0]["title"] == ROBIX_TITLE
    daily = site.get("/api/daily_papers", date="2025-09-04").json()[0]["paper"]
    assert set(items[0]["paper"]) == set(daily)


def test_api_paper_by_id_still_works_beside_search(site: Site) -> None:
    assert site.get(f"/api/papers/{ROBIX}").json()["id"] == ROBIX


def test_search_feed_lists_the_hits(site: Site) -> None:
    response = site.get("/search.rss", q="robot interaction reasoning")
    assert response.headers["content-type"].startswith("application/rss+xml")
    items = ET.fromstring(response.content).findall("./channel/item")
    assert items[0].findtext("link", "").endswith(f"/papers/{ROBIX}")
    atom = site.get("/search.atom", q="robot").content
    assert ET.fromstring(atom).tag == "{http://www.w3.org/2005/Atom}feed"


def test_search_follows_the_index_not_the_response_cache(make_site: Callable[..., Site]) -> None:
    site = make_site()
    before = site.get("/api/papers/search", q=ROBIX_TITLE).json()
    extra = PaperRecord(arxiv_id="2608.99998", title="Quokka locomotion", abstract="Quokkas hop.")
    site.deps.store.upsert_papers([extra])
    assert site.get("/api/papers/search", q="quokka").json() == []
    sync_keyword_index(site.deps.store, site.deps.keywords)  # type: ignore[arg-type]
    assert [i["paper"]["id"] for i in site.get("/api/papers/search", q="quokka").json()] == [
        "2608.99998"
    ]
    assert before[0]["paper"]["id"] == ROBIX


@pytest.mark.parametrize("url", FACES)
@pytest.mark.parametrize("q", HOSTILE)
def test_search_faces_take_any_text(site: Site, url: str, q: str) -> None:
    response = site.get(url, q=q)
    assert response.status_code == 200, response.text[:300]


@pytest.mark.parametrize("url", FACES)
def test_search_faces_refuse_a_query_too_long(site: Site, url: str) -> None:
    response = site.get(url, q="attention " * 1000)
    if url.startswith("/api/") or url.endswith(".rss"):
        assert response.status_code == 422
        message = response.json()["error"]["message"]
    else:
        assert response.status_code == 400
        message = LexborHTMLParser(response.text).css_first(".error-page .message").text()
    assert message.strip().startswith("q:") and "500" in message


@pytest.mark.parametrize("url", ["/search", "/api/search", "/search.rss"])
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("from", "2024-13-01"),
        ("to", "yesterday"),
        ("sort", "best"),
        ("has_code", "maybe"),
        ("on_list", "perhaps"),
    ],
)
def test_search_faces_name_a_bad_filter(site: Site, url: str, name: str, value: str) -> None:
    response = site.get(url, q="robots", **{name: value})
    if url == "/search":
        assert response.status_code == 400
        message = LexborHTMLParser(response.text).css_first(".error-page .message").text()
    else:
        assert response.status_code == 422
        message = response.json()["error"]["message"]
    assert message.strip().startswith(f"{name}:")


def test_search_faces_ignore_blank_filters(site: Site) -> None:
    tree = site.page("/search", q="robot", category="", author="", to="", has_code="")
    assert hit_ids(tree)


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_api_search_names_a_bad_limit(site: Site, limit: int) -> None:
    response = site.get("/api/search", q="robots", limit=limit)
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("limit:")
