"""The settings page: profile, email address, password, API tokens, data export, deletion.

Any logged-in member may open it, banned or unconfirmed too: they can read, export and
delete. Each form posts to its own path and comes back to the page with a note (a 303), or
shows the page again with the problem next to the field.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperboy.app import Deps
from paperboy.domain.account_rules import InvalidAccount
from paperboy.domain.accounts import User
from paperboy.web.auth import CurrentSession, SignedIn, clear_session_cookie
from paperboy.web.deps import DepsDep
from paperboy.web.rendering import Renderer, RendererDep

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form(max_length=2048)]
FORMS = ("profile", "email", "password", "tokens", "delete")
DONE = {
    "welcome": "Welcome! We sent a link to your email address: open it to confirm the address.",
    "profile": "Your profile is saved.",
    "email": "We sent a link to the new address: open it to switch to it.",
    "password": "Your password is changed; you are logged out on every other device.",
    "verification": "We sent the confirmation link again.",
    "revoked": "The token is revoked.",
}


@router.get("/settings", response_class=HTMLResponse)
async def settings_page(
    deps: DepsDep, pages: RendererDep, user: SignedIn, done: str = ""
) -> Response:
    """The member's settings, with a note about what they just did."""
    return settings_view(deps, pages, user, done=DONE.get(done, ""))


@router.post("/settings/profile", response_class=HTMLResponse)
async def save_profile(
    deps: DepsDep,
    pages: RendererDep,
    user: SignedIn,
    display_name: FormText = "",
    show_upvotes: FormText = "",
) -> Response:
    """Change the display name and whether the profile lists upvotes."""
    try:
        deps.accounts.update_profile(
            user, display_name=display_name, show_upvotes=bool(show_upvotes)
        )
    except InvalidAccount as error:
        return settings_view(deps, pages, user, form="profile", error=error)
    return back("profile")


@router.post("/settings/email", response_class=HTMLResponse)
def change_email(
    deps: DepsDep, pages: RendererDep, user: SignedIn, email: FormText = "", password: FormText = ""
) -> Response:
    """Mail a confirmation link to the new address (after checking the password)."""
    try:
        deps.accounts.request_email_change(user, password, email)
    except InvalidAccount as error:
        return settings_view(deps, pages, user, form="email", error=error)
    return back("email")


@router.post("/settings/password", response_class=HTMLResponse)
def change_password(
    deps: DepsDep,
    pages: RendererDep,
    user: SignedIn,
    session: CurrentSession,
    current_password: FormText = "",
    new_password: FormText = "",
) -> Response:
    """Replace the password; this browser stays logged in, every other one is logged out."""
    try:
        deps.accounts.change_password(user, current_password, new_password, keep=session)
    except InvalidAccount as error:
        return settings_view(deps, pages, user, form="password", error=error)
    return back("password")


@router.post("/settings/verification")
async def resend_verification(deps: DepsDep, user: SignedIn) -> Response:
    """Send the confirmation link again (rate-limited)."""
    deps.accounts.resend_verification(user)
    return back("verification")


@router.post("/settings/tokens", response_class=HTMLResponse)
async def create_token(
    deps: DepsDep, pages: RendererDep, user: SignedIn, name: FormText = ""
) -> Response:
    """Make a personal API token and show its secret this once (the page is not cached)."""
    secret, token = deps.accounts.sessions.issue_token(user, name)
    new_token = {"name": token.name, "secret": secret}
    response = settings_view(deps, pages, user, new_token=new_token)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/settings/tokens/{token_id}/revoke")
async def revoke_token(token_id: int, deps: DepsDep, user: SignedIn) -> Response:
    """Revoke one of the member's tokens (someone else's is left alone)."""
    deps.accounts.sessions.revoke_token(user, token_id)
    return back("revoked")


@router.get("/settings/export.json")
async def export(deps: DepsDep, user: SignedIn) -> Response:
    """Everything kept about the member, as a JSON download."""
    body = json.dumps(deps.accounts.export(user), indent=2, ensure_ascii=False)
    headers = {
        "Content-Disposition": f'attachment; filename="{user.username}-data.json"',
        "Cache-Control": "no-store",
    }
    return Response(body, media_type="application/json", headers=headers)


@router.post("/settings/delete", response_class=HTMLResponse)
def delete_account(
    deps: DepsDep, pages: RendererDep, user: SignedIn, password: FormText = ""
) -> Response:
    """Erase the account after checking the password; log out; say so on the login page."""
    try:
        deps.accounts.delete_account(user, password)
    except InvalidAccount as error:
        return settings_view(deps, pages, user, form="delete", error=error)
    response = RedirectResponse("/login?done=deleted", status_code=303)
    clear_session_cookie(response, deps.settings)
    return response


def back(done: str) -> Response:
    return RedirectResponse(f"/settings?done={done}", status_code=303)


def settings_view(
    deps: Deps,
    pages: Renderer,
    user: User,
    *,
    done: str = "",
    form: str = "",
    error: InvalidAccount | None = None,
    new_token: dict[str, str] | None = None,
) -> Response:
    """The settings page; with `error`, the problem shown next to its field in `form`."""
    errors: dict[str, dict[str, str]] = {name: {} for name in FORMS}
    if error is not None:
        errors[form] = {error.field: error.message}
    context: dict[str, Any] = {
        "done": done,
        "errors": errors,
        "tokens": deps.accounts.sessions.tokens(user),
        "session_count": deps.accounts.sessions.count(user),
        "new_token": new_token,
    }
    return pages.render("account_settings.html", context, status_code=400 if error else 200)
