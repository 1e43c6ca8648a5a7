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
from difflib import SequenceMatcher
from enum import StrEnum

from paperboy.domain.models import Paper

MAX_QUERY_CHARS = 500
_TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)(\S+)')
_WORD = re.compile(r"[\w][\w\-.']*", re.UNICODE)
_TITLE_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NEAR_TITLE_CHARS = 20
_NEAR_TITLE_RATIO = 0.95


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

    def admits(self, paper: Paper, listed_on: date | None) -> bool:
        """True when `paper` (last on a daily list on `listed_on`, if ever) meets every filter.

        A category matches exactly (any case); an author matches when each word of the filter
        starts a word of one author's name (`g hinton`, `Hinton`).
        """
        published = paper.published_at.date() if paper.published_at is not None else None
        checks = (
            self.published_from is None
            or (published is not None and published >= self.published_from),
            self.published_to is None or (published is not None and published <= self.published_to),
            self.category is None or _in_category(paper.categories, self.category),
            self.author is None or _by_author(paper.authors, self.author),
            self.has_code is None or bool(paper.code_url) is self.has_code,
            self.on_daily_list is None or (listed_on is not None) is self.on_daily_list,
        )
        return all(checks)


def _in_category(categories: Sequence[str], wanted: str) -> bool:
    wanted = wanted.lower()
    return any(c.lower() == wanted for c in categories)


def _by_author(authors: Sequence[str], wanted: str) -> bool:
    words = _words(wanted)
    return any(
        all(any(part.startswith(w) for part in _words(name)) for w in words) for name in authors
    )


def normalized_title(text: str) -> str:
    """A title compared without case, punctuation, LaTeX markup or extra spaces."""
    return " ".join(_TITLE_WORD.findall(text.lower().replace("$", "")))


def is_same_title(query: str, title: str) -> bool:
    """True when `query` is `title`, give or take case, punctuation and one or two typos.

    Near matches count only for queries of 20+ characters, so a short query never pins a
    paper whose title merely resembles it.
    """
    wanted, candidate = normalized_title(query), normalized_title(title)
    if not wanted or not candidate:
        return False
    if wanted == candidate:
        return True
    if len(wanted) < _NEAR_TITLE_CHARS or abs(len(wanted) - len(candidate)) > 4:
        return False
    return SequenceMatcher(None, wanted, candidate).ratio() >= _NEAR_TITLE_RATIO


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
    timings_ms: Mapping[str, float] = field(default_factory=dict)
    """Where the time went: embed, keyword, vector, hydrate (for benches and `/api/search`)."""
