"""Rate limits: so many attempts per key in a fixed window, counted in the shared database.

Fixed windows (the count starts over at each multiple of the window) are a little generous at
a window's edge, at most twice the limit across two windows, and need one row per key: every
web process sees the same counts, and a limited request costs one upsert, never a hash.
"""

from __future__ import annotations

import math
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

    def __init__(self, counter: AttemptCounter) -> None:
        self.counter = counter

    def count(self, limit: Limit, key: str, now: datetime) -> None:
        """Count one attempt; `RateLimited` when this one is over the limit."""
        start, retry_after = _window(limit, now)
        if self.counter.count_attempt(_key(limit, key), start) > limit.attempts:
            raise RateLimited(limit, retry_after)

    def check(self, limit: Limit, key: str, now: datetime) -> None:
        """`RateLimited` if `key` has used up its attempts, counting nothing."""
        start, retry_after = _window(limit, now)
        if self.counter.attempts(_key(limit, key), start) >= limit.attempts:
            raise RateLimited(limit, retry_after)

    def forget_old(self, now: datetime, keep: timedelta = timedelta(days=1)) -> int:
        """Drop counters of windows that ended long ago."""
        return self.counter.forget_before(now - keep)


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
