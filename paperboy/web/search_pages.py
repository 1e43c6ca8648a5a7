"""The search page (`/search?q=`) and its feeds (`/search.rss`, `/search.atom`).

Handlers are plain `def`: a search embeds the query and asks two indexes, blocking work that
belongs in the thread pool, not on the event loop. Never in the response cache: results
depend on the indexes, which change without the content revision moving.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from paperboy.app import Deps, run_search
from paperboy.domain.models import Paper
from paperboy.domain.search import SearchHit, SearchRequest, SearchResult
from paperboy.web.api_errors import JsonErrorRoute, invalid_parameter
from paperboy.web.deps import DepsDep
from paperboy.web.feed_xml import (
    ATOM_TYPE,
    RSS_TYPE,
    Feed,
    FeedItem,
    atom_document,
    rss_document,
)
from paperboy.web.rendering import RendererDep
from paperboy.web.search_params import BadSearchParameter, SearchForm, search_form
from paperboy.web.search_views import SEARCH_PATH, search_context

router = APIRouter(include_in_schema=False)
feed_router = APIRouter(tags=["feeds"], route_class=JsonErrorRoute)

PAGE_SIZE = 20
FEED_SIZE = 50
MAX_PAGE = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FormDep = Annotated[SearchForm, Depends(search_form)]
PageQuery = Annotated[int, Query(ge=0, le=MAX_PAGE, description="page number, from 0")]


@router.get(SEARCH_PATH, response_class=HTMLResponse)
def search_page(deps: DepsDep, pages: RendererDep, form: FormDep, p: PageQuery = 0) -> HTMLResponse:
    """Papers matching `q` by words and by meaning, with filter and sort links."""
    try:
        request = form.request(limit=PAGE_SIZE, offset=p * PAGE_SIZE)
    except BadSearchParameter as error:
        raise HTTPException(400, f"{error}.") from error
    result = run_search(deps, request)
    return pages.render("search.html", search_context(result, form, p))


@feed_router.get(
    "/search.rss",
    summary="RSS 2.0 of a search",
    response_class=Response,
    responses={200: {"content": {"application/rss+xml": {}}}},
)
def search_rss(request: Request, deps: DepsDep, form: FormDep) -> Response:
    """The best matches of a search (same parameters as `/search`), as RSS."""
    feed = _search_feed(request, deps, form)
    return Response(rss_document(feed), media_type=RSS_TYPE)


@feed_router.get(
    "/search.atom",
    summary="Atom 1.0 of a search",
    response_class=Response,
    responses={200: {"content": {"application/atom+xml": {}}}},
)
def search_atom(request: Request, deps: DepsDep, form: FormDep) -> Response:
    """The best matches of a search (same parameters as `/search`), as Atom."""
    feed = _search_feed(request, deps, form)
    return Response(atom_document(feed), media_type=ATOM_TYPE)


def _search_feed(request: Request, deps: Deps, form: SearchForm) -> Feed:
    try:
        search_request = form.request(limit=FEED_SIZE)
    except BadSearchParameter as error:
        raise invalid_parameter(error.name, error.problem) from error
    result = run_search(deps, search_request)
    return search_feed(deps, result, form, self_url=str(request.url))


def search_feed(deps: Deps, result: SearchResult, form: SearchForm, *, self_url: str) -> Feed:
    """A feed of the hits of one search; items link to our paper pages."""
    settings = deps.settings
    base = settings.base_url.rstrip("/")
    items = tuple(hit_item(hit, base) for hit in result.hits)
    about = _describe(result.request)
    return Feed(
        title=f"{settings.site_name}: search for {about}",
        link=base + form.url(SEARCH_PATH),
        self_url=self_url,
        description=f"Papers matching {about}, best match first.",
        updated_at=max((item.listed_at for item in items), default=deps.clock()),
        items=items,
        site_name=settings.site_name,
    )


def hit_item(hit: SearchHit, base_url: str) -> FeedItem:
    """The feed item of a search hit, dated by its arXiv publication."""
    paper: Paper = hit.paper
    link = f"{base_url}/papers/{paper.arxiv_id}"
    return FeedItem(
        guid=link,
        link=link,
        title=paper.title,
        authors=paper.authors,
        listed_at=paper.published_at or paper.updated_at or _EPOCH,
        categories=paper.categories,
        abstract=paper.abstract,
        upvotes=hit.upvote_count,
        abs_url=paper.abs_url,
        code_url=paper.code_url,
        project_url=paper.project_url,
    )


def _describe(request: SearchRequest) -> str:
    text = request.query.raw.strip()
    return f"“{text[:80]}”" if text else "the chosen filters"
