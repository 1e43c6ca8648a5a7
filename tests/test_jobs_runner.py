"""The embedded job runner: runs tasks from the queue, records results and failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from paperboy.app import Deps, build_deps
from paperboy.config import Settings
from paperboy.jobs.runner import EmbeddedRunner
from paperboy.jobs.tasks import TaskContext

from .conftest import DATA

NOW = datetime(2026, 8, 21, 12, tzinfo=UTC)


def clocked(settings: Settings, now: datetime = NOW) -> Deps:
    return build_deps(settings, clock=lambda: now)


def flaky(deps: Deps, payload: dict[str, Any], context: TaskContext) -> dict[str, Any]:
    raise ConnectionError("arXiv did not answer")


def test_runner_runs_a_queued_ingest_to_done(settings: Settings) -> None:
    deps = clocked(settings)
    path = str(DATA / "jsonl" / "arxiv-snapshot.head60.jsonl")
    job_id = deps.jobs.enqueue("ingest.jsonl", {"path": path})
    assert EmbeddedRunner(deps).run_until_empty() == 1
    (job,) = deps.jobs.recent()
    assert (job.id, job.status, job.result) == (job_id, "done", job.result)
    assert job.result is not None and job.result["new"] == 60
    assert deps.store.counts()["papers"] == 60


def test_runner_retries_a_failed_job_later(settings: Settings) -> None:
    deps = clocked(settings)
    deps.jobs.enqueue("flaky", {})
    runner = EmbeddedRunner(deps, tasks={"flaky": flaky})
    assert runner.run_once() is not None
    (job,) = deps.jobs.recent()
    assert job.status == "queued" and "ConnectionError: arXiv did not answer" in (job.error or "")
    assert runner.run_once() is None  # not due yet
    later = EmbeddedRunner(clocked(settings, NOW + timedelta(minutes=5)), tasks={"flaky": flaky})
    assert later.run_once() is not None
    assert deps.jobs.recent()[0].attempts == 2


def test_runner_fails_an_unknown_task_for_good(settings: Settings) -> None:
    deps = clocked(settings)
    deps.jobs.enqueue("no.such.task", {})
    EmbeddedRunner(deps).run_until_empty()
    (job,) = deps.jobs.recent()
    assert job.status == "failed" and "unknown task 'no.such.task'" in (job.error or "")


def test_runner_thread_starts_and_stops(settings: Settings) -> None:
    deps = clocked(settings)
    runner = EmbeddedRunner(deps, poll_seconds=0.05)
    runner.start()
    deps.jobs.enqueue("sample.load", {})
    deadline = datetime.now(UTC) + timedelta(seconds=30)
    while deps.jobs.recent()[0].status != "done" and datetime.now(UTC) < deadline:
        runner._stop.wait(0.05)
    runner.stop()
    assert deps.jobs.recent()[0].status == "done"
    assert deps.store.counts()["daily_entries"] == 600
