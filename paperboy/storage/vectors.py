"""Nearest neighbours on PostgreSQL: pgvector's HNSW index, filters in the same query.

`ORDER BY vector <=> :q LIMIT k` walks the HNSW index on `paper_embeddings.vector` (cosine).
`hnsw.ef_search` is set once per pooled session (the bench measured the recall it buys), and
pgvector 0.8's iterative scan (`relaxed_order`) keeps walking the graph while the WHERE clause
rejects rows, so a filter still gets `limit` rows instead of what survived the first
`ef_search` candidates. Relaxed order may return rows slightly out of order: re-sorted here.
The query vector travels in pgvector's binary format; the unfiltered statement is built once.
Filters are SQL on papers and daily_entries; `SearchFilters.admits` then re-checks category
and author exactly (the SQL for those is a cheap superset), fetching more if it dropped any.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, Engine, Integer, Select, bindparam, select, text
from sqlalchemy.types import UserDefinedType

from paperboy.domain.search import Scored, SearchFilters
from paperboy.storage.filtering import filter_conditions, filter_view, last_listed_on, row_listed_on
from paperboy.storage.schema import paper_embeddings, papers

EF_SEARCH = 100
MAX_FETCH = 4096
_SESSION_SETTINGS = text(
    "SELECT set_config('hnsw.ef_search', :ef_search, false), "
    "set_config('hnsw.iterative_scan', 'relaxed_order', false)"
)
_SETTINGS = "pgvector_search_settings"
"""Key in a pooled connection's `info`: the `hnsw.ef_search` already SET on that session."""


class _QueryVector(UserDefinedType[Any]):
    """A bound query vector handed to psycopg as pgvector's `Vector` (binary, 1.5 KB).

    The column's own type would spell it as a 7.7 KB text literal for the server to parse.
    """

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "vector"

    def bind_processor(self, dialect: Any) -> Any:
        return None


_QUERY = bindparam("query_vector", type_=_QueryVector())
_DISTANCE = paper_embeddings.c.vector.cosine_distance(_QUERY).label("distance")
_JOINED = paper_embeddings.join(papers, papers.c.id == paper_embeddings.c.paper_id)
_FILTER_COLUMNS = (papers.c.published_at, papers.c.authors, papers.c.categories, papers.c.code_url)


def _nearest_query(with_filter_columns: bool) -> Select[Any]:
    """Ids and distances closest first; the columns filters look at only when they are needed."""
    columns: list[Any] = [papers.c.arxiv_id, _DISTANCE]
    if with_filter_columns:
        columns += [*_FILTER_COLUMNS, last_listed_on().label("last_listed_on")]
    return (
        select(*columns)
        .select_from(_JOINED)
        .where(paper_embeddings.c.model == bindparam("model"))
        .order_by(_DISTANCE)
        # a literal LIMIT: with a bound one, a prepared statement may get a generic plan
        .limit(bindparam("fetch", type_=Integer(), literal_execute=True))
    )


_NEAREST = _nearest_query(with_filter_columns=False)
"""The unfiltered statement, built once: search asks it on every query."""


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
        from pgvector import Vector  # the PostgreSQL extra: SQLite sites need not install it

        query_vector = Vector(np.asarray(vector, dtype=np.float32).reshape(-1))
        while True:
            rows = self._rows(query_vector, fetch, active, exclude)
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
        query_vector: Any,
        fetch: int,
        filters: SearchFilters | None,
        exclude: frozenset[str],
    ) -> Sequence[Any]:
        query = _NEAREST
        if filters is not None:
            query = _nearest_query(with_filter_columns=True).where(*filter_conditions(filters))
        if exclude:
            query = query.where(papers.c.arxiv_id.not_in(sorted(exclude)))
        params = {"query_vector": query_vector, "model": self.model, "fetch": fetch}
        with self.engine.connect() as connection:
            self._prepare(connection)
            return connection.execute(query, params).all()

    def _prepare(self, connection: Connection) -> None:
        """Teach this pooled session pgvector's binary format and set its HNSW search settings.

        Once per session, not per query: `ef_search` (the candidate list, the bench measured
        the recall it buys) and pgvector 0.8's iterative scan, which keeps walking the graph
        while the WHERE clause rejects rows. Done here, not when the engine connects, because
        the `vector` type exists only once the migrations have run.
        """
        info = connection.info
        if info.get(_SETTINGS) == self.ef_search:
            return
        if _SETTINGS not in info:
            _send_vectors_in_binary(connection.connection.dbapi_connection)
        connection.execute(_SESSION_SETTINGS, {"ef_search": str(int(self.ef_search))})
        connection.commit()  # session settings: they outlive this transaction
        info[_SETTINGS] = self.ef_search


def _send_vectors_in_binary(driver: Any) -> None:
    """Dump pgvector's `Vector` in its binary format on this psycopg connection.

    Only the dumper of `Vector`, which nothing else binds: what `vector` columns load as (text,
    parsed by the column type) stays as it was on every connection.
    """
    from pgvector import Vector
    from pgvector.psycopg.vector import VectorBinaryDumper
    from psycopg.types import TypeInfo

    info = TypeInfo.fetch(driver, "vector")
    if info is None:
        raise LookupError("the vector type is missing: run `paperboy db upgrade` first")
    driver.adapters.register_dumper(Vector, type("", (VectorBinaryDumper,), {"oid": info.oid}))


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
