"""The embedded runner: a worker thread that takes jobs from the queue in the main database.

It needs no extra server. A PostgreSQL-backed queue with workers on other machines plugs in
behind the same `JobQueue` protocol and the same `TASKS`, without touching the tasks.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from datetime import timedelta

from paperboy.app import Deps
from paperboy.jobs.tasks import TASKS, Task, TaskContext
from paperboy.services.ports import Job

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


class EmbeddedRunner:
    """Runs queued jobs one at a time, in a thread or in the foreground."""

    def __init__(
        self, deps: Deps, *, tasks: dict[str, Task] | None = None, poll_seconds: float = 2.0
    ) -> None:
        self.deps = deps
        self.tasks = TASKS if tasks is None else tasks
        self.poll_seconds = poll_seconds
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> Job | None:
        """Claim and run one job; None when nothing is due."""
        job = self.deps.jobs.claim(self.worker, self.deps.clock())
        if job is None:
            return None
        task = self.tasks.get(job.task)
        try:
            if task is None:
                raise LookupError(f"unknown task {job.task!r}")
            result = task(self.deps, dict(job.payload), TaskContext())
        except Exception as error:  # a failed job is recorded, never kills the runner
            self._failed(job, error)
        else:
            if not self.deps.jobs.finish(job.id, result, self.deps.clock(), job.attempts):
                log.warning("job %s (%s) ran past its lease and was taken over", job.id, job.task)
        return job

    def run_until_empty(self) -> int:
        """Run due jobs until none is left; how many ran."""
        count = 0
        while not self._stop.is_set() and self.run_once() is not None:
            count += 1
        return count

    def run_forever(self) -> None:
        while not self._stop.is_set():
            if self.run_once() is None:
                self._stop.wait(self.poll_seconds)

    def start(self) -> None:
        """Run in a daemon thread until `stop()`."""
        self._thread = threading.Thread(target=self.run_forever, name="paperboy-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _failed(self, job: Job, error: Exception) -> None:
        message = f"{type(error).__name__}: {error}"
        log.warning("job %s (%s) failed: %s", job.id, job.task, message)
        log.debug("%s", traceback.format_exc())
        now = self.deps.clock()
        retry_at = None
        if job.attempts < MAX_ATTEMPTS and not isinstance(error, LookupError | ValueError):
            retry_at = now + timedelta(seconds=30 * 2 ** (job.attempts - 1))
        self.deps.jobs.fail(job.id, message, now, retry_at, job.attempts)
