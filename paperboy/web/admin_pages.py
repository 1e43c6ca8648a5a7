"""`/admin/members`: the admin's list of members, with role and ban controls.

Plain form posts (CSRF checked centrally by the request guard) answered by a 303 back to the
member's row, so it works without JavaScript.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from paperboy.domain.accounts import Role
from paperboy.services.accounts import AccountClosed
from paperboy.services.member_admin import (
    SelfLockout,
    UnknownMember,
    member_named,
    set_member_banned,
    set_member_role,
)
from paperboy.web.auth import Admin
from paperboy.web.deps import DepsDep
from paperboy.web.errors import is_api
from paperboy.web.rendering import RendererDep, renderer_of

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100
UsernamePath = Annotated[str, Path(min_length=1, max_length=100)]


@router.get("/admin/members", response_class=HTMLResponse)
async def members_page(
    deps: DepsDep,
    pages: RendererDep,
    admin: Admin,
    p: Annotated[int, Query(ge=0, le=100_000)] = 0,
    username: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    """Members in sign-up order, a page at a time, or the one named `username`."""
    if username.strip():
        members = [member_named(deps.accounts, username.strip())]
    else:
        members = deps.accounts.members(limit=PAGE_SIZE + 1, offset=p * PAGE_SIZE)
    context = {
        "members": members[:PAGE_SIZE],
        "roles": list(Role),
        "page": p,
        "more": len(members) > PAGE_SIZE,
        "username": username,
    }
    return pages.render("admin_members.html", context)


@router.post("/admin/members/{username}/role")
async def change_role(
    username: UsernamePath, deps: DepsDep, admin: Admin, role: Annotated[Role, Form()]
) -> Response:
    """Make the member a member, curator or admin."""
    user = set_member_role(deps.accounts, admin, username, role)
    return _back_to(user.username)


@router.post("/admin/members/{username}/ban")
async def ban(username: UsernamePath, deps: DepsDep, admin: Admin) -> Response:
    """Ban the member: they may still log in to read and export, not act."""
    return _back_to(set_member_banned(deps.accounts, admin, username, True).username)


@router.post("/admin/members/{username}/unban")
async def unban(username: UsernamePath, deps: DepsDep, admin: Admin) -> Response:
    """Reinstate a banned member."""
    return _back_to(set_member_banned(deps.accounts, admin, username, False).username)


def install_admin_errors(app: FastAPI) -> None:
    """Unknown members are 404 pages; self-lockouts and deleted accounts 409 pages."""
    app.add_exception_handler(UnknownMember, _unknown)  # type: ignore[arg-type]
    app.add_exception_handler(SelfLockout, _refused)
    app.add_exception_handler(AccountClosed, _refused)


async def _unknown(request: Request, error: UnknownMember) -> Response:
    return renderer_of(request).error_page(404, "No such member", str(error))


async def _refused(request: Request, error: Exception) -> Response:
    if is_api(request):
        return JSONResponse({"error": {"code": "conflict", "message": str(error)}}, 409)
    return renderer_of(request).error_page(409, "Not done", str(error))


def _back_to(username: str) -> Response:
    return RedirectResponse(f"/admin/members?username={username}#member-{username}", 303)
