"""Vector search: the faiss index at 1M vectors, exact vs HNSW by size, and similar papers at 74k.

    .venv/bin/python bench/vector_bench.py [--size 1000000] [--queries 200] [--runs 3]
        [--real /tmp/paperboy-bench/arxiv74k.sqlite3] [--skip-million] [--skip-similar]

(a) `FaissVectorIndex` built by its own `sync()` from a source that makes `--size` unit vectors
    chunk by chunk (never the whole matrix at once): each one a real MiniLM vector of the 74k
    corpus (`--real`, from `paper_embeddings`) plus Gaussian noise, renormalised, when that file
    exists, else clustered synthetic vectors. Queries are fresh vectors made the same way; the
    exact top-10 is computed by streaming the same chunks again. Reported: build (sync incl.
    save), load from disk, index memory (file size and RSS growth), query p50/p99 and recall@10
    for several efSearch values.
(b) Exact (flat) against HNSW by index size: the numbers behind `IndexTuning.exact_below`.
(c) `similar_papers` p50 over the real 74k papers with their real vectors, on SQLite (faiss)
    and PostgreSQL (pgvector HNSW, embedded server): see `similar_bench` below.
"""

from __future__ import annotations

import gc
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path
from typing import Any

import harness
import numpy as np
from numpy.typing import NDArray

from paperboy.domain.search import SearchFilters
from paperboy.indexes.vectors import FaissVectorIndex, IndexTuning

DIMENSION = 384
CHUNK = 20_000
DEFAULT_REAL = Path("/tmp/paperboy-bench/arxiv74k.sqlite3")
NOISE = 0.6  # norm of the noise added to a unit real vector: cosine to its source ~0.85
EF_VALUES = (32, 64, 96, 128, 256)
TARGET_RECALL, TARGET_MEMORY_GB, TARGET_SIMILAR_MS = 0.95, 2.0, 20.0


def real_vectors(path: Path) -> NDArray[np.float32] | None:
    """The stored MiniLM vectors of the 74k corpus, or None if that database is not there."""
    if not path.exists():
        return None
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT vector FROM paper_embeddings").fetchall()
    if not rows:
        return None
    return np.stack([np.frombuffer(row[0], dtype=np.float32) for row in rows])


class SyntheticVectors:
    """`VectorSource` of `size` unit vectors, made chunk by chunk from a seed (same every time)."""

    def __init__(self, size: int, real: NDArray[np.float32] | None, seed: int = 7) -> None:
        self.size = size
        self.real = real
        self.seed = seed
        self.centres = None
        if real is None:
            rng = np.random.default_rng(seed)
            self.centres = _unit(rng.standard_normal((2_000, DIMENSION), dtype=np.float32))

    @property
    def kind(self) -> str:
        if self.real is None:
            return "clustered synthetic (2,000 random centres + noise)"
        return f"real MiniLM vectors of {len(self.real):,} papers, resampled + noise {NOISE}"

    def chunk(self, number: int, count: int, *, stream: int = 0) -> NDArray[np.float32]:
        rng = np.random.default_rng((self.seed, stream, number))
        if self.real is not None:
            base = self.real[rng.integers(0, len(self.real), count)]
            noise = rng.standard_normal((count, DIMENSION), dtype=np.float32)
            return _unit(base + NOISE * _unit(noise))
        assert self.centres is not None
        base = self.centres[rng.integers(0, len(self.centres), count)]
        noise = rng.standard_normal((count, DIMENSION), dtype=np.float32)
        return _unit(base + 0.8 * _unit(noise))

    def embeddings_after(
        self, model: str, after_id: int, limit: int
    ) -> tuple[list[str], NDArray[np.float32], int]:
        start = after_id
        if start >= self.size:
            return [], np.zeros((0, DIMENSION), dtype=np.float32), after_id
        count = min(CHUNK, self.size - start)
        assert start % CHUNK == 0
        return (
            [f"s{i}" for i in range(start, start + count)],
            self.chunk(start // CHUNK, count),
            start + count,
        )

    def exact_top(self, queries: NDArray[np.float32], k: int = 10) -> list[set[str]]:
        """The true top-k ids of each query, streaming the chunks again."""
        best_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        best_ids = np.zeros((len(queries), k), dtype=np.int64)
        for start in range(0, self.size, CHUNK):
            count = min(CHUNK, self.size - start)
            scores = queries @ self.chunk(start // CHUNK, count).T
            merged_scores = np.concatenate([best_scores, scores], axis=1)
            merged_ids = np.concatenate(
                [best_ids, np.broadcast_to(np.arange(start, start + count), scores.shape)], axis=1
            )
            top = np.argsort(-merged_scores, axis=1)[:, :k]
            best_scores = np.take_along_axis(merged_scores, top, axis=1)
            best_ids = np.take_along_axis(merged_ids, top, axis=1)
        return [{f"s{i}" for i in row} for row in best_ids]


class NoFilters:
    def matching_ids(self, arxiv_ids: Collection[str] | None, filters: SearchFilters) -> set[str]:
        raise AssertionError("the bench runs no filtered queries")


def _unit(matrix: NDArray[np.float32]) -> NDArray[np.float32]:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed_queries(
    index: FaissVectorIndex, queries: NDArray[np.float32], truth: list[set[str]]
) -> tuple[float, float, float]:
    """(p50 ms, p99 ms, recall@10) of one query at a time."""
    times: list[float] = []
    recalls: list[float] = []
    for query, expected in zip(queries, truth, strict=True):
        started = time.perf_counter()
        hits = index.nearest(query, 10)
        times.append((time.perf_counter() - started) * 1000)
        recalls.append(len({hit.arxiv_id for hit in hits} & expected) / 10)
    return statistics.median(times), float(np.percentile(times, 99)), float(np.mean(recalls))


def million_bench(args: Any, real: NDArray[np.float32] | None, workdir: Path) -> None:
    source = SyntheticVectors(args.size, real)
    print(f"## (a) {args.size:,} vectors × {DIMENSION}: {source.kind}\n", flush=True)
    queries = source.chunk(0, args.queries, stream=1)
    truth = source.exact_top(queries)
    gc.collect()
    path = args.index_file or workdir / "million.faiss"
    if not path.exists():
        before = rss_mb()
        index = FaissVectorIndex(source, NoFilters(), "bench", path, refresh_seconds=None)
        started = time.perf_counter()
        index.sync()
        build = time.perf_counter() - started
        grown = rss_mb() - before
        tuning = index.tuning
        print(f"- index: {index.kind}, M={tuning.m}, efConstruction={tuning.ef_construction}")
        print(f"- build (sync from the source, incl. saving the file): {build:.0f} s")
        print(f"- RSS growth while building {grown / 1024:.2f} GB")
        del index
        gc.collect()
    else:
        print(f"- index: reused {path} (built by an earlier run of this bench)")
    size_gb = path.stat().st_size / 1e9
    print(f"- index file {size_gb:.2f} GB")
    loaded = FaissVectorIndex(source, NoFilters(), "bench", path, refresh_seconds=None)
    before = rss_mb()
    started = time.perf_counter()
    loaded.load()
    seconds = time.perf_counter() - started
    print(f"- load from disk: {seconds:.1f} s, RSS growth {(rss_mb() - before) / 1024:.2f} GB\n")
    rows = []
    for ef in EF_VALUES:
        loaded.tuning = replace(loaded.tuning, ef_search=ef)
        runs = [timed_queries(loaded, queries, truth) for _ in range(args.runs)]
        p50 = statistics.median(r[0] for r in runs)
        p99 = statistics.median(r[1] for r in runs)
        recall = runs[0][2]
        rows.append(
            [
                ef,
                f"{p50:.2f}",
                f"{p99:.2f}",
                f"{recall:.3f}",
                harness.verdict(recall >= TARGET_RECALL),
            ]
        )
    print(harness.table(["efSearch", "p50 ms", "p99 ms", "recall@10", "≥ 0.95"], rows))
    memory_ok = size_gb <= TARGET_MEMORY_GB
    print(f"\nindex memory ≤ {TARGET_MEMORY_GB} GB: {harness.verdict(memory_ok)}\n", flush=True)
    if args.index_file is None:
        path.unlink(missing_ok=True)


def crossover_bench(args: Any, real: NDArray[np.float32] | None, workdir: Path) -> None:
    print("## (b) exact (flat) vs HNSW by index size, top-10, one query at a time\n")
    rows = []
    for size in (5_000, 20_000, 75_000):
        source = SyntheticVectors(size, real, seed=11)
        queries = source.chunk(0, args.queries, stream=1)
        truth = source.exact_top(queries)
        for kind, exact_below in (("flat", size + 1), ("hnsw", 0)):
            tuning = IndexTuning(exact_below=exact_below)
            path = workdir / f"cross-{size}-{kind}.faiss"
            index = FaissVectorIndex(
                source, NoFilters(), "bench", path, tuning=tuning, refresh_seconds=None
            )
            started = time.perf_counter()
            index.sync()
            build = time.perf_counter() - started
            p50, p99, recall = timed_queries(index, queries, truth)
            rows.append(
                [
                    f"{size:,}",
                    index.kind,
                    f"{build:.1f}",
                    f"{p50:.2f}",
                    f"{p99:.2f}",
                    f"{recall:.3f}",
                ]
            )
            path.unlink(missing_ok=True)
    print(harness.table(["vectors", "index", "build s", "p50 ms", "p99 ms", "recall@10"], rows))
    print(flush=True)


def main() -> None:
    parser = harness.parser(__doc__.splitlines()[0], runs=3)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--real", type=Path, default=DEFAULT_REAL)
    parser.add_argument("--skip-million", action="store_true")
    parser.add_argument("--skip-crossover", action="store_true")
    parser.add_argument("--skip-similar", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--index-file", type=Path, help="keep the 1M index here; load it if it exists already"
    )
    args = parser.parse_args()
    harness.print_header("Vector search: faiss at 1M, exact vs HNSW, similar papers at 74k")
    real = real_vectors(args.real)
    found = f"{len(real):,} from {args.real}" if real is not None else f"none ({args.real} missing)"
    print(f"- real vectors: {found}\n")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="paperboy-vector-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if not args.skip_crossover:
        crossover_bench(args, real, workdir)
    if not args.skip_million:
        million_bench(args, real, workdir)
    if not args.skip_similar:
        import similar_bench

        similar_bench.run(args)
    harness.print_footer()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    main()
