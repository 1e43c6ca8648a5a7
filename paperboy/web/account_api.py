"""The account API: sign up, log in and out, reset a password, and `/api/me` for the member.

Scripts authenticate with `Authorization: Bearer <token>` (tokens are made in Settings or at
`POST /api/me/tokens`); a browser session works too, with its CSRF token as `X-CSRF-Token`
on every write (`GET /api/me` returns it).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from paperboy.web.account_models import Me, me
from paperboy.web.api_errors import ERROR_RESPONSES, ErrorResponse, JsonErrorRoute
from paperboy.web.auth import SignedIn, identity_of

router = APIRouter(prefix="/api", tags=["accounts"], route_class=JsonErrorRoute)

AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    401: {"model": ErrorResponse, "description": "Not logged in, or a bad API token"},
    403: {"model": ErrorResponse, "description": "Missing or wrong CSRF token, or not allowed"},
}


@router.get("/me", responses=AUTH_RESPONSES)
async def get_me(request: Request, user: SignedIn) -> Me:
    """The member making the request; with a session cookie, also its CSRF token."""
    return me(user, identity_of(request).csrf_token)
