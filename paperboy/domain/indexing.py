"""What a search index is fed from the store, and how far a sync got.

The store hands out papers ordered by (modified_at, paper id); an index remembers the position of
the last paper it committed, so a restarted sync resumes there and nothing is read twice needlessly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple


class SyncPosition(NamedTuple):
    """A point in the store's (modified_at, paper id) order: everything up to it is indexed."""

    modified_at: datetime
    paper_id: int


@dataclass(frozen=True, slots=True)
class IndexDocument:
    """One paper as a search index sees it: its text, the filter fields and its sort keys."""

    paper_id: int
    arxiv_id: str
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    published_at: datetime | None
    modified_at: datetime
    has_code: bool
    on_daily_list: bool
    upvote_count: int

    @property
    def position(self) -> SyncPosition:
        return SyncPosition(self.modified_at, self.paper_id)


@dataclass(frozen=True, slots=True)
class SyncState:
    """What an index remembers between syncs: where it got to and when that sync began."""

    position: SyncPosition | None
    started_at: datetime | None

    def resume_from(self, lag: timedelta) -> SyncPosition | None:
        """Where the next sync reads from: the saved position, moved back to cover late commits.

        A write transaction stamps `modified_at` before it commits, so on PostgreSQL a paper can
        become visible after a sync has passed its timestamp. Papers modified within `lag` of the
        previous sync's start are therefore read again; re-indexing a paper is idempotent.
        """
        if self.position is None or self.started_at is None:
            return self.position
        safe = SyncPosition(self.started_at - lag, 0)
        return min(self.position, safe)
