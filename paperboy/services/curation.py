"""Curating: curators (the "AK" role) add any paper to any day's list, remove and pin entries.

`curator` is None when the site's operator acts from the command line, which needs no account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from paperboy.domain.accounts import User
from paperboy.domain.community import EntryChange, NotAllowed, NotListed, UnknownPaper
from paperboy.domain.models import Paper
from paperboy.services.ports import CurationStore, PaperStore
from paperboy.services.submissions import ArxivLookup, fetch_paper, parse_reference


@dataclass(frozen=True, slots=True)
class ListChange:
    """What a curator's action did to one day's list."""

    arxiv_id: str
    listed_on: date
    change: str  # added, already_listed, restored, removed, pinned, unpinned


def add_to_list(
    store: PaperStore,
    curation: CurationStore,
    arxiv: ArxivLookup,
    curator: User | None,
    text: str,
    day: date,
    now: datetime,
) -> ListChange:
    """Put the paper on `day`'s list (fetched from arXiv if new); a removed entry comes back."""
    _check_curator(curator)
    arxiv_id = parse_reference(text)
    paper: Paper = store.paper(arxiv_id) or fetch_paper(store, arxiv, arxiv_id)
    user_id = curator.id if curator else None
    change = curation.add_entry(paper.arxiv_id, day, user_id, now, restore=True)
    if change is EntryChange.NO_PAPER:
        raise UnknownPaper(f"no paper {arxiv_id} here")
    return ListChange(arxiv_id, day, change.value)


def remove_from_list(
    curation: CurationStore, curator: User | None, text: str, day: date, now: datetime
) -> ListChange:
    """Take the paper off `day`'s list (imports will not bring it back)."""
    _check_curator(curator)
    arxiv_id = parse_reference(text)
    if not curation.set_hidden(arxiv_id, day, True, now):
        raise NotListed(f"{arxiv_id} is not on the list of {day.isoformat()}")
    return ListChange(arxiv_id, day, "removed")


def pin_on_list(
    curation: CurationStore,
    curator: User | None,
    text: str,
    day: date,
    now: datetime,
    *,
    pinned: bool = True,
) -> ListChange:
    """Pin the paper to the top of `day`'s list, or unpin it."""
    _check_curator(curator)
    arxiv_id = parse_reference(text)
    if not curation.set_pinned(arxiv_id, day, pinned, now):
        raise NotListed(f"{arxiv_id} is not on the list of {day.isoformat()}")
    return ListChange(arxiv_id, day, "pinned" if pinned else "unpinned")


def can_curate(user: User | None) -> bool:
    """True for an active curator or admin (pages show them the list controls)."""
    return user is not None and user.is_active and user.role.can_curate()


def _check_curator(curator: User | None) -> None:
    if curator is not None and not can_curate(curator):
        raise NotAllowed("only curators and admins may change a day's list")
