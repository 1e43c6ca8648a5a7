"""Search, the pure part: query parsing, filters, reciprocal rank fusion, and result shapes.

Reciprocal rank fusion (Cormack et al., 2009): a paper's fused score is the sum over rankings
of weight / (k + rank), rank counted from 1. k (60 by default, tunable) damps the head of each
list so that agreement between keyword and semantic rankings beats a single first place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from paperboy.domain.models import Paper

MAX_QUERY_CHARS = 500
_TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)(\S+)')
_WORD = re.compile(r"[\w][\w\-.']*", re.UNICODE)


class QueryTooLong(ValueError):
    """The query is longer than MAX_QUERY_CHARS."""


class SearchSort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    UPVOTES = "upvotes"


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A query split into free words, quoted phrases and excluded words (`-word`, `-"a b"`).

    `text` is the query's words in their order, operators and exclusions removed: what the
    embedder sees.
    """

    raw: str
    terms: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    text: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.phrases


def parse_query(raw: str) -> ParsedQuery:
    """Words, "quoted phrases" and -exclusions from what a person typed; punctuation is dropped.

    Engine operators (`NEAR`, `*`, `:`, parentheses, `AND`/`OR`) carry no meaning here: every
    word is plain text, so no input can reach an engine's query syntax.
    """
    if len(raw) > MAX_QUERY_CHARS:
        raise QueryTooLong(f"the query is {len(raw):,} characters; the most is {MAX_QUERY_CHARS}")
    terms: list[str] = []
    phrases: list[str] = []
    excluded: list[str] = []
    in_order: list[str] = []
    for match in _TOKEN.finditer(raw):
        negated = bool(match.group(1) or match.group(3))
        words = _words(match.group(2) if match.group(2) is not None else match.group(4))
        if not words:
            continue
        if negated:
            excluded.extend(words)
            continue
        in_order.extend(words)
        if match.group(2) is not None and len(words) > 1:
            phrases.append(" ".join(words))
        else:
            terms.extend(words)
    return ParsedQuery(raw, tuple(terms), tuple(phrases), tuple(excluded), " ".join(in_order))


def _words(text: str) -> list[str]:
    return [w.strip(".'-").lower() for w in _WORD.findall(text) if w.strip(".'-")]


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Narrowing a search: all given conditions must hold."""

    published_from: date | None = None
    published_to: date | None = None
    category: str | None = None
    author: str | None = None
    has_code: bool | None = None
    on_daily_list: bool | None = None

    @property
    def is_empty(self) -> bool:
        return self == SearchFilters()


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """One search: the query, filters, order and page."""

    query: ParsedQuery
    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: SearchSort = SearchSort.RELEVANCE
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Scored:
    """One retriever's answer for one paper: its arXiv id and the engine's own score."""

    arxiv_id: str
    score: float


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[str]],
    *,
    k: float = 60.0,
    weights: Mapping[str, float] | None = None,
) -> list[tuple[str, float]]:
    """Ids of all rankings, best first, by the sum of weight / (k + rank); ties keep input order."""
    scores: dict[str, float] = {}
    for name, ranking in rankings.items():
        weight = 1.0 if weights is None else weights.get(name, 1.0)
        for rank, arxiv_id in enumerate(ranking, start=1):
            scores[arxiv_id] = scores.get(arxiv_id, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result: the paper, why it ranked where it did, and a snippet for the page."""

    paper: Paper
    score: float
    keyword_rank: int | None
    vector_rank: int | None
    pinned: bool = False
    upvote_count: int = 0
    listed_on: date | None = None


@dataclass(frozen=True, slots=True)
class SearchResult:
    """A page of hits, the total matched (approximate past the candidate pool), and timing."""

    request: SearchRequest
    hits: list[SearchHit]
    total_count: int
    took_ms: float
    degraded: str | None = None
