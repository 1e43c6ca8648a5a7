"""Member profiles: `/u/{username}` and its JSON twin `/api/users/{username}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse

from paperboy.app import Deps
from paperboy.domain.accounts import User
from paperboy.domain.profiles import Profile
from paperboy.services.profiles import member_profile
from paperboy.web.api_errors import ERROR_RESPONSES, JsonErrorRoute
from paperboy.web.auth import CurrentUser
from paperboy.web.comment_models import ProfileOut, profile_out
from paperboy.web.comment_views import comment_view
from paperboy.web.deps import DepsDep
from paperboy.web.markdown import has_math
from paperboy.web.rendering import RendererDep

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["discussion"], route_class=JsonErrorRoute)
UsernamePath = Annotated[
    str, Path(min_length=1, max_length=100, description="The member's username.", examples=["ada"])
]


def profile_of(deps: Deps, username: str, viewer: User | None) -> Profile:
    return member_profile(deps.profiles, deps.comments, deps.claims, username, viewer)


@router.get("/u/{username}", response_class=HTMLResponse)
async def profile_page(
    username: UsernamePath, deps: DepsDep, pages: RendererDep, user: CurrentUser
) -> HTMLResponse:
    """A member's submissions, comments, authored papers and (if shown) upvotes."""
    profile = profile_of(deps, username, user)
    comments = [comment_view(c, None) for c in profile.comments]
    context = {
        "profile": profile,
        "member": profile.user,
        "comments": comments,
        "math": any(has_math(view.html) for view in comments),
        "canonical": f"/u/{profile.user.username}",
        "alternates": [],
    }
    return pages.render("profile.html", context)


@api_router.get(
    "/users/{username}",
    summary="A member's public profile",
    response_model=ProfileOut,
    responses=ERROR_RESPONSES,
)
async def api_profile(username: UsernamePath, deps: DepsDep, user: CurrentUser) -> ProfileOut:
    """Submitted papers, visible comments, verified authorships, and upvotes when the member
    shows them (`upvoted` is null otherwise; members always see their own)."""
    return profile_out(profile_of(deps, username, user))
