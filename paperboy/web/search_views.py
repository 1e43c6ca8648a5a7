"""What the search page shows, built from a `SearchResult`: snippets, filter and sort links, paging.

Filters are links (no JavaScript needed): categories and years are those of the hits on the
page, with how many hits have each; every link keeps the other parameters of the search.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from paperboy.domain.search import SearchHit, SearchResult, SearchSort
from paperboy.domain.snippets import Segment, query_words, snippet
from paperboy.web.formatting import has_math
from paperboy.web.search_params import SearchForm
from paperboy.web.views import ATOM, JSON, RSS, Alternate, Link

SEARCH_PATH = "/search"
SORT_LABELS = {
    SearchSort.RELEVANCE: "Best match",
    SearchSort.NEWEST: "Newest",
    SearchSort.UPVOTES: "Most upvoted",
}
MAX_CATEGORY_LINKS = 8
MAX_YEAR_LINKS = 6


@dataclass(frozen=True, slots=True)
class HitView:
    """One result as the page lays it out: the hit and its abstract snippet."""

    hit: SearchHit
    snippet: list[Segment]


@dataclass(frozen=True, slots=True)
class Facet:
    """A group of filter links (categories, years, flags) and the one in force, if any."""

    name: str
    links: list[Link]


def search_context(result: SearchResult, form: SearchForm, page: int) -> dict[str, Any]:
    """The search page for one result page: hits, count and time, facets, sorts and paging."""
    request = result.request
    words = query_words(request.query.terms, request.query.phrases)
    hits = [HitView(hit, snippet(hit.paper.abstract, words)) for hit in result.hits]
    last_page = max(0, (result.total_count - 1) // request.limit)
    return {
        "form": form,
        "q": form.q,
        "result": result,
        "hits": hits,
        "first_number": request.offset + 1,
        "facets": facets(result, form),
        "active": active_filters(form),
        "sorts": [
            Link(label, _sort_url(form, sort), sort is request.sort)
            for sort, label in SORT_LABELS.items()
        ],
        "newer_page": _page_url(form, page - 1) if page > 0 else None,
        "older_page": _page_url(form, page + 1) if page < last_page else None,
        "page_number": page + 1,
        "page_count": last_page + 1,
        "math": any(has_math(h.paper.abstract) or has_math(h.paper.title) for h in result.hits),
        "alternates": search_alternates(form),
        "canonical": form.url(SEARCH_PATH),
    }


def facets(result: SearchResult, form: SearchForm) -> list[Facet]:
    """Filter links from the hits on this page: categories, years, code and daily list."""
    papers = [hit.paper for hit in result.hits]
    categories = Counter(c for p in papers for c in dict.fromkeys(p.categories))
    years = Counter(p.published_at.year for p in papers if p.published_at is not None)
    groups = [
        Facet(
            "Category",
            [
                Link(f"{name} ({count})", form.url(SEARCH_PATH, category=name))
                for name, count in categories.most_common(MAX_CATEGORY_LINKS)
                if name != form.category
            ],
        ),
        Facet(
            "Year",
            [
                Link(str(year), form.url(SEARCH_PATH, **_year(year)))
                for year, _ in sorted(years.items(), reverse=True)[:MAX_YEAR_LINKS]
            ],
        ),
        Facet(
            "Show only",
            [
                Link("Has code", form.url(SEARCH_PATH, has_code="true"), bool(form.has_code)),
                Link(
                    "On the daily list", form.url(SEARCH_PATH, on_list="true"), bool(form.on_list)
                ),
            ],
        ),
    ]
    return [group for group in groups if group.links]


def active_filters(form: SearchForm) -> list[Link]:
    """The filters in force, each a link to the same search without it."""
    names = {
        "category": "Category",
        "author": "Author",
        "from": "From",
        "to": "To",
        "has_code": "Has code",
        "on_list": "On the daily list",
    }
    given = form.params()
    return [
        Link(f"{label}: {given[key]}", form.url(SEARCH_PATH, **{_field(key): None}))
        for key, label in names.items()
        if key in given
    ]


def search_alternates(form: SearchForm) -> list[Alternate]:
    """The JSON twin of a search and its feeds."""
    return [
        Alternate(JSON, form.url("/api/search"), "This search as JSON"),
        Alternate(RSS, form.url("/search.rss"), "This search (RSS)"),
        Alternate(ATOM, form.url("/search.atom"), "This search (Atom)"),
    ]


def _sort_url(form: SearchForm, sort: SearchSort) -> str:
    return form.url(SEARCH_PATH, sort=None if sort is SearchSort.RELEVANCE else sort.value)


def _year(year: int) -> dict[str, str | None]:
    return {"from_": f"{year}-01-01", "to": f"{year}-12-31"}


def _field(key: str) -> str:
    return "from_" if key == "from" else key


def _page_url(form: SearchForm, page: int) -> str:
    params = form.params()
    if page:
        params["p"] = str(page)
    return f"{SEARCH_PATH}?{urlencode(params)}"
