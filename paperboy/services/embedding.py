"""The embed job: vectors for new and changed papers only, in batches, resumable at any point."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from paperboy.services.ports import Embedder, EmbeddingStore, Progress, SilentProgress


@dataclass(frozen=True, slots=True)
class EmbedReport:
    """What one run did: papers embedded now, papers whose vector was already current."""

    model: str
    embedded_count: int
    skipped_count: int
    seconds: float

    @property
    def rate(self) -> float:
        """Papers embedded per second of the run."""
        return self.embedded_count / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "embedded": self.embedded_count,
            "skipped": self.skipped_count,
            "seconds": round(self.seconds, 3),
            "per_second": round(self.rate, 1),
        }


def embed_new_papers(
    store: EmbeddingStore,
    embedder: Embedder,
    *,
    batch_size: int = 64,
    progress: Progress | None = None,
    limit: int | None = None,
) -> EmbedReport:
    """Embed every paper whose vector for this model is missing or stale; at most `limit`.

    Each batch is embedded, then saved in its own transaction, so a killed run loses at most
    the batch in flight and a rerun finds exactly what is still missing. The total shown by the
    progress is counted up front (a scan of titles and abstracts, cheap next to the model).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    progress = progress or SilentProgress()
    started = time.monotonic()
    current, waiting = store.embedding_counts(embedder.name)
    total = waiting if limit is None else min(waiting, limit)
    progress.start(total, f"embed {embedder.name}")
    done, after_id = 0, 0
    while limit is None or done < limit:
        wanted = batch_size if limit is None else min(batch_size, limit - done)
        tasks = store.papers_to_embed(embedder.name, after_id, wanted)
        if not tasks:
            break
        vectors = embedder.embed_documents([task.text for task in tasks])
        store.save_embeddings(embedder.name, tasks, vectors)
        done += len(tasks)
        after_id = tasks[-1].paper_id
        progress.advance(len(tasks))
    progress.finish()
    return EmbedReport(embedder.name, done, current, time.monotonic() - started)
