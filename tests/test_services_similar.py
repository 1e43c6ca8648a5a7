"""Similar papers on both engines: faiss on SQLite, pgvector HNSW on PostgreSQL, real papers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from paperboy.domain.models import PaperRecord, PaperVersion
from paperboy.domain.search import SearchFilters
from paperboy.embeddings.hashing import HashingEmbedder
from paperboy.indexes.vectors import FaissVectorIndex
from paperboy.services.embedding import embed_new_papers
from paperboy.services.ports import SyncedVectorIndex
from paperboy.services.similar import SimilarPaper, similar_papers
from paperboy.storage.embeddings import SqlEmbeddingStore
from paperboy.storage.engine import is_sqlite
from paperboy.storage.papers import SqlPaperStore
from paperboy.storage.vectors import PgVectorIndex, SqlVectorLookup
from tests.support.search_corpus import load_recorded_papers, recorded_ids

MODEL = HashingEmbedder.name
OLD_STYLE = "hep-th/9901001"


@dataclass
class Corpus:
    store: SqlPaperStore
    vectors: SyncedVectorIndex
    lookup: SqlVectorLookup
    embeddings: SqlEmbeddingStore

    def similar(self, arxiv_id: str, limit: int = 10, **kwargs: object) -> list[SimilarPaper]:
        return similar_papers(
            self.store,
            self.vectors,
            self.lookup,
            arxiv_id,
            limit,
            model=MODEL,
            **kwargs,  # type: ignore[arg-type]
        )

    def exact(self, arxiv_id: str, limit: int) -> list[str]:
        """The true nearest neighbours by a full scan of the stored vectors."""
        ids, matrix, _ = self.embeddings.embeddings_after(MODEL, 0, 100_000)
        own = matrix[ids.index(arxiv_id)]
        scores = matrix @ own
        ranked = [ids[i] for i in np.argsort(-scores, kind="stable")]
        return [i for i in ranked if i != arxiv_id][:limit]


def old_style_paper() -> PaperRecord:
    """A pre-2007 id with a slash, and two versions, about the same things as a recorded one."""
    return PaperRecord(
        arxiv_id=OLD_STYLE,
        version=2,
        title="Large language models and reasoning: a benchmark",
        abstract="We evaluate large language models on reasoning benchmarks.",
        authors=("A. Author",),
        categories=("hep-th",),
        published_at=datetime(1999, 1, 4, tzinfo=UTC),
        versions=(
            PaperVersion(1, datetime(1999, 1, 4, tzinfo=UTC)),
            PaperVersion(2, datetime(1999, 2, 4, tzinfo=UTC)),
        ),
    )


@pytest.fixture
def corpus(store: SqlPaperStore, tmp_path: Path) -> Iterator[Corpus]:
    load_recorded_papers(store)
    store.upsert_papers([old_style_paper()])
    embeddings = SqlEmbeddingStore(store.engine)
    embed_new_papers(embeddings, HashingEmbedder())
    vectors: SyncedVectorIndex
    if is_sqlite(store.engine):
        vectors = FaissVectorIndex(
            embeddings, store, MODEL, tmp_path / "v.faiss", refresh_seconds=None
        )
    else:
        vectors = PgVectorIndex(store.engine, MODEL)
    vectors.sync()
    yield Corpus(store, vectors, SqlVectorLookup(store.engine), embeddings)


def test_similar_never_lists_the_paper_itself(corpus: Corpus) -> None:
    for arxiv_id in [*recorded_ids()[:25], OLD_STYLE]:
        found = [s.paper.arxiv_id for s in corpus.similar(arxiv_id)]
        assert arxiv_id not in found
        assert len(found) == 10


@pytest.mark.parametrize("form", [f"{OLD_STYLE}v1", f"{OLD_STYLE}v2", f"arXiv:{OLD_STYLE}"])
def test_similar_leaves_out_every_version_of_the_paper(corpus: Corpus, form: str) -> None:
    found = [s.paper.arxiv_id for s in corpus.similar(form, limit=50)]
    assert found and OLD_STYLE not in found
    assert found == [s.paper.arxiv_id for s in corpus.similar(OLD_STYLE, limit=50)]


def test_similar_is_best_first_and_matches_an_exact_scan(corpus: Corpus) -> None:
    arxiv_id = recorded_ids()[3]
    similar = corpus.similar(arxiv_id, limit=5)
    scores = [s.score for s in similar]
    assert scores == sorted(scores, reverse=True)
    assert [s.paper.arxiv_id for s in similar] == corpus.exact(arxiv_id, 5)
    own = corpus.lookup.embedding_of(MODEL, arxiv_id)
    best = corpus.lookup.embedding_of(MODEL, similar[0].paper.arxiv_id)
    assert own is not None and best is not None
    assert similar[0].score == pytest.approx(float(own @ best), abs=1e-4)


def test_similar_papers_are_hydrated_with_their_list_facts(corpus: Corpus) -> None:
    similar = corpus.similar(OLD_STYLE, limit=30)
    listed = [s for s in similar if s.listed_on is not None]
    assert listed, "some neighbours are on the recorded daily lists"
    for item in similar:
        assert item.paper.title and item.upvote_count >= 0


def test_similar_is_empty_until_the_paper_is_embedded(corpus: Corpus) -> None:
    corpus.store.upsert_papers(
        [PaperRecord(arxiv_id="2609.00001", version=1, title="New", abstract="Not yet.")]
    )
    assert corpus.similar("2609.00001") == []
    assert corpus.similar("2609.99999") == []  # not stored at all
    assert corpus.similar("not an id") == []


def test_similar_honours_filters(corpus: Corpus) -> None:
    filters = SearchFilters(on_daily_list=False)
    similar = corpus.similar(OLD_STYLE, limit=5, filters=filters)
    assert len(similar) == 5
    assert all(s.listed_on is None for s in similar)
