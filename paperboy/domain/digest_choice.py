"""Which days a digest covers, and picking its papers from ranked candidates.

A digest covers what appeared since the subscriber's previous slot: a daily one the lists from
the previous weekday slot's day through its own (Monday's covers Friday to Monday), a weekly one
the seven days before its own day and that day. The first day overlaps the previous digest's
last, so a list that grew after that digest was sent is not lost; what the previous digest did
send is in `already_sent`, never sent twice. Saved searches match by arXiv publication date,
which comes a day or more before a paper is announced and stored: their window starts
`SEARCH_LAG_DAYS` earlier so a paper announced late still reaches its reader.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from paperboy.domain.digests import Frequency
from paperboy.domain.models import Paper

SEARCH_LAG_DAYS = 3
WEEK_DAYS = 7


@dataclass(frozen=True, slots=True)
class Window:
    """The list days (both ends included) a digest for one slot covers."""

    first: date
    last: date

    def widened(self, days: int) -> Window:
        """The window starting `days` earlier."""
        return Window(self.first - timedelta(days=days), self.last)


def digest_window(frequency: Frequency, period: str) -> Window:
    """The days a digest for the slot on local date `period` (`YYYY-MM-DD`) covers."""
    day = date.fromisoformat(period)
    if frequency is Frequency.WEEKLY:
        return Window(day - timedelta(days=WEEK_DAYS), day)
    previous = day - timedelta(days=1)
    while previous.weekday() >= 5:  # the daily digest goes out Monday to Friday
        previous -= timedelta(days=1)
    return Window(previous, day)


def in_categories(paper: Paper, categories: Sequence[str]) -> bool:
    """True when `categories` is empty or the paper is in one of them (any case)."""
    if not categories:
        return True
    wanted = {c.lower() for c in categories}
    return any(c.lower() in wanted for c in paper.categories)


def candidates_in(papers: Iterable[Paper], categories: Sequence[str]) -> tuple[Paper, ...]:
    """`papers` in their order, each once, without withdrawn ones or ones outside `categories`."""
    seen: set[str] = set()
    kept: list[Paper] = []
    for paper in papers:
        if paper.arxiv_id in seen or paper.withdrawn or not in_categories(paper, categories):
            continue
        seen.add(paper.arxiv_id)
        kept.append(paper)
    return tuple(kept)


def interleaved(rankings: Sequence[Sequence[Paper]]) -> list[Paper]:
    """Several rankings as one, best first: firsts, then seconds…; no repeats."""
    merged: dict[str, Paper] = {}
    for rank in range(max((len(r) for r in rankings), default=0)):
        for ranking in rankings:
            if rank < len(ranking):
                merged.setdefault(ranking[rank].arxiv_id, ranking[rank])
    return list(merged.values())


def pick(candidates: Sequence[Paper], already_sent: frozenset[str], most: int) -> list[Paper]:
    """The first `most` candidates not in `already_sent`."""
    chosen: list[Paper] = []
    for paper in candidates:
        if paper.arxiv_id in already_sent:
            continue
        chosen.append(paper)
        if len(chosen) >= most:
            break
    return chosen
