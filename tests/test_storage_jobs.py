"""Contract tests for the embedded job queue: each runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from paperboy.domain.models import Job
from paperboy.storage.engine import make_engine
from paperboy.storage.jobs import LEASE, SqlJobQueue


@pytest.fixture
def queue(database_url: str) -> Iterator[SqlJobQueue]:
    job_queue = SqlJobQueue(make_engine(database_url))
    yield job_queue
    job_queue.engine.dispose()


def soon() -> datetime:
    """A moment just after now: the queue stamps new jobs with the real time."""
    return datetime.now(UTC) + timedelta(seconds=1)


def claimed(queue: SqlJobQueue, now: datetime, worker: str = "w1") -> Job:
    job = queue.claim(worker, now)
    assert job is not None, "expected a job to claim"
    return job


def test_enqueue_returns_a_queued_job(queue: SqlJobQueue) -> None:
    job_id = queue.enqueue("ingest.jsonl", {"path": "/tmp/x.jsonl", "n": [1, 2]})
    job = queue.job(job_id)
    assert job is not None
    assert (job.task, job.payload, job.status, job.attempts) == (
        "ingest.jsonl",
        {"path": "/tmp/x.jsonl", "n": [1, 2]},
        "queued",
        0,
    )
    assert job.created_at.tzinfo is not None and job.finished_at is None


def test_enqueue_ids_increase(queue: SqlJobQueue) -> None:
    first, second = queue.enqueue("a", {}), queue.enqueue("b", {})
    assert second > first


def test_job_unknown_is_none(queue: SqlJobQueue) -> None:
    assert queue.job(424242) is None


def test_claim_empty_queue_is_none(queue: SqlJobQueue) -> None:
    assert queue.claim("w1", soon()) is None


def test_claim_takes_the_oldest_and_marks_it_running(queue: SqlJobQueue) -> None:
    first = queue.enqueue("a", {})
    queue.enqueue("b", {})
    job = claimed(queue, soon())
    assert (job.id, job.status, job.attempts) == (first, "running", 1)
    stored = queue.job(first)
    assert stored is not None and (stored.status, stored.attempts) == ("running", 1)


def test_claim_never_gives_one_job_twice(queue: SqlJobQueue) -> None:
    queue.enqueue("a", {})
    queue.enqueue("b", {})
    now = soon()
    ids = {claimed(queue, now, "w1").id, claimed(queue, now, "w2").id}
    assert len(ids) == 2
    assert queue.claim("w3", now) is None


def test_claim_from_concurrent_workers_gives_each_job_once(queue: SqlJobQueue) -> None:
    job_ids = {queue.enqueue("t", {"n": n}) for n in range(6)}
    now = soon()
    barrier = threading.Barrier(4)
    taken: list[int] = []
    lock = threading.Lock()

    def work(worker: str) -> None:
        barrier.wait()
        for _ in range(6):
            job = queue.claim(worker, now)
            if job is not None:
                with lock:
                    taken.append(job.id)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(taken) == len(set(taken)), "a job was claimed twice"
    # A claim that loses a race returns None; what was left is still there for the next one.
    while (job := queue.claim("late", now)) is not None:
        taken.append(job.id)
    assert sorted(taken) == sorted(job_ids)


def test_claim_ignores_jobs_not_yet_due(queue: SqlJobQueue) -> None:
    queue.enqueue("a", {})
    assert queue.claim("w1", datetime.now(UTC) - timedelta(minutes=1)) is None


def test_claim_leaves_a_live_lease_alone(queue: SqlJobQueue) -> None:
    queue.enqueue("a", {})
    now = soon()
    claimed(queue, now)
    assert queue.claim("w2", now + LEASE - timedelta(seconds=1)) is None


def test_claim_takes_back_a_stale_lease(queue: SqlJobQueue) -> None:
    job_id = queue.enqueue("a", {})
    now = soon()
    claimed(queue, now, "dead-worker")
    again = claimed(queue, now + LEASE + timedelta(seconds=1), "w2")
    assert (again.id, again.attempts) == (job_id, 2)


def test_a_worker_whose_lease_was_taken_over_records_nothing(queue: SqlJobQueue) -> None:
    job_id = queue.enqueue("a", {})
    now = soon()
    slow = claimed(queue, now, "slow-worker")
    later = now + LEASE + timedelta(seconds=1)
    fresh = claimed(queue, later, "w2")
    assert not queue.finish(job_id, {"from": "slow"}, later, slow.attempts)
    assert not queue.fail(job_id, "slow failed", later, later, slow.attempts)
    job = queue.job(job_id)
    assert job is not None and (job.status, job.result, job.error) == ("running", None, None)
    assert queue.finish(job_id, {"from": "w2"}, later, fresh.attempts)
    done = queue.job(job_id)
    assert done is not None and (done.status, done.result) == ("done", {"from": "w2"})


def test_finish_records_the_result(queue: SqlJobQueue) -> None:
    job_id = queue.enqueue("a", {})
    now = soon()
    claimed(queue, now)
    queue.finish(job_id, {"new": 3}, now + timedelta(seconds=5))
    job = queue.job(job_id)
    assert job is not None
    assert (job.status, job.result, job.error) == ("done", {"new": 3}, None)
    assert job.finished_at == now + timedelta(seconds=5)
    assert queue.claim("w2", now + LEASE * 2) is None


def test_fail_with_retry_requeues_after_retry_at(queue: SqlJobQueue) -> None:
    job_id = queue.enqueue("a", {})
    now = soon()
    claimed(queue, now)
    retry_at = now + timedelta(minutes=5)
    queue.fail(job_id, "ConnectionError: no answer", now, retry_at)
    job = queue.job(job_id)
    assert job is not None
    assert (job.status, job.error, job.attempts) == ("queued", "ConnectionError: no answer", 1)
    assert queue.claim("w1", retry_at - timedelta(seconds=1)) is None
    again = claimed(queue, retry_at)
    assert (again.id, again.attempts) == (job_id, 2)


def test_fail_without_retry_is_final(queue: SqlJobQueue) -> None:
    job_id = queue.enqueue("a", {})
    now = soon()
    claimed(queue, now)
    queue.fail(job_id, "LookupError: unknown task", now, None)
    job = queue.job(job_id)
    assert job is not None
    assert (job.status, job.error, job.finished_at) == ("failed", "LookupError: unknown task", now)
    assert queue.claim("w1", now + LEASE * 2) is None


def test_finish_after_a_retry_clears_the_error(queue: SqlJobQueue) -> None:
    job_id = queue.enqueue("a", {})
    now = soon()
    claimed(queue, now)
    queue.fail(job_id, "boom", now, now)
    claimed(queue, now)
    queue.finish(job_id, {}, now)
    job = queue.job(job_id)
    assert job is not None and (job.status, job.error, job.attempts) == ("done", None, 2)


def test_recent_is_newest_first_and_limited(queue: SqlJobQueue) -> None:
    job_ids = [queue.enqueue(f"t{n}", {}) for n in range(5)]
    assert [job.id for job in queue.recent(3)] == job_ids[::-1][:3]
    assert [job.task for job in queue.recent()] == ["t4", "t3", "t2", "t1", "t0"]


def test_recent_empty(queue: SqlJobQueue) -> None:
    assert queue.recent() == []
