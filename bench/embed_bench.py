"""Embedding throughput: the bare model vs the embed job writing to SQLite, and query latency.

    .venv/bin/python bench/embed_bench.py [--count 5000] [--runs 3] [--queries 300]
        [--queries-only] [--baseline-model PATH]

The first `--count` real papers of the arXiv daily dump are imported into a SQLite file once;
each run then embeds exactly the texts the job would embed (title + ". " + abstract, read from
that store) twice, interleaved so both see the same machine load: bare (`embed_documents` in
batches of 64, nothing else) and the job (`embed_new_papers` on a fresh copy of the database:
finding the papers, embedding, saving every batch in its own transaction). Targets from the
issue: the job at >= 90 % of the bare model's rate, query embedding p50 <= 5 ms (the median of
`--runs` p50s, each over `--queries` titles: this VM's speed drifts ~20 % between minutes). With
`--baseline-model PATH` (e.g. the model file of an earlier commit) the queries are also timed on
that graph, interleaved, so a graph change is measured against its predecessor in one process.
"""

from __future__ import annotations

import gzip
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from harness import (
    median,
    parser,
    print_footer,
    print_header,
    spread,
    table,
    verdict,
)

from paperboy.domain.embedding import EmbeddingTask
from paperboy.embeddings import OnnxEmbedder
from paperboy.embeddings.onnx import MODEL_DIR
from paperboy.services.embedding import embed_new_papers
from paperboy.services.ingest import ingest
from paperboy.sources.snapshot import JsonLinesPapers
from paperboy.storage.embeddings import SqlEmbeddingStore
from paperboy.storage.engine import make_engine
from paperboy.storage.migrations import upgrade
from paperboy.storage.papers import SqlPaperStore

BATCH = 64
TARGET_RATIO, TARGET_QUERY_P50_MS = 0.90, 5.0


def main() -> None:
    args_parser = parser("Embedding throughput and query latency", runs=3)
    args_parser.add_argument("--count", type=int, default=5000, help="papers (default 5000)")
    args_parser.add_argument("--queries", type=int, default=300, help="queries timed")
    args_parser.add_argument(
        "--queries-only", action="store_true", help="time query embedding only (a minute)"
    )
    args_parser.add_argument(
        "--baseline-model", type=Path, help="also time queries on this ONNX file (same tokenizer)"
    )
    args = args_parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="paperboy-embed-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print_header("Embedding: bare model vs embed job, query latency")
    embedder = OnnxEmbedder.bundled()
    print(f"- model: {embedder.name}, {embedder.threads} threads, {embedder.model_path.name}")
    dump = args.data / "arxiv-daily" / "arxiv_daily_dedup.jsonl.gz"
    template = make_store(dump, workdir, args.count)
    texts = [task.text for task in tasks_of(template, embedder.name, args.count)]
    print(f"- corpus: the first {len(texts):,} papers of arxiv_daily_dedup.jsonl.gz", flush=True)
    embedder.load()
    embedder.embed_documents(texts[:8])  # warm up
    bare: list[float] = []
    job: list[float] = []
    for run in range(0 if args.queries_only else args.runs):
        bare.append(bare_rate(embedder, texts))
        job.append(job_rate(embedder, template, workdir / f"run{run}.sqlite3", len(texts)))
        print(f"- run {run + 1}: bare {bare[-1]:.1f}/s, job {job[-1]:.1f}/s", flush=True)
    baseline = None
    if args.baseline_model:
        baseline = OnnxEmbedder(args.baseline_model, MODEL_DIR / "tokenizer.json")
        baseline.load()
        print(f"- baseline model: {args.baseline_model}", flush=True)
    # the VM's speed drifts between minutes: p50s of several runs, and their median
    timed = [query_latency(embedder, texts, args.queries, baseline) for _ in range(args.runs)]
    latency = {
        name: (median([run[name][0] for run in timed]), median([run[name][1] for run in timed]))
        for name in timed[0]
    }
    runs_p50 = {name: spread([run[name][0] for run in timed], "{:.2f}") for name in timed[0]}
    if bare:
        print()
        print(throughput_table(bare, job))
    print()
    print(
        table(
            [
                "query embedding",
                f"p50 ms (median of {args.runs} runs)",
                "p50 of each run",
                "p99 ms",
                "p50 / embed_query's",
                "target p50",
                "met",
                "peak RSS of the process",
            ],
            [
                [
                    f"{args.queries} real titles, one at a time: {name}",
                    f"{p50:.2f}",
                    runs_p50[name],
                    f"{p99:.2f}",
                    f"{p50 / latency['embed_query'][0]:.3f}",
                    f"<= {TARGET_QUERY_P50_MS:.0f} ms" if name == "embed_query" else "",
                    verdict(p50 <= TARGET_QUERY_P50_MS) if name == "embed_query" else "",
                    f"{peak_rss_mb():.0f} MB",
                ]
                for name, (p50, p99) in latency.items()
            ],
        )
    )
    print_footer()
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)


def throughput_table(bare: list[float], job: list[float]) -> str:
    """The bare model's and the job's abstracts/s and their ratio, as a Markdown table."""
    ratio = median(job) / median(bare)
    return table(
        ["case", "abstracts/s (median)", "runs", "ratio to bare", "target", "met"],
        [
            [
                "bare model (embed_documents, batches of 64)",
                f"{median(bare):.1f}",
                spread(bare, "{:.1f}"),
                "1.00",
                "",
                "",
            ],
            [
                "embed job to SQLite (find, embed, save per batch)",
                f"{median(job):.1f}",
                spread(job, "{:.1f}"),
                f"{ratio:.3f}",
                f">= {TARGET_RATIO:.2f}",
                verdict(ratio >= TARGET_RATIO),
            ],
        ],
    )


def make_store(dump: Path, workdir: Path, count: int) -> Path:
    """A migrated SQLite file holding the first `count` papers of the dump (no vectors)."""
    head = workdir / "head.jsonl"
    with gzip.open(dump, "rt", encoding="utf-8") as lines, head.open("w") as out:
        for number, line in enumerate(lines):
            if number == count:
                break
            out.write(line)
    path = workdir / "template.sqlite3"
    engine = make_engine(url(path))
    upgrade(engine)
    ingest(SqlPaperStore(engine), JsonLinesPapers(head))
    engine.dispose()
    return path


def tasks_of(path: Path, model: str, count: int) -> list[EmbeddingTask]:
    """What the job will embed: each paper's text exactly as the store builds it."""
    engine = make_engine(url(path))
    tasks = SqlEmbeddingStore(engine).papers_to_embed(model, 0, count)
    engine.dispose()
    return tasks


def bare_rate(embedder: OnnxEmbedder, texts: list[str]) -> float:
    started = time.perf_counter()
    for start in range(0, len(texts), BATCH):
        embedder.embed_documents(texts[start : start + BATCH])
    return len(texts) / (time.perf_counter() - started)


def job_rate(embedder: OnnxEmbedder, template: Path, path: Path, count: int) -> float:
    shutil.copy(template, path)
    engine = make_engine(url(path))
    store = SqlEmbeddingStore(engine)
    started = time.perf_counter()
    report = embed_new_papers(store, embedder, batch_size=BATCH)
    seconds = time.perf_counter() - started
    assert report.embedded_count == count, report
    assert store.embedding_counts(embedder.name) == (count, 0)
    engine.dispose()
    path.unlink()
    return count / seconds


def query_latency(
    embedder: OnnxEmbedder, texts: list[str], count: int, baseline: OnnxEmbedder | None = None
) -> dict[str, tuple[float, float]]:
    """p50 and p99 ms of embedding one short query (a paper's title) at a time, two ways.

    `embed_query` (the query session, as search calls it) and, as the baseline, the same
    titles one at a time through `embed_documents` (the documents' session), interleaved in
    rounds so both see the same machine; with a `baseline` embedder, its `embed_query` too.
    """
    queries = [text.split(". ", 1)[0] for text in texts[-count:]]
    ways = {
        "embed_query": embedder.embed_query,
        "embed_documents, one title a call": lambda text: embedder.embed_documents([text]),
    }
    if baseline is not None:
        ways[f"embed_query on {baseline.model_path.name} (baseline)"] = baseline.embed_query
    timings: dict[str, list[float]] = {name: [] for name in ways}
    for way in ways.values():  # warm up: sessions and arenas as a serving process has them
        for query in queries[:10]:
            way(query)
    for start in range(0, len(queries), 50):
        for name, way in ways.items():
            for query in queries[start : start + 50]:
                started = time.perf_counter()
                way(query)
                timings[name].append((time.perf_counter() - started) * 1000)
    return {
        name: (float(np.median(times)), statistics.quantiles(times, n=100)[98])
        for name, times in timings.items()
    }


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def url(path: Path) -> str:
    return f"sqlite:///{path}"


if __name__ == "__main__":
    main()
