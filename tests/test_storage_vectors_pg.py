"""pgvector search sessions: opened before the migrations, shared by indexes, read by others."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import Engine, text

from paperboy.embeddings.hashing import HashingEmbedder
from paperboy.services.embedding import embed_new_papers
from paperboy.storage.embeddings import SqlEmbeddingStore
from paperboy.storage.engine import make_engine
from paperboy.storage.migrations import upgrade
from paperboy.storage.papers import SqlPaperStore
from paperboy.storage.vectors import PgVectorIndex, SqlVectorLookup
from tests.support.postgres import PostgresCluster
from tests.support.search_corpus import load_recorded_papers, recorded_ids

MODEL = HashingEmbedder.name


def embedded_corpus(engine: Engine) -> SqlEmbeddingStore:
    load_recorded_papers(SqlPaperStore(engine))
    embeddings = SqlEmbeddingStore(engine)
    embed_new_papers(embeddings, HashingEmbedder())
    return embeddings


def exact_nearest(embeddings: SqlEmbeddingStore, arxiv_id: str, limit: int) -> list[str]:
    ids, matrix, _ = embeddings.embeddings_after(MODEL, 0, 100_000)
    scores = matrix @ matrix[ids.index(arxiv_id)]
    return [ids[i] for i in np.argsort(-scores, kind="stable")][:limit]


def session_settings(engine: Engine) -> tuple[str, str]:
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT current_setting('hnsw.ef_search'), current_setting('hnsw.iterative_scan')")
        ).one()
    return str(row[0]), str(row[1])


def test_pg_search_on_an_engine_connected_before_the_vector_type_existed(
    postgres_cluster: PostgresCluster,
) -> None:
    """A pooled session opened on an empty database learns the binary vector format later."""
    engine = make_engine(postgres_cluster.fresh_database(migrate=False))
    with engine.connect() as connection:  # pooled before pgvector is installed
        assert connection.execute(text("SELECT to_regtype('vector')")).scalar() is None
    upgrade(engine)
    embeddings = embedded_corpus(engine)
    arxiv_id = recorded_ids()[5]
    vector = SqlVectorLookup(engine).embedding_of(MODEL, arxiv_id)
    assert vector is not None
    hits = PgVectorIndex(engine, MODEL).nearest(vector, 8)
    engine.dispose()
    assert [hit.arxiv_id for hit in hits] == exact_nearest(embeddings, arxiv_id, 8)
    assert hits[0].score == pytest.approx(1.0, abs=1e-5)


def test_pg_search_before_the_migrations_names_the_fix(postgres_cluster: PostgresCluster) -> None:
    engine = make_engine(postgres_cluster.fresh_database(migrate=False))
    with pytest.raises(LookupError, match="paperboy db upgrade"):
        PgVectorIndex(engine, MODEL).nearest(np.ones(384, dtype=np.float32), 5)
    engine.dispose()


def test_pg_indexes_sharing_an_engine_each_search_with_their_own_ef_search(
    postgres_url: str,
) -> None:
    engine = make_engine(postgres_url)
    embedded_corpus(engine)
    vector = SqlVectorLookup(engine).embedding_of(MODEL, recorded_ids()[0])
    assert vector is not None
    engine.dispose()  # from here on the pool holds one session, the one each search used
    wide, narrow = PgVectorIndex(engine, MODEL), PgVectorIndex(engine, MODEL, ef_search=7)
    seen = []
    for index in (wide, narrow, wide):
        assert len(index.nearest(vector, 5)) == 5
        seen.append(session_settings(engine))
    engine.dispose()
    assert seen == [("100", "relaxed_order"), ("7", "relaxed_order"), ("100", "relaxed_order")]


def test_pg_vectors_still_load_as_arrays_on_a_session_that_searched(postgres_url: str) -> None:
    """Only the query vector's dumper is added: stored vectors still read back bit for bit."""
    engine = make_engine(postgres_url)
    embeddings = embedded_corpus(engine)
    ids, matrix, _ = embeddings.embeddings_after(MODEL, 0, 100_000)
    PgVectorIndex(engine, MODEL).nearest(matrix[0], 3)
    again = SqlVectorLookup(engine).embedding_of(MODEL, ids[1])
    _, reread, _ = embeddings.embeddings_after(MODEL, 0, 100_000)
    engine.dispose()
    assert isinstance(again, np.ndarray) and again.dtype == np.float32
    np.testing.assert_array_equal(again, matrix[1])
    np.testing.assert_array_equal(reread, matrix)
