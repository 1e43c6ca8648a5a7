"""The vectors table on SQLite and PostgreSQL: what needs embedding, saving, reading back."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import select, text

from paperboy.domain.embedding import content_hash
from paperboy.domain.models import PaperRecord
from paperboy.embeddings import HashingEmbedder
from paperboy.services.ports import EmbeddingStore, PaperStore
from paperboy.storage.embeddings import SqlEmbeddingStore
from paperboy.storage.engine import make_engine
from paperboy.storage.papers import SqlPaperStore
from paperboy.storage.schema import paper_embeddings

MODEL = "hashing-v1"
EMBEDDER = HashingEmbedder()


@pytest.fixture
def stores(database_url: str) -> Iterator[tuple[PaperStore, SqlEmbeddingStore]]:
    engine = make_engine(database_url)
    yield SqlPaperStore(engine), SqlEmbeddingStore(engine)
    engine.dispose()


def add_papers(papers: PaperStore, count: int, *, version: int = 1, prefix: str = "") -> None:
    records = [
        PaperRecord(
            arxiv_id=f"2401.{i:05d}",
            title=f"Paper {i}",
            abstract=f"{prefix}Abstract number {i} about topic {i % 3}.",
            version=version,
        )
        for i in range(1, count + 1)
    ]
    papers.upsert_papers(records)


def embed_all(store: EmbeddingStore, model: str = MODEL) -> int:
    tasks = store.papers_to_embed(model, 0, 10_000)
    store.save_embeddings(model, tasks, EMBEDDER.embed_documents([t.text for t in tasks]))
    return len(tasks)


def test_embeddings_new_papers_all_need_a_vector_in_id_order(stores) -> None:  # type: ignore[no-untyped-def]
    papers, store = stores
    add_papers(papers, 5)
    tasks = store.papers_to_embed(MODEL, 0, 10)
    assert [t.arxiv_id for t in tasks] == [f"2401.{i:05d}" for i in range(1, 6)]
    assert [t.paper_id for t in tasks] == sorted(t.paper_id for t in tasks)
    assert tasks[0].text == "Paper 1. Abstract number 1 about topic 1."
    assert tasks[0].content_hash == content_hash("Paper 1", "Abstract number 1 about topic 1.")
    assert store.embedding_counts(MODEL) == (0, 5)


def test_embeddings_pages_by_paper_id(stores) -> None:  # type: ignore[no-untyped-def]
    papers, store = stores
    add_papers(papers, 5)
    first = store.papers_to_embed(MODEL, 0, 2)
    rest = store.papers_to_embed(MODEL, first[-1].paper_id, 10)
    assert [t.arxiv_id for t in first + rest] == [f"2401.{i:05d}" for i in range(1, 6)]


def test_embeddings_round_trip_keeps_every_float32_bit(stores) -> None:  # type: ignore[no-untyped-def]
    papers, store = stores
    add_papers(papers, 3)
    tasks = store.papers_to_embed(MODEL, 0, 10)
    vectors = EMBEDDER.embed_documents([t.text for t in tasks])
    store.save_embeddings(MODEL, tasks, vectors)
    ids, matrix, last = store.embeddings_after(MODEL, 0, 10)
    assert ids == [t.arxiv_id for t in tasks]
    assert matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix, vectors)
    assert store.embeddings_after(MODEL, last, 10)[0] == []
    assert store.embeddings_after(MODEL, last, 10)[2] == last


def test_embeddings_saved_papers_are_not_asked_for_again(stores) -> None:  # type: ignore[no-untyped-def]
    papers, store = stores
    add_papers(papers, 4)
    assert embed_all(store) == 4
    assert store.papers_to_embed(MODEL, 0, 10) == []
    assert store.embedding_counts(MODEL) == (4, 0)


def test_embeddings_changed_abstract_needs_a_new_vector(stores) -> None:  # type: ignore[no-untyped-def]
    papers, store = stores
    add_papers(papers, 3)
    embed_all(store)
    _, _, before = store.embeddings_after(MODEL, 0, 10)
    papers.upsert_papers(
        [PaperRecord(arxiv_id="2401.00002", title="Paper 2", abstract="Revised.", version=2)]
    )
    assert [t.arxiv_id for t in store.papers_to_embed(MODEL, 0, 10)] == ["2401.00002"]
    assert store.embedding_counts(MODEL) == (2, 1)
    assert embed_all(store) == 1
    ids, _, _ = store.embeddings_after(MODEL, before, 10)
    assert ids == ["2401.00002"]  # a replaced vector comes again to index syncs
    assert store.embedding_counts(MODEL) == (3, 0)


def test_embeddings_unchanged_reimport_needs_nothing(stores) -> None:  # type: ignore[no-untyped-def]
    papers, store = stores
    add_papers(papers, 3)
    embed_all(store)
    add_papers(papers, 3)
    assert store.papers_to_embed(MODEL, 0, 10) == []


def test_embeddings_of_each_model_are_kept_apart(stores) -> None:  # type: ignore[no-untyped-def]
    papers, store = stores
    add_papers(papers, 2)
    embed_all(store, "model-a")
    assert len(store.papers_to_embed("model-b", 0, 10)) == 2
    embed_all(store, "model-b")
    assert len(store.embeddings_after("model-a", 0, 10)[0]) == 2
    assert len(store.embeddings_after("model-b", 0, 10)[0]) == 2


def test_embeddings_save_refuses_a_count_mismatch(stores) -> None:  # type: ignore[no-untyped-def]
    papers, store = stores
    add_papers(papers, 2)
    tasks = store.papers_to_embed(MODEL, 0, 10)
    with pytest.raises(ValueError, match="2 tasks but 1 vectors"):
        store.save_embeddings(MODEL, tasks, EMBEDDER.embed_documents(["x"]))


def test_embeddings_saving_moves_the_content_revision(stores) -> None:  # type: ignore[no-untyped-def]
    papers, store = stores
    add_papers(papers, 1)
    before = papers.content_revision()
    embed_all(store)
    assert papers.content_revision() > before


def test_embeddings_nearest_by_cosine_on_postgres(postgres_url: str) -> None:
    """The pgvector column and HNSW index that vector search on PostgreSQL relies on."""
    engine = make_engine(postgres_url)
    papers, store = SqlPaperStore(engine), SqlEmbeddingStore(engine)
    add_papers(papers, 6)
    embed_all(store)
    query = EMBEDDER.embed_query("Paper 4. Abstract number 4 about topic 1.")
    distance = paper_embeddings.c.vector.cosine_distance(query)
    with engine.connect() as connection:
        nearest = connection.execute(
            select(paper_embeddings.c.paper_id, distance).order_by(distance).limit(1)
        ).one()
        indexes = connection.execute(
            text("SELECT indexdef FROM pg_indexes WHERE tablename = 'paper_embeddings'")
        ).scalars()
        definitions = " ".join(indexes)
    engine.dispose()
    assert nearest[1] == pytest.approx(0.0, abs=1e-6)
    assert "USING hnsw (vector vector_cosine_ops)" in definitions


def test_embeddings_deleting_a_paper_deletes_its_vectors(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    papers, store = SqlPaperStore(engine), SqlEmbeddingStore(engine)
    add_papers(papers, 2)
    embed_all(store)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM papers WHERE arxiv_id = '2401.00001'"))
    assert store.embeddings_after(MODEL, 0, 10)[0] == ["2401.00002"]
    engine.dispose()
