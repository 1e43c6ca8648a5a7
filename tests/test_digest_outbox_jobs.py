"""The digest job: `digest.run` through the queue and runner, and serve's scheduler queueing it."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from paperboy.app import Deps, build_deps
from paperboy.config import Settings
from paperboy.domain.digest_schedule import latest_slot
from paperboy.domain.digests import Preferences
from paperboy.jobs.runner import EmbeddedRunner
from paperboy.jobs.scheduler import DIGEST_TASK, DigestScheduler
from paperboy.jobs.tasks import run_task
from tests.support.community import listed
from tests.support.smtp import SmtpSink
from tests.support.subscribers import add_subscriber


def site(settings: Settings) -> Deps:
    deps = build_deps(settings)
    now = deps.clock()
    slot = latest_slot(Preferences(), now)
    assert slot is not None
    deps.store.upsert_entries([listed("2603.00001", date.fromisoformat(slot.period))])
    for name in ("alan", "barbara"):
        add_subscriber(deps, f"{name}@example.org", now=now - timedelta(days=8))
    return deps


def test_a_queued_digest_run_sends_through_the_runner(
    smtp_settings: Settings, smtp_sink: SmtpSink
) -> None:
    deps = site(smtp_settings)
    job_id = DigestScheduler(deps).tick()
    assert job_id is not None
    EmbeddedRunner(deps).run_until_empty()
    job = deps.jobs.job(job_id)  # type: ignore[attr-defined]
    assert job is not None and job.status == "done"
    assert (job.result["planned"], job.result["sent"]) == (2, 2)
    assert len(smtp_sink.wait_for(2)) == 2


def test_the_task_dry_run_sends_nothing(smtp_settings: Settings, smtp_sink: SmtpSink) -> None:
    deps = site(smtp_settings)
    result = run_task(deps, DIGEST_TASK, {"dry_run": True})
    assert [d["email"] for d in result["due"]] == ["alan@example.org", "barbara@example.org"]
    assert result["run_id"] is None and smtp_sink.messages == []


def test_the_scheduler_queues_one_run_at_a_time(settings: Settings) -> None:
    deps = build_deps(settings)
    scheduler = DigestScheduler(deps)
    first = scheduler.tick()
    assert first is not None
    assert scheduler.tick() is None  # one is still waiting to start
    claimed = deps.jobs.claim("worker", deps.clock() + timedelta(seconds=1))
    assert claimed is not None and claimed.id == first
    assert scheduler.tick() is not None  # the first is running: the next may wait behind it
    assert [j.task for j in deps.jobs.recent(5)] == [DIGEST_TASK, DIGEST_TASK]


def test_the_scheduler_ticks_in_its_thread_until_stopped(settings: Settings) -> None:
    deps = build_deps(settings)
    scheduler = DigestScheduler(deps, interval_seconds=0.05)
    scheduler.start()
    try:
        deadline = deps.clock() + timedelta(seconds=10)
        while not deps.jobs.recent(1) and deps.clock() < deadline:
            threading.Event().wait(0.05)
    finally:
        scheduler.stop()
    assert [j.task for j in deps.jobs.recent(5)] == [DIGEST_TASK]  # one waiting: no pile-up


def test_a_zero_interval_never_starts_the_scheduler(settings: Settings) -> None:
    deps = build_deps(settings)
    scheduler = DigestScheduler(deps, interval_seconds=0)
    scheduler.start()
    scheduler.stop()
    assert deps.jobs.recent(5) == []
