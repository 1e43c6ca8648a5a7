"""Looking up one paper by any form of its id, with the daily lists it was on."""

from __future__ import annotations

from dataclasses import dataclass

from paperboy.domain.ids import InvalidArxivId, parse_arxiv_id
from paperboy.domain.models import DailyEntry, Paper
from paperboy.services.ports import PaperStore


class PaperNotFound(LookupError):
    """No paper with that id is stored (or the text is not an arXiv id at all)."""


@dataclass(frozen=True, slots=True)
class PaperView:
    """A paper with the lists it appeared on (for its page and its API twin)."""

    paper: Paper
    entries: list[DailyEntry]

    @property
    def upvote_count(self) -> int:
        return max((e.upvote_count for e in self.entries), default=0)

    @property
    def comment_count(self) -> int:
        return max((e.comment_count for e in self.entries), default=0)


def find_paper(store: PaperStore, text: str) -> PaperView:
    """The paper named by `text` (bare id, versioned id, abs/pdf URL), or PaperNotFound."""
    try:
        ref = parse_arxiv_id(text)
    except InvalidArxivId as error:
        raise PaperNotFound(str(error)) from error
    paper = store.paper(ref.arxiv_id)
    if paper is None:
        raise PaperNotFound(f"no paper {ref.arxiv_id} here")
    return PaperView(paper, store.entries_for_paper(ref.arxiv_id))
