"""The faiss vector index: exact and HNSW answers, saving and loading, syncs, filters, threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Iterator
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from paperboy.domain.search import SearchFilters
from paperboy.embeddings.hashing import HashingEmbedder
from paperboy.indexes.vector_file import read_vectors, write_vectors
from paperboy.indexes.vectors import FLAT, HNSW, FaissVectorIndex, IndexTuning
from paperboy.services.embedding import embed_new_papers
from paperboy.storage.embeddings import SqlEmbeddingStore
from paperboy.storage.papers import SqlPaperStore
from tests.support.search_corpus import load_recorded_papers

DIMENSION = 32


class ListVectors:
    """A `VectorSource` in memory: every save appends at a new position, like the real store."""

    def __init__(self) -> None:
        self.saved: list[tuple[str, NDArray[np.float32]]] = []
        self.reads: list[int] = []

    def save(self, arxiv_ids: list[str], matrix: NDArray[np.float32]) -> None:
        self.saved.extend(zip(arxiv_ids, matrix, strict=True))

    def embeddings_after(
        self, model: str, after_id: int, limit: int
    ) -> tuple[list[str], NDArray[np.float32], int]:
        self.reads.append(after_id)
        chunk = self.saved[after_id : after_id + limit]
        if not chunk:
            return [], np.zeros((0, DIMENSION), dtype=np.float32), after_id
        return [i for i, _ in chunk], np.stack([v for _, v in chunk]), after_id + len(chunk)

    def current(self) -> dict[str, NDArray[np.float32]]:
        return dict(self.saved)


class NoFilters:
    def matching_ids(self, arxiv_ids: Collection[str] | None, filters: SearchFilters) -> set[str]:
        raise AssertionError("no filters in this test")


def clustered(count: int, seed: int, centres: int = 20) -> NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    middle = rng.standard_normal((centres, DIMENSION))
    points = middle[rng.integers(0, centres, count)] + 0.5 * rng.standard_normal((count, DIMENSION))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def exact_top(
    vectors: dict[str, NDArray[np.float32]], query: NDArray[np.float32], k: int
) -> list[str]:
    ids = sorted(vectors)
    scores = np.stack([vectors[i] for i in ids]) @ query
    return [ids[i] for i in np.argsort(-scores, kind="stable")[:k]]


def make_index(
    source: ListVectors, path: Path, tuning: IndexTuning | None = None
) -> FaissVectorIndex:
    return FaissVectorIndex(source, NoFilters(), "test", path, tuning=tuning, refresh_seconds=None)


@pytest.fixture
def source() -> ListVectors:
    vectors = ListVectors()
    matrix = clustered(500, seed=1)
    vectors.save([f"p{i}" for i in range(len(matrix))], matrix)
    return vectors


def test_exact_index_returns_the_true_neighbours_best_first(
    source: ListVectors, tmp_path: Path
) -> None:
    index = make_index(source, tmp_path / "v.faiss")
    index.sync()
    query = clustered(1, seed=2)[0]
    hits = index.nearest(query, 10)
    assert index.kind == FLAT
    assert [h.arxiv_id for h in hits] == exact_top(source.current(), query, 10)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].score == pytest.approx(
        float(source.current()[hits[0].arxiv_id] @ query), abs=1e-5
    )


def test_hnsw_recall_against_exact_on_a_seeded_set(tmp_path: Path) -> None:
    source = ListVectors()
    matrix = clustered(4000, seed=3, centres=40)
    source.save([f"p{i}" for i in range(len(matrix))], matrix)
    index = make_index(source, tmp_path / "v.faiss", IndexTuning(exact_below=1000))
    index.sync()
    queries = clustered(100, seed=4, centres=40)
    found = [{h.arxiv_id for h in index.nearest(q, 10)} for q in queries]
    truth = [set(exact_top(source.current(), q, 10)) for q in queries]
    recall = np.mean([len(f & t) / 10 for f, t in zip(found, truth, strict=True)])
    assert index.kind == HNSW
    assert recall >= 0.95


def test_index_becomes_hnsw_when_it_grows_past_the_threshold(tmp_path: Path) -> None:
    source = ListVectors()
    source.save([f"a{i}" for i in range(50)], clustered(50, seed=5))
    index = make_index(source, tmp_path / "v.faiss", IndexTuning(exact_below=80))
    index.sync()
    assert index.kind == FLAT
    source.save([f"b{i}" for i in range(50)], clustered(50, seed=6))
    index.sync()
    assert (index.kind, len(index)) == (HNSW, 100)
    query = source.current()["a3"]
    assert index.nearest(query, 1)[0].arxiv_id == "a3"


def test_saved_index_loads_and_reads_only_what_is_new(source: ListVectors, tmp_path: Path) -> None:
    path = tmp_path / "v.faiss"
    make_index(source, path).sync()
    source.save(["new"], clustered(1, seed=7))
    source.reads.clear()
    reloaded = make_index(source, path)
    assert reloaded.sync() == 1
    assert source.reads[0] == 500  # resumed at the saved position, not from the start
    assert len(reloaded) == 501
    assert reloaded.nearest(source.current()["new"], 1)[0].arxiv_id == "new"


def test_a_failed_save_leaves_the_previous_file_whole(source: ListVectors, tmp_path: Path) -> None:
    path = tmp_path / "v.faiss"
    make_index(source, path).sync()
    before = path.read_bytes()
    saved = read_vectors(path)
    assert saved is not None
    with pytest.raises(Exception):  # noqa: B017 - whatever faiss raises for a non-index
        write_vectors(path, saved.header, object(), saved.row_ids, saved.live)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["v.faiss"]


def test_a_foreign_file_is_ignored_and_the_index_rebuilt(
    source: ListVectors, tmp_path: Path
) -> None:
    path = tmp_path / "v.faiss"
    path.write_bytes(b"not an index")
    index = make_index(source, path)
    assert index.sync() == 500
    assert read_vectors(path) is not None


def test_sync_replaces_a_re_embedded_paper(source: ListVectors, tmp_path: Path) -> None:
    index = make_index(source, tmp_path / "v.faiss")
    index.sync()
    old = source.current()["p7"]
    new = -old
    source.save(["p7"], new[None, :])
    assert index.sync() == 1
    assert len(index) == 500
    assert index.nearest(new, 1)[0].arxiv_id == "p7"
    assert "p7" not in [h.arxiv_id for h in index.nearest(old, 5)]


def test_many_replacements_compact_the_index(source: ListVectors, tmp_path: Path) -> None:
    index = make_index(source, tmp_path / "v.faiss")
    index.sync()
    moved = clustered(100, seed=8)
    source.save([f"p{i}" for i in range(100)], moved)
    index.sync()
    saved = read_vectors(index.path)
    assert saved is not None and len(saved.row_ids) == 500 and bool(saved.live.all())
    assert index.nearest(moved[5], 1)[0].arxiv_id == "p5"


def test_exclude_leaves_papers_out(source: ListVectors, tmp_path: Path) -> None:
    index = make_index(source, tmp_path / "v.faiss")
    index.sync()
    query = source.current()["p1"]
    everything = [h.arxiv_id for h in index.nearest(query, 7)]
    hits = index.nearest(query, 5, exclude=frozenset({"p1", everything[1]}))
    assert [h.arxiv_id for h in hits] == [i for i in everything if i not in {"p1", everything[1]}][
        :5
    ]


def test_empty_index_and_zero_limit_return_nothing(tmp_path: Path) -> None:
    index = make_index(ListVectors(), tmp_path / "v.faiss")
    assert index.sync() == 0
    assert index.nearest(np.ones(DIMENSION, dtype=np.float32), 10) == []


def test_concurrent_searches_while_syncing(tmp_path: Path) -> None:
    source = ListVectors()
    source.save([f"a{i}" for i in range(300)], clustered(300, seed=9))
    index = make_index(source, tmp_path / "v.faiss", IndexTuning(exact_below=200))
    index.sync()
    queries = clustered(50, seed=10)
    errors: list[BaseException] = []

    def search() -> None:
        try:
            for query in queries:
                hits = index.nearest(query, 10)
                assert len(hits) == 10 and len({h.arxiv_id for h in hits}) == 10
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=search) for _ in range(4)]
    for thread in threads:
        thread.start()
    for step in range(10):
        source.save([f"b{step}-{i}" for i in range(30)], clustered(30, seed=100 + step))
        index.sync()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(index) == 600


def test_refresh_shows_vectors_another_process_saved(source: ListVectors, tmp_path: Path) -> None:
    path = tmp_path / "v.faiss"
    index = FaissVectorIndex(source, NoFilters(), "test", path, refresh_seconds=0, background=False)
    first = index.version()
    source.save(["late"], clustered(1, seed=11))
    assert index.nearest(source.current()["late"], 1)[0].arxiv_id == "late"
    assert index.version() != first


# ---- filters, against the real store with real recorded papers


@pytest.fixture
def papers(sqlite_store: SqlPaperStore) -> Iterator[tuple[SqlPaperStore, SqlEmbeddingStore]]:
    load_recorded_papers(sqlite_store)
    embeddings = SqlEmbeddingStore(sqlite_store.engine)
    embed_new_papers(embeddings, HashingEmbedder())
    yield sqlite_store, embeddings


def filtered_truth(
    store: SqlPaperStore,
    index: FaissVectorIndex,
    query: NDArray[np.float32],
    filters: SearchFilters,
) -> list[str]:
    everything = index.nearest(query, 10_000)
    passed = store.matching_ids([h.arxiv_id for h in everything], filters)
    return [h.arxiv_id for h in everything if h.arxiv_id in passed]


FILTERS = [
    SearchFilters(category="cs.CL"),
    SearchFilters(category="CS.cv"),
    SearchFilters(has_code=True),
    SearchFilters(on_daily_list=False),
    SearchFilters(author="zhang"),
    SearchFilters(published_from=__import__("datetime").date(2026, 1, 1), has_code=False),
]


@pytest.mark.parametrize("filters", FILTERS, ids=str)
@pytest.mark.parametrize("scan_after", [4096, 1], ids=["over-fetch", "exact-scan"])
def test_filters_keep_only_matching_papers_in_order(
    papers: tuple[SqlPaperStore, SqlEmbeddingStore],
    tmp_path: Path,
    filters: SearchFilters,
    scan_after: int,
) -> None:
    store, embeddings = papers
    tuning = IndexTuning(first_fetch=1, scan_after=scan_after)
    index = FaissVectorIndex(
        embeddings,
        store,
        HashingEmbedder.name,
        tmp_path / "v.faiss",
        tuning=tuning,
        refresh_seconds=None,
    )
    index.sync()
    query = HashingEmbedder().embed_query("language models reasoning benchmark")
    truth = filtered_truth(store, index, query, filters)
    hits = index.nearest(query, 5, filters)
    assert truth, "the filter should match some recorded papers"
    assert [h.arxiv_id for h in hits] == truth[:5]


def test_background_refresh_catches_up_on_its_own(source: ListVectors, tmp_path: Path) -> None:
    index = FaissVectorIndex(source, NoFilters(), "test", tmp_path / "v.faiss", refresh_seconds=0)
    deadline = time.monotonic() + 60
    while len(index) < 500 and time.monotonic() < deadline:
        index.version()  # what the page cache asks on every request
        time.sleep(0.01)
    assert len(index) == 500


@pytest.mark.parametrize("keep", [0.5, 0.999])
def test_a_cut_short_file_is_rebuilt(source: ListVectors, tmp_path: Path, keep: float) -> None:
    path = tmp_path / "v.faiss"
    make_index(source, path).sync()
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    assert read_vectors(path) is None
    assert make_index(source, path).sync() == 500
