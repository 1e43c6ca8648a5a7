"""The account pages: log in and out, sign up, confirm an address, reset a password.

Every form works without JavaScript: a post answers with a redirect (303) on success or the
same form again, with the problem next to the field, on failure. Handlers that hash a
password are plain `def`s, so the hash runs in the thread pool, never on the event loop.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperboy.domain.account_rules import InvalidAccount, local_path
from paperboy.services.accounts import LinkInvalid, LoginFailed
from paperboy.web.auth import (
    SESSION_COOKIE,
    CurrentSession,
    CurrentUser,
    clear_session_cookie,
    client_ip,
    set_session_cookie,
)
from paperboy.web.deps import DepsDep
from paperboy.web.rendering import Renderer, RendererDep

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form(max_length=2048)]
NextQuery = Annotated[str, Query(max_length=2048)]
# What a link's secret looks like (token_urlsafe); anything else is refused unread.
_LINK_SECRET = re.compile(r"[A-Za-z0-9_-]{20,100}")
LOGIN_NOTES = {
    "reset": "Your password is changed and you are logged out everywhere. Log in again.",
    "deleted": "Your account is deleted.",
}


@router.get("/login", response_class=HTMLResponse)
async def login_page(
    pages: RendererDep, user: CurrentUser, next: NextQuery = "/", done: str = ""
) -> Response:
    """The login form; a logged-in visitor goes straight on to `next`."""
    if user is not None:
        return RedirectResponse(local_path(next), status_code=303)
    return pages.render("login.html", login_context(next, message=LOGIN_NOTES.get(done, "")))


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
    if session is not None:
        deps.accounts.log_out(request.cookies.get(SESSION_COOKIE, ""))
    clear_session_cookie(response, deps.settings)
    return response


@router.get("/signup", response_class=HTMLResponse)
async def signup_page(pages: RendererDep, user: CurrentUser) -> Response:
    """The sign-up form (a member already logged in goes to their settings)."""
    if user is not None:
        return RedirectResponse("/settings", status_code=303)
    return pages.render("signup.html", signup_context())


@router.post("/signup", response_class=HTMLResponse)
def sign_up(
    request: Request,
    deps: DepsDep,
    pages: RendererDep,
    username: FormText = "",
    email: FormText = "",
    password: FormText = "",
    display_name: FormText = "",
) -> Response:
    """Create the member, mail the confirmation link, log them in, show their settings."""
    values = {"username": username, "email": email, "display_name": display_name}
    try:
        user = deps.accounts.sign_up(
            username=username,
            email=email,
            password=password,
            display_name=display_name,
            ip=client_ip(request),
        )
    except InvalidAccount as error:
        context = signup_context(values, {error.field: error.message})
        return pages.render("signup.html", context, status_code=400)
    cookie, _ = deps.accounts.sessions.start(user, ip=client_ip(request))
    response = RedirectResponse("/settings?done=welcome", status_code=303)
    set_session_cookie(response, cookie, deps.settings)
    return response


@router.get("/verify-email/change/{secret}", response_class=HTMLResponse)
async def confirm_new_email(secret: str, deps: DepsDep, pages: RendererDep) -> Response:
    """Open a change-email link: the account switches to the new address."""
    try:
        user = deps.accounts.confirm_email_change(_link_secret(secret))
    except LinkInvalid as error:
        return invalid_link(pages, error)
    text = f"Your email address is now {user.email}."
    return message_page(pages, "Address changed", text, ("/settings", "Settings"))


@router.get("/verify-email/{secret}", response_class=HTMLResponse)
async def verify_email(secret: str, deps: DepsDep, pages: RendererDep) -> Response:
    """Open a verification link: the address is confirmed (once)."""
    try:
        user = deps.accounts.verify_email(_link_secret(secret))
    except LinkInvalid as error:
        return invalid_link(pages, error)
    text = f"Thank you, {user.display_name}: you can now vote, submit papers and comment."
    return message_page(pages, "Address confirmed", text, ("/", "Go to today's papers"))


@router.get("/password-reset", response_class=HTMLResponse)
async def reset_request_page(pages: RendererDep) -> Response:
    """The form that asks for a reset link."""
    context = {"email": "", "errors": {}, "sent": False}
    return pages.render("account_reset_request.html", context)


@router.post("/password-reset", response_class=HTMLResponse)
def request_reset(deps: DepsDep, pages: RendererDep, email: FormText = "") -> Response:
    """Mail a reset link if the address has an account; the answer is the same either way."""
    deps.accounts.request_password_reset(email)
    context = {"email": email, "errors": {}, "sent": True}
    return pages.render("account_reset_request.html", context)


@router.get("/password-reset/{secret}", response_class=HTMLResponse)
async def reset_page(secret: str, deps: DepsDep, pages: RendererDep) -> Response:
    """The new-password form of a reset link (an invalid link says so at once)."""
    if not deps.accounts.reset_link_is_valid(_link_secret(secret)):
        return invalid_link(pages, LinkInvalid())
    return pages.render("account_reset.html", {"token": secret, "errors": {}})


@router.post("/password-reset/{secret}", response_class=HTMLResponse)
def reset_password(
    secret: str, deps: DepsDep, pages: RendererDep, password: FormText = ""
) -> Response:
    """Set the new password (every session ends) and go to the login page."""
    try:
        deps.accounts.reset_password(_link_secret(secret), password)
    except LinkInvalid as error:
        return invalid_link(pages, error)
    except InvalidAccount as error:
        context = {"token": secret, "errors": {error.field: error.message}}
        return pages.render("account_reset.html", context, status_code=400)
    return RedirectResponse("/login?done=reset", status_code=303)


def _link_secret(secret: str) -> str:
    """The secret of a link, or "" (which matches nothing) when it cannot be one."""
    return secret if _LINK_SECRET.fullmatch(secret) else ""


def invalid_link(pages: Renderer, error: Exception) -> Response:
    link = ("/password-reset", "Ask for a new password link")
    return message_page(pages, "Link not valid", str(error), link, status_code=400)


def message_page(
    pages: Renderer, title: str, message: str, link: tuple[str, str], status_code: int = 200
) -> Response:
    context = {"title": title, "message": message, "link": {"href": link[0], "label": link[1]}}
    return pages.render("account_message.html", context, status_code=status_code)


def login_context(
    next_path: str, *, login: str = "", errors: dict[str, str] | None = None, message: str = ""
) -> dict[str, Any]:
    return {
        "next": local_path(next_path),
        "login": login,
        "errors": errors or {},
        "message": message,
    }


def signup_context(
    values: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    blank = {"username": "", "email": "", "display_name": ""}
    return {"values": values or blank, "errors": errors or {}}
