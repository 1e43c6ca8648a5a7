"""Password hashing off the request threads: lower priority, bounded waiting, early refusals;
and rate limits that refuse a spent key from memory, without a database write."""

from __future__ import annotations

import os
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from paperboy.services.passwords import HashersBusy, Passwords
from paperboy.services.rate_limits import Limit, RateLimited, RateLimiter
from paperboy.storage.engine import make_engine
from paperboy.storage.rate_limits import SqlRateLimits

T0 = datetime(2026, 9, 1, 12, 0, 10, tzinfo=UTC)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_hashes_run_at_a_lower_priority_than_requests() -> None:
    passwords = Passwords()
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    assert passwords.hasher_nice() == min(19, mine + 10)
    assert os.getpriority(os.PRIO_PROCESS, 0) == mine  # the caller's thread is untouched


def test_a_hash_past_the_waiting_room_is_refused_before_hashing() -> None:
    slow = Passwords(time_cost=60, concurrency=1, waiting=0)  # ~1 s a hash
    stored = Passwords(time_cost=1, concurrency=1).hash("secret")
    results: list[str] = []
    running = threading.Thread(target=lambda: results.append(slow.hash("first")))
    running.start()
    while slow.in_use == 0:
        time.sleep(0.001)
    began = time.perf_counter()
    with pytest.raises(HashersBusy) as refused:
        slow.verify(stored, "secret")
    assert time.perf_counter() - began < 0.05  # refused at once, no hash
    assert isinstance(refused.value, RateLimited) and refused.value.retry_after == 1
    running.join()
    assert slow.in_use == 0 and results[0].startswith("$argon2id$")
    assert slow.verify(results[0], "first")  # free again


def test_hashes_wait_their_turn_within_the_waiting_room() -> None:
    passwords = Passwords(time_cost=1, memory_kib=8 * 1024, concurrency=1, waiting=8)
    stored = passwords.hash("secret")
    outcomes: list[bool] = []
    threads = [
        threading.Thread(target=lambda: outcomes.append(passwords.verify(stored, "secret")))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == [True] * 8


def test_a_spent_key_is_refused_from_memory_until_its_window_ends(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    counter = SqlRateLimits(engine)
    limiter = RateLimiter(counter)
    limit = Limit("login-ip", 2, 60)
    window = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    limiter.count(limit, "10.0.0.1", T0)
    limiter.count(limit, "10.0.0.1", T0)
    for _ in range(5):
        with pytest.raises(RateLimited) as refused:
            limiter.count(limit, "10.0.0.1", T0 + timedelta(seconds=5))
        assert refused.value.retry_after == 45
    assert counter.attempts("login-ip:10.0.0.1", window) == 3  # the refusals from memory: none
    with pytest.raises(RateLimited):
        limiter.check(limit, "10.0.0.1", T0)
    limiter.count(limit, "10.0.0.1", T0 + timedelta(seconds=50))  # the next window
    limiter.count(limit, "10.0.0.2", T0)  # other keys unaffected
    engine.dispose()


def test_another_process_learns_a_spent_key_from_the_shared_count(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    one, other = RateLimiter(SqlRateLimits(engine)), RateLimiter(SqlRateLimits(engine))
    limit = Limit("login-ip", 1, 60)
    one.count(limit, "k", T0)
    with pytest.raises(RateLimited):
        other.count(limit, "k", T0)
    with pytest.raises(RateLimited):
        other.check(limit, "k", T0)
    engine.dispose()


def test_remembered_keys_stay_bounded(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    limiter = RateLimiter(SqlRateLimits(engine), max_remembered=3)
    limit = Limit("login-ip", 0, 60)
    for number in range(6):
        with pytest.raises(RateLimited):
            limiter.count(limit, f"10.0.0.{number}", T0)
    assert limiter.remembered() == 3
    engine.dispose()
