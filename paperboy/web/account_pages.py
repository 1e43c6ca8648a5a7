"""The account pages: log in and out, sign up, confirm an address, reset a password.

Every form works without JavaScript: a post answers with a redirect (303) on success or the
same form again, with the problem next to the field, on failure. Handlers that hash a
password are plain `def`s, so the hash runs in the thread pool, never on the event loop.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperboy.domain.account_rules import InvalidAccount, local_path
from paperboy.services.accounts import LoginFailed
from paperboy.web.auth import (
    SESSION_COOKIE,
    CurrentSession,
    CurrentUser,
    clear_session_cookie,
    client_ip,
    set_session_cookie,
)
from paperboy.web.deps import DepsDep
from paperboy.web.rendering import RendererDep

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form(max_length=2048)]
NextQuery = Annotated[str, Query(max_length=2048)]


@router.get("/login", response_class=HTMLResponse)
async def login_page(pages: RendererDep, user: CurrentUser, next: NextQuery = "/") -> Response:
    """The login form; a logged-in visitor goes straight on to `next`."""
    if user is not None:
        return RedirectResponse(local_path(next), status_code=303)
    return pages.render("login.html", login_context(next))


@router.post("/login", response_class=HTMLResponse)
def log_in(
    request: Request,
    deps: DepsDep,
    pages: RendererDep,
    login: FormText = "",
    password: FormText = "",
    next: FormText = "/",
) -> Response:
    """Check the password, start a session, go on to `next` (a path on this site only)."""
    agent, ip = request.headers.get("user-agent", ""), client_ip(request)
    try:
        cookie, _, _ = deps.accounts.log_in(login, password, ip=ip, user_agent=agent)
    except LoginFailed as error:
        context = login_context(next, login=login, errors={"form": str(error)})
        return pages.render("login.html", context, status_code=400)
    response = RedirectResponse(local_path(next), status_code=303)
    set_session_cookie(response, cookie, deps.settings)
    return response


@router.post("/logout")
async def log_out(request: Request, deps: DepsDep, session: CurrentSession) -> Response:
    """End this browser's session (the CSRF check already ran) and go home."""
    response = RedirectResponse("/", status_code=303)
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if session is not None:
        deps.accounts.log_out(cookie)
    clear_session_cookie(response, deps.settings)
    return response


def login_context(
    next_path: str, *, login: str = "", errors: dict[str, str] | None = None, message: str = ""
) -> dict[str, Any]:
    return {
        "next": local_path(next_path),
        "login": login,
        "errors": errors or {},
        "message": message,
    }


def field_errors(error: InvalidAccount) -> dict[str, str]:
    return {error.field: error.message}
