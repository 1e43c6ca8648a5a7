"""Private digest feeds: a subscription's papers as RSS or Atom, for readers instead of email.

The URL's token is signed for the feed purpose of one subscription (`/subscription` shows it),
so it works in a feed reader without logging in and cannot be guessed or turned into another's.
A forged or altered token, or a subscription that was unsubscribed or never confirmed, gets a
404 that says which. The feed lists what the subscriber's next digest would choose from now.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from paperboy.app import Deps
from paperboy.domain.digest_text import readable
from paperboy.domain.digests import (
    DigestContent,
    InvalidLink,
    LinkPurpose,
    Subscription,
    SubscriptionStatus,
    subscription_of,
)
from paperboy.domain.models import Paper
from paperboy.domain.urls import web_url
from paperboy.services.digest_compose import DigestComposer
from paperboy.web.api_errors import ERROR_RESPONSES, JsonErrorRoute, not_found
from paperboy.web.deps import DepsDep
from paperboy.web.feed_xml import (
    ATOM_TYPE,
    RSS_TYPE,
    Feed,
    FeedItem,
    atom_document,
    midnight,
    rss_document,
)
from paperboy.web.feeds import with_etag

router = APIRouter(prefix="/feeds/digest", tags=["feeds"], route_class=JsonErrorRoute)

FEED_SIZE = 50
MAX_AGE = 15 * 60
DESCRIBED = {
    DigestContent.TOP: "the most upvoted papers of the latest daily lists",
    DigestContent.TRENDING: "the papers trending now",
    DigestContent.SEARCHES: "new papers matching your saved searches",
}
TokenPath = Annotated[
    str, Path(description="The feed token from your digest settings page.", max_length=80)
]


@router.get(
    "/{token}.rss",
    summary="RSS 2.0 of a digest subscription",
    response_class=Response,
    responses={200: {"content": {RSS_TYPE: {}}}, **ERROR_RESPONSES},
)
async def digest_rss(request: Request, deps: DepsDep, token: TokenPath) -> Response:
    """The subscription's papers as RSS; 404 for a forged token or an ended subscription."""
    feed = digest_feed(deps, subscribed(deps, token), str(request.url))
    return _respond(request, rss_document(feed), RSS_TYPE)


@router.get(
    "/{token}.atom",
    summary="Atom 1.0 of a digest subscription",
    response_class=Response,
    responses={200: {"content": {ATOM_TYPE: {}}}, **ERROR_RESPONSES},
)
async def digest_atom(request: Request, deps: DepsDep, token: TokenPath) -> Response:
    """The subscription's papers as Atom; 404 for a forged token or an ended subscription."""
    feed = digest_feed(deps, subscribed(deps, token), str(request.url))
    return _respond(request, atom_document(feed), ATOM_TYPE)


def subscribed(deps: Deps, token: str) -> Subscription:
    """The confirmed, not unsubscribed subscription the feed token was signed for; else 404."""
    try:
        subscription_id = subscription_of(deps.settings.secret_key, LinkPurpose.FEED, token)
    except InvalidLink as error:
        raise not_found(f"token: {error}") from error
    subscription = deps.subscriptions.subscription(subscription_id)
    if subscription is None or subscription.status is SubscriptionStatus.UNSUBSCRIBED:
        raise not_found("this digest was unsubscribed, so its feed is no more")
    if subscription.status is SubscriptionStatus.PENDING:
        raise not_found("this digest is not confirmed yet: open the link in its first email")
    return subscription


def digest_feed(deps: Deps, subscription: Subscription, self_url: str) -> Feed:
    """The feed of what the subscriber's digest would choose from at this moment."""
    now = deps.clock()
    papers = DigestComposer.from_deps(deps).feed_papers(subscription, now, FEED_SIZE)
    listed = deps.store.papers_by_ids([paper.arxiv_id for paper in papers])
    base = deps.settings.base_url.rstrip("/")
    items = tuple(
        _item(paper, base, listed[paper.arxiv_id][1] if paper.arxiv_id in listed else 0, now)
        for paper in papers
    )
    content = subscription.preferences.content
    return Feed(
        title=f"{deps.settings.site_name}: your digest ({content.value})",
        link=base + "/",
        self_url=self_url,
        description=f"Your private feed: {DESCRIBED[content]}.",
        updated_at=max((item.listed_at for item in items), default=now),
        items=items,
        site_name=deps.settings.site_name,
    )


def _item(paper: Paper, base: str, upvotes: int, now: datetime) -> FeedItem:
    link = f"{base}/papers/{paper.arxiv_id}"
    published = paper.published_at or now
    return FeedItem(
        guid=link,
        link=link,
        title=readable(paper.title),
        authors=paper.authors,
        listed_at=min(published, now) if paper.published_at else midnight(now.date()),
        categories=paper.categories,
        abstract=readable(paper.abstract),
        upvotes=upvotes,
        abs_url=paper.abs_url,
        code_url=web_url(paper.code_url),
        project_url=web_url(paper.project_url),
    )


def _respond(request: Request, body: bytes, media_type: str) -> Response:
    """The document, private to its reader (never in a shared cache), with an ETag."""
    headers = {
        "Cache-Control": f"private, max-age={MAX_AGE}",
        "X-Robots-Tag": "noindex",
        "Referrer-Policy": "no-referrer",
    }
    return with_etag(request, body, media_type, headers)
