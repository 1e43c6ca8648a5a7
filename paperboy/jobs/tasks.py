"""Every background task, as a plain function of (deps, payload, progress) returning a result dict.

The CLI runs the same functions in the foreground; the runners run them from the queue. Each is
idempotent and resumable (ingest resumes from its source's cursor), so a killed task can simply
be run again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from paperboy.app import Deps, keyword_index
from paperboy.domain.models import ImportReport, Rejection
from paperboy.services.digest_outbox import run_digests
from paperboy.services.embedding import embed_new_papers
from paperboy.services.indexing import sync_keyword_index
from paperboy.services.ingest import ingest
from paperboy.services.ports import Progress, RecordSource, SilentProgress

RejectionSink = Callable[[Rejection], None]


@dataclass(frozen=True, slots=True)
class TaskContext:
    """How a task reports while it runs: progress, and each rejected record as it happens."""

    progress: Progress = field(default_factory=SilentProgress)
    on_rejection: RejectionSink | None = None


Task = Callable[[Deps, dict[str, Any], TaskContext], dict[str, Any]]


def ingest_daily_papers_files(
    deps: Deps, payload: dict[str, Any], context: TaskContext
) -> dict[str, Any]:
    """Import daily-papers JSON files or folders: payload {"paths": [...]}."""
    source = deps.sources.daily_papers_files([Path(p) for p in payload["paths"]])
    return _run(deps, source, payload, context)


def ingest_daily_papers_url(
    deps: Deps, payload: dict[str, Any], context: TaskContext
) -> dict[str, Any]:
    """Import one day from a /api/daily_papers endpoint: payload {"date": "YYYY-MM-DD", "url"?}."""
    source = deps.sources.daily_papers_url(date.fromisoformat(payload["date"]), payload.get("url"))
    return _run(deps, source, payload, context)


def ingest_jsonl(deps: Deps, payload: dict[str, Any], context: TaskContext) -> dict[str, Any]:
    """Import a JSON-lines file (arXiv snapshot or daily-listing dump): payload {"path": ...}."""
    return _run(deps, deps.sources.jsonl(Path(payload["path"])), payload, context)


def ingest_arxiv_api(deps: Deps, payload: dict[str, Any], context: TaskContext) -> dict[str, Any]:
    """Import from the arXiv export API by category and dates, or by ids."""
    source = deps.sources.arxiv_api(
        category=payload.get("category"),
        start=_day(payload.get("start")),
        end=_day(payload.get("end")),
        ids=tuple(payload.get("ids") or ()),
    )
    return _run(deps, source, payload, context)


def ingest_oai(deps: Deps, payload: dict[str, Any], context: TaskContext) -> dict[str, Any]:
    """Harvest arXiv OAI-PMH ListRecords with from/until/set."""
    source = deps.sources.oai(
        metadata_prefix=payload.get("metadata_prefix", "arXivRaw"),
        from_=_day(payload.get("from")),
        until=_day(payload.get("until")),
        set_spec=payload.get("set"),
    )
    return _run(deps, source, payload, context)


def load_sample(deps: Deps, payload: dict[str, Any], context: TaskContext) -> dict[str, Any]:
    """Import the bundled sample of real daily lists (what a new install shows)."""
    return _run(deps, deps.sources.bundled_sample(), payload, context)


def index_keyword(deps: Deps, payload: dict[str, Any], context: TaskContext) -> dict[str, Any]:
    """Bring the keyword index up to date with the store: payload {"rebuild"?: bool}."""
    index = keyword_index(deps.settings)
    rebuild = bool(payload.get("rebuild", False))
    return sync_keyword_index(deps.store, index, context.progress, rebuild=rebuild).as_dict()


def embed_papers(deps: Deps, payload: dict[str, Any], context: TaskContext) -> dict[str, Any]:
    """Embed new and changed papers: payload {"batch_size"?: int, "limit"?: int}."""
    report = embed_new_papers(
        deps.embeddings,
        deps.embedder,
        batch_size=int(payload.get("batch_size") or 64),
        progress=context.progress,
        limit=payload.get("limit"),
    )
    if report.embedded_count:
        deps.vectors.sync()  # what `index.vectors` does, so new vectors are saved in the index
    return report.as_dict()


def index_vectors(deps: Deps, payload: dict[str, Any], context: TaskContext) -> dict[str, Any]:
    """Bring the vector index up to date with the stored vectors (nothing to do on PostgreSQL)."""
    started = time.monotonic()
    added = deps.vectors.sync()
    return {"indexed": added, "seconds": round(time.monotonic() - started, 3)}


def digest_run(deps: Deps, payload: dict[str, Any], context: TaskContext) -> dict[str, Any]:
    """Plan and send the digests that are due: payload {"dry_run"?: bool, "connections"?: int}."""
    report = run_digests(
        deps,
        dry_run=bool(payload.get("dry_run", False)),
        connections=payload.get("connections"),
        progress=context.progress,
    )
    return report.as_dict()


TASKS: dict[str, Task] = {
    "sample.load": load_sample,
    "ingest.daily_papers_files": ingest_daily_papers_files,
    "ingest.daily_papers_url": ingest_daily_papers_url,
    "ingest.jsonl": ingest_jsonl,
    "ingest.arxiv_api": ingest_arxiv_api,
    "ingest.oai": ingest_oai,
    "index.keyword": index_keyword,
    "embed.papers": embed_papers,
    "index.vectors": index_vectors,
    "digest.run": digest_run,
}


class UnknownTask(LookupError):
    """No task has that name."""


def run_task(
    deps: Deps, name: str, payload: dict[str, Any], context: TaskContext | None = None
) -> dict[str, Any]:
    """Run the task called `name` in this process and return its result."""
    task = TASKS.get(name)
    if task is None:
        raise UnknownTask(f"unknown task {name!r} (known: {', '.join(sorted(TASKS))})")
    return task(deps, payload, context or TaskContext())


def _run(
    deps: Deps, source: RecordSource, payload: dict[str, Any], context: TaskContext
) -> dict[str, Any]:
    report = ingest(
        deps.store,
        source,
        progress=context.progress,
        resume=not payload.get("restart", False),
        on_rejection=context.on_rejection,
    )
    return report_result(report)


def report_result(report: ImportReport, shown: int = 50) -> dict[str, Any]:
    """An import report as JSON for the job table: counts and the first rejections."""
    return {**report.as_dict(), "rejections": [str(r) for r in report.rejections[:shown]]}


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
