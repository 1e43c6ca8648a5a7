"""Similar papers in the faces: `/api/papers/{id}/similar` and the section on the paper page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser

from paperboy.app import Deps, build_deps
from paperboy.config import load_settings
from paperboy.domain.models import PaperRecord, PaperVersion
from paperboy.embeddings.hashing import HashingEmbedder
from paperboy.indexes.vectors import vector_index_path
from paperboy.jobs.tasks import run_task
from paperboy.web.app import create_app
from tests.support.search_corpus import load_recorded_papers, recorded_ids

OLD_STYLE = "hep-th/9901001"


def old_style_paper(arxiv_id: str = OLD_STYLE) -> PaperRecord:
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=2,
        title="Large language models and reasoning: a benchmark",
        abstract="We evaluate large language models on reasoning benchmarks.",
        authors=("A. Author",),
        categories=("hep-th",),
        published_at=datetime(1999, 1, 4, tzinfo=UTC),
        versions=(PaperVersion(1, datetime(1999, 1, 4, tzinfo=UTC)),),
    )


def corpus_deps(database_url: str, tmp_path: Any) -> Deps:
    settings = load_settings(
        environ={}, database_url=database_url, index_dir=str(tmp_path / "indexes")
    )
    deps = build_deps(settings, embedder=HashingEmbedder())
    load_recorded_papers(deps.store)
    deps.store.upsert_papers([old_style_paper()])
    return deps


@pytest.fixture
def deps(database_url: str, tmp_path: Any) -> Deps:
    """Recorded papers (and one old-style id) embedded with the hashing embedder."""
    corpus = corpus_deps(database_url, tmp_path)
    run_task(corpus, "embed.papers", {})
    return corpus


@pytest.fixture
def client(deps: Deps) -> Iterator[TestClient]:
    with TestClient(create_app(deps)) as test_client:
        yield test_client


def similar(client: TestClient, arxiv_id: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(f"/api/papers/{arxiv_id}/similar", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


@pytest.mark.parametrize("form", [OLD_STYLE, f"{OLD_STYLE}v1", f"arXiv:{OLD_STYLE}"])
def test_api_similar_takes_ids_with_slashes(client: TestClient, form: str) -> None:
    items = similar(client, form)
    assert len(items) == 10
    assert OLD_STYLE not in [item["id"] for item in items]


def test_api_similar_items_are_the_paper_shape_plus_a_score(client: TestClient) -> None:
    arxiv_id = recorded_ids()[0]
    items = similar(client, arxiv_id, limit=3)
    detail = client.get(f"/api/papers/{items[0]['id']}").json()
    assert len(items) == 3
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)
    for key in ("id", "title", "summary", "authors", "publishedAt", "upvotes", "githubRepo"):
        assert items[0][key] == detail[key]
    assert arxiv_id not in [item["id"] for item in items]


def test_the_paper_route_still_answers_beside_similar(client: TestClient) -> None:
    response = client.get(f"/api/papers/{OLD_STYLE}")
    assert response.status_code == 200
    assert response.json()["id"] == OLD_STYLE


def test_api_similar_unknown_paper_is_a_404_json_error(client: TestClient) -> None:
    response = client.get("/api/papers/2609.99999/similar")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/papers/not-an-id/similar", 422),
        (f"/api/papers/{OLD_STYLE}/similar?limit=0", 422),
        (f"/api/papers/{OLD_STYLE}/similar?limit=51", 422),
    ],
)
def test_api_similar_rejects_bad_input(client: TestClient, url: str, status: int) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert "error" in response.json()


def section(client: TestClient, arxiv_id: str) -> LexborHTMLParser:
    response = client.get(f"/papers/{arxiv_id}")
    assert response.status_code == 200
    return LexborHTMLParser(response.text)


def test_paper_page_lists_similar_papers_with_links(client: TestClient) -> None:
    tree = section(client, OLD_STYLE)
    links = [a.attributes["href"] for a in tree.css("section.similar ol.similar-papers li a")]
    expected = [f"/papers/{item['id']}" for item in similar(client, OLD_STYLE)]
    assert links == expected
    assert tree.css_first("section.similar .empty") is None


def test_page_shows_similar_papers_once_the_paper_is_embedded(
    sqlite_url: str, tmp_path: Any
) -> None:
    deps = corpus_deps(sqlite_url, tmp_path)
    with TestClient(create_app(deps)) as client:
        before = section(client, OLD_STYLE)
        assert before.css_first("section.similar .empty") is not None
        assert client.get(f"/api/papers/{OLD_STYLE}/similar").json() == []
        run_task(deps, "embed.papers", {})
        after = section(client, OLD_STYLE)
        assert len(after.css("section.similar ol.similar-papers li")) == 10
        assert len(similar(client, OLD_STYLE)) == 10


def test_vector_index_task_has_nothing_left_after_the_embed_task(deps: Deps) -> None:
    assert run_task(deps, "index.vectors", {})["indexed"] == 0


def test_embed_task_saves_the_faiss_index_beside_the_database(
    sqlite_url: str, tmp_path: Any
) -> None:
    deps = corpus_deps(sqlite_url, tmp_path)
    run_task(deps, "embed.papers", {})
    assert vector_index_path(deps.settings.index_path(), HashingEmbedder.name).is_file()
