"""The clock of `paperboy serve`: queues the `digest.run` job every `digest_interval_minutes`.

The job goes through the queue like any other, so the embedded runner (or an outside worker)
runs it and `paperboy jobs list` shows it. A tick queues nothing while a `digest.run` is still
waiting to start, so a stopped runner never finds a pile of them; several web processes may each
tick, and two runs at once are safe (deliveries are claimed, planning is idempotent).
"""

from __future__ import annotations

import logging
import threading

from paperboy.app import Deps

log = logging.getLogger(__name__)
DIGEST_TASK = "digest.run"


class DigestScheduler:
    """Queues `digest.run` every interval, in a daemon thread, until `stop()`."""

    def __init__(self, deps: Deps, interval_seconds: float | None = None) -> None:
        self.deps = deps
        minutes = deps.settings.digest_interval_minutes
        self.interval = interval_seconds if interval_seconds is not None else minutes * 60.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> int | None:
        """Queue a digest run unless one is waiting already; the new job's id, if any."""
        waiting = [
            job
            for job in self.deps.jobs.recent(50)
            if job.task == DIGEST_TASK and job.status == "queued"
        ]
        if waiting:
            return None
        return self.deps.jobs.enqueue(DIGEST_TASK, {})

    def start(self) -> None:
        """Tick in a daemon thread (nothing when the interval is zero)."""
        if self.interval <= 0:
            return
        self._thread = threading.Thread(target=self._loop, name="paperboy-digests", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        # the first run one interval after start-up: a restart loop never floods the queue
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception:  # a database hiccup must not stop the clock
                log.warning("queueing the digest run failed", exc_info=True)
