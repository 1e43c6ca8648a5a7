"""Similar papers at 74,728 real papers: `similar_papers` on SQLite (faiss) and PostgreSQL.

Part (c) of `vector_bench.py`. The papers are the real arXiv daily-listing dump; their vectors are
the real MiniLM ones in `--real` (E's `arxiv74k.sqlite3`, copied with SQLite's backup API) as far
as that database has them, and for the rest a real vector of another paper plus noise (cosine
~0.85 to it), so the index has the real size and a realistic spread. Each timed call is the whole
service as the paper page runs it: the paper's stored vector, the neighbour search, hydration.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from pathlib import Path
from typing import Any

import harness
import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select

from paperboy.indexes.vectors import FaissVectorIndex, IndexTuning
from paperboy.services.similar import similar_papers
from paperboy.storage.embeddings import HNSW_EF_CONSTRUCTION, HNSW_M, SqlEmbeddingStore
from paperboy.storage.engine import make_engine
from paperboy.storage.papers import SqlPaperStore
from paperboy.storage.schema import paper_embeddings, papers
from paperboy.storage.vectors import PgVectorIndex, SqlVectorLookup

MODEL = "all-MiniLM-L6-v2-int8"
SNAPSHOT = Path("arxiv-daily/arxiv_daily_dedup.jsonl.gz")
NOISE = 0.6
TARGET_MS = 20.0


def prepare_sqlite(args: Any, workdir: Path) -> tuple[Path, int]:
    """A SQLite file with every paper and a vector for each; how many vectors are real."""
    path = workdir / "similar.sqlite3"
    if args.real.exists():
        with sqlite3.connect(args.real) as source, sqlite3.connect(path) as target:
            source.backup(target)
    else:
        harness.paperboy(harness.sqlite_url(path), "db", "upgrade")
        harness.paperboy(harness.sqlite_url(path), "ingest", "snapshot", str(args.data / SNAPSHOT))
    engine = make_engine(harness.sqlite_url(path))
    embeddings = SqlEmbeddingStore(engine)
    real_ids, real, _ = embeddings.embeddings_after(MODEL, 0, 1_000_000)
    rng = np.random.default_rng(5)
    if not len(real_ids):
        real = _unit(rng.standard_normal((2_000, 384)).astype(np.float32))
    after = 0
    while tasks := embeddings.papers_to_embed(MODEL, after, 4096):
        base = real[rng.integers(0, len(real), len(tasks))]
        noise = _unit(rng.standard_normal(base.shape).astype(np.float32))
        embeddings.save_embeddings(MODEL, tasks, _unit(base + NOISE * noise))
        after = tasks[-1].paper_id
    engine.dispose()
    return path, len(real_ids)


def _unit(matrix: NDArray[np.float32]) -> NDArray[np.float32]:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def all_vectors(engine: Any) -> tuple[list[str], NDArray[np.float32]]:
    ids, matrix, _ = SqlEmbeddingStore(engine).embeddings_after(MODEL, 0, 1_000_000)
    return ids, matrix


def exact_neighbours(
    ids: list[str], matrix: NDArray[np.float32], asked: list[str]
) -> list[set[str]]:
    row = {arxiv_id: i for i, arxiv_id in enumerate(ids)}
    truth = []
    for arxiv_id in asked:
        scores = matrix @ matrix[row[arxiv_id]]
        scores[row[arxiv_id]] = -np.inf
        truth.append({ids[i] for i in np.argpartition(-scores, 10)[:10]})
    return truth


def time_similar(
    store: Any, vectors: Any, lookup: Any, asked: list[str], truth: list[set[str]], runs: int
) -> tuple[float, float, float]:
    """(p50 ms, p99 ms, recall@10 against the exact neighbours) over `runs` passes."""
    p50s, p99s, recalls = [], [], []
    for _ in range(runs):
        times = []
        for arxiv_id, expected in zip(asked, truth, strict=True):
            started = time.perf_counter()
            found = similar_papers(store, vectors, lookup, arxiv_id, 10, model=MODEL)
            times.append((time.perf_counter() - started) * 1000)
            recalls.append(len({s.paper.arxiv_id for s in found} & expected) / 10)
        p50s.append(statistics.median(times))
        p99s.append(float(np.percentile(times, 99)))
    return statistics.median(p50s), statistics.median(p99s), float(np.mean(recalls))


def breakdown(store: Any, vectors: Any, lookup: Any, asked: list[str]) -> str:
    """Median ms of the service's three steps: stored vector, neighbours, hydration."""
    parts: dict[str, list[float]] = {"vector": [], "neighbours": [], "hydrate": []}
    for arxiv_id in asked:
        started = time.perf_counter()
        vector = lookup.embedding_of(MODEL, arxiv_id)
        mark = time.perf_counter()
        hits = vectors.nearest(vector, 10, exclude=frozenset({arxiv_id}))
        done = time.perf_counter()
        store.papers_by_ids([hit.arxiv_id for hit in hits])
        end = time.perf_counter()
        for name, seconds in zip(parts, (mark - started, done - mark, end - done), strict=True):
            parts[name].append(seconds * 1000)
    return " + ".join(f"{name} {statistics.median(ms):.2f}" for name, ms in parts.items())


def sqlite_rows(path: Path, asked: list[str], truth: list[set[str]], args: Any) -> list[list[Any]]:
    engine = make_engine(harness.sqlite_url(path))
    store, lookup = SqlPaperStore(engine), SqlVectorLookup(engine)
    rows = []
    for name, tuning in (
        ("faiss flat (exact)", IndexTuning(exact_below=10**9)),
        ("faiss HNSW", IndexTuning()),
    ):
        index_path = path.parent / f"similar-{name.split()[1]}.faiss"
        index_path.unlink(missing_ok=True)
        index = FaissVectorIndex(
            SqlEmbeddingStore(engine), store, MODEL, index_path, tuning=tuning, refresh_seconds=None
        )
        started = time.perf_counter()
        index.sync()
        build = time.perf_counter() - started
        p50, p99, recall = time_similar(store, index, lookup, asked, truth, args.runs)
        print(f"- SQLite {name}: {breakdown(store, index, lookup, asked)} ms")
        rows.append(
            [
                "SQLite",
                name,
                f"{build:.1f}",
                f"{p50:.2f}",
                f"{p99:.2f}",
                f"{recall:.3f}",
                harness.verdict(p50 <= TARGET_MS),
            ]
        )
    engine.dispose()
    return rows


def copy_to_postgres(path: Path, url: str, args: Any) -> float:
    """Papers by the CLI's own import, vectors copied row by row; seconds spent on the vectors."""
    harness.paperboy(url, "db", "upgrade")
    harness.paperboy(url, "ingest", "snapshot", str(args.data / SNAPSHOT))
    source = make_engine(harness.sqlite_url(path))
    target = make_engine(url)
    with source.connect() as connection:
        joined = paper_embeddings.join(papers, papers.c.id == paper_embeddings.c.paper_id)
        columns = (papers.c.arxiv_id, paper_embeddings.c.content_hash, paper_embeddings.c.vector)
        rows = connection.execute(select(*columns).select_from(joined)).all()
    with target.connect() as connection:
        ids = {r.arxiv_id: r.id for r in connection.execute(select(papers.c.arxiv_id, papers.c.id))}
    with target.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_paper_embeddings_vector")
    with target.begin() as connection:
        for start in range(0, len(rows), 2000):
            chunk = rows[start : start + 2000]
            connection.execute(
                paper_embeddings.insert(),
                [
                    {
                        "paper_id": ids[r.arxiv_id],
                        "model": MODEL,
                        "content_hash": r.content_hash,
                        "vector": r.vector,
                        "embedded_at": _now(),
                    }
                    for r in chunk
                    if r.arxiv_id in ids
                ],
            )
    started = time.perf_counter()
    with target.begin() as connection:
        # the migration's own index, built once over all rows (inserting into a live one is
        # ten times slower); `maintenance_work_mem` lets the whole graph build in memory
        connection.exec_driver_sql("SET maintenance_work_mem = '512MB'")
        connection.exec_driver_sql(
            "CREATE INDEX ix_paper_embeddings_vector ON paper_embeddings "
            "USING hnsw (vector vector_cosine_ops) "
            f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})"
        )
    source.dispose()
    target.dispose()
    return time.perf_counter() - started


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def postgres_rows(
    path: Path, asked: list[str], truth: list[set[str]], args: Any
) -> list[list[Any]]:
    from embedded_pg import start_or_none

    cluster, why = start_or_none()
    if cluster is None:
        print(f"- PostgreSQL rows skipped: {why}")
        return []
    try:
        url = cluster.fresh_database("similar")
        load = copy_to_postgres(path, url, args)
        print(
            f"- PostgreSQL {cluster.version()}: HNSW index (m={HNSW_M}, "
            f"ef_construction={HNSW_EF_CONSTRUCTION}) built over all vectors in {load:.0f} s"
        )
        engine = make_engine(url)
        store, lookup = SqlPaperStore(engine), SqlVectorLookup(engine)
        rows = []
        for ef in (40, 100, 200):
            index = PgVectorIndex(engine, MODEL, ef_search=ef)
            p50, p99, recall = time_similar(store, index, lookup, asked, truth, args.runs)
            print(f"- PostgreSQL ef_search={ef}: {breakdown(store, index, lookup, asked)} ms")
            rows.append(
                [
                    "PostgreSQL",
                    f"pgvector HNSW ef_search={ef}",
                    f"{load:.0f}",
                    f"{p50:.2f}",
                    f"{p99:.2f}",
                    f"{recall:.3f}",
                    harness.verdict(p50 <= TARGET_MS),
                ]
            )
        with engine.connect() as connection:
            plan = connection.exec_driver_sql(
                "EXPLAIN SELECT p.arxiv_id FROM paper_embeddings e "
                "JOIN papers p ON p.id = e.paper_id WHERE e.model = %(model)s "
                "ORDER BY e.vector <=> (SELECT vector FROM paper_embeddings LIMIT 1) LIMIT 10",
                {"model": MODEL},
            ).all()
        print("- plan: " + " / ".join(row[0].strip() for row in plan[:6]))
        engine.dispose()
        return rows
    finally:
        cluster.stop()


def run(args: Any) -> None:
    workdir = Path(args.workdir or "/tmp") / "similar-bench"
    workdir.mkdir(parents=True, exist_ok=True)
    path, real_count = prepare_sqlite(args, workdir)
    engine = make_engine(harness.sqlite_url(path))
    ids, matrix = all_vectors(engine)
    engine.dispose()
    print(
        f"## (c) similar papers over {len(ids):,} papers ({real_count:,} real MiniLM vectors, "
        f"the rest resampled + noise {NOISE})\n"
    )
    rng = np.random.default_rng(9)
    asked = [ids[i] for i in rng.choice(len(ids), size=args.queries, replace=False)]
    truth = exact_neighbours(ids, matrix, asked)
    rows = sqlite_rows(path, asked, truth, args)
    if not args.skip_postgres:
        rows += postgres_rows(path, asked, truth, args)
    print()
    print(
        harness.table(
            [
                "engine",
                "index",
                "index build s",
                "p50 ms",
                "p99 ms",
                "recall@10",
                f"p50 ≤ {TARGET_MS:.0f} ms",
            ],
            rows,
        )
    )
    print(flush=True)
