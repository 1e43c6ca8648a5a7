"""Keyword index (tantivy): build time, disk size and query latency at 74,728 and 1,000,000 papers.

The 74,728 real papers of `arxiv-daily` are imported into a fresh SQLite file with
`paperboy ingest snapshot` and indexed by the real sync (`sync_keyword_index`, a rebuild). The
1,000,000-paper index holds the same real papers plus synthetic ones whose titles and abstracts
are resampled, with a seed, from the real titles' words and the real abstracts' sentences.

Queries (seeded): *short* = two or three words of a random real title; *title* = a whole real
title (the long, OR-heavy case); *typo* = a short query with one long word misspelt (fuzzy
matching in play); *filtered* = a short query within one category and a date range; *newest* =
a short query sorted by date. Latency is one call of `TantivyKeywordIndex.search(limit=100)`
(what hybrid search asks for), after one warm-up pass.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import harness

from paperboy.domain.indexing import IndexDocument, SyncState
from paperboy.domain.search import SearchFilters, SearchSort, parse_query
from paperboy.indexes.keyword import TantivyKeywordIndex
from paperboy.services.indexing import sync_keyword_index
from paperboy.storage.engine import make_engine
from paperboy.storage.papers import SqlPaperStore

SNAPSHOT = "arxiv-daily/arxiv_daily_dedup.jsonl.gz"
QUERIES = 300
LIMIT = 100
SEED = 20261127
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[A-Za-z]{4,}")
TARGET_MS = {74_728: 25.0, 1_000_000: 60.0}  # hybrid p50 budgets; keyword is one part of them


def main() -> None:
    args = _parser().parse_args()
    harness.print_header("Keyword index (tantivy): build, size, query latency")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="keyword-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    papers = _real_papers(args.data / SNAPSHOT)
    queries = _queries(papers)
    rows: list[list[object]] = []
    database = workdir / "papers.sqlite3"
    imported = _import(args.data / SNAPSHOT, database)
    store = SqlPaperStore(make_engine(harness.sqlite_url(database)))
    real = _build(workdir / "keyword-74k", lambda index: _sync(store, index), args.runs)
    rows += _measure(real, queries, imported)
    if not args.skip_million:
        million = _build(
            workdir / "keyword-1m",
            lambda index: _write_synthetic(index, papers, args.size),
            1,
        )
        rows += _measure(million, queries, args.size)
    print(
        harness.table(
            ["papers", "build s", "index MB", "query", "p50 ms", "p99 ms", "hybrid p50 budget"],
            rows,
        )
    )
    print(f"\n- ingest snapshot of {imported:,} papers into SQLite: see above; workdir {workdir}")
    harness.print_footer()
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


def _parser() -> object:
    result = harness.parser(__doc__ or "", runs=1)
    result.add_argument("--size", type=int, default=1_000_000, help="papers in the large index")
    result.add_argument("--skip-million", action="store_true", help="only the 74,728 real papers")
    result.add_argument("--keep", action="store_true", help="keep the workdir (database, indexes)")
    return result


def _real_papers(path: Path) -> list[dict[str, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _import(snapshot: Path, database: Path) -> int:
    url = harness.sqlite_url(database)
    if not database.exists():
        harness.paperboy(url, "db", "upgrade")
        run = harness.paperboy(url, "ingest", "snapshot", str(snapshot), "--json")
        print(f"- `paperboy ingest snapshot`: {run.seconds:.1f} s, {run.json()}", flush=True)
    engine = make_engine(url)
    count = SqlPaperStore(engine).counts()["papers"]
    engine.dispose()
    return count


class Built:
    """An index on disk with how long it took to build (median of runs) and its size."""

    def __init__(self, index: TantivyKeywordIndex, seconds: float, size_mb: float) -> None:
        self.index, self.seconds, self.size_mb = index, seconds, size_mb


def _build(path: Path, fill: object, runs: int) -> Built:
    times = []
    for _ in range(runs):
        shutil.rmtree(path, ignore_errors=True)
        index = TantivyKeywordIndex(path)
        started = time.perf_counter()
        fill(index)  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    size = sum(f.stat().st_size for f in path.iterdir() if f.is_file()) / 1e6
    print(f"- built {path.name}: {harness.spread(times)} s, {size:.0f} MB", flush=True)
    return Built(TantivyKeywordIndex(path), harness.median(times), size)


def _sync(store: SqlPaperStore, index: TantivyKeywordIndex) -> None:
    sync_keyword_index(store, index, rebuild=True)


def _write_synthetic(
    index: TantivyKeywordIndex, papers: list[dict[str, object]], size: int
) -> None:
    """The real papers, then synthetic ones until `size`, committed once (as a rebuild does)."""
    with index.writing(fresh=True) as writer:
        for batch in _batches(_documents(papers, size), 10_000):
            writer.replace(batch)
        writer.commit(SyncState(None, datetime.now(UTC)))


def _documents(papers: list[dict[str, object]], size: int) -> Iterator[IndexDocument]:
    rng = random.Random(SEED)
    sentences = [s for p in papers for s in _SENTENCE.split(str(p["summary"]).strip()) if s]
    title_words = [w for p in papers for w in str(p["title"]).split()]
    categories = sorted({c for p in papers for c in p["categories"]})  # type: ignore[attr-defined]
    authors = [a for p in papers[:20_000] for a in p["authors"]]  # type: ignore[attr-defined]
    start = datetime(2015, 1, 1, tzinfo=UTC)
    for number in range(size):
        if number < len(papers):
            paper = papers[number]
            title, abstract = str(paper["title"]), str(paper["summary"])
            names, cats = tuple(paper["authors"]), tuple(paper["categories"])  # type: ignore[call-overload]
        else:
            title = " ".join(rng.choices(title_words, k=rng.randint(6, 14)))
            abstract = " ".join(rng.choices(sentences, k=rng.randint(5, 9)))
            names = tuple(rng.choices(authors, k=rng.randint(1, 6)))
            cats = tuple(rng.sample(categories, k=rng.randint(1, 3)))
        yield IndexDocument(
            paper_id=number + 1,
            arxiv_id=f"{number:09d}" if number >= len(papers) else str(papers[number]["id"]),
            title=title,
            abstract=abstract,
            authors=names,
            categories=cats,
            published_at=start + timedelta(minutes=rng.randint(0, 11 * 365 * 24 * 60)),
            modified_at=start,
            has_code=rng.random() < 0.3,
            on_daily_list=rng.random() < 0.05,
            upvote_count=rng.randint(0, 50) if rng.random() < 0.05 else 0,
        )


def _batches(documents: Iterator[IndexDocument], size: int) -> Iterator[list[IndexDocument]]:
    batch: list[IndexDocument] = []
    for document in documents:
        batch.append(document)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


Query = tuple[str, SearchFilters, SearchSort]


def _queries(papers: list[dict[str, object]]) -> dict[str, list[Query]]:
    rng = random.Random(SEED)
    chosen = rng.sample(papers, QUERIES)
    plain, by_date = SearchFilters(), SearchSort.NEWEST
    short = [" ".join(_short_words(rng, str(p["title"]))) for p in chosen]
    window = SearchFilters(
        published_from=date(2023, 1, 1), published_to=date(2025, 12, 31), category="cs.LG"
    )
    return {
        "short (2-3 title words)": [(q, plain, SearchSort.RELEVANCE) for q in short],
        "title (whole real title)": [
            (str(p["title"]), plain, SearchSort.RELEVANCE) for p in chosen
        ],
        "typo (one long word misspelt)": [
            (_misspell(rng, q), plain, SearchSort.RELEVANCE) for q in short
        ],
        "short + category + dates": [(q, window, SearchSort.RELEVANCE) for q in short],
        "short, sorted newest": [(q, plain, by_date) for q in short],
    }


def _short_words(rng: random.Random, title: str) -> list[str]:
    words = _WORD.findall(title) or title.split()[:1]
    return rng.sample(words, k=min(len(words), rng.randint(2, 3)))


def _misspell(rng: random.Random, query: str) -> str:
    words = query.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) >= 5:
        at = rng.randrange(1, len(word) - 2)
        words[longest] = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return " ".join(words)


def _measure(built: Built, queries: dict[str, list[Query]], papers: int) -> list[list[object]]:
    rows: list[list[object]] = []
    budget = TARGET_MS.get(papers)
    for name, cases in queries.items():
        parsed = [(parse_query(q[:500]), f, s) for q, f, s in cases]
        for query, filters, sort in parsed:  # warm-up: page cache, term dictionaries
            built.index.search(query, filters, LIMIT, sort)
        times = []
        for query, filters, sort in parsed:
            started = time.perf_counter()
            built.index.search(query, filters, LIMIT, sort)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p50, p99 = harness.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]
        rows.append(
            [
                f"{papers:,}",
                f"{built.seconds:.1f}",
                f"{built.size_mb:.0f}",
                name,
                f"{p50:.2f}",
                f"{p99:.2f}",
                f"{budget:.0f} ms" if budget else "",
            ]
        )
    return rows


if __name__ == "__main__":
    main()
