"""Email digests: what a subscriber asked for, and the signed links every digest carries.

A subscription is one address (with or without an account) and its preferences; each period it is
due, the outbox holds one delivery for it (see `paperboy/services/digest_outbox.py`). The links in
a digest (manage, unsubscribe, private feed, confirm) carry a token signed with the site's secret
key, so they work without logging in and cannot be forged or moved to another subscription.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from paperboy.domain.credentials import same_secret, signed


class Frequency(StrEnum):
    DAILY = "daily"  # Monday to Friday, as the reference site (arXiv announces on weekdays)
    WEEKLY = "weekly"  # once a week, on `Preferences.weekday`


class DigestContent(StrEnum):
    TOP = "top"  # the top of the daily lists of the period, by upvotes
    TRENDING = "trending"  # what /trending shows when the digest is composed
    SEARCHES = "searches"  # new papers of the period matching the subscriber's saved searches


class SubscriptionStatus(StrEnum):
    PENDING = "pending"  # waiting for the confirmation link to be clicked; nothing is sent
    ACTIVE = "active"
    PAUSED = "paused"  # by the subscriber, or after repeated hard bounces (`paused_reason`)
    UNSUBSCRIBED = "unsubscribed"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # planned; claimable from `next_attempt_at`
    SENDING = "sending"  # claimed by a worker until `lease_until`; reclaimable after it
    SENT = "sent"  # the SMTP server accepted it
    EMPTY = "empty"  # nothing new to send for the period: no mail, on purpose
    FAILED = "failed"  # refused for good (5xx), or out of retries


@dataclass(frozen=True, slots=True)
class Preferences:
    """What and when a subscriber wants: validated by `paperboy.domain.digest_schedule`."""

    frequency: Frequency = Frequency.DAILY
    weekday: int = 0  # 0 = Monday … 6 = Sunday; used when weekly
    hour: int = 8  # local hour of the day the digest goes out
    timezone: str = "America/New_York"
    max_papers: int = 10
    categories: tuple[str, ...] = ()  # arXiv categories; empty means all
    content: DigestContent = DigestContent.TOP
    searches: tuple[str, ...] = ()  # saved search queries, for `DigestContent.SEARCHES`


@dataclass(frozen=True, slots=True)
class Subscription:
    """One address that gets digests (`user_id` set when it belongs to an account)."""

    id: int
    email: str
    user_id: int | None
    status: SubscriptionStatus
    preferences: Preferences
    next_due_at: datetime | None  # UTC; None while pending, paused or unsubscribed
    hard_bounces: int
    paused_reason: str | None
    created_at: datetime
    confirmed_at: datetime | None
    modified_at: datetime


class LinkPurpose(StrEnum):
    CONFIRM = "digest-confirm"
    MANAGE = "digest-manage"
    UNSUBSCRIBE = "digest-unsubscribe"
    FEED = "digest-feed"


class InvalidLink(ValueError):
    """A digest link's token is malformed, forged, or signed for another purpose."""


_SIGNATURE_LENGTH = 32  # hex characters of the HMAC-SHA256 kept: 128 bits


def link_token(key: str, purpose: LinkPurpose, subscription_id: int) -> str:
    """The token of `purpose` for subscription `subscription_id`: `<id>.<signature>`."""
    signature = signed(key, purpose.value, str(subscription_id))[:_SIGNATURE_LENGTH]
    return f"{subscription_id}.{signature}"


def subscription_of(key: str, purpose: LinkPurpose, token: str) -> int:
    """The subscription id a token of `purpose` was signed for, else `InvalidLink`."""
    number, dot, signature = token.strip().partition(".")
    if not dot or not number.isdigit() or len(number) > 18:
        raise InvalidLink("the link is not a digest link (it may have been cut short)")
    expected = link_token(key, purpose, int(number)).partition(".")[2]
    if not same_secret(signature, expected):
        raise InvalidLink("the link's signature does not match: it was altered or is not ours")
    return int(number)
