"""The embedded job queue: a table in the main database, claimed with a guarded update.

A claim is an UPDATE … WHERE status = 'queued' on one row, so two workers never run the same
job; a job whose worker died (locked for longer than the lease) is claimable again, which is why
every task must be idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, or_, select

from paperboy.domain.models import Job
from paperboy.storage.engine import write_transaction
from paperboy.storage.schema import jobs

LEASE = timedelta(minutes=30)
MAX_ATTEMPTS = 5


class SqlJobQueue:
    """`JobQueue` on the `jobs` table (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self.clock = clock or (lambda: datetime.now(UTC))

    def enqueue(self, task: str, payload: dict[str, Any]) -> int:
        now = self.clock()
        with write_transaction(self.engine) as connection:
            result = connection.execute(
                jobs.insert().values(
                    task=task,
                    payload=payload,
                    status="queued",
                    attempts=0,
                    run_after=now,
                    created_at=now,
                )
            )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def claim(self, worker: str, now: datetime) -> Job | None:
        """Take the oldest runnable job, or None; at most one worker gets each job."""
        runnable = or_(
            (jobs.c.status == "queued") & (jobs.c.run_after <= now),
            (jobs.c.status == "running") & (jobs.c.locked_at < now - LEASE),
        )
        with write_transaction(self.engine) as connection:
            row = connection.execute(
                select(jobs).where(runnable).order_by(jobs.c.run_after, jobs.c.id).limit(1)
            ).first()
            if row is None:
                return None
            claimed = connection.execute(
                jobs.update()
                .where(jobs.c.id == row.id, jobs.c.attempts == row.attempts)
                .values(
                    status="running", locked_by=worker, locked_at=now, attempts=row.attempts + 1
                )
            )
            if claimed.rowcount != 1:
                return None
        return _job(row, status="running", attempts=row.attempts + 1)

    def finish(
        self, job_id: int, result: dict[str, Any], now: datetime, attempt: int | None = None
    ) -> bool:
        """Record the result; with `attempt`, only if that claim still holds the job."""
        values = {"status": "done", "result": result, "finished_at": now, "error": None}
        return self._set(job_id, attempt, **values)

    def fail(
        self,
        job_id: int,
        error: str,
        now: datetime,
        retry_at: datetime | None,
        attempt: int | None = None,
    ) -> bool:
        """Record a failure: queue it again at `retry_at`, or mark it failed for good.

        With `attempt`, only if that claim still holds the job: a worker whose lease ran out and
        was taken over must not requeue or fail a job another worker is running.
        """
        if retry_at is None:
            return self._set(job_id, attempt, status="failed", error=error, finished_at=now)
        values = {"status": "queued", "error": error, "run_after": retry_at, "locked_by": None}
        return self._set(job_id, attempt, **values)

    def recent(self, limit: int = 20) -> list[Job]:
        query = select(jobs).order_by(jobs.c.id.desc()).limit(limit)
        with self.engine.connect() as connection:
            return [_job(row) for row in connection.execute(query)]

    def job(self, job_id: int) -> Job | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(jobs).where(jobs.c.id == job_id)).first()
        return None if row is None else _job(row)

    def _set(self, job_id: int, attempt: int | None, **values: Any) -> bool:
        update = jobs.update().where(jobs.c.id == job_id)
        if attempt is not None:
            update = update.where(jobs.c.status == "running", jobs.c.attempts == attempt)
        with write_transaction(self.engine) as connection:
            return connection.execute(update.values(**values)).rowcount == 1


def _job(row: Any, **changes: Any) -> Job:
    values = {
        "id": row.id,
        "task": row.task,
        "payload": row.payload,
        "status": row.status,
        "attempts": row.attempts,
        "created_at": row.created_at,
        "finished_at": row.finished_at,
        "result": row.result,
        "error": row.error,
    }
    values.update(changes)
    return Job(**values)
