"""Nearest neighbours for the embedded engine: faiss, exact when small, HNSW when large.

The index is derived data: built from the store's vectors in chunks, kept up to date by reading
only what was saved since the last sync (a re-embedded paper's vector comes again, later), and
saved beside the database so a restart loads it instead of rebuilding. Below `exact_below`
vectors a flat inner-product scan (exact, no build) answers in a few milliseconds; above it an
HNSW graph answers in about one (measured in `bench/vector_bench.py`). A re-embedded paper's old
row is marked dead and its new vector added; dead rows are skipped in results and dropped by a
rebuild once they are a tenth of the index.

Filters are applied after the search: candidates are over-fetched, checked against the store in
one query, and the fetch grows until `limit` survive or the index is exhausted; a filter so
selective that few of thousands of neighbours pass switches to an exact scan of the papers that
match it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import faiss
import numpy as np
from numpy.typing import NDArray

from paperboy.domain.search import Scored, SearchFilters
from paperboy.indexes.locks import ReadWriteLock
from paperboy.indexes.vector_file import VectorFileHeader, read_vectors, write_vectors

FLAT = "flat"
HNSW = "hnsw"
SYNC_BATCH = 4096
SCAN_CHUNK = 16_384
COMPACT_DEAD_SHARE = 0.1
BUILD_THREADS = faiss.omp_get_max_threads()


class VectorSource(Protocol):
    """Where vectors come from (the `EmbeddingStore` port, structurally).

    Positions grow with every save, so a re-embedded paper comes again after its old vector.
    """

    def embeddings_after(
        self, model: str, after_id: int, limit: int
    ) -> tuple[list[str], NDArray[np.float32], int]: ...


class FilterSource(Protocol):
    """Which papers meet the filters (the paper store, structurally); None means all papers."""

    def matching_ids(
        self, arxiv_ids: Collection[str] | None, filters: SearchFilters
    ) -> set[str]: ...


@dataclass(frozen=True, slots=True)
class IndexTuning:
    """When to switch from exact to HNSW, and the graph's parameters (`bench/vector_bench.py`).

    Exact below 20k: a flat scan is ~3 ms there and needs no build, while at 75k it is ~11 ms
    idle (40-170 ms on a busy 2-core box) against HNSW's 0.5 ms. M=32 with efConstruction=80
    holds 1M vectors in 1.82 GB (float32 + graph, under the 2 GB target); on hard clustered
    1M vectors recall@10 was 0.937 at efSearch 64, 0.958 at 96, 0.983 at 128 and 0.994 at
    256, so 128 keeps a margin over 0.95 for 1.1 ms p50.
    """

    exact_below: int = 20_000
    m: int = 32
    ef_construction: int = 80
    ef_search: int = 128
    first_fetch: int = 4
    scan_after: int = 4096


class FaissVectorIndex:
    """`VectorIndex` on faiss, persisted at `path`, safe to search from many threads at once."""

    def __init__(
        self,
        vectors: VectorSource,
        papers: FilterSource,
        model: str,
        path: Path,
        *,
        tuning: IndexTuning | None = None,
        refresh_seconds: float | None = 2.0,
        background: bool = True,
    ) -> None:
        self.vectors = vectors
        self.papers = papers
        self.model = model
        self.path = path
        self.tuning = tuning or IndexTuning()
        self.refresh_seconds = refresh_seconds
        self.background = background
        self._lock = ReadWriteLock()
        self._sync_lock = threading.Lock()
        self._index: Any = None
        self._row_ids: list[str] = []
        self._live: NDArray[np.bool_] = np.zeros(0, dtype=bool)
        self._row_of: dict[str, int] = {}
        self._position = 0
        self._generation = 0
        self._checked_at = float("-inf")
        self._loaded = False

    # ---- reading

    def nearest(
        self,
        vector: NDArray[np.float32],
        limit: int,
        filters: SearchFilters | None = None,
        exclude: frozenset[str] = frozenset(),
    ) -> list[Scored]:
        """The `limit` papers whose vectors are closest to `vector` (cosine), best first."""
        self.refresh_if_due()
        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
        active = filters if filters is not None and not filters.is_empty else None
        with self._lock.reading():
            if limit <= 0 or not self._row_of:
                return []
            return self._nearest(query, limit, active, exclude)

    def version(self) -> int:
        """A number that changes whenever the index's content does (part of page cache keys)."""
        self.refresh_if_due()
        return self._generation

    @property
    def kind(self) -> str:
        return HNSW if isinstance(self._index, faiss.IndexHNSW) else FLAT

    def __len__(self) -> int:
        return len(self._row_of)

    def _nearest(
        self,
        query: NDArray[np.float32],
        limit: int,
        filters: SearchFilters | None,
        exclude: frozenset[str],
    ) -> list[Scored]:
        rows = len(self._row_ids)
        fetch = limit + len(exclude) + (len(self._row_ids) - len(self._row_of))
        if filters is not None:
            fetch *= self.tuning.first_fetch
        verdicts: dict[str, bool] = {}
        while True:
            fetch = min(fetch, rows)
            found = self._survivors(query, fetch, filters, exclude, verdicts)
            if len(found) >= limit or fetch >= rows:
                return found[:limit]
            if filters is not None and fetch >= self.tuning.scan_after:
                return self._scan_matching(query, limit, filters, exclude)
            fetch *= 4

    def _survivors(
        self,
        query: NDArray[np.float32],
        fetch: int,
        filters: SearchFilters | None,
        exclude: frozenset[str],
        verdicts: dict[str, bool],
    ) -> list[Scored]:
        """The first `fetch` neighbours that are live, not excluded and pass the filters."""
        scores, rows = self._search(query, fetch)
        candidates = [
            Scored(self._row_ids[row], float(score))
            for score, row in zip(scores, rows, strict=True)
            if row >= 0 and self._live[row] and self._row_ids[row] not in exclude
        ]
        if filters is None:
            return candidates
        unchecked = [c.arxiv_id for c in candidates if c.arxiv_id not in verdicts]
        if unchecked:
            passed = self.papers.matching_ids(unchecked, filters)
            verdicts.update((arxiv_id, arxiv_id in passed) for arxiv_id in unchecked)
        return [c for c in candidates if verdicts[c.arxiv_id]]

    def _search(self, query: NDArray[np.float32], k: int) -> tuple[NDArray[Any], NDArray[Any]]:
        # One query gains nothing from OpenMP; its idle threads spinning at the barrier cost
        # concurrent requests dearly (p99 70 -> 12 ms on a busy 2-core machine). Per thread.
        faiss.omp_set_num_threads(1)
        if isinstance(self._index, faiss.IndexHNSW):
            ef_search = max(self.tuning.ef_search, k)
            params = faiss.SearchParametersHNSW(efSearch=ef_search)  # type: ignore[attr-defined]
            scores, rows = self._index.search(query, k, params=params)
        else:
            scores, rows = self._index.search(query, k)
        return scores[0], rows[0]

    def _scan_matching(
        self,
        query: NDArray[np.float32],
        limit: int,
        filters: SearchFilters,
        exclude: frozenset[str],
    ) -> list[Scored]:
        """Exact scores for every paper that meets `filters`, in chunks; the best `limit`."""
        matching = self.papers.matching_ids(None, filters) - exclude
        rows = np.fromiter(
            sorted(self._row_of[i] for i in matching if i in self._row_of), dtype=np.int64
        )
        scores = np.empty(len(rows), dtype=np.float32)
        for start in range(0, len(rows), SCAN_CHUNK):
            chunk = rows[start : start + SCAN_CHUNK]
            scores[start : start + len(chunk)] = self._index.reconstruct_batch(chunk) @ query[0]
        order = np.argsort(-scores, kind="stable")[:limit]
        return [Scored(self._row_ids[rows[i]], float(scores[i])) for i in order]

    # ---- syncing

    def refresh_if_due(self) -> None:
        """Catch up with the store now and then: other processes embed (and sync) too.

        In a background thread unless `background` is off, so a request (or the page cache
        asking for `version()`) never waits for a file to load or a graph to grow; searches
        meanwhile answer from what is there.
        """
        if self.refresh_seconds is None:
            if not self._loaded:
                self.load()
            return
        now = time.monotonic()
        if now - self._checked_at < self.refresh_seconds or self._sync_lock.locked():
            return
        self._checked_at = now
        if self.background:
            threading.Thread(target=self._refresh, name="vector-index-refresh", daemon=True).start()
        else:
            self._refresh()

    def _refresh(self) -> None:
        if self._sync_lock.acquire(blocking=False):
            try:
                self._sync(save=False)
            finally:
                self._sync_lock.release()

    def load(self) -> None:
        """Read the saved index, if there is one for this model; otherwise start empty."""
        with self._sync_lock:
            self._load()

    def sync(self) -> int:
        """Add vectors embedded since the last sync and replace changed ones; save; the count."""
        with self._sync_lock:
            return self._sync(save=True)

    def rebuild(self) -> int:
        """Forget everything and read every vector again; the count."""
        with self._sync_lock:
            with self._lock.writing():
                self._reset()
            self._loaded = True
            return self._sync(save=True)

    def _sync(self, *, save: bool) -> int:
        if not self._loaded:
            self._load()
        count = 0
        while True:
            ids, matrix, last = self.vectors.embeddings_after(
                self.model, self._position, SYNC_BATCH
            )
            if not ids:
                break
            self._apply(ids, matrix)
            self._position = last
            count += len(ids)
        if count:
            self._compact_if_needed()
            self._generation += 1
        if save and (count or not self.path.exists()):
            self._save()
        return count

    def _load(self) -> None:
        loaded = read_vectors(self.path)
        with self._lock.writing():
            self._reset()
            if loaded is not None and loaded.header.model == self.model:
                self._index = loaded.index
                self._row_ids = loaded.row_ids
                self._live = loaded.live
                self._row_of = {a: r for r, a in enumerate(loaded.row_ids) if loaded.live[r]}
                self._position = loaded.header.position
                self._generation += 1
        self._loaded = True

    def _reset(self) -> None:
        self._index = None
        self._row_ids = []
        self._live = np.zeros(0, dtype=bool)
        self._row_of = {}
        self._position = 0

    def _apply(self, arxiv_ids: list[str], matrix: NDArray[np.float32]) -> None:
        """Add a chunk of vectors; a paper already indexed has its old row marked dead."""
        matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        faiss.omp_set_num_threads(BUILD_THREADS)  # this thread may have searched before
        with self._lock.writing():
            if self._index is None:
                self._index = _new_index(FLAT, matrix.shape[1], self.tuning)
            if self.kind == FLAT and len(self._row_of) + len(arxiv_ids) >= self.tuning.exact_below:
                self._rebuild_rows(HNSW)
            first = len(self._row_ids)
            self._index.add(matrix)
            self._live = np.concatenate([self._live, np.ones(len(arxiv_ids), dtype=bool)])
            for offset, arxiv_id in enumerate(arxiv_ids):
                old = self._row_of.get(arxiv_id)
                if old is not None:
                    self._live[old] = False
                self._row_of[arxiv_id] = first + offset
            self._row_ids.extend(arxiv_ids)

    def _compact_if_needed(self) -> None:
        dead = len(self._row_ids) - len(self._row_of)
        if dead and dead >= COMPACT_DEAD_SHARE * len(self._row_ids):
            with self._lock.writing():
                self._rebuild_rows(self.kind)

    def _rebuild_rows(self, kind: str) -> None:
        """A fresh index of `kind` holding only the live rows (call with the write lock held)."""
        rows = np.flatnonzero(self._live)
        index = _new_index(kind, self._index.d, self.tuning)
        for start in range(0, len(rows), SYNC_BATCH * 4):
            index.add(self._index.reconstruct_batch(rows[start : start + SYNC_BATCH * 4]))
        self._row_ids = [self._row_ids[r] for r in rows]
        self._live = np.ones(len(rows), dtype=bool)
        self._row_of = {a: r for r, a in enumerate(self._row_ids)}
        self._index = index

    def _save(self) -> None:
        with self._lock.reading():
            if self._index is None:
                return
            header = VectorFileHeader(
                model=self.model,
                dimension=int(self._index.d),
                kind=self.kind,
                position=self._position,
            )
            write_vectors(self.path, header, self._index, self._row_ids, self._live)


def _new_index(kind: str, dimension: int, tuning: IndexTuning) -> Any:
    if kind == FLAT:
        return faiss.IndexFlatIP(dimension)
    index = faiss.IndexHNSWFlat(dimension, tuning.m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = tuning.ef_construction
    return index


def vector_index_path(folder: Path, model: str) -> Path:
    """The file of `model`'s index inside the index folder (one file per model)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in model)
    return folder / f"vectors-{safe}.faiss"
