"""Hybrid search: keyword and semantic candidates fused by reciprocal rank, exact matches first.

One search runs the keyword index and, in a small thread pool at the same time, the query
embedding; the vector index is asked once the embedding is back. An embedding that fails or
is not back within `embed_timeout` seconds is given up on: the answer is the keyword results,
and `SearchResult.degraded` says so. An arXiv id in the query, or the query being a paper's
title give or take case and punctuation, puts that paper first. Hits are hydrated from the
store in one query, checked against the filters once more, ordered and paged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
from numpy.typing import NDArray

from paperboy.domain.ids import InvalidArxivId, parse_arxiv_id
from paperboy.domain.models import Paper
from paperboy.domain.search import (
    ParsedQuery,
    Scored,
    SearchHit,
    SearchRequest,
    SearchResult,
    SearchSort,
    is_same_title,
    reciprocal_rank_fusion,
)
from paperboy.services.ports import Embedder, KeywordIndex, PaperStore, VectorIndex

CANDIDATES = 100
"""How many ids each retriever contributes to the fusion.

100 matches pgvector's ef_search (a longer list makes it keep scanning the graph); on SciFact
train nDCG@10 is the same as with 200 (bench/search_quality.py --candidates).
"""
TITLE_CANDIDATES = 10
"""How many top keyword hits, and titles like the query, are checked for being its title."""
MAX_ID_TOKENS = 8
HYDRATE_SLACK = 10
"""Extra fused ids hydrated past the page when filters are set, so a filter turning a few away
costs no 2nd query (without filters only an id the store no longer has is turned away)."""
Clock = Callable[[], float]
Hydrated = tuple[Paper, int, date | None]

# Threads start on first use; two, so one stuck embedding does not block the next query.
_EMBED_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="query-embedding")


@dataclass(frozen=True, slots=True)
class Fusion:
    """How the two rankings are fused: RRF's k, a weight per ranking, candidates from each.

    A vector index always answers with its nearest papers, however far; without the
    similarity floor, a query that matches nothing would still list papers.
    """

    k: float = 10.0
    keyword_weight: float = 1.0
    vector_weight: float = 1.0
    candidates: int = CANDIDATES
    min_similarity: float = 0.15
    """Nearest neighbours less similar than this (cosine) are noise, not matches: dropped."""


def search(
    store: PaperStore,
    keywords: KeywordIndex,
    vectors: VectorIndex,
    embedder: Embedder,
    request: SearchRequest,
    *,
    rrf_k: float = 10.0,
    embed_timeout: float = 1.0,
    clock: Clock = time.perf_counter,
    fusion: Fusion | None = None,
    pool: Executor = _EMBED_POOL,
) -> SearchResult:
    """Keyword and semantic matches fused by reciprocal rank; exact ids and titles first."""
    started = clock()
    fusion = fusion or Fusion(k=rrf_k)
    query, filters = request.query, request.filters
    if query.is_empty and filters.is_empty:
        return SearchResult(request, [], 0, _ms(clock() - started))
    timings: dict[str, float] = {}
    embedding = None if query.is_empty else _start_embedding(pool, embedder, query.text, clock)
    keyword_sort = SearchSort.RELEVANCE if not query.is_empty else request.sort
    mark = clock()
    keyword_hits = keywords.search(query, filters, fusion.candidates, keyword_sort)
    timings["keyword"] = _ms(clock() - mark)
    vector_hits: list[Scored] = []
    degraded = None
    if embedding is not None:
        vector, degraded = _finish_embedding(embedding, embed_timeout, started, clock, timings)
        if vector is not None:
            mark = clock()
            nearest = vectors.nearest(vector, fusion.candidates, filters)
            vector_hits = [hit for hit in nearest if hit.score >= fusion.min_similarity]
            timings["vector"] = _ms(clock() - mark)
    rankings = {
        "keyword": [hit.arxiv_id for hit in keyword_hits],
        "vector": [hit.arxiv_id for hit in vector_hits],
    }
    weights = {"keyword": fusion.keyword_weight, "vector": fusion.vector_weight}
    fused = reciprocal_rank_fusion(rankings, k=fusion.k, weights=weights)
    mark = clock()
    title_ids = _title_candidates(store, rankings["keyword"], query)
    hits, total = _ordered_hits(store, request, fused, rankings, _id_pins(query.raw), title_ids)
    timings["hydrate"] = _ms(clock() - mark)
    took = _ms(clock() - started)
    return SearchResult(request, hits, total, took, degraded, timings)


def _start_embedding(
    pool: Executor, embedder: Embedder, text: str, clock: Clock
) -> Future[tuple[NDArray[np.float32], float]]:
    def embed() -> tuple[NDArray[np.float32], float]:
        mark = clock()
        vector = embedder.embed_query(text)
        return vector, _ms(clock() - mark)

    return pool.submit(embed)


def _finish_embedding(
    embedding: Future[tuple[NDArray[np.float32], float]],
    timeout: float,
    started: float,
    clock: Clock,
    timings: dict[str, float],
) -> tuple[NDArray[np.float32] | None, str | None]:
    """The query vector, or None and the sentence that tells the reader why not."""
    try:
        vector, took = embedding.result(timeout=max(0.0, timeout - (clock() - started)))
    except FutureTimeout:
        embedding.cancel()
        return None, (
            f"Matching by meaning took longer than {timeout:g} s, "
            "so these results match your words only."
        )
    except Exception as error:  # any embedder failure degrades to keyword results
        return None, (
            f"Matching by meaning failed ({type(error).__name__}), "
            "so these results match your words only."
        )
    timings["embed"] = took
    return vector, None


def _id_pins(raw: str) -> list[str]:
    """arXiv ids written in the query, in any form (`2401.01234v2`, `arXiv:…`, abs/pdf URLs)."""
    found: list[str] = []
    for token in [raw.strip(), *raw.split()[:MAX_ID_TOKENS]]:
        try:
            arxiv_id = parse_arxiv_id(token.strip("()[]{}<>,;\"'")).arxiv_id
        except InvalidArxivId:
            continue
        if arxiv_id not in found:
            found.append(arxiv_id)
    return found


def _title_candidates(
    store: PaperStore, keyword_ids: Sequence[str], query: ParsedQuery
) -> list[str]:
    """Papers whose title the query may be: the keyword head, else titles like it in the store.

    A title's words put its paper at the head of the keyword ranking (typos included, by the
    index's fuzzy matching), so the store's title lookup is asked only when the keyword index
    found nothing (not synced yet, or every word misspelt): on PostgreSQL it is a trigram
    search that costs far more than the rest of a search for a long query.
    """
    if query.is_empty:
        return []
    if keyword_ids:
        return list(keyword_ids[:TITLE_CANDIDATES])
    return [arxiv_id for arxiv_id, _ in store.titles_like(query.raw.strip(), TITLE_CANDIDATES)]


def _ordered_hits(
    store: PaperStore,
    request: SearchRequest,
    fused: list[tuple[str, float]],
    rankings: Mapping[str, Sequence[str]],
    id_pins: Sequence[str],
    title_ids: Sequence[str],
) -> tuple[list[SearchHit], int]:
    """The requested page of hits, and how many candidates pass the filters (as far as known).

    By relevance only the pin candidates and the fused head up to the page's end are
    hydrated (a second query only when the filters turned some of those away); by date or
    upvotes every candidate is, since any of them may sort first.
    """
    candidates = [arxiv_id for arxiv_id, _ in fused]
    relevance = request.sort is SearchSort.RELEVANCE
    end = request.offset + request.limit
    slack = 0 if request.filters.is_empty else HYDRATE_SLACK
    head = candidates[: end + slack] if relevance else candidates
    found = store.papers_by_ids([*id_pins, *title_ids, *head])
    pinned = list(
        dict.fromkeys([i for i in id_pins if i in found] + _title_pins(request, found, title_ids))
    )
    make = _HitMaker(request, found, dict(fused), rankings, frozenset(pinned))
    order = [*pinned, *(i for i in candidates if i not in pinned)]
    if not relevance:
        hits = _sorted(make.all(order), request.sort)
        return hits[request.offset : end], len(hits)
    hits = make.all([*pinned, *(i for i in head if i not in pinned)])
    if len(hits) < end and len(head) < len(candidates):
        rest = candidates[len(head) :]
        found.update(store.papers_by_ids(rest))
        hits += make.all(rest)
    turned_away = sum(1 for i in order if i in found and not make.admits(i))
    return hits[request.offset : end], max(len(hits), len(order) - turned_away)


def _title_pins(
    request: SearchRequest, found: Mapping[str, Hydrated], title_ids: Sequence[str]
) -> list[str]:
    query = request.query
    if query.is_empty:
        return []
    return [i for i in title_ids if i in found and is_same_title(query.raw, found[i][0].title)]


class _HitMaker:
    """Builds `SearchHit`s from hydrated papers, dropping those the filters turn away."""

    def __init__(
        self,
        request: SearchRequest,
        found: Mapping[str, Hydrated],
        scores: Mapping[str, float],
        rankings: Mapping[str, Sequence[str]],
        pinned: frozenset[str],
    ) -> None:
        self.filters = request.filters
        self.found = found
        self.scores = scores
        self.ranks = {name: {i: n for n, i in enumerate(ids, 1)} for name, ids in rankings.items()}
        self.pinned = pinned

    def admits(self, arxiv_id: str) -> bool:
        paper, _, listed_on = self.found[arxiv_id]
        return self.filters.admits(paper, listed_on)

    def all(self, arxiv_ids: Iterable[str]) -> list[SearchHit]:
        return [hit for hit in map(self.hit, arxiv_ids) if hit is not None]

    def hit(self, arxiv_id: str) -> SearchHit | None:
        if arxiv_id not in self.found or not self.admits(arxiv_id):
            return None
        paper, upvotes, listed_on = self.found[arxiv_id]
        return SearchHit(
            paper=paper,
            score=self.scores.get(arxiv_id, 0.0),
            keyword_rank=self.ranks["keyword"].get(arxiv_id),
            vector_rank=self.ranks["vector"].get(arxiv_id),
            pinned=arxiv_id in self.pinned,
            upvote_count=upvotes,
            listed_on=listed_on,
        )


_OLDEST = datetime.min.replace(tzinfo=UTC)


def _sorted(hits: list[SearchHit], sort: SearchSort) -> list[SearchHit]:
    """Newest (by arXiv publication) or most upvoted first; ties keep relevance order."""
    if sort is SearchSort.NEWEST:
        return sorted(hits, key=lambda h: h.paper.published_at or _OLDEST, reverse=True)
    return sorted(hits, key=lambda h: h.upvote_count, reverse=True)


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 3)
