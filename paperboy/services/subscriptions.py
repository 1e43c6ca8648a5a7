"""Subscribing to digests: double opt-in by address, or at once from a member's settings.

Nothing is ever sent to an address before its owner clicks the confirmation link (and presses
the button on the page it opens: mail scanners follow links, never buttons). Sending the form
again for a pending address mails the link again, at most once per few minutes; for an address
that is already subscribed it mails the owner their settings link instead, so a stranger who
types someone's address can neither change their preferences nor learn whether they subscribe.
The links carry tokens signed for one purpose (`paperboy.domain.digests.link_token`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from paperboy.config import Settings
from paperboy.domain.accounts import User
from paperboy.domain.digest_schedule import describe_schedule, next_slot
from paperboy.domain.digests import (
    InvalidLink,
    LinkPurpose,
    Preferences,
    Subscription,
    SubscriptionStatus,
    subscription_of,
)
from paperboy.domain.mail import OutgoingMail, checked_address
from paperboy.domain.subscription_rules import CONFIRMATION_RESEND_INTERVAL, SubscriptionExists
from paperboy.services.digest_links import digest_links
from paperboy.services.ports import Mailer, MailTemplates, SubscriptionStore
from paperboy.services.rate_limits import Limit, RateLimited, RateLimiter

logger = logging.getLogger(__name__)

CONFIRM_TEMPLATE = "digest_confirm"
CONFIRMATION_LIMIT = Limit("digest-confirm", 1, int(CONFIRMATION_RESEND_INTERVAL.total_seconds()))
# One client may ask for so many confirmation mails an hour, to however many addresses: the
# form must not become a way to mail strangers in bulk.
SUBSCRIBE_IP_LIMIT = Limit("digest-subscribe-ip", 20, 3600)


class SubscribeOutcome(StrEnum):
    MAILED = "mailed"  # the confirmation (or, if already subscribed, the settings link) went out
    RECENTLY_MAILED = "recently_mailed"  # one went out a moment ago; not sent again yet
    MAIL_FAILED = "mail_failed"  # the mail server failed; the visitor may try again later


class NotAllowed(ValueError):
    """The member cannot subscribe from their account (their address is not confirmed)."""


class Subscriptions:
    """Subscribe, confirm, change preferences, pause, resume and unsubscribe."""

    def __init__(
        self,
        store: SubscriptionStore,
        mailer: Mailer,
        templates: MailTemplates,
        limiter: RateLimiter,
        settings: Settings,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.mailer = mailer
        self.templates = templates
        self.limiter = limiter
        self.settings = settings
        self.clock = clock

    def subscribe(self, email: str, preferences: Preferences, *, ip: str = "") -> SubscribeOutcome:
        """Start (or restart) a subscription for `email` and mail the confirmation link.

        `InvalidAddress` if `email` is not one address we can send to; `RateLimited` if the
        client at `ip` asked too often.
        """
        address = checked_address(email)
        now = self.clock()
        if ip:
            self.limiter.count(SUBSCRIBE_IP_LIMIT, ip, now)
        subscription = self.store.by_email(address)
        if subscription is None:
            try:
                subscription = self.store.create(address, preferences, now)
            except SubscriptionExists:  # the same address sent twice at once
                subscription = self.store.by_email(address)
                assert subscription is not None
        elif not _is_live(subscription):
            self.store.restart(subscription.id, preferences, now)
        try:
            self.limiter.count(CONFIRMATION_LIMIT, address, now)
        except RateLimited:
            return SubscribeOutcome.RECENTLY_MAILED
        current = self.store.subscription(subscription.id) or subscription
        return SubscribeOutcome.MAILED if self._mail(current) else SubscribeOutcome.MAIL_FAILED

    def confirm(self, token: str) -> Subscription:
        """Activate the subscription the confirmation `token` names (once; later uses no-op).

        `InvalidLink` if the token is forged, altered, of another purpose, or its subscription
        is gone. An unsubscribed address stays unsubscribed: it must subscribe again.
        """
        subscription = self.by_token(LinkPurpose.CONFIRM, token)
        if subscription.status is SubscriptionStatus.PENDING:
            now = self.clock()
            due = next_slot(subscription.preferences, now).due_at
            self.store.confirm(subscription.id, now, due)
        return self._reread(subscription)

    def by_token(self, purpose: LinkPurpose, token: str) -> Subscription:
        """The subscription a link token of `purpose` names, else `InvalidLink`."""
        subscription_id = subscription_of(self.settings.secret_key, purpose, token)
        found = self.store.subscription(subscription_id)
        if found is None:
            raise InvalidLink("this subscription no longer exists")
        return found

    def change(self, subscription: Subscription, preferences: Preferences) -> Subscription:
        """New preferences; an active subscription's next digest moves to the new schedule."""
        now = self.clock()
        due = next_slot(preferences, now).due_at
        self.store.update_preferences(subscription.id, preferences, now, due)
        return self._reread(subscription)

    def pause(self, subscription: Subscription) -> Subscription:
        """Stop sending until resumed (only an active subscription pauses)."""
        self.store.pause(subscription.id, self.clock(), "paused by the subscriber")
        return self._reread(subscription)

    def resume(self, subscription: Subscription) -> Subscription:
        """Start sending again from the next slot (only a paused subscription resumes)."""
        now = self.clock()
        self.store.resume(subscription.id, now, next_slot(subscription.preferences, now).due_at)
        return self._reread(subscription)

    def unsubscribe(self, subscription: Subscription) -> Subscription:
        """Stop for good (idempotent); subscribing again needs a new confirmation."""
        self.store.unsubscribe(subscription.id, self.clock())
        return self._reread(subscription)

    def of_member(self, user: User) -> Subscription | None:
        """The member's own subscription, if they ever had one."""
        return self.store.by_user(user.id)

    def subscribe_member(self, user: User, preferences: Preferences) -> Subscription:
        """Subscribe a member with their confirmed address, active at once (no mail needed).

        A subscription the member had, or one their address had without the account, is
        reused. `NotAllowed` if the member's address is not confirmed yet.
        """
        if user.email_verified_at is None:
            raise NotAllowed("confirm your email address first: digests go to confirmed addresses")
        now = self.clock()
        due = next_slot(preferences, now).due_at
        existing = self.store.by_user(user.id) or self.store.by_email(user.email)
        if existing is None:
            try:
                return self.store.create(
                    user.email, preferences, now, user_id=user.id, next_due_at=due
                )
            except SubscriptionExists:  # a second click at the same moment
                existing = self.store.by_user(user.id) or self.store.by_email(user.email)
                assert existing is not None
        self.store.activate(existing.id, preferences, now, due, user_id=user.id)
        return self._reread(existing)

    def _mail(self, subscription: Subscription) -> bool:
        """The confirmation link (pending) or the settings link (already subscribed)."""
        links = digest_links(self.settings, subscription.id)
        context = {
            "pending": subscription.status is SubscriptionStatus.PENDING,
            "status": subscription.status.value,
            "confirm_link": links.confirm,
            "manage_link": links.manage,
            "schedule": describe_schedule(subscription.preferences),
            "content": subscription.preferences.content.value,
        }
        rendered = self.templates.render(CONFIRM_TEMPLATE, context)
        message = OutgoingMail(
            to=subscription.email, subject=rendered.subject, text=rendered.text, html=rendered.html
        )
        try:
            self.mailer.send(message)
        except Exception:  # any delivery failure: the visitor can send the form again
            logger.warning("sending the digest confirmation failed", exc_info=True)
            return False
        return True

    def _reread(self, subscription: Subscription) -> Subscription:
        found = self.store.subscription(subscription.id)
        if found is None:
            raise InvalidLink("this subscription no longer exists")
        return found


def _is_live(subscription: Subscription) -> bool:
    """Active or paused: confirmed, so a form sent by anyone must not change it."""
    return subscription.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAUSED)
