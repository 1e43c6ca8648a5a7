"""The HTML pages: today's list, any day, week or month, and one paper.

Handlers are `async` and call the services directly: a query here takes a millisecond or two,
less than the hop to a worker thread that a plain `def` handler costs on every request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse

from paperboy.app import Deps, find_similar
from paperboy.domain.accounts import User
from paperboy.domain.calendar import (
    InvalidPeriod,
    Period,
    day_period,
    parse_day,
    parse_month,
    parse_week,
    today_in,
)
from paperboy.domain.models import ListSort
from paperboy.services.daily import daily_page, today_period
from paperboy.services.papers import PaperNotFound, find_paper
from paperboy.services.votes import upvoted_among
from paperboy.web.auth import CurrentUser, RevisionSeen
from paperboy.web.comment_views import with_discussion
from paperboy.web.deps import DepsDep
from paperboy.web.formatting import period_path
from paperboy.web.member_pages import CSRF, stand_in
from paperboy.web.rendering import Renderer, RendererDep
from paperboy.web.views import daily_context, paper_context

router = APIRouter(include_in_schema=False)

SortQuery = Annotated[ListSort, Query(description="upvotes (default) or newest")]
PageQuery = Annotated[int, Query(ge=0, le=100_000, description="page number, from 0")]
# A proxy or client may squeeze `https://` in a path down to `https:/`.
_SQUEEZED_SCHEME = re.compile(r"^(https?):/+", re.IGNORECASE)


@router.get("/", response_class=HTMLResponse)
async def home(
    deps: DepsDep,
    pages: RendererDep,
    revision: RevisionSeen,
    sort: SortQuery = ListSort.UPVOTES,
    p: PageQuery = 0,
) -> HTMLResponse:
    """Today's list in the site's time zone, or the latest earlier day that has papers."""
    now, zone = deps.clock(), deps.settings.timezone
    if revision is None:
        period, fallback = today_period(deps.store, zone, now)
    else:  # a member: which day today shows changes only with the content, or at midnight
        key = ("today", today_in(zone, now), revision)
        period, fallback = pages.member_pages.fact(key, lambda: today_period(deps.store, zone, now))
    today = today_in(zone, now) if fallback else None
    return list_page(
        deps, pages, period, sort, p, base="/", today=today, fallback=fallback, revision=revision
    )


@router.get("/date/{day}", response_class=HTMLResponse)
async def day_list(
    day: str,
    deps: DepsDep,
    pages: RendererDep,
    revision: RevisionSeen,
    sort: SortQuery = ListSort.UPVOTES,
    p: PageQuery = 0,
) -> HTMLResponse:
    """One day's list."""
    period = requested_period(lambda text: day_period(parse_day(text)), day)
    return list_page(deps, pages, period, sort, p, base=period_path(period), revision=revision)


@router.get("/week/{week}", response_class=HTMLResponse)
async def week_list(
    week: str,
    deps: DepsDep,
    pages: RendererDep,
    revision: RevisionSeen,
    sort: SortQuery = ListSort.UPVOTES,
    p: PageQuery = 0,
) -> HTMLResponse:
    """One ISO week's list, Monday to Sunday."""
    period = requested_period(parse_week, week)
    return list_page(deps, pages, period, sort, p, base=period_path(period), revision=revision)


@router.get("/month/{month}", response_class=HTMLResponse)
async def month_list(
    month: str,
    deps: DepsDep,
    pages: RendererDep,
    revision: RevisionSeen,
    sort: SortQuery = ListSort.UPVOTES,
    p: PageQuery = 0,
) -> HTMLResponse:
    """One calendar month's list."""
    period = requested_period(parse_month, month)
    return list_page(deps, pages, period, sort, p, base=period_path(period), revision=revision)


@router.get("/papers/{arxiv_id:path}", response_class=HTMLResponse)
async def paper(
    arxiv_id: str, deps: DepsDep, pages: RendererDep, user: CurrentUser
) -> HTMLResponse:
    """One paper, found by any common form of its id (versioned, `arXiv:`, abs/pdf URL)."""
    try:
        view = find_paper(deps.store, _SQUEEZED_SCHEME.sub(r"\1://", arxiv_id))
    except PaperNotFound as error:
        raise HTTPException(404, f"{error}.") from error
    similar = find_similar(deps, view.paper.arxiv_id)
    context = paper_context(view, similar)
    return pages.render("paper.html", with_discussion(context, deps, view.paper.arxiv_id, user))


def requested_period(parse: Callable[[str], Period], text: str) -> Period:
    """The period named in the path, or a 404 page that says what is wrong with it."""
    try:
        return parse(text)
    except InvalidPeriod as error:
        raise HTTPException(404, f"No such list: {error}.") from error


def list_page(
    deps: Deps,
    pages: Renderer,
    period: Period,
    sort: ListSort,
    p: int,
    *,
    base: str,
    today: date | None = None,
    fallback: bool = False,
    revision: int | None = None,
) -> HTMLResponse:
    """Render one page of a period's list; a page past the end is a 404.

    `revision`: the content revision, if already read this request (with the session).
    """

    def render(renderer: Renderer) -> str:
        page = daily_page(
            deps.store,
            period,
            sort=sort,
            page=p,
            page_size=deps.settings.page_size,
            is_fallback=fallback,
        )
        if p >= page.page_count:
            last = page.page_count - 1
            raise HTTPException(404, f"This list has pages p=0 to p={last}; there is no p={p}.")
        return renderer.html("daily.html", daily_context(page, base=base, today=today))

    user, csrf_token = pages.visitor
    if user is None:  # anonymous: repeats are answered by the response cache
        return HTMLResponse(render(pages))
    # Members: one shared render per role and content revision, personalised per request.
    if revision is None:
        revision = deps.store.content_revision()
    key = (period, sort, p, base, today, fallback, user.role, revision)
    shared = pages.member_pages.page(key, lambda: render(stand_in_renderer(pages, user)))
    voted = upvoted_among(deps.votes, user, shared.arxiv_ids)
    return HTMLResponse(shared.personalised(user, csrf_token, voted))


def stand_in_renderer(pages: Renderer, user: User) -> Renderer:
    """`pages` rendering for `user`'s stand-in: marker name and token, undecided vote buttons."""
    undecided = {"upvoted_among": lambda *_: None}  # shadows the global that asks the store
    return pages.bound({"user": stand_in(user), "csrf_token": CSRF, **undecided})
