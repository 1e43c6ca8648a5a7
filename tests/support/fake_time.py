"""A clock for tests: `sleep` records each wait and moves `monotonic` and the wall clock on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


@dataclass
class FakeTime:
    """Time that passes only when slept through (or advanced by the test); nothing really waits."""

    seconds: float = 1000.0
    start: datetime = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.seconds += seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds

    def monotonic(self) -> float:
        return self.seconds

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds)
