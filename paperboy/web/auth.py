"""Who is asking, and may they: the identity of each request, CSRF checks, body limits.

`RequestGuard` (an ASGI middleware, so no router can forget it) runs before every route:

- a body over `max_body_bytes` gets 413, by Content-Length or as it streams in;
- `Authorization: Bearer <token>` names the member by a personal API token (no CSRF needed:
  a browser never adds that header to a cross-site request); a bad token is a 401;
- otherwise the `paperboy_session` cookie names them, and every POST/PUT/PATCH/DELETE must
  carry the session's CSRF token as form field `csrf_token` or header `X-CSRF-Token` (403);
- anonymous forms (log in, sign up, reset) carry a token signed over a random value in a
  short-lived cookie scoped to that form's path, set when the form is shown, so pages anyone
  else sees never get a cookie (the page cache skips any request that has one);
- a state-changing request whose Origin is another site is refused (403).

Routes read the result through the `CurrentUser`, `ActiveMember` and `Curator` dependencies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from paperboy.config import Settings
from paperboy.domain.account_rules import local_path
from paperboy.domain.accounts import AccountStatus, Role, User
from paperboy.domain.credentials import Session
from paperboy.services.rate_limits import RateLimited
from paperboy.web.errors import is_api
from paperboy.web.rendering import renderer_of

SESSION_COOKIE = "paperboy_session"
FORM_COOKIE = "paperboy_form"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
# Pages with anonymous forms; each gets its own form cookie, scoped to its path.
ANONYMOUS_FORMS = ("/login", "/signup", "/password-reset", "/verify-email")


@dataclass(frozen=True, slots=True)
class Identity:
    """The member behind a request (None: anonymous), how they proved it, their CSRF token,
    and the content revision read with their session (None if not read)."""

    user: User | None = None
    session: Session | None = None
    csrf_token: str = ""
    by_token: bool = False
    content_revision: int | None = None


ANONYMOUS = Identity()


class AuthError(Exception):
    """A request the member may not make: 401 (log in first) or 403 (not allowed)."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message


class LoginRequired(AuthError):
    """Anonymous where a member is needed: 401 on the API, a redirect to /login on pages."""

    def __init__(self, next_path: str) -> None:
        super().__init__(401, "login_required", "Log in to do this.")
        self.next_path = next_path


def identity_of(request: Request) -> Identity:
    """What `RequestGuard` found out about this request (anonymous if it did not run)."""
    identity = getattr(request.state, "identity", ANONYMOUS)
    return identity if isinstance(identity, Identity) else ANONYMOUS


async def current_user(request: Request) -> User | None:
    return identity_of(request).user


async def current_session(request: Request) -> Session | None:
    return identity_of(request).session


async def content_revision_seen(request: Request) -> int | None:
    """The content revision read with the member's session, to key their page without
    reading it again (None: read it yourself)."""
    return identity_of(request).content_revision


async def signed_in(request: Request) -> User:
    """Any logged-in member, banned or unverified too (to read settings, export, log out)."""
    user = identity_of(request).user
    if user is None:
        raise LoginRequired(return_path(request))
    return user


async def active_member(request: Request) -> User:
    """The member, if they may act: logged in, active, and with a confirmed email address."""
    user = identity_of(request).user
    if user is None:
        raise LoginRequired(return_path(request))
    if user.status is AccountStatus.BANNED:
        raise AuthError(403, "banned", "This account is banned: it can read but not act.")
    if user.status is AccountStatus.DELETED:
        raise AuthError(403, "account_deleted", "This account was deleted.")
    if user.email_verified_at is None:
        raise AuthError(
            403,
            "email_unverified",
            "Confirm your email address first: open the link we sent you "
            "(Settings can send it again).",
        )
    return user


async def curator(user: Annotated[User, Depends(active_member)]) -> User:
    """An active member who curates (curator or admin)."""
    if not user.role.can_curate():
        raise AuthError(403, "curators_only", "Only curators and admins may do this.")
    return user


async def admin(user: Annotated[User, Depends(active_member)]) -> User:
    """An active admin: manages members' roles and bans, and the site's mail."""
    if user.role is not Role.ADMIN:
        raise AuthError(403, "admins_only", "Only admins may do this.")
    return user


CurrentUser = Annotated[User | None, Depends(current_user)]
CurrentSession = Annotated[Session | None, Depends(current_session)]
RevisionSeen = Annotated[int | None, Depends(content_revision_seen)]
SignedIn = Annotated[User, Depends(signed_in)]
ActiveMember = Annotated[User, Depends(active_member)]
Curator = Annotated[User, Depends(curator)]
Admin = Annotated[User, Depends(admin)]


def return_path(request: Request) -> str:
    """Where to come back to after logging in: this page, or for a form post the page it
    was sent from (when that is on this site)."""
    if request.method == "GET":
        query = f"?{request.url.query}" if request.url.query else ""
        return local_path(request.url.path + query)
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc != request.headers.get("host"):
        return "/"
    query = f"?{referer.query}" if referer.query else ""
    return local_path(referer.path + query)


def login_url(next_path: str) -> str:
    """The login page, coming back to `next_path` (a local path) afterwards."""
    target = local_path(next_path)
    return "/login" if target == "/" else f"/login?next={quote(target, safe='/')}"


def page_context(identity: Identity) -> Mapping[str, object]:
    """What every page template gets about the visitor: `user` and `csrf_token`."""
    return {"user": identity.user, "csrf_token": identity.csrf_token}


def install_auth(app: FastAPI) -> None:
    """Answer `AuthError`s and `RateLimited` as JSON on /api/, as pages (or a redirect) else."""
    app.add_exception_handler(AuthError, _auth_error)  # type: ignore[arg-type]
    app.add_exception_handler(RateLimited, _rate_limited)  # type: ignore[arg-type]


async def _auth_error(request: Request, error: AuthError) -> Response:
    if is_api(request):
        body = {"error": {"code": error.code, "message": error.message}}
        headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
        return JSONResponse(body, error.status_code, headers=headers)
    if isinstance(error, LoginRequired):
        return RedirectResponse(login_url(error.next_path), status_code=303)
    return renderer_of(request).error_page(error.status_code, "Not allowed", error.message)


async def _rate_limited(request: Request, error: RateLimited) -> Response:
    headers = {"Retry-After": str(error.retry_after)}
    if is_api(request):
        body = {"error": {"code": "rate_limited", "message": str(error)}}
        return JSONResponse(body, 429, headers=headers)
    page = renderer_of(request).error_page(429, "Too many attempts", str(error))
    page.headers.update(headers)
    return page


def set_session_cookie(response: Response, cookie: str, settings: Settings) -> None:
    """Give the browser its session: HttpOnly, SameSite=Lax, Secure when served over https."""
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=settings.session_days * 86400,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.base_url.startswith("https://"),
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.base_url.startswith("https://"),
    )


def client_ip(request: Request) -> str:
    """The client's address (behind a proxy, run uvicorn with --proxy-headers)."""
    return request.client.host if request.client else ""
