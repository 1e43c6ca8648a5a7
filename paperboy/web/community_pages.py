"""The community's pages: vote buttons that work without JavaScript, /submit, /trending, and
curators' list controls.

Every form here posts with the session's `csrf_token` (checked by `RequestGuard`) and, once
done, redirects back to a local `next` path (never another site). `install` gives templates
the few per-visitor facts cards need (which papers the visitor upvoted, whether they curate).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from paperboy.app import Deps
from paperboy.domain.account_rules import local_path
from paperboy.domain.accounts import User
from paperboy.domain.calendar import InvalidPeriod, parse_day, today_in
from paperboy.domain.community import CommunityError, VoteState
from paperboy.domain.models import DailyEntry
from paperboy.domain.ranking import FORMULA, FORMULA_IN_WORDS
from paperboy.services import curation as curation_service
from paperboy.services.submissions import (
    MAX_REFERENCE_CHARS,
    SubmissionRules,
    submit_paper,
)
from paperboy.services.trending import trending_view
from paperboy.services.votes import set_upvote, toggle_upvote, upvote_state, upvoted_among
from paperboy.web.auth import ActiveMember, Curator, CurrentUser
from paperboy.web.deps import DepsDep
from paperboy.web.errors import is_api
from paperboy.web.rendering import RendererDep, renderer_of

router = APIRouter(include_in_schema=False)

STATUS = {
    "forbidden": 403,
    "not_found": 404,
    "not_listed": 404,
    "invalid_parameter": 422,
    "too_old": 422,
    "removed_by_curator": 409,
    "limit_reached": 429,
    "source_unavailable": 503,
}
NextField = Annotated[str, Form(max_length=2000)]
PaperField = Annotated[str, Form(max_length=MAX_REFERENCE_CHARS * 4)]


def submission_rules(deps: Deps) -> SubmissionRules:
    """The operator's submission settings."""
    settings = deps.settings
    return SubmissionRules(
        settings.timezone, settings.submission_window_days, settings.submission_daily_limit
    )


@router.post("/papers/{arxiv_id:path}/upvote")
def upvote_form(
    arxiv_id: str,
    deps: DepsDep,
    user: ActiveMember,
    vote: Annotated[str, Form(pattern="^(|0|1)$")] = "",
    next: NextField = "",
) -> RedirectResponse:
    """The vote button without JavaScript: set (1), take back (0) or toggle, then go back."""
    now = deps.clock()
    if vote:
        set_upvote(deps.votes, user, arxiv_id, vote == "1", now)
    else:
        toggle_upvote(deps.votes, user, arxiv_id, now)
    return back(next, f"/papers/{arxiv_id}", anchor=f"paper-{arxiv_id}")


@router.get("/submit", response_class=HTMLResponse)
async def submit_page(deps: DepsDep, pages: RendererDep, user: CurrentUser) -> HTMLResponse:
    """The submission form (anonymous visitors are asked to log in)."""
    return pages.render("submit.html", submit_context(deps, user))


@router.post("/submit", response_class=HTMLResponse)
def submit_form(
    deps: DepsDep, pages: RendererDep, user: ActiveMember, paper: PaperField = ""
) -> Response:
    """Submit; a new entry redirects to its list, an error shows the form again with why."""
    try:
        result = submit_paper(
            deps.store,
            deps.curation,
            deps.sources,
            submission_rules(deps),
            user,
            paper,
            deps.clock(),
        )
    except CommunityError as error:
        context = {**submit_context(deps, user), "value": paper, "error": str(error)}
        return pages.render("submit.html", context, STATUS.get(error.code, 400))
    if result.created:
        target = f"/date/{result.listed_on.isoformat()}#paper-{result.paper.arxiv_id}"
        return RedirectResponse(target, status_code=303)
    return pages.render("submit.html", {**submit_context(deps, user), "listed": result})


@router.get("/trending", response_class=HTMLResponse)
async def trending_page(deps: DepsDep, pages: RendererDep) -> HTMLResponse:
    """Papers rising now, each with why: upvotes in the last 24 h and age."""
    settings = deps.settings
    view = trending_view(
        deps.store,
        deps.votes,
        deps.clock(),
        timezone=settings.timezone,
        window_days=settings.trending_window_days,
        limit=settings.page_size,
    )
    context = {
        "ranked": view.ranked,
        "as_of": view.as_of,
        "window_days": settings.trending_window_days,
        "formula": FORMULA,
        "formula_in_words": FORMULA_IN_WORDS,
        "canonical": "/trending",
        "alternates": [],
    }
    return pages.render("trending.html", context)


@router.post("/lists/{day}/entries")
def curator_add(
    day: str, deps: DepsDep, user: Curator, paper: PaperField = "", next: NextField = ""
) -> RedirectResponse:
    """Curators: put a paper on a day's list."""
    listed_on = _day(day)
    change = curation_service.add_to_list(
        deps.store, deps.curation, deps.sources, user, paper, listed_on, deps.clock()
    )
    return back(next, f"/date/{listed_on.isoformat()}", anchor=f"paper-{change.arxiv_id}")


@router.post("/papers/{arxiv_id:path}/lists")
def curator_add_paper(
    arxiv_id: str, deps: DepsDep, user: Curator, day: Annotated[str, Form(max_length=40)] = ""
) -> RedirectResponse:
    """Curators, from a paper's page: put it on the list of the day chosen."""
    listed_on = _day(day)
    change = curation_service.add_to_list(
        deps.store, deps.curation, deps.sources, user, arxiv_id, listed_on, deps.clock()
    )
    return back("", f"/date/{listed_on.isoformat()}", anchor=f"paper-{change.arxiv_id}")


@router.post("/lists/{day}/entries/{arxiv_id:path}/remove")
def curator_remove(
    day: str, arxiv_id: str, deps: DepsDep, user: Curator, next: NextField = ""
) -> RedirectResponse:
    """Curators: take a paper off a day's list."""
    listed_on = _day(day)
    curation_service.remove_from_list(deps.curation, user, arxiv_id, listed_on, deps.clock())
    return back(next, f"/date/{listed_on.isoformat()}")


@router.post("/lists/{day}/entries/{arxiv_id:path}/pin")
def curator_pin(
    day: str,
    arxiv_id: str,
    deps: DepsDep,
    user: Curator,
    pinned: Annotated[str, Form(pattern="^(0|1)$")] = "1",
    next: NextField = "",
) -> RedirectResponse:
    """Curators: pin a paper to the top of a day's list (pinned=0 unpins)."""
    listed_on = _day(day)
    curation_service.pin_on_list(
        deps.curation, user, arxiv_id, listed_on, deps.clock(), pinned=pinned == "1"
    )
    return back(next, f"/date/{listed_on.isoformat()}", anchor=f"paper-{arxiv_id}")


def submit_context(deps: Deps, user: User | None) -> dict[str, Any]:
    settings = deps.settings
    return {
        "value": "",
        "error": None,
        "listed": None,
        "today": today_in(settings.timezone, deps.clock()),
        "window_days": settings.submission_window_days,
        "daily_limit": settings.submission_daily_limit,
        "max_chars": MAX_REFERENCE_CHARS,
        "canonical": "/submit",
    }


def back(next_path: str, default: str, *, anchor: str = "") -> RedirectResponse:
    """303 to `next_path` if it is a path on this site, else to `default`."""
    target = local_path(next_path, default)
    if anchor and "#" not in target:
        target = f"{target}#{anchor}"
    return RedirectResponse(target, status_code=303)


def _day(text: str) -> date:
    try:
        return parse_day(text)
    except InvalidPeriod as error:
        raise CommunityErrorPage(f"day: {error}") from error


class CommunityErrorPage(CommunityError):
    """A malformed day in a curator form."""

    code = "invalid_parameter"


def install(app: FastAPI, deps: Deps) -> None:
    """Answer CommunityErrors (JSON on /api/, a page elsewhere) and give templates vote facts."""
    app.add_exception_handler(CommunityError, _community_error)  # type: ignore[arg-type]
    app.state.renderer.env.globals.update(
        upvoted_among=lambda user, entries: _upvoted(deps, user, entries),
        upvote_state=lambda user, arxiv_id: _state(deps, user, arxiv_id),
        can_curate=curation_service.can_curate,
    )


def _upvoted(deps: Deps, user: User | None, entries: Iterable[DailyEntry]) -> set[str]:
    return upvoted_among(deps.votes, user, [e.paper.arxiv_id for e in entries])


def _state(deps: Deps, user: User | None, arxiv_id: str) -> VoteState:
    return upvote_state(deps.votes, user, arxiv_id)


async def _community_error(request: Request, error: CommunityError) -> Response:
    status = STATUS.get(error.code, 400)
    if is_api(request):
        body = {"error": {"code": error.code, "message": str(error)}}
        return JSONResponse(body, status_code=status)
    return renderer_of(request).error_page(status, "That did not work", str(error))
