"""Rate limits: so many attempts per key in a fixed window, counted in the shared database.

Fixed windows (the count starts over at each multiple of the window) are a little generous at
a window's edge, at most twice the limit across two windows, and need one row per key: every
web process sees the same counts, and a limited request costs one upsert, never a hash.

A key found over its limit stays refused until its window ends (counts only grow within a
window), so each process remembers it and refuses the next attempts from memory: a flood of
logins past the limit costs no database write at all.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from paperboy.services.account_store import AttemptCounter


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `attempts` per `window_seconds` for each key of kind `name`."""

    name: str
    attempts: int
    window_seconds: int


class RateLimited(Exception):
    """Too many attempts; try again after `retry_after` seconds."""

    def __init__(self, limit: Limit, retry_after: int) -> None:
        super().__init__(f"Too many attempts. Try again in {_wait(retry_after)}.")
        self.limit = limit
        self.retry_after = retry_after


class RateLimiter:
    """Counts attempts per key and window; raises `RateLimited` past the limit."""

    def __init__(self, counter: AttemptCounter, *, max_remembered: int = 10_000) -> None:
        self.counter = counter
        self.max_remembered = max_remembered
        self._spent: dict[str, datetime] = {}  # key -> the end of the window it is spent in
        self._lock = threading.Lock()

    def count(self, limit: Limit, key: str, now: datetime) -> None:
        """Count one attempt; `RateLimited` when this one is over the limit."""
        start, retry_after = _window(limit, now)
        name = _key(limit, key)
        self._refuse_if_spent(limit, name, now, retry_after)
        if self.counter.count_attempt(name, start) > limit.attempts:
            self._remember(name, start + timedelta(seconds=limit.window_seconds), now)
            raise RateLimited(limit, retry_after)

    def check(self, limit: Limit, key: str, now: datetime) -> None:
        """`RateLimited` if `key` has used up its attempts, counting nothing."""
        start, retry_after = _window(limit, now)
        name = _key(limit, key)
        self._refuse_if_spent(limit, name, now, retry_after)
        if self.counter.attempts(name, start) >= limit.attempts:
            self._remember(name, start + timedelta(seconds=limit.window_seconds), now)
            raise RateLimited(limit, retry_after)

    def forget_old(self, now: datetime, keep: timedelta = timedelta(days=1)) -> int:
        """Drop counters of windows that ended long ago."""
        return self.counter.forget_before(now - keep)

    def remembered(self) -> int:
        """How many spent keys this process remembers."""
        with self._lock:
            return len(self._spent)

    def _refuse_if_spent(self, limit: Limit, name: str, now: datetime, retry_after: int) -> None:
        with self._lock:
            until = self._spent.get(name)
        if until is not None and now < until:
            raise RateLimited(limit, retry_after)

    def _remember(self, name: str, until: datetime, now: datetime) -> None:
        with self._lock:
            if len(self._spent) >= self.max_remembered:
                self._spent = {k: end for k, end in self._spent.items() if end > now}
                while len(self._spent) >= self.max_remembered:  # all live: drop the oldest
                    del self._spent[next(iter(self._spent))]
            self._spent[name] = until


def _key(limit: Limit, key: str) -> str:
    return f"{limit.name}:{key.lower()}"[:300]


def _window(limit: Limit, now: datetime) -> tuple[datetime, int]:
    """The current window's start and the whole seconds until the next one."""
    seconds = now.timestamp()
    start = math.floor(seconds / limit.window_seconds) * limit.window_seconds
    retry_after = max(1, math.ceil(start + limit.window_seconds - seconds))
    return datetime.fromtimestamp(start, UTC), retry_after


def _wait(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"
