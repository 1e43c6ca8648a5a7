"""Our search against a plain full scan in Python, over the same 30,000 real papers.

The baseline is arxiv-sanity-lite's `search_rank`, as it is written there: for every paper,
count each lower-cased query word in the authors (×10, present or not), the title (×20, present
or not) and the abstract (×1, up to 3 times), keep papers that score, sort. Ours is the site's
own search through the composition root: keyword only (tantivy) and hybrid (keyword + the
bundled model's vectors, fused), each answering the top 20 like a results page.

    .venv/bin/python bench/scan_bench.py [--papers 30000] [--queries 200] [--runs 3]
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness
from bench.search_latency import SOURCE, _copy_sqlite, _deps, _fill_vectors, _queries
from paperboy.app import Deps, run_search
from paperboy.domain.search import SearchRequest, parse_query
from paperboy.services.indexing import sync_keyword_index

TARGET_RATIO = 50.0
PAPER_TABLES = ("paper_embeddings", "daily_entries", "paper_versions")

Paper = tuple[str, str, str, str]  # arxiv id, title, abstract, authors joined


def main() -> None:
    parser = harness.parser("our search vs a full scan in Python, 30,000 papers", runs=3)
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--papers", type=int, default=30_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    harness.print_header(f"Search vs full scan, {args.papers:,} real papers")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="paperboy-scan-bench-"))
    database = workdir / "papers.sqlite3"
    _copy_sqlite(args.source, database)
    _keep_first(database, args.papers)
    deps = _deps(f"sqlite:///{database}", workdir / "indexes")
    real, synthetic = _fill_vectors(deps, args.seed)
    print(f"- vectors: {real:,} real MiniLM, {synthetic:,} seeded random", flush=True)
    # the deps' own tantivy index: it reloads right after its own sync, no wait
    sync_keyword_index(deps.store, deps.keywords)  # type: ignore[arg-type]
    getattr(deps.vectors, "sync", lambda: None)()
    papers = _papers(database)
    queries = _queries(database, args.queries, args.seed)
    ways: dict[str, Callable[[str], object]] = {
        "full scan (arxiv-sanity-lite search_rank)": lambda q: search_rank(papers, q),
        "paperboy keyword (tantivy)": lambda q: _ours(deps, q, keyword_only=True),
        "paperboy hybrid (keyword + vectors, RRF)": lambda q: _ours(deps, q, keyword_only=False),
    }
    medians = {name: _median_of_runs(way, queries, args.runs) for name, way in ways.items()}
    baseline = medians["full scan (arxiv-sanity-lite search_rank)"]
    rows = [
        [
            name,
            f"{p50:.2f}",
            f"{baseline / p50:,.0f}×",
            "" if name.startswith("full") else harness.verdict(baseline / p50 >= TARGET_RATIO),
        ]
        for name, p50 in medians.items()
    ]
    headers = ["search", "p50 ms per query", "faster than the scan", f"≥ {TARGET_RATIO:g}×"]
    print(harness.table(headers, rows))
    harness.print_footer()


def search_rank(papers: Sequence[Paper], q: str) -> list[str]:
    """arxiv-sanity-lite's search, line for line but for the data layout."""
    qs = q.lower().strip().split()

    def match(s: str) -> int:
        return sum(min(3, s.lower().count(qp)) for qp in qs)

    def matchu(s: str) -> int:
        return sum(int(s.lower().count(qp) > 0) for qp in qs)

    pairs = []
    for pid, title, summary, authors in papers:
        score = 10.0 * matchu(authors) + 20.0 * matchu(title) + 1.0 * match(summary)
        if score > 0:
            pairs.append((score, pid))
    pairs.sort(reverse=True)
    return [pid for _, pid in pairs[:20]]


def _ours(deps: Deps, q: str, *, keyword_only: bool) -> object:
    request = SearchRequest(parse_query(q), limit=20)
    if keyword_only:
        return deps.keywords.search(request.query, request.filters, limit=20)
    return run_search(deps, request)


def _median_of_runs(way: Callable[[str], object], queries: Sequence[str], runs: int) -> float:
    """The median over runs of each run's per-query p50, in ms (one warm-up pass first)."""
    for q in queries[:20]:
        way(q)
    per_run = []
    for _ in range(runs):
        times = []
        for q in queries:
            started = time.perf_counter()
            way(q)
            times.append((time.perf_counter() - started) * 1000)
        per_run.append(statistics.median(times))
    return statistics.median(per_run)


def _keep_first(database: Path, count: int) -> None:
    """Delete every paper after the first `count` (and what hangs off them)."""
    with sqlite3.connect(database) as connection:
        (last,) = connection.execute(
            "SELECT id FROM papers ORDER BY id LIMIT 1 OFFSET ?", (count - 1,)
        ).fetchone()
        for table in PAPER_TABLES:
            connection.execute(f"DELETE FROM {table} WHERE paper_id > ?", (last,))
        connection.execute("DELETE FROM papers WHERE id > ?", (last,))
    with sqlite3.connect(database) as connection:
        connection.execute("VACUUM")


def _papers(database: Path) -> list[Paper]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT arxiv_id, title, abstract, authors FROM papers")
        return [(i, t, a, " ".join(json.loads(names))) for i, t, a, names in rows]


if __name__ == "__main__":
    main()
