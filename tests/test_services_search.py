"""Hybrid search over 97 real recorded papers, on SQLite and PostgreSQL.

The keyword index is the real tantivy one, the embedder the deterministic hashing one; slow and
failing embedders are real classes here, handed to the service like any embedder.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from paperboy.app import build_deps, run_search
from paperboy.domain.search import (
    SearchFilters,
    SearchRequest,
    SearchResult,
    SearchSort,
    parse_query,
)
from paperboy.embeddings.hashing import HashingEmbedder
from paperboy.indexes.keyword import TantivyKeywordIndex
from paperboy.services.embedding import embed_new_papers
from paperboy.services.indexing import sync_keyword_index
from paperboy.services.ports import Embedder, PaperStore
from paperboy.services.search import search
from tests.conftest import make_settings
from tests.support.search_corpus import (
    ExactVectors,
    keyword_index,
    load_recorded_papers,
    recorded_ids,
)

ROBIX = "2509.01106"  # "Robix: A Unified Model for Robot Interaction, Reasoning and Planning"
MATH_PAPER = "2411.19477"
CODE_PAPER = "2509.01977"


@dataclass
class Corpus:
    store: PaperStore
    keywords: TantivyKeywordIndex
    vectors: ExactVectors
    embedder: Embedder

    def search(
        self,
        text: str,
        *,
        embedder: Embedder | None = None,
        timeout: float = 5.0,
        **options: object,
    ) -> SearchResult:
        request = SearchRequest(parse_query(text), **options)  # type: ignore[arg-type]
        return search(
            self.store,
            self.keywords,
            self.vectors,
            embedder or self.embedder,
            request,
            embed_timeout=timeout,
        )


@pytest.fixture
def corpus(store: PaperStore, tmp_path: Path) -> Corpus:
    load_recorded_papers(store)
    embedder = HashingEmbedder()
    vectors = ExactVectors.of(store, embedder, recorded_ids())
    return Corpus(store, keyword_index(store, tmp_path), vectors, embedder)


class SlowEmbedder:
    """An embedder that takes longer than any sensible timeout."""

    name = "slow"
    dimension = 384

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def embed_documents(self, texts: Sequence[str]) -> NDArray[np.float32]:
        raise NotImplementedError

    def embed_query(self, text: str) -> NDArray[np.float32]:
        time.sleep(self.seconds)
        return HashingEmbedder().embed_query(text)


class BrokenEmbedder:
    """An embedder whose model cannot run."""

    name = "broken"
    dimension = 384

    def embed_documents(self, texts: Sequence[str]) -> NDArray[np.float32]:
        raise RuntimeError("no model")

    def embed_query(self, text: str) -> NDArray[np.float32]:
        raise RuntimeError("no model")


def ids(result: SearchResult) -> list[str]:
    return [hit.paper.arxiv_id for hit in result.hits]


def test_search_empty_query_without_filters_is_empty(corpus: Corpus) -> None:
    result = corpus.search("   ")
    assert result.hits == [] and result.total_count == 0 and result.degraded is None


def test_search_finds_a_paper_by_its_words_with_both_rankings(corpus: Corpus) -> None:
    result = corpus.search("robot interaction reasoning planning")
    first = result.hits[0]
    assert first.paper.arxiv_id == ROBIX
    assert first.keyword_rank == 1 and first.vector_rank is not None
    assert result.total_count >= len(result.hits) and result.took_ms > 0
    assert set(result.timings_ms) == {"embed", "keyword", "vector", "hydrate"}


@pytest.mark.parametrize(
    "text",
    [
        MATH_PAPER,
        f"{MATH_PAPER}v2",
        f"arXiv:{MATH_PAPER}",
        f"https://arxiv.org/abs/{MATH_PAPER}v1",
        f"https://arxiv.org/pdf/{MATH_PAPER}.pdf",
        f"scaling law {MATH_PAPER}",
    ],
)
def test_search_pins_an_arxiv_id_in_any_form(corpus: Corpus, text: str) -> None:
    result = corpus.search(text)
    assert result.hits[0].paper.arxiv_id == MATH_PAPER
    assert result.hits[0].pinned
    assert ids(result).count(MATH_PAPER) == 1


@pytest.mark.parametrize(
    "text",
    [
        "Robix: A Unified Model for Robot Interaction, Reasoning and Planning",
        "robix a unified model for robot interaction reasoning and planning",
        "ROBIX - A UNIFIED MODEL FOR ROBOT INTERACTION, REASONING & PLANNING",
        "Robix: A Unified Modle for Robot Interaction, Reasoning and Planning",  # one typo
    ],
)
def test_search_pins_an_exact_title(corpus: Corpus, text: str) -> None:
    first = corpus.search(text).hits[0]
    assert first.paper.arxiv_id == ROBIX and first.pinned


def test_search_pins_nothing_for_plain_words(corpus: Corpus) -> None:
    assert not any(hit.pinned for hit in corpus.search("video diffusion").hits)


def test_search_answers_with_keywords_when_the_embedder_is_slow(corpus: Corpus) -> None:
    started = time.perf_counter()
    result = corpus.search("robot planning", embedder=SlowEmbedder(2.0), timeout=0.05)
    assert time.perf_counter() - started < 1.5
    assert result.degraded is not None and "words only" in result.degraded
    assert result.hits and all(hit.vector_rank is None for hit in result.hits)
    assert result.hits[0].paper.arxiv_id == ROBIX


def test_search_answers_with_keywords_when_the_embedder_fails(corpus: Corpus) -> None:
    result = corpus.search("robot planning", embedder=BrokenEmbedder())
    assert result.degraded is not None and "RuntimeError" in result.degraded
    assert ids(result)[0] == ROBIX


@pytest.mark.parametrize(
    ("filters", "check"),
    [
        (SearchFilters(category="cs.RO"), lambda h: "cs.RO" in h.paper.categories),
        (SearchFilters(has_code=True), lambda h: bool(h.paper.code_url)),
        (SearchFilters(has_code=False), lambda h: not h.paper.code_url),
        (
            SearchFilters(published_from=date(2026, 8, 1), published_to=date(2026, 8, 31)),
            lambda h: date(2026, 8, 1) <= h.paper.published_at.date() <= date(2026, 8, 31),
        ),
        (SearchFilters(author="Zifeng Wang"), lambda h: "Zifeng Wang" in h.paper.authors),
        (SearchFilters(on_daily_list=True), lambda h: h.listed_on is not None),
        (SearchFilters(on_daily_list=False), lambda h: h.listed_on is None),
    ],
)
def test_search_filters_every_hit(corpus: Corpus, filters: SearchFilters, check: object) -> None:
    result = corpus.search("vision language models for robots", filters=filters, limit=50)
    assert result.hits
    assert all(check(hit) for hit in result.hits)  # type: ignore[operator]


def test_search_filter_nobody_meets_gives_nothing(corpus: Corpus) -> None:
    filters = SearchFilters(category="cs.RO", has_code=True)
    assert corpus.search("robot", filters=filters).hits == []


def test_search_with_only_filters_lists_matching_papers(corpus: Corpus) -> None:
    result = corpus.search("", filters=SearchFilters(has_code=True), limit=100)
    assert result.hits and all(hit.paper.code_url for hit in result.hits)
    assert CODE_PAPER in ids(result)


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        (SearchSort.NEWEST, lambda h: h.paper.published_at),
        (SearchSort.UPVOTES, lambda h: h.upvote_count),
    ],
)
def test_search_sorts(corpus: Corpus, sort: SearchSort, key: object) -> None:
    result = corpus.search("video generation", sort=sort, limit=30)
    values = [key(hit) for hit in result.hits]  # type: ignore[operator]
    assert len(values) > 5 and values == sorted(values, reverse=True)


def test_search_pages_do_not_overlap(corpus: Corpus) -> None:
    whole = ids(corpus.search("language models", limit=20))
    first = ids(corpus.search("language models", limit=10))
    second = ids(corpus.search("language models", limit=10, offset=10))
    assert first + second == whole


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "(((",
        "NEAR(a b)",
        "title:foo*",
        "'; DROP TABLE papers; --",
        "🤖 robots 🦾",
        r"$\alpha$-divergence",
        "AND OR NOT",
        "-",
        '"unclosed phrase',
    ],
)
def test_search_takes_any_text(corpus: Corpus, text: str) -> None:
    result = corpus.search(text)
    assert result.total_count >= len(result.hits)


def test_search_through_the_composition_root_uses_each_engines_vector_index(
    database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(database_url, embedder="hashing", index_dir=str(tmp_path / "idx"))
    deps = build_deps(settings)
    load_recorded_papers(deps.store)
    sync_keyword_index(deps.store, deps.keywords)  # type: ignore[arg-type]
    embed_new_papers(deps.embeddings, deps.embedder)
    deps.vectors.sync()
    result = run_search(deps, SearchRequest(parse_query("robot interaction reasoning planning")))
    first = result.hits[0]
    assert first.paper.arxiv_id == ROBIX and first.keyword_rank == 1 and first.vector_rank == 1
    filtered = SearchRequest(parse_query("robots"), SearchFilters(category="cs.RO"))
    assert all("cs.RO" in h.paper.categories for h in run_search(deps, filtered).hits)
