"""Submitting: a member puts a recent arXiv paper on today's list, by id or URL.

The paper is taken from the store, or fetched from arXiv's export API and stored; it must have
been first published within the submission window; a paper already on a list is not listed
again (the answer links to the list it is on); a member may submit a limited number per day
(curators are not limited).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from paperboy.domain.accounts import User
from paperboy.domain.calendar import today_in
from paperboy.domain.community import (
    EntryChange,
    InvalidReference,
    LimitReached,
    NotAllowed,
    RemovedByCurator,
    SourceUnavailable,
    TooOld,
    UnknownPaper,
)
from paperboy.domain.ids import InvalidArxivId, parse_arxiv_id
from paperboy.domain.models import Paper, PaperRecord
from paperboy.services.ports import CurationStore, PaperStore, RecordSource
from paperboy.sources.http import SourceError

MAX_REFERENCE_CHARS = 500


class ArxivLookup(Protocol):
    """Where papers not stored yet come from (the composition root's `SourceFactory`)."""

    def arxiv_api(self, *, ids: Sequence[str] = ()) -> RecordSource: ...


@dataclass(frozen=True, slots=True)
class SubmissionRules:
    """The operator's settings that decide what may be submitted."""

    timezone: str
    window_days: int
    daily_limit: int


@dataclass(frozen=True, slots=True)
class Submission:
    """Where the paper is listed; `created` is False when it was already on that list."""

    paper: Paper
    listed_on: date
    created: bool


def parse_reference(text: str) -> str:
    """The bare arXiv id in `text` (an id, `arXiv:…`, an arXiv or Hugging Face paper URL)."""
    cleaned = text.strip()
    if not cleaned:
        raise InvalidReference("paper: give an arXiv id or URL, e.g. 2501.05441")
    if len(cleaned) > MAX_REFERENCE_CHARS:
        raise InvalidReference(f"paper: longer than {MAX_REFERENCE_CHARS} characters")
    try:
        return parse_arxiv_id(cleaned).arxiv_id
    except InvalidArxivId:
        raise InvalidReference(
            f"paper: not an arXiv id or arXiv URL: {cleaned[:80]!r} "
            "(try 2501.05441 or https://arxiv.org/abs/2501.05441)"
        ) from None


def submit_paper(
    store: PaperStore,
    curation: CurationStore,
    arxiv: ArxivLookup,
    rules: SubmissionRules,
    user: User,
    text: str,
    now: datetime,
) -> Submission:
    """Put the paper named by `text` on today's list (in the site's time zone) for `user`."""
    if not user.is_active:
        raise NotAllowed("only active members with a confirmed email may submit papers")
    arxiv_id = parse_reference(text)
    today = today_in(rules.timezone, now)
    limit = None if user.role.can_curate() else rules.daily_limit
    if limit is not None and curation.submissions_on(user.id, today) >= limit:
        raise LimitReached(_limit_message(limit))
    paper = store.paper(arxiv_id) or fetch_paper(store, arxiv, arxiv_id)
    listed = store.entries_for_paper(arxiv_id)
    if listed:
        return Submission(paper, listed[-1].listed_on, created=False)
    _check_recent(paper, now, rules.window_days)
    change = curation.add_entry(arxiv_id, today, user.id, now, daily_limit=limit)
    if change is EntryChange.LIMIT_REACHED:
        raise LimitReached(_limit_message(limit or 0))
    if change is EntryChange.REMOVED_BY_CURATOR:
        raise RemovedByCurator(f"a curator removed {arxiv_id} from the list of {today}")
    if change is EntryChange.NO_PAPER:
        raise UnknownPaper(f"no paper {arxiv_id} here")
    return Submission(paper, today, created=change is EntryChange.ADDED)


def fetch_paper(store: PaperStore, arxiv: ArxivLookup, arxiv_id: str) -> Paper:
    """Fetch one paper from arXiv's export API and store it; UnknownPaper if arXiv has none."""
    try:
        records = [
            item
            for item, _ in arxiv.arxiv_api(ids=[arxiv_id]).records(None)
            if isinstance(item, PaperRecord) and item.arxiv_id == arxiv_id
        ]
    except SourceError as error:
        raise SourceUnavailable(f"arXiv could not be asked about {arxiv_id}: {error}") from error
    if not records:
        raise UnknownPaper(f"arXiv has no paper {arxiv_id}")
    store.upsert_papers(records[:1])
    paper = store.paper(arxiv_id)
    if paper is None:  # pragma: no cover - just stored
        raise UnknownPaper(f"no paper {arxiv_id} here")
    return paper


def first_published_at(paper: Paper) -> datetime | None:
    """When the paper's first version appeared: its v1, or its publication time."""
    first = min((v.submitted_at for v in paper.versions), default=None)
    return first or paper.published_at


def _check_recent(paper: Paper, now: datetime, window_days: int) -> None:
    published = first_published_at(paper)
    if published is None:
        raise TooOld(
            f"{paper.arxiv_id}: its publication date is unknown, so it cannot be submitted"
        )
    if now - published > timedelta(days=window_days):
        raise TooOld(
            f"{paper.arxiv_id} was first published on {published.date().isoformat()}; "
            f"only papers from the last {window_days} days may be submitted"
        )


def _limit_message(limit: int) -> str:
    return f"you have submitted {limit} papers today, the most allowed; try again tomorrow"
