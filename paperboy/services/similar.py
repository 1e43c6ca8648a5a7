"""Similar papers: the nearest neighbours of a paper's own stored vector, itself left out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from paperboy.domain.ids import InvalidArxivId, parse_arxiv_id
from paperboy.domain.models import Paper
from paperboy.domain.search import SearchFilters
from paperboy.services.ports import PaperStore, VectorIndex, VectorLookup

DEFAULT_LIMIT = 10


@dataclass(frozen=True, slots=True)
class SimilarPaper:
    """A neighbour: the paper, its cosine similarity to the one asked about, and list facts."""

    paper: Paper
    score: float
    upvote_count: int = 0
    listed_on: date | None = None


def similar_papers(
    store: PaperStore,
    vectors: VectorIndex,
    embeddings: VectorLookup,
    arxiv_id: str,
    limit: int = DEFAULT_LIMIT,
    *,
    model: str,
    filters: SearchFilters | None = None,
) -> list[SimilarPaper]:
    """The `limit` papers closest in meaning to `arxiv_id`, best first; [] until it is embedded.

    Papers are stored once per bare id (versions are rows of that paper), so leaving out the
    bare id leaves out every version of the paper: `2608.19880v2` never finds `2608.19880`.
    """
    try:
        bare = parse_arxiv_id(arxiv_id).arxiv_id
    except InvalidArxivId:
        return []
    vector = embeddings.embedding_of(model, bare)
    if vector is None or limit <= 0:
        return []
    hits = vectors.nearest(vector, limit, filters, exclude=frozenset({bare}))
    found = store.papers_by_ids([hit.arxiv_id for hit in hits])
    return [
        SimilarPaper(paper, hit.score, upvotes, listed_on)
        for hit in hits
        if hit.arxiv_id in found and hit.arxiv_id != bare
        for paper, upvotes, listed_on in [found[hit.arxiv_id]]
    ]
