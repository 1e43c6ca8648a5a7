"""Retrieval quality on SciFact (train split only): keyword alone, vectors alone, hybrid by RRF.

The 5,183 abstracts go into the real keyword index (tantivy, `paperboy.indexes.keyword`) and
are embedded by the bundled model (`OnnxEmbedder`); vectors are searched exactly (at 5k papers
the vector index is a flat exact scan too). Queries are the claims whose ids appear in
`qrels/train.tsv`; nothing else of SciFact is read. Each retriever gives its top
`--candidates` ids, fused exactly as `paperboy.services.search` fuses them (the domain's
`reciprocal_rank_fusion` with the same `Fusion` settings). Then a small grid over k, the vector
weight and the keyword index's title boost, on the same train queries, shows the tuning.

    .venv/bin/python bench/search_quality.py [--candidates 100] [--no-grid]

Vectors are cached in /tmp/paperboy-bench/ (the model's name is in the file name).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness
from paperboy.domain.indexing import IndexDocument, SyncState
from paperboy.domain.search import SearchFilters, parse_query, reciprocal_rank_fusion
from paperboy.embeddings.onnx import OnnxEmbedder
from paperboy.indexes import keyword as keyword_module
from paperboy.indexes.keyword import TantivyKeywordIndex
from paperboy.indexes.keyword_query import TITLE_BOOST
from paperboy.services.search import CANDIDATES, Fusion

CACHE = Path("/tmp/paperboy-bench")
TARGET_NDCG = 0.72
Ranking = list[str]
SIMILARITY: dict[tuple[str, str], float] = {}
"""Cosine similarity of (query id, document id) in the vector rankings, for the floor."""


def main() -> None:
    args = _parser().parse_args()
    harness.print_header("Search quality on SciFact (train split)")
    folder = args.data / "scifact-dev"
    corpus = _read_jsonl(folder / "corpus.jsonl")
    qrels = _qrels(folder / "qrels" / "train.tsv")
    queries = {
        q["_id"]: q["text"] for q in _read_jsonl(folder / "queries.jsonl") if q["_id"] in qrels
    }
    print(f"- corpus: {len(corpus):,} abstracts; train queries: {len(queries):,}\n", flush=True)
    embedder = OnnxEmbedder.bundled()
    ids = [doc["_id"] for doc in corpus]
    documents = _cached(
        f"scifact-docs-{embedder.name}",
        lambda: embedder.embed_documents([_document_text(doc) for doc in corpus]),
    )
    query_ids = sorted(queries)
    query_vectors = _cached(
        f"scifact-train-queries-{embedder.name}",
        lambda: np.stack([embedder.embed_query(queries[q]) for q in query_ids]),
    )
    vector_rankings = _vector_rankings(ids, documents, query_ids, query_vectors, args.candidates)
    index = _keyword_index(corpus)
    keyword_rankings = _keyword_rankings(index, queries, args.candidates)
    default = Fusion(candidates=args.candidates)
    rows = [
        _row(f"keyword (tantivy BM25, title ×{TITLE_BOOST:g})", keyword_rankings, qrels),
        _row(f"vectors ({embedder.name}, exact)", vector_rankings, qrels),
        _row(
            "hybrid RRF k=60, weights 1:1 (the published design)",
            _fused(keyword_rankings, vector_rankings, Fusion(k=60.0, candidates=args.candidates)),
            qrels,
        ),
        _row(
            f"hybrid RRF k={default.k:g}, weights 1:1 (our defaults)",
            _fused(keyword_rankings, vector_rankings, default),
            qrels,
        ),
    ]
    if not args.no_grid:
        best, grid = _grid(index, queries, qrels, vector_rankings, args.candidates)
        rows.append(_row(f"hybrid tuned: {best}", grid, qrels))
    print(
        harness.table(
            ["ranking", "nDCG@10", "Recall@100", f"target nDCG@10 ≥ {TARGET_NDCG}"],
            [
                [
                    name,
                    f"{ndcg:.4f}",
                    f"{recall:.4f}",
                    harness.verdict(ndcg >= TARGET_NDCG) if "hybrid" in name else "",
                ]
                for name, ndcg, recall in rows
            ],
        )
    )
    harness.print_footer()


def _parser() -> argparse.ArgumentParser:
    result = harness.parser("nDCG@10 and Recall@100 on SciFact train", runs=1)
    result.add_argument(
        "--candidates", type=int, default=CANDIDATES, help="ids from each retriever"
    )
    result.add_argument("--no-grid", action="store_true", help="skip the tuning grid")
    return result


def _document_text(doc: Mapping[str, str]) -> str:
    return f"{doc.get('title', '')}. {doc.get('text', '')}".strip(". ")


def _read_jsonl(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _qrels(path: Path) -> dict[str, dict[str, int]]:
    relevant: dict[str, dict[str, int]] = defaultdict(dict)
    with path.open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows, delimiter="\t"):
            relevant[row["query-id"]][row["corpus-id"]] = int(row["score"])
    return dict(relevant)


def _cached(name: str, compute: Callable[[], NDArray[np.float32]]) -> NDArray[np.float32]:
    path = CACHE / f"{name}.npy"
    if path.exists():
        print(f"- {name}: read from {path}", flush=True)
        return np.load(path)
    started = time.perf_counter()
    vectors = compute()
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    print(
        f"- {name}: embedded in {time.perf_counter() - started:.0f} s, saved to {path}", flush=True
    )
    return vectors


def _vector_rankings(
    ids: Sequence[str],
    documents: NDArray[np.float32],
    query_ids: Sequence[str],
    queries: NDArray[np.float32],
    limit: int,
) -> dict[str, Ranking]:
    scores = queries @ documents.T
    top = np.argsort(-scores, axis=1)[:, :limit]
    for n, row in enumerate(top):
        SIMILARITY.update({(query_ids[n], ids[i]): float(scores[n, i]) for i in row})
    return {q: [ids[i] for i in row] for q, row in zip(query_ids, top, strict=True)}


def _keyword_index(corpus: Sequence[Mapping[str, object]]) -> TantivyKeywordIndex:
    folder = Path(tempfile.mkdtemp(prefix="paperboy-scifact-"))
    index = TantivyKeywordIndex(folder / "keyword")
    now = datetime.now(UTC)
    documents = [
        IndexDocument(
            paper_id=n,
            arxiv_id=str(doc["_id"]),
            title=str(doc.get("title", "")),
            abstract=str(doc.get("text", "")),
            authors=(),
            categories=(),
            published_at=None,
            modified_at=now,
            has_code=False,
            on_daily_list=False,
            upvote_count=0,
        )
        for n, doc in enumerate(corpus, 1)
    ]
    with index.writing(fresh=True) as writer:
        writer.replace(documents)
        writer.commit(SyncState(None, None))
    index.search(parse_query("warm up"), SearchFilters(), 1)
    time.sleep(keyword_module.RELOAD_SECONDS + 0.1)  # the reader reloads at most once a second
    return index


def _keyword_rankings(
    index: TantivyKeywordIndex, queries: Mapping[str, str], limit: int
) -> dict[str, Ranking]:
    return {
        q: [hit.arxiv_id for hit in index.search(parse_query(text[:500]), SearchFilters(), limit)]
        for q, text in queries.items()
    }


def _fused(
    keyword: Mapping[str, Ranking], vector: Mapping[str, Ranking], fusion: Fusion
) -> dict[str, Ranking]:
    weights = {"keyword": fusion.keyword_weight, "vector": fusion.vector_weight}
    return {
        q: [
            i
            for i, _ in reciprocal_rank_fusion(
                {
                    "keyword": keyword[q][: fusion.candidates],
                    "vector": [
                        d
                        for d in vector[q][: fusion.candidates]
                        if SIMILARITY.get((q, d), 1.0) >= fusion.min_similarity
                    ],
                },
                k=fusion.k,
                weights=weights,
            )
        ]
        for q in keyword
    }


def _grid(
    index: TantivyKeywordIndex,
    queries: Mapping[str, str],
    qrels: Mapping[str, Mapping[str, int]],
    vector: Mapping[str, Ranking],
    candidates: int,
) -> tuple[str, dict[str, Ranking]]:
    """Title boost × k × vector weight on the train queries; the best by nDCG@10."""
    print("\n## Tuning grid (train queries)\n", flush=True)
    rows = []
    best: tuple[float, str, dict[str, Ranking]] = (-1.0, "", {})
    for title_boost in (0.5, 1.0, 1.5, 2.0):
        reader = TantivyKeywordIndex(index.path, title_boost=title_boost)
        keyword = _keyword_rankings(reader, queries, candidates)
        rows.append([f"{title_boost:g}", "keyword only", "", *_scores(keyword, qrels)])
        for k in (5.0, 10.0, 20.0, 30.0, 60.0):
            for weight in (0.75, 1.0, 1.25, 1.5):
                fusion = Fusion(k=k, vector_weight=weight, candidates=candidates)
                fused = _fused(keyword, vector, fusion)
                ndcg, recall = _scores(fused, qrels)
                rows.append([f"{title_boost:g}", f"{k:g}", f"{weight:g}", ndcg, recall])
                name = f"title ×{title_boost:g}, k={k:g}, vector weight {weight:g}"
                if ndcg > best[0]:
                    best = (ndcg, name, fused)
    headers = ["title boost", "k", "vector weight", "nDCG@10", "Recall@100"]
    print(
        harness.table(headers, [[*row[:3], f"{row[3]:.4f}", f"{row[4]:.4f}"] for row in rows])
        + "\n",
        flush=True,
    )
    return best[1], best[2]


def _row(
    name: str, rankings: Mapping[str, Ranking], qrels: Mapping[str, Mapping[str, int]]
) -> tuple[str, float, float]:
    return (name, *_scores(rankings, qrels))


def _scores(
    rankings: Mapping[str, Ranking], qrels: Mapping[str, Mapping[str, int]]
) -> tuple[float, float]:
    ndcgs = [ndcg_at(rankings.get(q, []), qrels[q], 10) for q in qrels]
    recalls = [recall_at(rankings.get(q, []), qrels[q], 100) for q in qrels]
    return sum(ndcgs) / len(ndcgs), sum(recalls) / len(recalls)


def ndcg_at(ranking: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """nDCG@k with graded gains (SciFact's are all 1), as BEIR computes it."""
    gains = sum(relevant.get(doc, 0) / math.log2(rank + 2) for rank, doc in enumerate(ranking[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    best = sum(g / math.log2(rank + 2) for rank, g in enumerate(ideal))
    return gains / best if best else 0.0


def recall_at(ranking: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    wanted = {doc for doc, gain in relevant.items() if gain > 0}
    return len(wanted & set(ranking[:k])) / len(wanted) if wanted else 0.0


if __name__ == "__main__":
    main()
