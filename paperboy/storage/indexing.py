"""What the search indexes read from the store: papers in change order, and titles like a text.

Papers come in (modified_at, id) order, so an index can resume after the last one it committed;
a list entry's change (upvotes, a new listing) moves its paper's `modified_at` on, so the paper
is read again with its new upvotes and on-list flag.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, literal, select, text, true, tuple_

from paperboy.domain.indexing import IndexDocument, SyncPosition
from paperboy.storage.schema import UtcDateTime, daily_entries, papers


def _after(position: SyncPosition | None) -> Any:
    if position is None:
        return true()
    # a row-value comparison: both engines seek the (modified_at, id) index instead of scanning
    modified_at = literal(position.modified_at, UtcDateTime())
    return tuple_(papers.c.modified_at, papers.c.id) > tuple_(modified_at, position.paper_id)


def documents_after(
    connection: Connection, position: SyncPosition | None, limit: int
) -> list[IndexDocument]:
    """Up to `limit` papers after `position` in (modified_at, id) order, with list facts."""
    query = (
        select(
            papers.c.id,
            papers.c.arxiv_id,
            papers.c.title,
            papers.c.abstract,
            papers.c.authors,
            papers.c.categories,
            papers.c.published_at,
            papers.c.modified_at,
            papers.c.code_url,
        )
        .where(_after(position))
        .order_by(papers.c.modified_at, papers.c.id)
        .limit(limit)
    )
    rows = connection.execute(query).all()
    upvotes = _upvotes_by_paper(connection, [row.id for row in rows])
    return [
        IndexDocument(
            paper_id=row.id,
            arxiv_id=row.arxiv_id,
            title=row.title,
            abstract=row.abstract,
            authors=tuple(row.authors),
            categories=tuple(row.categories),
            published_at=row.published_at,
            modified_at=row.modified_at,
            has_code=bool(row.code_url),
            on_daily_list=row.id in upvotes,
            upvote_count=upvotes.get(row.id, 0),
        )
        for row in rows
    ]


def count_after(connection: Connection, position: SyncPosition | None) -> int:
    """How many papers lie after `position` (a progress bar's total)."""
    query = select(func.count()).select_from(papers).where(_after(position))
    return int(connection.execute(query).scalar_one())


def _upvotes_by_paper(connection: Connection, paper_ids: list[int]) -> dict[int, int]:
    """The most upvotes each listed paper got on any day; unlisted papers are absent."""
    if not paper_ids:
        return {}
    query = (
        select(daily_entries.c.paper_id, func.max(daily_entries.c.upvote_count))
        .where(daily_entries.c.paper_id.in_(paper_ids))
        .group_by(daily_entries.c.paper_id)
    )
    return {paper_id: int(upvotes) for paper_id, upvotes in connection.execute(query)}


def titles_like(connection: Connection, title: str, limit: int) -> list[tuple[str, float]]:
    """(arXiv id, similarity) of titles like `title`, most similar first.

    PostgreSQL ranks by pg_trgm trigram similarity, typos included, among titles above pg_trgm's
    threshold (0.3 by default), using the GIN trigram index of migration 5; SQLite answers
    exact case-insensitive matches only, with similarity 1.0.
    """
    if not title.strip():
        return []
    if connection.dialect.name == "postgresql":
        similarity = func.similarity(papers.c.title, title)
        query = (
            select(papers.c.arxiv_id, similarity)
            .where(papers.c.title.op("%")(title))
            .order_by(similarity.desc(), papers.c.arxiv_id)
            .limit(limit)
        )
        return [(arxiv_id, float(score)) for arxiv_id, score in connection.execute(query)]
    query = (
        select(papers.c.arxiv_id)
        .where(papers.c.title.collate("NOCASE") == title)
        .order_by(papers.c.arxiv_id)
        .limit(limit)
    )
    return [(arxiv_id, 1.0) for arxiv_id in connection.execute(query).scalars()]


def create_indexes(connection: Connection) -> None:
    """Migration 5: (modified_at, id) order for index syncs; trigram or lower-case title lookups."""
    connection.execute(
        text("CREATE INDEX IF NOT EXISTS ix_papers_modified_at_id ON papers (modified_at, id)")
    )
    if connection.dialect.name == "postgresql":
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        connection.execute(
            text(
                "CREATE INDEX IF NOT EXISTS ix_papers_title_trgm "
                "ON papers USING gin (title gin_trgm_ops)"
            )
        )
    else:
        connection.execute(
            text(
                "CREATE INDEX IF NOT EXISTS ix_papers_title_nocase ON papers (title COLLATE NOCASE)"
            )
        )
