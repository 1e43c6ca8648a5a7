"""Search in the JSON API: `/api/papers/search` in the reference shape, `/api/search` with scores.

Both are plain `def` routes (the search blocks on the embedder and indexes, so it runs in the
thread pool) and are never answered from the response cache (the indexes change on their own).
This router is included before the `/api/papers/{arxiv_id}` route, which would otherwise take
`search` for an id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from paperboy.app import run_search
from paperboy.domain.search import SearchHit, SearchRequest, SearchResult
from paperboy.domain.snippets import query_words, snippet
from paperboy.web.api_errors import ERROR_RESPONSES, JsonErrorRoute, invalid_parameter
from paperboy.web.api_models import ApiModel, DailyPaper, iso_time, reference_paper
from paperboy.web.deps import DepsDep
from paperboy.web.search_params import BadSearchParameter, SearchForm, search_form

router = APIRouter(prefix="/api", tags=["search"], route_class=JsonErrorRoute)

FormDep = Annotated[SearchForm, Depends(search_form)]
LimitQuery = Annotated[
    int, Query(ge=1, le=100, description="Results per page (1 to 100).", examples=[20])
]
OffsetQuery = Annotated[
    int, Query(ge=0, le=1000, description="Results to skip, for paging.", examples=[0])
]


class SearchItem(ApiModel):
    """One result in the reference `/api/papers/search` shape."""

    paper: DailyPaper
    publishedAt: str | None = Field(description="arXiv publication time (ISO 8601, UTC)")
    title: str
    summary: str = Field(description="the abstract")
    thumbnail: str | None = Field(default=None, description="always null: no thumbnails here")


class SnippetPart(ApiModel):
    text: str
    match: bool = Field(description="true when this part is one of the query's words")


class ScoredHit(ApiModel):
    """One result of `/api/search`: the paper, where each retriever ranked it, and a snippet."""

    rank: int = Field(description="position in the whole result, from 1")
    paper: DailyPaper
    score: float = Field(description="reciprocal rank fusion score (0 for a pinned paper only)")
    keywordRank: int | None = Field(description="rank among keyword matches, if matched")
    vectorRank: int | None = Field(description="rank among nearest neighbours, if found")
    pinned: bool = Field(description="put first as an exact id or title match")
    lastListedOn: str | None = Field(description="the latest daily list it was on")
    snippet: list[SnippetPart]


class SearchPage(ApiModel):
    """A page of `/api/search` results with what the search did."""

    query: str
    total: int = Field(description="candidates matched (approximate past a few hundred)")
    limit: int
    offset: int
    tookMs: float
    degraded: str | None = Field(
        description="why the results match words only, when matching by meaning was unavailable"
    )
    timingsMs: dict[str, float] = Field(description="embed, keyword, vector and hydrate times")
    hits: list[ScoredHit]


@router.get(
    "/papers/search",
    summary="Search papers (reference shape)",
    response_model=list[SearchItem],
    responses=ERROR_RESPONSES,
)
def api_papers_search(
    deps: DepsDep,
    q: Annotated[str, Query(description="What to look for.", examples=["diffusion"])] = "",
    limit: LimitQuery = 20,
) -> list[SearchItem]:
    """Best matches for `q` by words and meaning, as the reference site's search answers."""
    result = run_search(deps, _checked(SearchForm(q=q), limit, 0))
    return [
        SearchItem(
            paper=reference_paper(hit.paper, hit.upvote_count),
            publishedAt=_time(hit),
            title=hit.paper.title,
            summary=hit.paper.abstract,
        )
        for hit in result.hits
    ]


@router.get(
    "/search",
    summary="Search papers with filters, sort, paging and scores",
    response_model=SearchPage,
    responses=ERROR_RESPONSES,
)
def api_search(
    deps: DepsDep, form: FormDep, limit: LimitQuery = 20, offset: OffsetQuery = 0
) -> SearchPage:
    """Hybrid search; each hit says how the keyword and vector rankings placed it."""
    return search_page(run_search(deps, _checked(form, limit, offset)))


def search_page(result: SearchResult) -> SearchPage:
    """The API twin of one search result page."""
    request = result.request
    words = query_words(request.query.terms, request.query.phrases)
    return SearchPage(
        query=request.query.raw,
        total=result.total_count,
        limit=request.limit,
        offset=request.offset,
        tookMs=result.took_ms,
        degraded=result.degraded,
        timingsMs=dict(result.timings_ms),
        hits=[
            ScoredHit(
                rank=request.offset + n,
                paper=reference_paper(hit.paper, hit.upvote_count),
                score=round(hit.score, 6),
                keywordRank=hit.keyword_rank,
                vectorRank=hit.vector_rank,
                pinned=hit.pinned,
                lastListedOn=hit.listed_on.isoformat() if hit.listed_on else None,
                snippet=[
                    SnippetPart(text=s.text, match=s.is_match)
                    for s in snippet(hit.paper.abstract, words)
                ],
            )
            for n, hit in enumerate(result.hits, 1)
        ],
    )


def _checked(form: SearchForm, limit: int, offset: int) -> SearchRequest:
    try:
        return form.request(limit=limit, offset=offset)
    except BadSearchParameter as error:
        raise invalid_parameter(error.name, error.problem) from error


def _time(hit: SearchHit) -> str | None:
    moment = hit.paper.published_at
    return iso_time(moment) if moment is not None else None
