"""Real recorded papers, indexed for search: keyword index, embedder and an exact vector index.

The keyword index is the real tantivy one, fed by the real sync. `ExactVectors` is a small
exact cosine scan over the papers' vectors, so the service's tests do not depend on the vector
index's own tuning; the vector index has its own tests.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from paperboy.domain.models import Paper
from paperboy.domain.search import Scored, SearchFilters
from paperboy.indexes.keyword import TantivyKeywordIndex
from paperboy.services.indexing import sync_keyword_index
from paperboy.services.ingest import ingest
from paperboy.services.ports import Embedder, PaperStore
from paperboy.sources.daily_papers import DailyPapersFiles
from paperboy.sources.snapshot import JsonLinesPapers

DAILY = Path(__file__).parent.parent / "data" / "daily-papers"
ARXIV_RECORDS = Path(__file__).parent.parent / "data" / "jsonl" / "arxiv-daily.head40.jsonl.gz"
DAYS = (
    "2024-11-29",
    "2024-12-02",
    "2024-12-03",
    "2025-09-04",
    "2026-07-30",
    "2026-08-20",
    "2026-08-21",
)


def load_recorded_papers(store: PaperStore) -> None:
    """Every recorded day (97 real papers) and 40 real arXiv records (with categories)."""
    # One file per import: the cursor name of a many-file source outgrows PostgreSQL's column.
    for day in DAYS:
        report = ingest(store, DailyPapersFiles([DAILY / f"{day}.json"]))
        assert report.rejected == 0, report.rejections
    report = ingest(store, JsonLinesPapers(ARXIV_RECORDS))
    assert report.rejected == 0, report.rejections


def recorded_ids() -> list[str]:
    """The arXiv ids of every recorded paper."""
    listed = {
        item["paper"]["id"]
        for day in DAYS
        for item in json.loads((DAILY / f"{day}.json").read_text(encoding="utf-8"))
    }
    with gzip.open(ARXIV_RECORDS, "rt", encoding="utf-8") as lines:
        arxiv = {json.loads(line)["id"] for line in lines if line.strip()}
    return sorted(listed | arxiv)


def keyword_index(store: PaperStore, folder: Path) -> TantivyKeywordIndex:
    """A tantivy index of everything in `store`, synced and ready to search."""
    index = TantivyKeywordIndex(folder / "keyword")
    sync_keyword_index(store, index)
    return index


def document_text(paper: Paper) -> str:
    return f"{paper.title}\n{paper.abstract}"


@dataclass
class ExactVectors:
    """`VectorIndex` by an exact scan over every stored paper's vector; filters re-checked."""

    store: PaperStore
    ids: list[str]
    matrix: NDArray[np.float32]

    @classmethod
    def of(cls, store: PaperStore, embedder: Embedder, arxiv_ids: Sequence[str]) -> ExactVectors:
        papers = store.papers_by_ids(arxiv_ids)
        ids = sorted(papers)
        matrix = embedder.embed_documents([document_text(papers[i][0]) for i in ids])
        return cls(store, ids, matrix)

    def nearest(
        self,
        vector: NDArray[np.float32],
        limit: int,
        filters: SearchFilters | None = None,
        exclude: frozenset[str] = frozenset(),
    ) -> list[Scored]:
        scores = self.matrix @ vector
        order = [self.ids[i] for i in np.argsort(-scores)]
        if filters is not None and not filters.is_empty:
            found = self.store.papers_by_ids(order)
            order = [i for i in order if filters.admits(found[i][0], found[i][2])]
        position = {arxiv_id: row for row, arxiv_id in enumerate(self.ids)}
        return [Scored(i, float(scores[position[i]])) for i in order if i not in exclude][:limit]
