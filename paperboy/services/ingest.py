"""Ingest: pull records from a source into the store in batches, resumable from a cursor.

Each batch and the cursor after it land in one transaction, so a run killed at any moment
resumes after the last whole batch and never half-writes one. A finished run clears its cursor,
so running the same import again re-reads everything and reports it unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from paperboy.domain.models import EntryRecord, ImportReport, Outcome, PaperRecord, Rejection
from paperboy.services.ports import Cursor, PaperStore, Progress, RecordSource, SilentProgress

DEFAULT_BATCH = 1000


@dataclass(slots=True)
class _Batch:
    papers: list[PaperRecord] = field(default_factory=list)
    entries: list[EntryRecord] = field(default_factory=list)
    size: int = 0
    position: str | None = None


def ingest(
    store: PaperStore,
    source: RecordSource,
    *,
    progress: Progress | None = None,
    batch_size: int = DEFAULT_BATCH,
    resume: bool = True,
    on_rejection: Callable[[Rejection], None] | None = None,
) -> ImportReport:
    """Import everything `source` yields; report new / updated / unchanged / rejected."""
    progress = progress or SilentProgress()
    report = ImportReport()
    batch = _Batch()
    resume_from = store.cursor(source.name) if resume else None
    progress.start(source.total(), source.name)
    for item, position in source.records(resume_from or None):
        if isinstance(item, Rejection):
            report.rejections.append(item)
            if on_rejection is not None:
                on_rejection(item)
        elif isinstance(item, EntryRecord):
            batch.entries.append(item)
        else:
            batch.papers.append(item)
        batch.size += 1
        batch.position = position or batch.position
        if batch.size >= batch_size and position is not None:
            _flush(store, source.name, batch, report, progress)
            batch = _Batch()
    _flush(store, source.name, batch, report, progress)
    store.save_cursor(Cursor(source.name, ""))
    progress.finish()
    return report


def _flush(
    store: PaperStore, name: str, batch: _Batch, report: ImportReport, progress: Progress
) -> None:
    cursor = Cursor(name, batch.position) if batch.position is not None else None
    outcomes: list[Outcome] = []
    if batch.papers:
        outcomes += store.upsert_papers(batch.papers, cursor if not batch.entries else None)
    if batch.entries:
        outcomes += store.upsert_entries(batch.entries, cursor)
    if not batch.papers and not batch.entries and cursor is not None:
        store.save_cursor(cursor)
    for outcome in outcomes:
        report.count(outcome)
    progress.advance(batch.size)
