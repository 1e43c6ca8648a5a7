"""Keeping the keyword index in step with the store: incremental, resumable, crash-safe.

A sync reads papers in (modified_at, id) order from where the last commit left off, replaces
them in the index by arXiv id, and commits every so often; the position is recorded only after
the index commit, so a crash between the two repeats a little work and never skips a paper.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from paperboy.domain.indexing import SyncPosition, SyncState
from paperboy.services.ports import PaperStore, Progress, SilentProgress, WritableKeywordIndex

READ_BATCH = 1_000
COMMIT_EVERY = 50_000
LATE_COMMIT_LAG = timedelta(minutes=2)
"""How long a write transaction may take between stamping `modified_at` and committing."""


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What a sync did: papers (re)indexed, whether it started over, and where it stopped."""

    indexed_count: int
    rebuilt: bool
    position: SyncPosition | None

    def as_dict(self) -> dict[str, Any]:
        position = self.position
        return {
            "indexed": self.indexed_count,
            "rebuilt": self.rebuilt,
            "position": None
            if position is None
            else {"modified_at": position.modified_at.isoformat(), "paper_id": position.paper_id},
        }


def sync_keyword_index(
    store: PaperStore,
    index: WritableKeywordIndex,
    progress: Progress | None = None,
    *,
    rebuild: bool = False,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    commit_every: int = COMMIT_EVERY,
    batch: int = READ_BATCH,
) -> SyncReport:
    """Index every paper changed since the last sync, or all of them on `rebuild`.

    A rebuild commits once, at the end, so searches keep the old index until the new one is
    whole; an incremental sync commits every `commit_every` papers, so a killed sync resumes.
    """
    progress = progress or SilentProgress()
    started_at = clock()
    with index.writing(fresh=rebuild) as writer:
        saved = SyncState(None, None) if rebuild else writer.state()
        position = saved.resume_from(LATE_COMMIT_LAG)
        progress.start(store.count_papers_for_index(position), "indexing papers")
        indexed = pending = 0
        while documents := store.papers_for_index(position, batch):
            writer.replace(documents)
            position = documents[-1].position
            indexed, pending = indexed + len(documents), pending + len(documents)
            progress.advance(len(documents))
            if pending >= commit_every and not rebuild:
                writer.commit(SyncState(_furthest(position, saved.position), started_at))
                pending = 0
        position = _furthest(position, saved.position)
        writer.commit(SyncState(position, started_at))
    progress.finish()
    return SyncReport(indexed, rebuild, position)


def _furthest(*positions: SyncPosition | None) -> SyncPosition | None:
    known = [p for p in positions if p is not None]
    return max(known) if known else None
