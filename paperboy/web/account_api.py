"""The account API: sign up, log in and out, confirm and reset, and `/api/me` for the member.

Scripts authenticate with `Authorization: Bearer <token>` (tokens are made in Settings or at
`POST /api/me/tokens`); a browser session works too, with its CSRF token as `X-CSRF-Token`
on every write (`GET /api/me` and `POST /api/auth/login` return it). Anonymous writes must
be `application/json`. Bad input is a 422 naming the field, a wrong password a 401 or 422,
too many attempts a 429 with Retry-After.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request, Response

from paperboy.domain.account_rules import InvalidAccount
from paperboy.services.accounts import LinkInvalid, LoginFailed
from paperboy.web.account_models import (
    AccountDeletion,
    Done,
    EmailChange,
    EmailTokenBody,
    LoggedIn,
    LogIn,
    Me,
    NewToken,
    PasswordChange,
    PasswordReset,
    PasswordResetRequest,
    ProfileUpdate,
    SignUp,
    TokenInfo,
    TokenRequest,
    me,
    token_info,
)
from paperboy.web.api_errors import ERROR_RESPONSES, ApiError, ErrorResponse, JsonErrorRoute
from paperboy.web.auth import (
    SESSION_COOKIE,
    CurrentSession,
    SignedIn,
    clear_session_cookie,
    client_ip,
    identity_of,
    set_session_cookie,
)
from paperboy.web.deps import DepsDep

router = APIRouter(prefix="/api", tags=["accounts"], route_class=JsonErrorRoute)


def _error(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorResponse, "description": description}}


AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    **_error(401, "Not logged in, or a bad API token"),
    **_error(403, "Missing or wrong CSRF token (session writes), or not allowed"),
    **_error(413, "The body is over the size limit"),
}
LIMITED = {**AUTH_RESPONSES, **_error(429, "Too many attempts: see the Retry-After header")}
TokenId = Path(description="The token's id, from GET /api/me/tokens", examples=[3])


def invalid(error: InvalidAccount) -> ApiError:
    return ApiError(422, "invalid_parameter", f"{error.field}: {error.message}")


@router.post("/auth/signup", status_code=201, responses=LIMITED)
def sign_up(body: SignUp, request: Request, deps: DepsDep) -> Me:
    """Create an account (unconfirmed) and mail the confirmation link; rate-limited per IP."""
    try:
        user = deps.accounts.sign_up(
            username=body.username,
            email=body.email,
            password=body.password,
            display_name=body.displayName,
            ip=client_ip(request),
        )
    except InvalidAccount as error:
        raise invalid(error) from error
    return me(user)


@router.post("/auth/login", responses=LIMITED)
def log_in(body: LogIn, request: Request, response: Response, deps: DepsDep) -> LoggedIn:
    """Start a session: the cookie is set, and `csrfToken` goes in X-CSRF-Token on writes."""
    agent, ip = request.headers.get("user-agent", ""), client_ip(request)
    try:
        cookie, session, user = deps.accounts.log_in(
            body.login, body.password, ip=ip, user_agent=agent
        )
    except LoginFailed as error:
        raise ApiError(401, "login_failed", str(error)) from error
    set_session_cookie(response, cookie, deps.settings)
    return LoggedIn(user=me(user, session.csrf_token), csrfToken=session.csrf_token)


@router.post("/auth/logout", responses=AUTH_RESPONSES)
async def log_out(
    request: Request, response: Response, deps: DepsDep, session: CurrentSession
) -> Done:
    """End this session (a token-authenticated call has none to end)."""
    if session is not None:
        deps.accounts.log_out(request.cookies.get(SESSION_COOKIE, ""))
    clear_session_cookie(response, deps.settings)
    return Done(message="Logged out.")


@router.post("/auth/verify-email", responses=AUTH_RESPONSES)
async def verify_email(body: EmailTokenBody, deps: DepsDep) -> Me:
    """Confirm an address with the token from the emailed link (works once)."""
    try:
        return me(deps.accounts.verify_email(body.token))
    except LinkInvalid as error:
        raise ApiError(400, "invalid_link", str(error)) from error


@router.post("/auth/email-change", responses=AUTH_RESPONSES)
async def confirm_email_change(body: EmailTokenBody, deps: DepsDep) -> Me:
    """Switch to a new address with the token from the link sent to it."""
    try:
        return me(deps.accounts.confirm_email_change(body.token))
    except LinkInvalid as error:
        raise ApiError(400, "invalid_link", str(error)) from error


@router.post("/auth/password-reset", status_code=202, responses=LIMITED)
def request_reset(body: PasswordResetRequest, deps: DepsDep) -> Done:
    """Mail a reset link if an account has this address (the answer never says)."""
    deps.accounts.request_password_reset(body.email)
    return Done(message="If an account has this address, a reset link is on its way.")


@router.post("/auth/password-reset/confirm", responses=AUTH_RESPONSES)
def reset_password(body: PasswordReset, deps: DepsDep) -> Done:
    """Set a new password with the reset link's token; every session ends."""
    try:
        deps.accounts.reset_password(body.token, body.password)
    except LinkInvalid as error:
        raise ApiError(400, "invalid_link", str(error)) from error
    except InvalidAccount as error:
        raise invalid(error) from error
    return Done(message="Password changed; log in again.")


@router.get("/me", responses=AUTH_RESPONSES)
async def get_me(request: Request, user: SignedIn) -> Me:
    """The member making the request; with a session cookie, also its CSRF token."""
    return me(user, identity_of(request).csrf_token)


@router.patch("/me", responses=AUTH_RESPONSES)
async def update_me(body: ProfileUpdate, deps: DepsDep, user: SignedIn) -> Me:
    """Change the display name and whether the profile lists upvotes."""
    try:
        changed = deps.accounts.update_profile(
            user, display_name=body.displayName, show_upvotes=body.showUpvotes
        )
    except InvalidAccount as error:
        raise invalid(error) from error
    return me(changed)


@router.post("/me/password", responses=AUTH_RESPONSES)
def change_password(
    body: PasswordChange, deps: DepsDep, user: SignedIn, session: CurrentSession
) -> Done:
    """Replace the password (the current one is checked); other sessions end."""
    try:
        deps.accounts.change_password(user, body.currentPassword, body.newPassword, keep=session)
    except InvalidAccount as error:
        raise invalid(error) from error
    return Done(message="Password changed.")


@router.post("/me/email", status_code=202, responses=LIMITED)
def change_email(body: EmailChange, deps: DepsDep, user: SignedIn) -> Done:
    """Mail a confirmation link to a new address; it takes effect when opened."""
    try:
        deps.accounts.request_email_change(user, body.password, body.newEmail)
    except InvalidAccount as error:
        raise invalid(error) from error
    return Done(message="A confirmation link is on its way to the new address.")


@router.post("/me/verification", status_code=202, responses=LIMITED)
async def resend_verification(deps: DepsDep, user: SignedIn) -> Done:
    """Send the address confirmation link again (if it is not confirmed yet)."""
    sent = deps.accounts.resend_verification(user)
    return Done(ok=sent, message="Sent." if sent else "Nothing sent: already confirmed.")


@router.get("/me/tokens", responses=AUTH_RESPONSES)
async def list_tokens(deps: DepsDep, user: SignedIn) -> list[TokenInfo]:
    """The member's personal API tokens, newest first (revoked ones too), without secrets."""
    return [token_info(t) for t in deps.accounts.sessions.tokens(user)]


@router.post("/me/tokens", status_code=201, responses=AUTH_RESPONSES)
async def create_token(body: TokenRequest, deps: DepsDep, user: SignedIn) -> NewToken:
    """A new personal API token; its secret is in this answer only."""
    secret, token = deps.accounts.sessions.issue_token(user, body.name)
    return NewToken(**token_info(token).model_dump(), token=secret)


@router.delete("/me/tokens/{token_id}", responses=AUTH_RESPONSES)
async def revoke_token(deps: DepsDep, user: SignedIn, token_id: int = TokenId) -> Done:
    """Revoke one of the member's tokens; 404 if there is no such live token of theirs."""
    if not deps.accounts.sessions.revoke_token(user, token_id):
        raise ApiError(404, "not_found", f"token_id: no live token {token_id} of yours.")
    return Done(message="Revoked.")


@router.get("/me/export", responses=AUTH_RESPONSES)
async def export(deps: DepsDep, user: SignedIn) -> dict[str, Any]:
    """Everything kept about the member: account, sessions, tokens (no secrets), activity."""
    return deps.accounts.export(user)


@router.post("/me/delete", responses=AUTH_RESPONSES)
def delete_me(body: AccountDeletion, response: Response, deps: DepsDep, user: SignedIn) -> Done:
    """Delete the account (password checked): personal data erased, comments kept anonymised."""
    try:
        deps.accounts.delete_account(user, body.password)
    except InvalidAccount as error:
        raise invalid(error) from error
    clear_session_cookie(response, deps.settings)
    return Done(message="Account deleted.")
