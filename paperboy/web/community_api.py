"""Upvotes, submissions, trending and curators' list changes in the JSON API.

Authenticated by the session cookie (with `X-CSRF-Token`) or `Authorization: Bearer <token>`.
Registered before api's `/api/papers/{arxiv_id:path}`, whose path would otherwise swallow
`…/upvote`. Writes are plain `def` handlers: they may wait on a database write lock, which
must not hold up the event loop.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import Field

from paperboy.app import Deps
from paperboy.domain.calendar import InvalidPeriod, Period, parse_day
from paperboy.domain.ranking import FORMULA, FORMULA_IN_WORDS
from paperboy.services.curation import add_to_list, pin_on_list, remove_from_list
from paperboy.services.daily import DailyPage
from paperboy.services.submissions import submit_paper
from paperboy.services.trending import TrendingPaper, trending, trending_page
from paperboy.services.votes import set_upvote, upvote_state
from paperboy.web.api_errors import (
    ERROR_RESPONSES,
    ErrorResponse,
    JsonErrorRoute,
    invalid_parameter,
)
from paperboy.web.api_models import ApiModel, DailyItem, daily_item
from paperboy.web.auth import ActiveMember, Curator, CurrentUser
from paperboy.web.community_models import (
    ListChangeOut,
    PaperRef,
    SubmissionOut,
    VoteOut,
    list_change_out,
    submission_out,
    vote_out,
)
from paperboy.web.community_pages import submission_rules
from paperboy.web.deps import DepsDep

router = APIRouter(prefix="/api", tags=["community"], route_class=JsonErrorRoute)


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    401: _error("Not logged in (no session cookie or bearer token)"),
    403: _error("Not allowed: an inactive account, not a curator, or a bad CSRF token"),
}
SUBMIT_ERRORS: dict[int | str, dict[str, Any]] = {
    **WRITE_ERRORS,
    409: _error("A curator removed this paper from today's list"),
    422: _error("Not an arXiv id or URL, or first published before the submission window"),
    429: _error("The member's submissions for today are used up"),
    503: _error("arXiv could not be asked about a paper not stored yet"),
}
ArxivIdPath = Annotated[
    str,
    Path(description="An arXiv id in any form (bare, versioned, URL).", examples=["2501.05441"]),
]
DayPath = Annotated[str, Path(description="The list's day, YYYY-MM-DD.", examples=["2025-01-10"])]


class TrendInfo(ApiModel):
    """Why a paper is on the trending list (the formula is in the endpoint's description)."""

    score: float = Field(description="the trending score; higher is hotter")
    upvotesLast24h: int = Field(description="upvotes (members' and imported) in the last 24 h")
    totalUpvotes: int = Field(description="all upvotes counted by the formula")
    ageHours: float = Field(description="hours since the paper was put on a list")
    explanation: str = Field(examples=["12 upvotes in the last 24 h · listed 5 hours ago"])


class TrendingItem(DailyItem):
    """A daily-list item (the reference shape) with why it trends."""

    trending: TrendInfo


def trending_item(ranked: TrendingPaper) -> TrendingItem:
    t = ranked.trend
    info = TrendInfo(
        score=round(t.score, 6),
        upvotesLast24h=t.recent_count,
        totalUpvotes=t.total_count,
        ageHours=round(t.age_hours, 2),
        explanation=t.explanation,
    )
    return TrendingItem(**daily_item(ranked.entry).model_dump(by_alias=True), trending=info)


@router.get(
    "/papers/{arxiv_id:path}/upvote",
    summary="A paper's upvotes, and whether you upvoted it",
    response_model=VoteOut,
    responses=ERROR_RESPONSES,
)
def api_upvote_state(arxiv_id: ArxivIdPath, deps: DepsDep, user: CurrentUser) -> VoteOut:
    """Imported plus members' upvotes; `upvoted` is false for anonymous callers."""
    return vote_out(upvote_state(deps.votes, user, arxiv_id))


@router.post(
    "/papers/{arxiv_id:path}/upvote",
    summary="Upvote a paper",
    response_model=VoteOut,
    responses=WRITE_ERRORS,
)
def api_upvote(arxiv_id: ArxivIdPath, deps: DepsDep, user: ActiveMember) -> VoteOut:
    """One upvote per member: repeating it changes nothing (the answer is the same)."""
    return vote_out(set_upvote(deps.votes, user, arxiv_id, True, deps.clock()))


@router.delete(
    "/papers/{arxiv_id:path}/upvote",
    summary="Take your upvote back",
    response_model=VoteOut,
    responses=WRITE_ERRORS,
)
def api_remove_upvote(arxiv_id: ArxivIdPath, deps: DepsDep, user: ActiveMember) -> VoteOut:
    """Removes your upvote if there is one; repeating it changes nothing."""
    return vote_out(set_upvote(deps.votes, user, arxiv_id, False, deps.clock()))


@router.post(
    "/daily_papers",
    summary="Submit a recent paper to today's list",
    status_code=201,
    response_model=SubmissionOut,
    responses={200: {"model": SubmissionOut, "description": "Already listed"}, **SUBMIT_ERRORS},
)
def api_submit(body: PaperRef, deps: DepsDep, user: ActiveMember) -> Any:
    """Put an arXiv paper (id or URL) on today's list (201), or link to the list it is on (200).

    Papers not stored yet are fetched from arXiv. Only papers first published within the
    site's submission window (14 days by default) may be submitted, and each member may
    submit a limited number per day.
    """
    rules = submission_rules(deps)
    result = submit_paper(
        deps.store, deps.curation, deps.sources, rules, user, body.paper, deps.clock()
    )
    return submission_out(result, status_code=201 if result.created else 200)


@router.get(
    "/trending",
    summary="Papers rising now, with why",
    response_model=list[TrendingItem],
    responses=ERROR_RESPONSES,
    description=f"`{FORMULA}`\n\n{FORMULA_IN_WORDS}",
)
def api_trending(
    deps: DepsDep,
    limit: Annotated[int, Query(ge=1, le=100, description="Papers (1 to 100).")] = 50,
    p: Annotated[int, Query(ge=0, le=10_000, description="Page number, from 0.")] = 0,
) -> list[TrendingItem]:
    """Papers listed in the last `trending_window_days` days, hottest first."""
    settings = deps.settings
    ranked = trending(
        deps.store,
        deps.votes,
        deps.clock(),
        timezone=settings.timezone,
        window_days=settings.trending_window_days,
        limit=limit,
        offset=p * limit,
    )
    return [trending_item(r) for r in ranked]


@router.post(
    "/lists/{day}/entries",
    summary="Curators: add a paper to a day's list",
    status_code=201,
    response_model=ListChangeOut,
    responses={**WRITE_ERRORS, 503: SUBMIT_ERRORS[503]},
)
def api_list_add(day: DayPath, body: PaperRef, deps: DepsDep, user: Curator) -> ListChangeOut:
    """Any paper, any day, no window; a removed entry comes back. Fetched from arXiv if new."""
    change = add_to_list(
        deps.store, deps.curation, deps.sources, user, body.paper, _day(day), deps.clock()
    )
    return list_change_out(change)


@router.delete(
    "/lists/{day}/entries/{arxiv_id:path}",
    summary="Curators: remove a paper from a day's list",
    response_model=ListChangeOut,
    responses=WRITE_ERRORS,
)
def api_list_remove(
    day: DayPath, arxiv_id: ArxivIdPath, deps: DepsDep, user: Curator
) -> ListChangeOut:
    """Hidden from the list (and its count); later imports do not bring it back."""
    return list_change_out(remove_from_list(deps.curation, user, arxiv_id, _day(day), deps.clock()))


@router.put(
    "/lists/{day}/pins/{arxiv_id:path}",
    summary="Curators: pin a paper to the top of a day's list",
    response_model=ListChangeOut,
    responses=WRITE_ERRORS,
)
def api_list_pin(
    day: DayPath, arxiv_id: ArxivIdPath, deps: DepsDep, user: Curator
) -> ListChangeOut:
    """Pinned entries come first on the list, before the most upvoted."""
    change = pin_on_list(deps.curation, user, arxiv_id, _day(day), deps.clock(), pinned=True)
    return list_change_out(change)


@router.delete(
    "/lists/{day}/pins/{arxiv_id:path}",
    summary="Curators: unpin a paper",
    response_model=ListChangeOut,
    responses=WRITE_ERRORS,
)
def api_list_unpin(
    day: DayPath, arxiv_id: ArxivIdPath, deps: DepsDep, user: Curator
) -> ListChangeOut:
    """The entry goes back to its place by upvotes."""
    change = pin_on_list(deps.curation, user, arxiv_id, _day(day), deps.clock(), pinned=False)
    return list_change_out(change)


def ranked_page(
    deps: Deps,
    period: Period,
    page: int,
    page_size: int,
    *,
    submitter: str | None = None,
    is_fallback: bool = False,
) -> DailyPage:
    """A period's list ordered by trending score now (`/api/daily_papers?sort=trending`)."""
    return trending_page(
        deps.store,
        deps.votes,
        period,
        deps.clock(),
        timezone=deps.settings.timezone,
        page=page,
        page_size=page_size,
        submitter=submitter,
        is_fallback=is_fallback,
    )


def _day(text: str) -> Any:
    try:
        return parse_day(text)
    except InvalidPeriod as error:
        raise invalid_parameter("day", str(error)) from error
