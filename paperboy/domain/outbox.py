"""The digest outbox's values: a planned delivery, a claimed one, a run, and the retry rule.

A delivery is one (subscription, period); its Message-ID is fixed when it is planned, so every
resend of it (after a temporary failure or a crash) carries the same id and a mail client shows
a duplicate as the same message.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from paperboy.domain.digests import DeliveryStatus, Subscription


@dataclass(frozen=True, slots=True)
class PlannedDelivery:
    """A delivery to insert for `subscription_id` and the subscription's next due instant."""

    subscription_id: int
    period: str  # the slot's local date, YYYY-MM-DD
    due_at: datetime
    message_id: str
    next_due_at: datetime  # what the subscription's next_due_at becomes
    previous_due_at: datetime | None  # what it was when read (a guard against a second planner)


@dataclass(frozen=True, slots=True)
class Delivery:
    """A delivery row as the outbox and the admin page see it."""

    id: int
    subscription_id: int
    period: str
    due_at: datetime
    status: DeliveryStatus
    message_id: str
    attempts: int
    next_attempt_at: datetime
    claimed_by: str | None
    lease_until: datetime | None
    composed_at: datetime | None
    sent_at: datetime | None
    last_error: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A delivery a worker holds until `delivery.lease_until`, with its subscription."""

    delivery: Delivery
    subscription: Subscription


@dataclass(frozen=True, slots=True)
class RunCounts:
    """What one digest run did."""

    planned: int = 0
    sent: int = 0
    empty: int = 0
    retried: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class DigestRun:
    """A `digest_runs` row: who ran, when, and the counts."""

    id: int
    worker: str
    started_at: datetime
    finished_at: datetime | None
    counts: RunCounts = field(default_factory=RunCounts)
    note: str | None = None


def new_message_id(subscription_id: int, period: str, domain: str) -> str:
    """A Message-ID for a delivery: unique across databases (a random part), readable in logs."""
    return f"<digest.{period}.{subscription_id}.{secrets.token_hex(6)}@{domain}>"


def retry_delay(attempts: int, base_seconds: float, cap_seconds: float = 3600.0) -> timedelta:
    """The wait before attempt `attempts + 1`: base × 2^(attempts−1), at most `cap_seconds`."""
    exponent = max(0, attempts - 1)
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** min(exponent, 30)))
