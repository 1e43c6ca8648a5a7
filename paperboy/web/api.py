"""The JSON API under /api/: daily lists in the reference shape, and one paper with our extras."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from paperboy.app import find_similar
from paperboy.domain.calendar import InvalidPeriod, Period, day_period, parse_day
from paperboy.domain.calendar import parse_month as parse_month_text
from paperboy.domain.calendar import parse_week as parse_week_text
from paperboy.domain.ids import is_arxiv_id, parse_arxiv_id
from paperboy.domain.models import ListSort
from paperboy.services.daily import DailyPage, daily_page, today_period
from paperboy.services.papers import PaperNotFound, find_paper
from paperboy.services.similar import DEFAULT_LIMIT as DEFAULT_SIMILAR
from paperboy.web.api_errors import ERROR_RESPONSES, JsonErrorRoute, invalid_parameter, not_found
from paperboy.web.api_models import (
    DailyItem,
    PaperDetail,
    SimilarItem,
    daily_item,
    paper_detail,
    similar_item,
)
from paperboy.web.community_api import ranked_page
from paperboy.web.deps import DepsDep

router = APIRouter(prefix="/api", tags=["api"], route_class=JsonErrorRoute)

DayQuery = Annotated[
    str | None,
    Query(
        alias="date",
        description="One day's list (YYYY-MM-DD). Give at most one of date, week, month; "
        "with none, today's list (or the latest day that has papers).",
        examples=["2026-08-21"],
    ),
]
WeekQuery = Annotated[
    str | None,
    Query(
        description="An ISO week's list (YYYY-Www), Monday to Sunday.",
        examples=["2026-W34"],
    ),
]
MonthQuery = Annotated[
    str | None,
    Query(
        description="A calendar month's list (YYYY-MM).",
        examples=["2026-08"],
    ),
]
PageQuery = Annotated[
    int, Query(ge=0, description="Page number, from 0; see the Link header.", examples=[0])
]
LimitQuery = Annotated[
    int, Query(ge=1, le=100, description="Papers per page (1 to 100).", examples=[50])
]
SortQuery = Annotated[
    ListSort,
    Query(
        description="upvotes: most upvoted first (pinned first); newest: latest added first; "
        "trending: by the trending score now (see /api/trending for the formula).",
        examples=["upvotes"],
    ),
]
SubmitterQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=100,
        description="Only papers put on the list by this username.",
        examples=["akhaliq"],
    ),
]
ArxivIdPath = Annotated[
    str,
    Path(
        description="An arXiv id in any form: bare, versioned, arXiv:…, or an abs/pdf URL.",
        examples=["2608.19880", "2608.19880v2", "hep-th/9901001"],
    ),
]
SimilarLimitQuery = Annotated[
    int, Query(ge=1, le=50, description="How many similar papers (1 to 50).", examples=[10])
]
PAGE_HEADERS: dict[str, Any] = {
    "X-Total-Count": {
        "description": "papers in the period (after filters)",
        "schema": {"type": "integer"},
    },
    "X-Period": {
        "description": "the period shown: YYYY-MM-DD, YYYY-Www or YYYY-MM",
        "schema": {"type": "string"},
    },
    "Link": {
        "description": 'RFC 8288 links to the rel="next" and rel="prev" pages',
        "schema": {"type": "string"},
    },
}


async def requested_period(
    day: DayQuery = None, week: WeekQuery = None, month: MonthQuery = None
) -> Period | None:
    """The period the query names (None: today's); at most one of date, week and month."""
    given = {name: text for name, text in (("date", day), ("week", week), ("month", month)) if text}
    if len(given) > 1:
        raise invalid_parameter(", ".join(given), "give at most one of date, week and month")
    try:
        if day:
            return day_period(parse_day(day))
        if week:
            return parse_week_text(week)
        return parse_month_text(month) if month else None
    except InvalidPeriod as error:
        raise invalid_parameter(next(iter(given)), str(error)) from error


PeriodDep = Annotated[Period | None, Depends(requested_period)]


@router.get(
    "/daily_papers",
    summary="A daily, weekly or monthly list of papers",
    response_model=list[DailyItem],
    responses={200: {"headers": PAGE_HEADERS}, **ERROR_RESPONSES},
)
async def api_daily_papers(
    request: Request,
    response: Response,
    deps: DepsDep,
    period: PeriodDep,
    p: PageQuery = 0,
    limit: LimitQuery = 50,
    sort: SortQuery = ListSort.UPVOTES,
    submitter: SubmitterQuery = None,
) -> list[DailyItem]:
    """The papers of a period in the reference `/api/daily_papers` shape; paging in headers."""
    fallback = False
    if period is None:
        period, fallback = today_period(deps.store, deps.settings.timezone, deps.clock())
    if sort is ListSort.TRENDING:
        page = ranked_page(deps, period, p, limit, submitter=submitter, is_fallback=fallback)
    else:
        page = daily_page(
            deps.store,
            period,
            sort=sort,
            page=p,
            page_size=limit,
            submitter=submitter,
            is_fallback=fallback,
        )
    response.headers.update(page_headers(request, page))
    return [daily_item(entry) for entry in page.entries]


@router.get(
    "/papers/{arxiv_id:path}/similar",
    summary="Papers similar in meaning to one paper",
    response_model=list[SimilarItem],
    responses=ERROR_RESPONSES,
)
def api_similar_papers(
    deps: DepsDep, arxiv_id: ArxivIdPath, limit: SimilarLimitQuery = DEFAULT_SIMILAR
) -> list[SimilarItem]:
    """Nearest neighbours of the paper's embedding, best first, never the paper itself.

    An empty list while the paper has no embedding yet. Registered before `/papers/{arxiv_id}`,
    whose path parameter would otherwise take `…/similar` as part of an id.
    """
    if not is_arxiv_id(arxiv_id):
        raise invalid_parameter("arxiv_id", f"not an arXiv id: {arxiv_id[:80]!r}")
    bare = parse_arxiv_id(arxiv_id).arxiv_id
    if deps.store.paper(bare) is None:
        raise not_found(f"no paper {bare} here")
    return [similar_item(similar) for similar in find_similar(deps, bare, limit)]


@router.get(
    "/papers/{arxiv_id:path}",
    summary="One paper, with the daily lists it was on",
    response_model=PaperDetail,
    responses=ERROR_RESPONSES,
)
async def api_paper(
    deps: DepsDep,
    arxiv_id: Annotated[
        str,
        Path(
            description="An arXiv id in any form: bare, versioned, arXiv:…, or an abs/pdf URL.",
            examples=["2608.19880", "2608.19880v2", "hep-th/9901001"],
        ),
    ],
) -> PaperDetail:
    """The reference `paper` object plus categories, versions, links and daily lists."""
    if not is_arxiv_id(arxiv_id):
        raise invalid_parameter("arxiv_id", f"not an arXiv id: {arxiv_id[:80]!r}")
    try:
        view = find_paper(deps.store, arxiv_id)
    except PaperNotFound as error:
        raise not_found(str(error)) from error
    votes = deps.votes.vote_state(None, view.paper.arxiv_id)
    return paper_detail(view, votes.upvote_count if votes else view.upvote_count)


def page_headers(request: Request, page: DailyPage) -> dict[str, str]:
    """X-Total-Count, X-Period and an RFC 8288 Link header to the neighbouring pages."""
    links = []
    if (page.page + 1) * page.page_size < page.total_count:
        links.append(f'<{request.url.include_query_params(p=page.page + 1)}>; rel="next"')
    if page.page > 0:
        links.append(f'<{request.url.include_query_params(p=page.page - 1)}>; rel="prev"')
    headers = {"X-Total-Count": str(page.total_count), "X-Period": page.period.label}
    if links:
        headers["Link"] = ", ".join(links)
    return headers
