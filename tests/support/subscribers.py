"""Digest subscribers for tests: one call adds an address, active (confirmed) or pending.

It goes through the real store, so the row is what the subscribe flow writes: an active
subscriber is due at its next slot after `now`, a pending one is due never.
"""

from __future__ import annotations

from datetime import datetime

from paperboy.app import Deps
from paperboy.domain.digest_schedule import next_slot
from paperboy.domain.digests import Preferences, Subscription


def add_subscriber(
    deps: Deps,
    email: str,
    preferences: Preferences | None = None,
    *,
    active: bool = True,
    now: datetime | None = None,
    user_id: int | None = None,
) -> Subscription:
    """A subscription for `email`: active and due at its next slot after `now`, or pending."""
    preferences = preferences or Preferences()
    now = now or deps.clock()
    due_at = next_slot(preferences, now).due_at if active else None
    return deps.subscriptions.create(email, preferences, now, user_id=user_id, next_due_at=due_at)
