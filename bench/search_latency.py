"""Hybrid search latency over the 74,728 real arXiv papers, on SQLite and on PostgreSQL.

Reads the papers (and whatever MiniLM vectors exist) from `--source` (built by
`paperboy ingest snapshot` + `paperboy embed`; default /tmp/paperboy-bench/arxiv74k.sqlite3),
copies it, and gives every paper still without a vector a seeded random unit vector, so the
vector index holds all 74,728 (latency depends on the count, not on what the vectors mean; the
table says how many were real). Then it searches through the composition root (`build_deps`,
`run_search`) exactly as the site does: the bundled model embeds each query, tantivy and the
vector index answer, the store hydrates the page. Queries are seeded: real titles (pinned),
title fragments, arXiv ids, and plain-language questions. The breakdown columns are the
service's own timings (`SearchResult.timings_ms`); embedding overlaps the keyword search.

    .venv/bin/python bench/search_latency.py [--queries 300] [--runs 3]
        [--no-postgres | --no-sqlite]
        [--workdir D --reuse]

With `--workdir D` the PostgreSQL cluster is kept in `D/pg-data` too, so `--reuse` skips copying.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sqlalchemy import text as sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import embedded_pg, harness
from paperboy.app import Deps, build_deps, run_search, upgrade_database
from paperboy.config import load_settings
from paperboy.domain.models import Paper, PaperRecord
from paperboy.domain.search import SearchRequest, parse_query
from paperboy.services.indexing import sync_keyword_index
from paperboy.storage.engine import make_engine

SOURCE = Path("/tmp/paperboy-bench/arxiv74k.sqlite3")
TARGET_P50, TARGET_P99 = 25.0, 100.0
QUESTIONS = [
    "spiking networks trained with surrogate gradients",
    "state space models for EEG",
    "how do diffusion models generate images",
    "graph neural networks for molecules",
    "reinforcement learning from human feedback for language models",
    "self-supervised learning of speech representations",
    "protein structure prediction with transformers",
    "robot grasping from camera images",
    "quantum error correction codes",
    "dark matter halo simulations",
    "retrieval augmented generation hallucination",
    "vision transformer efficiency pruning",
    "federated learning privacy attacks",
    "neural radiance fields for dynamic scenes",
    "causal inference with observational data",
]
PARTS = ("embed", "keyword", "vector", "hydrate")
PG_SETTINGS = {"shared_buffers": "1GB"}
"""pgvector's advice: the HNSW index in shared memory. Its 128 MB default holds less than the
146 MB index at 74,728 papers, so each search copied ~1,200 pages in from the OS cache."""


def main() -> None:
    parser = harness.parser("hybrid search p50/p99 at 74,728 papers", runs=3)
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true", help="measure PostgreSQL only")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse --workdir's copy, vectors and indexes"
    )
    args = parser.parse_args()
    harness.print_header("Hybrid search latency, 74,728 real papers")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="paperboy-search-latency-"))
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "papers.sqlite3"
    counts = workdir / "vector-counts.txt"
    if not (args.reuse and counts.exists()):
        _copy_sqlite(args.source, database)
    sqlite_deps = _deps(f"sqlite:///{database}", workdir / "sqlite-indexes")
    if not (args.reuse and counts.exists()):
        counts.write_text(" ".join(map(str, _fill_vectors(sqlite_deps, args.seed))))
    real, synthetic = (int(n) for n in counts.read_text().split())
    print(f"- vectors: {real:,} real MiniLM, {synthetic:,} seeded random\n", flush=True)
    queries = _queries(database, args.queries, args.seed)
    rows = [] if args.no_sqlite else [_measure("SQLite", sqlite_deps, queries, args.runs)]
    if not args.no_postgres:
        # with --workdir the cluster is kept there, so --reuse skips the 6-minute copy
        server, why = embedded_pg.start_or_none(args.workdir and workdir / "pg-data", PG_SETTINGS)
        if server is None:
            print(f"- PostgreSQL skipped: {why}")
        else:
            try:
                copied = workdir / "pg-copied.txt"
                url, existed = server.database("search")
                fresh = not (args.reuse and existed and copied.exists())
                if fresh:
                    copied.unlink(missing_ok=True)
                    shutil.rmtree(workdir / "pg-indexes", ignore_errors=True)
                pg_deps = _deps(url, workdir / "pg-indexes")
                if fresh:
                    _clear_papers(url)
                    _copy_to_postgres(sqlite_deps, pg_deps)
                    copied.write_text(url)
                else:
                    print("- PostgreSQL: reusing the copy kept in the workdir", flush=True)
                settings = ", ".join(f"{k} {v}" for k, v in PG_SETTINGS.items())
                print(f"- PostgreSQL server settings: {settings}", flush=True)
                _prewarm(url)
                rows.append(_measure(f"PostgreSQL {server.version()}", pg_deps, queries, args.runs))
            finally:
                server.stop()
    print(
        harness.table(
            [
                "engine",
                "queries",
                "p50 ms",
                "p99 ms",
                *(f"{part} p50 / p99" for part in PARTS),
                f"target p50 ≤ {TARGET_P50:g}, p99 ≤ {TARGET_P99:g}",
            ],
            rows,
        )
    )
    harness.print_footer()


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy even while `paperboy embed` is still writing to the source."""
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def _deps(url: str, index_dir: Path) -> Deps:
    """The site's deps on `url`, its schema brought up to date first (copies may be older)."""
    settings = load_settings(environ={}, database_url=url, index_dir=str(index_dir))
    upgrade_database(settings)
    return build_deps(settings)


def _prewarm(url: str) -> None:
    """Read the search's tables and indexes into shared buffers, as a server that has been up
    for a while has them (this one was just started); pg_prewarm is a contrib extension."""
    engine = make_engine(url)
    relations = ("ix_paper_embeddings_vector", "paper_embeddings", "papers", "papers_pkey")
    prewarm = sql("SELECT pg_prewarm(CAST(:name AS regclass))")
    with engine.begin() as connection:
        connection.execute(sql("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
        pages = sum(connection.execute(prewarm, {"name": n}).scalar_one() for n in relations)
    engine.dispose()
    print(f"- PostgreSQL: {pages:,} pages of {', '.join(relations)} prewarmed", flush=True)


def _clear_papers(url: str) -> None:
    """Empty a kept database whose copy never finished (papers cascade to their vectors)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(sql("TRUNCATE papers CASCADE"))
    engine.dispose()


def _fill_vectors(deps: Deps, seed: int) -> tuple[int, int]:
    """Seeded random unit vectors for papers not embedded yet; (real, synthetic) counts."""
    model = deps.embedder.name
    real, _ = deps.embeddings.embedding_counts(model)
    generator = np.random.default_rng(seed)
    synthetic = after = 0
    while tasks := deps.embeddings.papers_to_embed(model, after, 4096):
        vectors = generator.standard_normal((len(tasks), deps.embedder.dimension))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        deps.embeddings.save_embeddings(model, tasks, vectors.astype(np.float32))
        synthetic += len(tasks)
        after = tasks[-1].paper_id
    return real, synthetic


def _copy_to_postgres(source: Deps, target: Deps) -> None:
    """The papers, then their vectors by arXiv id, from the SQLite deps into the PostgreSQL ones."""
    started = time.perf_counter()
    records = []
    after = 0
    model = source.embedder.name
    while batch := source.embeddings.embeddings_after(model, after, 4096):
        ids, vectors, after = batch
        if not ids:
            break
        records.append((ids, vectors))
    found = source.store.papers_by_ids([i for ids, _ in records for i in ids])
    papers = [_record(found[i][0]) for ids, _ in records for i in ids if i in found]
    for start in range(0, len(papers), 2000):
        target.store.upsert_papers(papers[start : start + 2000])
    by_id = {i: v for ids, vectors in records for i, v in zip(ids, vectors, strict=True)}
    after = 0
    while tasks := target.embeddings.papers_to_embed(model, after, 4096):
        matrix = np.stack([by_id[t.arxiv_id] for t in tasks]).astype(np.float32)
        target.embeddings.save_embeddings(model, tasks, matrix)
        after = tasks[-1].paper_id
    seconds = time.perf_counter() - started
    print(
        f"- copied {len(papers):,} papers and vectors to PostgreSQL in {seconds:.0f} s", flush=True
    )


def _record(paper: Paper) -> PaperRecord:
    fields = {
        name: getattr(paper, name)
        for name in (
            "arxiv_id",
            "title",
            "abstract",
            "version",
            "authors",
            "categories",
            "primary_category",
            "comments",
            "doi",
            "journal_ref",
            "license",
            "published_at",
            "updated_at",
            "code_url",
            "code_stars",
            "project_url",
        )
    }
    return PaperRecord(**fields)


def _queries(database: Path, count: int, seed: int) -> list[str]:
    """Seeded: a quarter whole titles, a quarter title fragments, some ids, the rest questions."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT arxiv_id, title FROM papers").fetchall()
    chooser = random.Random(seed)
    picked = chooser.sample(rows, count)
    queries: list[str] = []
    for n, (arxiv_id, title) in enumerate(picked):
        kind = n % 8
        words = " ".join(title.split())
        if kind in (0, 1):
            queries.append(words)
        elif kind in (2, 3):
            parts = words.split()
            start = chooser.randrange(max(1, len(parts) - 3))
            queries.append(" ".join(parts[start : start + chooser.randint(2, 5)]))
        elif kind == 4:
            queries.append(arxiv_id)
        else:
            queries.append(chooser.choice(QUESTIONS))
    return queries


def _measure(engine: str, deps: Deps, queries: Sequence[str], runs_wanted: int = 1) -> list[object]:
    """Index, warm up, then `runs_wanted` runs of one search per query: medians of the runs'
    p50 / p99, total and per part."""
    started = time.perf_counter()
    # the deps' own tantivy index: it reloads right after its own sync, no wait
    sync_keyword_index(deps.store, deps.keywords)  # type: ignore[arg-type]
    indexed = time.perf_counter() - started
    vectors = deps.vectors
    started = time.perf_counter()
    sync = getattr(vectors, "sync", None)
    if sync is not None:
        sync()
    print(
        f"- {engine}: keyword index built in {indexed:.0f} s, "
        f"vector index ready in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    for text in queries[:20]:
        run_search(deps, SearchRequest(parse_query(text)))
    runs = [_run(deps, queries) for _ in range(max(1, runs_wanted))]
    p50 = statistics.median(run["total"][0] for run in runs)
    p99 = statistics.median(run["total"][1] for run in runs)
    each = ", ".join(f"{run['total'][0]:.1f}" for run in runs)
    print(f"- {engine}: p50 {p50:.1f} ms, p99 {p99:.1f} ms (run p50s {each})", flush=True)
    return [
        engine,
        len(queries),
        f"{p50:.1f}",
        f"{p99:.1f}",
        *(
            f"{statistics.median(r[p][0] for r in runs):.1f} / "
            f"{statistics.median(r[p][1] for r in runs):.1f}"
            for p in PARTS
        ),
        harness.verdict(p50 <= TARGET_P50 and p99 <= TARGET_P99),
    ]


def _run(deps: Deps, queries: Sequence[str]) -> dict[str, tuple[float, float]]:
    """One search per query: p50 and p99 of the total and of each part the service timed."""
    totals: list[float] = []
    parts: dict[str, list[float]] = {part: [] for part in PARTS}
    for text in queries:
        result = run_search(deps, SearchRequest(parse_query(text)))
        totals.append(result.took_ms)
        for part in PARTS:
            if part in result.timings_ms:
                parts[part].append(result.timings_ms[part])
    return {
        name: (_percentile(values, 50), _percentile(values, 99))
        for name, values in {"total": totals, **parts}.items()
    }


def _percentile(values: Sequence[float], percent: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(percent) - 1]


if __name__ == "__main__":
    main()
