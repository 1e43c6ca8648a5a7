"""RSS 2.0 and Atom feeds of the latest daily list and of any day, with cache validators."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC
from email.utils import format_datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from paperboy.app import Deps
from paperboy.domain.calendar import InvalidPeriod, day_period, parse_day
from paperboy.services.daily import DailyPage, daily_page, today_period
from paperboy.web.api_errors import ERROR_RESPONSES, JsonErrorRoute, not_found
from paperboy.web.deps import DepsDep
from paperboy.web.feed_xml import (
    ATOM_TYPE,
    RSS_TYPE,
    Feed,
    atom_document,
    feed_item,
    latest_time,
    midnight,
    rss_document,
)

router = APIRouter(prefix="/feeds", tags=["feeds"], route_class=JsonErrorRoute)

FEED_SIZE = 100
LATEST_MAX_AGE = 15 * 60
DAY_MAX_AGE = 60 * 60
Render = Callable[[Feed], bytes]

DayPath = Annotated[str, Path(description="The list's day (YYYY-MM-DD).", examples=["2026-08-21"])]


def _responses(media_type: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"content": {media_type: {}}},
        304: {"description": "Not modified"},
        **ERROR_RESPONSES,
    }


@router.get(
    "/daily.rss",
    summary="RSS 2.0 of the latest daily list",
    response_class=Response,
    responses=_responses(RSS_TYPE),
)
async def daily_rss(request: Request, deps: DepsDep) -> Response:
    """Today's list (or the latest day with papers), most upvoted first."""
    return _respond(request, _latest_feed(request, deps), rss_document, RSS_TYPE, LATEST_MAX_AGE)


@router.get(
    "/daily.atom",
    summary="Atom 1.0 of the latest daily list",
    response_class=Response,
    responses=_responses(ATOM_TYPE),
)
async def daily_atom(request: Request, deps: DepsDep) -> Response:
    """Today's list (or the latest day with papers), most upvoted first."""
    return _respond(request, _latest_feed(request, deps), atom_document, ATOM_TYPE, LATEST_MAX_AGE)


@router.get(
    "/date/{day}.rss",
    summary="RSS 2.0 of one day's list",
    response_class=Response,
    responses=_responses(RSS_TYPE),
)
async def day_rss(request: Request, deps: DepsDep, day: DayPath) -> Response:
    """One day's list, most upvoted first; 404 for a text that is not a day."""
    return _respond(request, _day_feed(request, deps, day), rss_document, RSS_TYPE, DAY_MAX_AGE)


@router.get(
    "/date/{day}.atom",
    summary="Atom 1.0 of one day's list",
    response_class=Response,
    responses=_responses(ATOM_TYPE),
)
async def day_atom(request: Request, deps: DepsDep, day: DayPath) -> Response:
    """One day's list, most upvoted first; 404 for a text that is not a day."""
    return _respond(request, _day_feed(request, deps, day), atom_document, ATOM_TYPE, DAY_MAX_AGE)


def _latest_feed(request: Request, deps: Deps) -> Feed:
    period, _ = today_period(deps.store, deps.settings.timezone, deps.clock())
    page = daily_page(deps.store, period, page_size=FEED_SIZE)
    return _feed(request, deps, page, link_path="/", title="Daily Papers")


def _day_feed(request: Request, deps: Deps, text: str) -> Feed:
    try:
        period = day_period(parse_day(text))
    except InvalidPeriod as error:
        raise not_found(f"no daily list for {text[:40]!r}: {error}") from error
    page = daily_page(deps.store, period, page_size=FEED_SIZE)
    return _feed(
        request,
        deps,
        page,
        link_path=f"/date/{period.label}",
        title=f"Daily Papers, {period.title}",
    )


def _feed(request: Request, deps: Deps, page: DailyPage, *, link_path: str, title: str) -> Feed:
    settings = deps.settings
    base = settings.base_url.rstrip("/")
    items = tuple(feed_item(entry, base) for entry in page.entries)
    return Feed(
        title=f"{settings.site_name}: {title}",
        link=base + link_path,
        self_url=base + request.url.path,
        description=f"Papers on the {page.period.title} daily list, most upvoted first.",
        updated_at=latest_time(items, midnight(page.period.last)),
        items=items,
        site_name=settings.site_name,
    )


def _respond(
    request: Request, feed: Feed, render: Render, media_type: str, max_age: int
) -> Response:
    """The document with an ETag, Last-Modified and max-age; 304 when the client has it already."""
    headers = {
        "Last-Modified": format_datetime(feed.updated_at.astimezone(UTC), usegmt=True),
        "Cache-Control": f"public, max-age={max_age}",
    }
    return with_etag(request, render(feed), media_type, headers)


def with_etag(request: Request, body: bytes, media_type: str, headers: dict[str, str]) -> Response:
    """`body` with `headers` and an ETag of its bytes; 304 when the client has those already.

    The ETag is weak: gzip changes the bytes on the way out, and a strong tag would then name
    two different byte sequences (RFC 9110 8.8.1).
    """
    etag = f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {**headers, "ETag": etag}
    if _matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match compares weakly: `W/"x"` and `"x"` name the same document."""
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag.removeprefix("W/") in tags or "*" in tags
