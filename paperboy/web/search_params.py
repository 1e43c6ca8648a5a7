"""The query string of a search (`q`, filters, sort, page), read once for the page, API and feed.

Values arrive as text and are checked here, so every face reports a bad one the same way: a
`BadSearchParameter` naming the parameter (the API answers 422, the page 400). An empty value
(`from=` from a form left blank) means "not given".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query

from paperboy.domain.search import (
    MAX_QUERY_CHARS,
    QueryTooLong,
    SearchFilters,
    SearchRequest,
    SearchSort,
    parse_query,
)

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
SORTS = ", ".join(s.value for s in SearchSort)


class BadSearchParameter(ValueError):
    """A search parameter has a value we cannot use; `name` is the parameter."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.problem = problem


@dataclass(frozen=True, slots=True)
class SearchForm:
    """The search parameters as sent, before checking; rebuilds links with one value changed."""

    q: str = ""
    category: str | None = None
    author: str | None = None
    from_: str | None = None
    to: str | None = None
    has_code: str | None = None
    on_list: str | None = None
    sort: str | None = None

    def request(self, *, limit: int, offset: int = 0) -> SearchRequest:
        """The checked request; BadSearchParameter names the first bad value."""
        try:
            query = parse_query(self.q)
        except QueryTooLong as error:
            raise BadSearchParameter("q", str(error)) from error
        filters = SearchFilters(
            published_from=_day("from", self.from_),
            published_to=_day("to", self.to),
            category=_given(self.category),
            author=_given(self.author),
            has_code=_flag("has_code", self.has_code),
            on_daily_list=_flag("on_list", self.on_list),
        )
        start, end = filters.published_from, filters.published_to
        if start is not None and end is not None and start > end:
            raise BadSearchParameter("from", f"{start} is after to ({end})")
        return SearchRequest(query, filters, _sort(self.sort), limit=limit, offset=offset)

    def params(self, **changes: str | None) -> dict[str, str]:
        """The non-empty parameters, with `changes` applied (None removes one)."""
        values = {
            "q": self.q,
            "category": self.category,
            "author": self.author,
            "from": self.from_,
            "to": self.to,
            "has_code": self.has_code,
            "on_list": self.on_list,
            "sort": self.sort,
        }
        values.update({("from" if k == "from_" else k): v for k, v in changes.items()})
        return {k: v for k, v in values.items() if v}

    def url(self, path: str, **changes: str | None) -> str:
        query = urlencode(self.params(**changes))
        return f"{path}?{query}" if query else path


async def search_form(
    q: Annotated[
        str,
        Query(
            description=f"What to look for (at most {MAX_QUERY_CHARS} characters): words, "
            '"a phrase", -excluded, an arXiv id, or a title.',
            examples=["spiking networks trained with surrogate gradients"],
        ),
    ] = "",
    category: Annotated[
        str | None, Query(description="Only papers in this arXiv category (cs.CL).")
    ] = None,
    author: Annotated[str | None, Query(description="Only papers by an author named so.")] = None,
    from_: Annotated[
        str | None, Query(alias="from", description="Published on or after (YYYY-MM-DD).")
    ] = None,
    to: Annotated[str | None, Query(description="Published on or before (YYYY-MM-DD).")] = None,
    has_code: Annotated[
        str | None, Query(description="true: only papers with a code link; false: without.")
    ] = None,
    on_list: Annotated[
        str | None, Query(description="true: only papers that were on a daily list.")
    ] = None,
    sort: Annotated[str | None, Query(description=f"One of {SORTS} (default relevance).")] = None,
) -> SearchForm:
    """The search parameters of the request, unchecked (see `SearchForm.request`)."""
    return SearchForm(q, category, author, from_, to, has_code, on_list, sort)


def _given(value: str | None) -> str | None:
    value = (value or "").strip()
    return value[:200] or None


def _day(name: str, value: str | None) -> date | None:
    text = _given(value)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadSearchParameter(name, f"expected a day as YYYY-MM-DD, got {text[:40]!r}") from None


def _flag(name: str, value: str | None) -> bool | None:
    text = _given(value)
    if text is None:
        return None
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise BadSearchParameter(name, f"expected true or false, got {text[:40]!r}")


def _sort(value: str | None) -> SearchSort:
    text = _given(value)
    if text is None:
        return SearchSort.RELEVANCE
    try:
        return SearchSort(text.lower())
    except ValueError:
        raise BadSearchParameter("sort", f"expected one of {SORTS}, got {text[:40]!r}") from None
