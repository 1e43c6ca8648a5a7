"""Password hashing with argon2id, at a cost measured on this machine.

Parameters (bench/password_bench.py measures them): memory 19 MiB, 2 passes, 1 lane, the
first of OWASP's recommended argon2id settings. One hash costs 25-40 ms of CPU on this
machine; with the 2 cores shared by a load average of 8, a login waited a median of 54-90 ms,
under the ~100 ms budget. Each guess still costs an attacker 19 MiB and tens of milliseconds.

At most `concurrency` hashes run at once in a process (default: half the cores, at least
one), so a burst of logins queues for the hasher instead of taking every core from readers.
A stored hash made with other parameters is replaced at the next successful login.
"""

from __future__ import annotations

import os
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MEMORY_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1


def default_concurrency() -> int:
    return max(1, (os.cpu_count() or 2) // 2)


class Passwords:
    """Hashes and checks passwords; safe to share between threads."""

    def __init__(
        self,
        *,
        memory_kib: int = MEMORY_KIB,
        time_cost: int = TIME_COST,
        parallelism: int = PARALLELISM,
        concurrency: int | None = None,
    ) -> None:
        self.hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )
        self.slots = threading.BoundedSemaphore(concurrency or default_concurrency())
        # Checked against when a login names no account, so that answer takes as long.
        self.decoy = self.hasher.hash("a password no account has")

    def hash(self, password: str) -> str:
        """The argon2id hash of `password` (its own random salt, PHC string format)."""
        with self.slots:
            return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether `password` matches `stored`; None (no password set) checks a decoy, False."""
        with self.slots:
            try:
                return self.hasher.verify(stored or self.decoy, password) and stored is not None
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

    def is_outdated(self, stored: str) -> bool:
        """Whether `stored` was made with other parameters and should be replaced."""
        try:
            return self.hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return True
