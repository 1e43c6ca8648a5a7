"""Password hashing with argon2id, at a cost measured on this machine.

Parameters (bench/password_bench.py measures them): memory 19 MiB, 2 passes, 1 lane, the
first of OWASP's recommended argon2id settings. One hash costs 25-40 ms of CPU on this
machine; with the 2 cores shared by a load average of 8, a login waited a median of 54-90 ms,
under the ~100 ms budget. Each guess still costs an attacker 19 MiB and tens of milliseconds.

Hashes run on `concurrency` threads of their own per process (default: half the cores, at
least one), at a lower CPU priority (nice +10 on Linux), so a burst of logins takes only the
CPU that readers leave: pages keep their latency, logins wait. At most `waiting` more hashes
queue behind them; past that a login is refused at once (`HashersBusy`, a 429 with
Retry-After: 1) before any hash, instead of holding a request thread for seconds.
A stored hash made with other parameters is replaced at the next successful login.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from paperboy.services.rate_limits import Limit, RateLimited

MEMORY_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1
HASHER_NICE = 10
WAITING_PER_HASHER = 4
HASHING = Limit("password-hashing", 0, 1)
T = TypeVar("T")


def default_concurrency() -> int:
    return max(1, (os.cpu_count() or 2) // 2)


class HashersBusy(RateLimited):
    """Every password hasher of this process is busy and enough are waiting: try again soon."""

    def __init__(self) -> None:
        super().__init__(HASHING, 1)
        self.args = ("Too many logins at once. Try again in a second.",)


class Passwords:
    """Hashes and checks passwords; safe to share between threads."""

    def __init__(
        self,
        *,
        memory_kib: int = MEMORY_KIB,
        time_cost: int = TIME_COST,
        parallelism: int = PARALLELISM,
        concurrency: int | None = None,
        waiting: int | None = None,
    ) -> None:
        self.hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )
        self.concurrency = concurrency or default_concurrency()
        self.waiting = WAITING_PER_HASHER * self.concurrency if waiting is None else waiting
        self._pool = ThreadPoolExecutor(
            self.concurrency, thread_name_prefix="argon2", initializer=_lower_priority
        )
        self._admitted = 0
        self._lock = threading.Lock()
        # Checked against when a login names no account, so that answer takes as long.
        self.decoy = self.hasher.hash("a password no account has")

    def hash(self, password: str) -> str:
        """The argon2id hash of `password` (its own random salt, PHC string format)."""
        return self._on_hasher(self.hasher.hash, password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether `password` matches `stored`; None (no password set) checks a decoy, False."""
        return self._on_hasher(self._verify, stored, password)

    def is_outdated(self, stored: str) -> bool:
        """Whether `stored` was made with other parameters and should be replaced."""
        try:
            return self.hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return True

    def hasher_nice(self) -> int:
        """The nice value hashes run at (the calling thread's, off Linux)."""
        return self._pool.submit(os.getpriority, os.PRIO_PROCESS, 0).result()

    @property
    def in_use(self) -> int:
        """Hashes running or waiting for a hasher now."""
        with self._lock:
            return self._admitted

    def _verify(self, stored: str | None, password: str) -> bool:
        try:
            return self.hasher.verify(stored or self.decoy, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _on_hasher(self, work: Callable[..., T], *args: str | None) -> T:
        """`work(*args)` on a hasher thread, waiting for it; `HashersBusy` if too many wait."""
        with self._lock:
            if self._admitted >= self.concurrency + self.waiting:
                raise HashersBusy()
            self._admitted += 1
        try:
            return self._pool.submit(work, *args).result()
        finally:
            with self._lock:
                self._admitted -= 1


def _lower_priority() -> None:
    """Run this hasher thread at a lower CPU priority (Linux: nice is per thread)."""
    if sys.platform.startswith("linux"):
        thread = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, current + HASHER_NICE))
