"""Nearest neighbours on PostgreSQL: pgvector's HNSW index, filters in the same query.

`ORDER BY vector <=> :q LIMIT k` walks the HNSW index on `paper_embeddings.vector` (cosine).
`hnsw.ef_search` is set per transaction (the bench measured the recall it buys), and pgvector
0.8's iterative scan (`relaxed_order`) keeps walking the graph while the WHERE clause rejects
rows, so a filter still gets `limit` rows instead of what survived the first `ef_search`
candidates. Relaxed order may return rows slightly out of order: they are re-sorted here.
Filters are SQL on papers and daily_entries; `SearchFilters.admits` then re-checks category
and author exactly (the SQL for those is a cheap superset), fetching more if it dropped any.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, select, text

from paperboy.domain.search import Scored, SearchFilters
from paperboy.storage.filtering import filter_conditions, filter_view, last_listed_on, row_listed_on
from paperboy.storage.schema import paper_embeddings, papers

EF_SEARCH = 100
# SET LOCAL for both, in one round trip: they last until the transaction ends
_SEARCH_SETTINGS = text(
    "SELECT set_config('hnsw.ef_search', :ef_search, true), "
    "set_config('hnsw.iterative_scan', 'relaxed_order', true)"
)
MAX_FETCH = 4096


class PgVectorIndex:
    """`VectorIndex` over the embeddings table itself: nothing to build, sync or load."""

    def __init__(self, engine: Engine, model: str, *, ef_search: int = EF_SEARCH) -> None:
        self.engine = engine
        self.model = model
        self.ef_search = ef_search

    def nearest(
        self,
        vector: NDArray[np.float32],
        limit: int,
        filters: SearchFilters | None = None,
        exclude: frozenset[str] = frozenset(),
    ) -> list[Scored]:
        """The `limit` papers closest to `vector` by cosine, best first, filters applied."""
        if limit <= 0:
            return []
        active = filters if filters is not None and not filters.is_empty else None
        needs_check = active is not None and bool(active.category or active.author)
        fetch = limit * 2 if needs_check else limit
        while True:
            rows = self._rows(vector, fetch, active, exclude)
            hits = [
                Scored(row.arxiv_id, 1.0 - float(row.distance))
                for row in rows
                if active is None or active.admits(filter_view(row), row_listed_on(row))
            ]
            if len(hits) >= limit or len(rows) < fetch or fetch >= MAX_FETCH:
                return sorted(hits, key=lambda hit: -hit.score)[:limit]
            fetch *= 4

    def version(self) -> int:
        """Constant: the vectors live in the database, whose content revision keys caches."""
        return 0

    def sync(self) -> int:
        """Nothing to do: the HNSW index is kept by PostgreSQL on every write."""
        return 0

    def _rows(
        self,
        vector: NDArray[np.float32],
        fetch: int,
        filters: SearchFilters | None,
        exclude: frozenset[str],
    ) -> Sequence[Any]:
        distance = paper_embeddings.c.vector.cosine_distance(np.asarray(vector, dtype=np.float32))
        query = (
            select(
                papers.c.arxiv_id,
                papers.c.published_at,
                papers.c.authors,
                papers.c.categories,
                papers.c.code_url,
                distance.label("distance"),
            )
            .select_from(paper_embeddings.join(papers, papers.c.id == paper_embeddings.c.paper_id))
            .where(paper_embeddings.c.model == self.model)
            .order_by(distance)
            .limit(fetch)
        )
        if filters is not None:
            query = query.add_columns(last_listed_on().label("last_listed_on"))
            query = query.where(*filter_conditions(filters))
        if exclude:
            query = query.where(papers.c.arxiv_id.not_in(sorted(exclude)))
        with self.engine.connect() as connection, connection.begin():
            connection.execute(_SEARCH_SETTINGS, {"ef_search": str(int(self.ef_search))})
            return connection.execute(query).all()


class SqlVectorLookup:
    """`VectorLookup`: one paper's stored vector, on both engines."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def embedding_of(self, model: str, arxiv_id: str) -> NDArray[np.float32] | None:
        """The `model` vector saved for the paper `arxiv_id` (bare id), or None if none yet."""
        query = (
            select(paper_embeddings.c.vector)
            .select_from(paper_embeddings.join(papers, papers.c.id == paper_embeddings.c.paper_id))
            .where(paper_embeddings.c.model == model, papers.c.arxiv_id == arxiv_id)
        )
        with self.engine.connect() as connection:
            vector = connection.execute(query).scalar()
        return None if vector is None else np.asarray(vector, dtype=np.float32)
