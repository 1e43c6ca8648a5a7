"""What each page shows, built from a service result: links, labels, alternates.

Templates only lay these out; every URL a page links to is decided here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from paperboy.domain.calendar import (
    Period,
    PeriodKind,
    day_period,
    month_period,
    week_period,
)
from paperboy.domain.models import ListSort, Paper
from paperboy.domain.urls import web_url
from paperboy.services.daily import DailyPage
from paperboy.services.papers import PaperView
from paperboy.services.similar import SimilarPaper
from paperboy.web.formatting import (
    has_math,
    paper_path,
    period_name,
    period_path,
)

SORT_LABELS = {ListSort.UPVOTES: "Most upvoted", ListSort.NEWEST: "Newest"}
RSS = "application/rss+xml"
ATOM = "application/atom+xml"
JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Link:
    """A link a page shows; `current` marks the one the reader is on."""

    label: str
    href: str
    current: bool = False


@dataclass(frozen=True, slots=True)
class Alternate:
    """A `<link rel="alternate">`: the same content as JSON or a feed."""

    type: str
    href: str
    title: str


def list_url(base: str, sort: ListSort, page: int = 0) -> str:
    """`base` with the sort and page in the query, defaults left out."""
    query = {}
    if sort is not ListSort.UPVOTES:
        query["sort"] = sort.value
    if page:
        query["p"] = str(page)
    return f"{base}?{urlencode(query)}" if query else base


def daily_context(page: DailyPage, *, base: str, today: date | None = None) -> dict[str, Any]:
    """The list page of one period: cards, period and sort switches, paging, alternates."""
    period = page.period
    return {
        "page": page,
        "period": period,
        "heading": period_name(period),
        "is_day": period.kind is PeriodKind.DAY,
        "today": today,
        "previous": _neighbour(page.previous, page.sort),
        "next": _neighbour(page.next, page.sort),
        "switches": period_switches(page),
        "sorts": [
            Link(label, list_url(base, sort), sort is page.sort)
            for sort, label in SORT_LABELS.items()
        ],
        "newer_page": list_url(base, page.sort, page.page - 1) if page.page > 0 else None,
        "older_page": (
            list_url(base, page.sort, page.page + 1) if page.page + 1 < page.page_count else None
        ),
        "alternates": list_alternates(period, page.page),
        "math": any(has_math(entry.paper.abstract) for entry in page.entries),
        "canonical": list_url(period_path(period), page.sort, page.page),
    }


def period_switches(page: DailyPage) -> list[Link]:
    """Day, Week and Month views around the latest day this page shows."""
    anchor = page.period.first
    if page.period.kind is not PeriodKind.DAY:
        anchor = max((entry.listed_on for entry in page.entries), default=anchor)
    choices = [
        ("Day", day_period(anchor)),
        ("Week", week_period(anchor)),
        ("Month", month_period(anchor)),
    ]
    return [
        Link(label, list_url(period_path(period), page.sort), period.kind is page.period.kind)
        for label, period in choices
    ]


def _neighbour(period: Period | None, sort: ListSort) -> Link | None:
    if period is None:
        return None
    return Link(period_name(period), list_url(period_path(period), sort))


def list_alternates(period: Period, page: int = 0) -> list[Alternate]:
    """The JSON twin of a list and the feeds that carry it."""
    key = {PeriodKind.DAY: "date", PeriodKind.WEEK: "week", PeriodKind.MONTH: "month"}
    query = {key[period.kind]: period.label}
    if page:
        query["p"] = str(page)
    alternates = [Alternate(JSON, f"/api/daily_papers?{urlencode(query)}", "This list as JSON")]
    if period.kind is PeriodKind.DAY:
        alternates.append(Alternate(RSS, f"/feeds/date/{period.label}.rss", "This day (RSS)"))
    alternates += [
        Alternate(RSS, "/feeds/daily.rss", "Daily papers (RSS)"),
        Alternate(ATOM, "/feeds/daily.atom", "Daily papers (Atom)"),
    ]
    return alternates


@dataclass(frozen=True, slots=True)
class PaperLinks:
    """The outside links of a paper page, only http(s) ones."""

    abs_url: str
    pdf_url: str
    code_url: str | None
    project_url: str | None
    license_url: str | None


def paper_context(view: PaperView, similar: Sequence[SimilarPaper] = ()) -> dict[str, Any]:
    """The page of one paper: its fields, links, the daily lists it was on, similar papers."""
    paper = view.paper
    return {
        "view": view,
        "paper": paper,
        "similar": similar,
        "categories": ordered_categories(paper),
        "links": PaperLinks(
            abs_url=paper.abs_url,
            pdf_url=paper.pdf_url,
            code_url=web_url(paper.code_url),
            project_url=web_url(paper.project_url),
            license_url=web_url(paper.license),
        ),
        "math": any(has_math(text) for text in (paper.abstract, paper.title))
        or any(has_math(item.paper.title) for item in similar),
        "canonical": paper_path(paper.arxiv_id),
        "alternates": [
            Alternate(JSON, f"/api/papers/{paper.arxiv_id}", "This paper as JSON"),
            Alternate(JSON, f"/api/papers/{paper.arxiv_id}/similar", "Similar papers as JSON"),
            Alternate(RSS, "/feeds/daily.rss", "Daily papers (RSS)"),
            Alternate(ATOM, "/feeds/daily.atom", "Daily papers (Atom)"),
        ],
    }


def ordered_categories(paper: Paper) -> list[str]:
    """The paper's categories, its primary one first."""
    primary = paper.primary_category
    rest = [c for c in paper.categories if c != primary]
    return [primary, *rest] if primary else rest
