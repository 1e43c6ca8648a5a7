"""Search filters as SQL: which papers meet a `SearchFilters`, on both engines.

SQL narrows the rows cheaply (dates, code, daily list, and a text match on the JSON of authors
and categories); `SearchFilters.admits` then decides on each narrowed row, so what passes here is
exactly what the rest of search (keyword index, hydration) calls a match.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Text, and_, cast, exists, func, select

from paperboy.domain.models import Paper
from paperboy.domain.search import SearchFilters
from paperboy.storage.schema import daily_entries, papers

_BATCH = 500
# every word of an author filter contains these runs, whatever punctuation surrounds them
_ASCII_RUN = re.compile(r"[A-Za-z0-9]+")


def matching_ids(
    connection: Connection, arxiv_ids: Collection[str] | None, filters: SearchFilters
) -> set[str]:
    """The ids among `arxiv_ids` (None: all papers) of papers that meet every filter."""
    query = select(
        papers.c.arxiv_id,
        papers.c.published_at,
        papers.c.authors,
        papers.c.categories,
        papers.c.code_url,
        last_listed_on().label("last_listed_on"),
    ).where(*filter_conditions(filters))
    if arxiv_ids is None:
        rows: list[Any] = list(connection.execute(query))
    else:
        wanted = sorted(set(arxiv_ids))
        rows = []
        for start in range(0, len(wanted), _BATCH):
            chunk = wanted[start : start + _BATCH]
            rows.extend(connection.execute(query.where(papers.c.arxiv_id.in_(chunk))))
    return {row.arxiv_id for row in rows if filters.admits(filter_view(row), row_listed_on(row))}


def filter_conditions(filters: SearchFilters) -> list[ColumnElement[bool]]:
    """SQL conditions every paper meeting `filters` meets (a superset; `admits` decides)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.published_from is not None:
        conditions.append(papers.c.published_at >= _midnight(filters.published_from))
    if filters.published_to is not None:
        conditions.append(papers.c.published_at < _midnight(filters.published_to, days=1))
    if filters.has_code is not None:
        has_code = and_(papers.c.code_url.is_not(None), papers.c.code_url != "")
        conditions.append(has_code if filters.has_code else ~has_code)
    if filters.on_daily_list is not None:
        listed = exists().where(daily_entries.c.paper_id == papers.c.id)
        conditions.append(listed if filters.on_daily_list else ~listed)
    if filters.category:
        conditions.extend(_json_contains(papers.c.categories, [f'"{filters.category}']))
    if filters.author:
        conditions.extend(_json_contains(papers.c.authors, _ASCII_RUN.findall(filters.author)))
    return conditions


def _json_contains(column: Any, needles: list[str]) -> list[ColumnElement[bool]]:
    """Case-insensitive substring tests on a JSON column's text, for plain-ASCII needles.

    JSON is stored with non-ASCII characters escaped (`\\u00fc`), so a needle with such a
    character could miss a real match here: those are left to `admits` alone.
    """
    text = cast(column, Text)
    return [
        func.lower(text).like(f"%{_escaped(needle.lower())}%", escape="\\")
        for needle in needles
        if needle.isascii() and needle.strip('"')
    ]


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _midnight(day: date, *, days: int = 0) -> datetime:
    return datetime.combine(day + timedelta(days=days), time(), UTC)


def last_listed_on() -> Any:
    """The latest day a paper was on a daily list (NULL if never), as a correlated subquery."""
    return (
        select(func.max(daily_entries.c.listed_on))
        .where(daily_entries.c.paper_id == papers.c.id)
        .scalar_subquery()
    )


def row_listed_on(row: Any) -> date | None:
    """A row's `last_listed_on` as a date (SQLite hands back text)."""
    value = row.last_listed_on
    return date.fromisoformat(value) if isinstance(value, str) else value


def filter_view(row: Any) -> Paper:
    """A paper with just the fields filters look at (the rest left empty)."""
    published = row.published_at
    if isinstance(published, str):
        published = datetime.fromisoformat(published)
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    return Paper(
        arxiv_id=row.arxiv_id,
        version=None,
        title="",
        abstract="",
        authors=tuple(row.authors),
        categories=tuple(row.categories),
        primary_category=None,
        comments=None,
        doi=None,
        journal_ref=None,
        license=None,
        published_at=published,
        updated_at=None,
        code_url=row.code_url,
        code_stars=None,
        project_url=None,
        ai_summary=None,
        ai_keywords=(),
        withdrawn=False,
    )
