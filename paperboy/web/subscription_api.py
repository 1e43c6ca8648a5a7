"""The member's digest over JSON: `GET/PUT/DELETE /api/me/subscription`.

The same rules as the settings section (`/settings/digest`): the digest goes to the member's
confirmed address and starts at once; a bad preference is a 422 naming the field. A browser
session sends its CSRF token as `X-CSRF-Token` on writes; an API token needs none.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from paperboy.app import subscribing
from paperboy.config import Settings
from paperboy.domain.digest_schedule import InvalidPreferences, checked_preferences
from paperboy.domain.digests import Subscription
from paperboy.services.digest_links import digest_links
from paperboy.services.subscriptions import NotAllowed
from paperboy.web.api_errors import ERROR_RESPONSES, ApiError, ErrorResponse, JsonErrorRoute
from paperboy.web.auth import SignedIn
from paperboy.web.deps import DepsDep

router = APIRouter(prefix="/api/me", tags=["digests"], route_class=JsonErrorRoute)
RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    401: {"model": ErrorResponse, "description": "Not logged in, or a bad API token"},
    403: {"model": ErrorResponse, "description": "A bad CSRF token, or an unconfirmed address"},
    404: {"model": ErrorResponse, "description": "The member has no digest subscription"},
}


class DigestPreferences(BaseModel):
    """What and when: the body of PUT, and part of every answer."""

    content: str = Field(default="top", description="top, trending or searches")
    frequency: str = Field(default="daily", description="daily (Monday to Friday) or weekly")
    weekday: int = Field(default=0, description="0 = Monday … 6 = Sunday; used when weekly")
    hour: int = Field(default=8, description="local hour, 0 to 23", examples=[8])
    timezone: str = Field(default="America/New_York", max_length=200, examples=["Europe/Berlin"])
    maxPapers: int = Field(default=10, description="1 to 50")
    categories: list[str] = Field(
        default=[], max_length=100, description="arXiv categories; empty for all"
    )
    searches: list[str] = Field(default=[], max_length=100, description="at most 10 queries")


class DigestSubscription(BaseModel):
    """The member's subscription, its schedule, and its links (manage, private feeds)."""

    email: str
    status: str = Field(description="pending, active, paused or unsubscribed")
    preferences: DigestPreferences
    nextDueAt: datetime | None
    pausedReason: str | None
    manageUrl: str
    feedRss: str
    feedAtom: str


@router.get("/subscription", responses=RESPONSES)
def get_subscription(deps: DepsDep, user: SignedIn) -> DigestSubscription:
    """The member's digest subscription (404 if they never had one)."""
    found = subscribing(deps).of_member(user)
    if found is None:
        raise ApiError(404, "not_subscribed", "You have no digest subscription.")
    return answer(deps.settings, found)


@router.put("/subscription", responses=RESPONSES)
def put_subscription(body: DigestPreferences, deps: DepsDep, user: SignedIn) -> DigestSubscription:
    """Subscribe with these preferences, or change them; active at once (a paused one resumes)."""
    try:
        preferences = checked_preferences(
            body.frequency, body.weekday, body.hour, body.timezone, body.maxPapers,
            body.categories, body.content, body.searches,
        )  # fmt: skip
        found = subscribing(deps).subscribe_member(user, preferences)
    except InvalidPreferences as error:
        field = "maxPapers" if error.field == "max_papers" else error.field
        raise ApiError(422, "invalid_parameter", f"{field}: {error.message}") from error
    except NotAllowed as error:
        raise ApiError(403, "email_not_confirmed", str(error)) from error
    return answer(deps.settings, found)


@router.delete("/subscription", responses=RESPONSES)
def delete_subscription(deps: DepsDep, user: SignedIn) -> DigestSubscription:
    """Unsubscribe (idempotent; 404 if there was never a subscription)."""
    service = subscribing(deps)
    found = service.of_member(user)
    if found is None:
        raise ApiError(404, "not_subscribed", "You have no digest subscription.")
    return answer(deps.settings, service.unsubscribe(found))


def answer(settings: Settings, found: Subscription) -> DigestSubscription:
    prefs = found.preferences
    links = digest_links(settings, found.id)
    return DigestSubscription(
        email=found.email,
        status=found.status.value,
        preferences=DigestPreferences(
            content=prefs.content.value,
            frequency=prefs.frequency.value,
            weekday=prefs.weekday,
            hour=prefs.hour,
            timezone=prefs.timezone,
            maxPapers=prefs.max_papers,
            categories=list(prefs.categories),
            searches=list(prefs.searches),
        ),
        nextDueAt=found.next_due_at,
        pausedReason=found.paused_reason,
        manageUrl=links.manage,
        feedRss=links.feed_rss,
        feedAtom=links.feed_atom,
    )
