"""Attempt counters for rate limits, shared by every web process through the database.

A counter is one row per (key, fixed window): an atomic upsert adds one and returns the new
count in the same statement, so concurrent attempts on SQLite or PostgreSQL never lose a count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from paperboy.storage.engine import is_sqlite, write_transaction
from paperboy.storage.schema import rate_limits


class SqlRateLimits:
    """`AttemptCounter` over the `rate_limits` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._insert: Any = sqlite.insert if is_sqlite(engine) else postgresql.insert

    def count_attempt(self, key: str, window_start: datetime) -> int:
        """Add one attempt to `key`'s window; the window's count including this one."""
        insert = self._insert(rate_limits).values(key=key, window_start=window_start, count=1)
        upsert = insert.on_conflict_do_update(
            index_elements=[rate_limits.c.key, rate_limits.c.window_start],
            set_={"count": rate_limits.c.count + 1},
        ).returning(rate_limits.c.count)
        with write_transaction(self.engine) as connection:
            return int(connection.execute(upsert).scalar_one())

    def attempts(self, key: str, window_start: datetime) -> int:
        """The attempts counted in `key`'s window so far."""
        query = select(rate_limits.c.count).where(
            rate_limits.c.key == key, rate_limits.c.window_start == window_start
        )
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    def forget_before(self, before: datetime) -> int:
        """Drop windows that started before `before`; how many went."""
        query = rate_limits.delete().where(rate_limits.c.window_start < before)
        with write_transaction(self.engine) as connection:
            return connection.execute(query).rowcount
