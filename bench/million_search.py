"""Hybrid search at 1,000,000 papers: the 74,728 real ones plus resampled synthetic ones.

Builds (once; `--workdir D --reuse` keeps it) a SQLite database of `--size` papers: a copy of the
real corpus (`--source`, built by `paperboy ingest snapshot` + `paperboy embed`) plus synthetic
papers whose titles and abstracts are resampled from real ones (words of two real titles,
sentences of three real abstracts; authors, categories and dates of one), written through the
store like any import. Every paper without a real MiniLM vector gets a real vector resampled with
noise (as `vector_bench.py`). Then the keyword index (tantivy) and the vector index (faiss HNSW)
are built by their own syncs — build times, index sizes and memory growth are reported — and
real-paper queries run through `run_search` exactly as the site does.

    .venv/bin/python bench/million_search.py [--size 1000000] [--queries 300] [--workdir D --reuse]
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness
from bench.search_latency import SOURCE, _copy_sqlite, _deps, _measure, _queries
from bench.vector_bench import SyntheticVectors, real_vectors, rss_mb
from paperboy.app import Deps
from paperboy.domain.models import PaperRecord
from paperboy.services.indexing import sync_keyword_index

TARGET_P50 = 60.0
BATCH = 5_000


def main() -> None:
    parser = harness.parser("hybrid search at 1,000,000 papers", runs=1)
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="reuse --workdir's built database")
    args = parser.parse_args()
    harness.print_header(f"Hybrid search at {args.size:,} papers")
    workdir = args.workdir or Path("/tmp/paperboy-bench/million")
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "papers.sqlite3"
    built = workdir / "built.txt"
    deps = _deps(f"sqlite:///{database}", workdir / "indexes")
    if not (args.reuse and built.exists()):
        _copy_sqlite(args.source, database)
        _add_synthetic_papers(deps, args.source, args.size, args.seed)
        _add_vectors(deps, args.source, args.seed)
        built.write_text("ok")
    rows = _build_indexes(deps, workdir / "indexes")
    print(harness.table(["index", "build s", "on disk MB", "RSS growth MB"], rows))
    queries = _queries(args.source, args.queries, args.seed)  # real papers only
    result = _measure(f"SQLite, {args.size:,} papers", deps, queries)
    p50 = float(str(result[2]))
    result[-1] = harness.verdict(p50 <= TARGET_P50)
    headers = ["engine", "queries", "p50 ms", "p99 ms", "embed", "keyword", "vector", "hydrate"]
    print(harness.table([*headers, f"target p50 ≤ {TARGET_P50:g}"], [result]))
    harness.print_footer()


def _add_synthetic_papers(deps: Deps, source: Path, size: int, seed: int) -> None:
    """Resampled papers until the store holds `size`, through `upsert_papers` in batches."""
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as connection:
        real = connection.execute(
            "SELECT title, abstract, authors, categories, published_at FROM papers"
        ).fetchall()
    missing = size - len(real)
    chooser = random.Random(seed)
    started = time.perf_counter()
    for start in range(0, missing, BATCH):
        count = min(BATCH, missing - start)
        deps.store.upsert_papers([_synthetic(chooser, real, start + n) for n in range(count)])
        _progress("papers", start + count, missing, started)
    print(flush=True)


def _synthetic(chooser: random.Random, real: list[tuple[str, ...]], number: int) -> PaperRecord:
    first, second, third = chooser.sample(real, 3)
    words_a, words_b = first[0].split(), second[0].split()
    title = " ".join(words_a[: max(1, len(words_a) // 2)] + words_b[len(words_b) // 2 :])
    sentences = [s for text in (first[1], second[1], third[1]) for s in text.split(". ") if s]
    abstract = ". ".join(chooser.sample(sentences, min(len(sentences), 6)))
    published = datetime.fromisoformat(first[4]).replace(tzinfo=UTC) if first[4] else None
    return PaperRecord(
        # 30MM.NNNNN: valid arXiv-style ids no real paper has yet
        arxiv_id=f"30{number // 99_999 + 1:02d}.{number % 99_999 + 1:05d}",
        title=title,
        abstract=abstract,
        version=1,
        authors=tuple(_json_list(first[2])),
        categories=tuple(_json_list(first[3])) or ("cs.LG",),
        published_at=published + timedelta(minutes=number % 1440) if published else None,
    )


def _json_list(text: str) -> list[str]:
    value = json.loads(text)
    return [str(item) for item in value] if isinstance(value, list) else []


def _add_vectors(deps: Deps, source: Path, seed: int) -> None:
    """A resampled real vector (with noise) for every paper the model has not embedded."""
    vectors = SyntheticVectors(1, real_vectors(source), seed)
    model = deps.embedder.name
    real, missing = deps.embeddings.embedding_counts(model)
    started, after, done, number = time.perf_counter(), 0, 0, 0
    while tasks := deps.embeddings.papers_to_embed(model, after, 20_000):
        matrix = vectors.chunk(number, len(tasks), stream=1)
        deps.embeddings.save_embeddings(model, tasks, matrix)
        after, done, number = tasks[-1].paper_id, done + len(tasks), number + 1
        _progress("vectors", done, missing, started)
    print(f"\n- vectors: {real:,} real MiniLM, {done:,} resampled ({vectors.kind})", flush=True)


def _build_indexes(deps: Deps, folder: Path) -> list[list[object]]:
    """Keyword then vector index from their syncs; a row per index."""
    rows: list[list[object]] = []
    before, started = rss_mb(), time.perf_counter()
    sync_keyword_index(deps.store, deps.keywords)  # type: ignore[arg-type]
    rows.append(["tantivy keyword", time.perf_counter() - started, folder / "keyword", before])
    before, started = rss_mb(), time.perf_counter()
    sync = getattr(deps.vectors, "sync", None)
    if sync is not None:
        sync()
    rows.append(["faiss HNSW vectors", time.perf_counter() - started, folder, before])
    return [
        [name, f"{seconds:.0f}", f"{_size_mb(path, name):,.0f}", f"{rss_mb() - rss:,.0f}"]
        for name, seconds, path, rss in rows
    ]


def _size_mb(path: Path, name: str) -> float:
    pattern = "*" if "keyword" in name else "*.faiss*"
    files = [p for p in Path(path).rglob(pattern) if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def _progress(what: str, done: int, total: int, started: float) -> None:
    rate = done / max(time.perf_counter() - started, 1e-9)
    left = (total - done) / rate if rate else 0
    print(
        f"\r- {what}: {done:,}/{total:,}  {rate:,.0f}/s  left {left:,.0f} s   ", end="", flush=True
    )


if __name__ == "__main__":
    main()
