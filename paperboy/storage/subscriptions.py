"""Digest subscriptions on both engines: one row per address, its preferences and its status.

Every status change is one guarded UPDATE (`WHERE status = <the status it leaves>`), so two
clicks racing (confirm twice, unsubscribe while the bounce counter pauses) change a row once and
the loser learns it from the returned flag. `next_due_at` is set only while a subscription is
active: the outbox scans `(status, next_due_at)` and never sees the others.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, select
from sqlalchemy.exc import IntegrityError

from paperboy.domain.digests import (
    DigestContent,
    Frequency,
    Preferences,
    Subscription,
    SubscriptionStatus,
)
from paperboy.domain.subscription_rules import SubscriptionExists
from paperboy.storage.engine import write_transaction
from paperboy.storage.schema import subscriptions

_PENDING = SubscriptionStatus.PENDING.value
_ACTIVE = SubscriptionStatus.ACTIVE.value
_PAUSED = SubscriptionStatus.PAUSED.value
_UNSUBSCRIBED = SubscriptionStatus.UNSUBSCRIBED.value


def subscription_from_row(row: Row[Any]) -> Subscription:
    """A `subscriptions` row (all columns selected) as a `Subscription`."""
    return Subscription(
        id=row.id,
        email=row.email,
        user_id=row.user_id,
        status=SubscriptionStatus(row.status),
        preferences=Preferences(
            frequency=Frequency(row.frequency),
            weekday=row.weekday,
            hour=row.hour,
            timezone=row.timezone,
            max_papers=row.max_papers,
            categories=tuple(row.categories or ()),
            content=DigestContent(row.content),
            searches=tuple(row.searches or ()),
        ),
        next_due_at=row.next_due_at,
        hard_bounces=row.hard_bounces,
        paused_reason=row.paused_reason,
        created_at=row.created_at,
        confirmed_at=row.confirmed_at,
        modified_at=row.modified_at,
    )


def preference_values(prefs: Preferences) -> dict[str, Any]:
    """The `subscriptions` columns holding `prefs`."""
    return {
        "frequency": prefs.frequency.value,
        "weekday": prefs.weekday,
        "hour": prefs.hour,
        "timezone": prefs.timezone,
        "max_papers": prefs.max_papers,
        "categories": list(prefs.categories),
        "content": prefs.content.value,
        "searches": list(prefs.searches),
    }


class SqlSubscriptionStore:
    """`SubscriptionStore` over SQLAlchemy Core; the same SQL on SQLite and PostgreSQL."""

    name = "digest_subscription"  # its section of a member's data export

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def member_data(self, user_id: int) -> dict[str, Any] | None:
        """The member's subscription for their data export (None if they never had one)."""
        found = self.by_user(user_id)
        if found is None:
            return None
        return {
            "email": found.email,
            "status": found.status.value,
            "preferences": preference_values(found.preferences),
            "created_at": found.created_at.isoformat(),
            "confirmed_at": found.confirmed_at.isoformat() if found.confirmed_at else None,
        }

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    def create(
        self,
        email: str,
        preferences: Preferences,
        now: datetime,
        *,
        user_id: int | None = None,
        next_due_at: datetime | None = None,
    ) -> Subscription:
        """A new subscription: active from `now` when `next_due_at` is given, else pending.

        `SubscriptionExists` when the address or the member already has one.
        """
        active = next_due_at is not None
        values = {
            "email": email,
            "user_id": user_id,
            "status": _ACTIVE if active else _PENDING,
            **preference_values(preferences),
            "next_due_at": next_due_at,
            "hard_bounces": 0,
            "created_at": now,
            "confirmed_at": now if active else None,
            "modified_at": now,
        }
        try:
            with write_transaction(self.engine) as connection:
                insert = subscriptions.insert().values(**values).returning(subscriptions.c.id)
                subscription_id = int(connection.execute(insert).scalar_one())
        except IntegrityError as error:
            raise SubscriptionExists(email) from error
        return self._found(subscription_id)

    def subscription(self, subscription_id: int) -> Subscription | None:
        return self._one(subscriptions.c.id == subscription_id)

    def by_email(self, email: str) -> Subscription | None:
        return self._one(subscriptions.c.email == email)

    def by_user(self, user_id: int) -> Subscription | None:
        return self._one(subscriptions.c.user_id == user_id)

    def confirm(self, subscription_id: int, now: datetime, next_due_at: datetime) -> bool:
        """Pending → active (the confirmation link was used); False if it was not pending."""
        return self._move(
            subscription_id,
            (_PENDING,),
            status=_ACTIVE,
            confirmed_at=now,
            next_due_at=next_due_at,
            modified_at=now,
        )

    def restart(self, subscription_id: int, preferences: Preferences, now: datetime) -> bool:
        """Pending or unsubscribed → pending with new preferences, waiting for confirmation."""
        return self._move(
            subscription_id,
            (_PENDING, _UNSUBSCRIBED),
            status=_PENDING,
            **preference_values(preferences),
            next_due_at=None,
            confirmed_at=None,
            hard_bounces=0,
            paused_reason=None,
            unsubscribed_at=None,
            modified_at=now,
        )

    def activate(
        self,
        subscription_id: int,
        preferences: Preferences,
        now: datetime,
        next_due_at: datetime,
        *,
        user_id: int,
    ) -> bool:
        """Any status → active with `preferences`, owned by member `user_id` (their own address).

        False when another subscription already belongs to that member.
        """
        try:
            with write_transaction(self.engine) as connection:
                query = subscriptions.update().where(subscriptions.c.id == subscription_id)
                values = {**preference_values(preferences), "user_id": user_id}
                result = connection.execute(
                    query.values(
                        **values,
                        status=_ACTIVE,
                        next_due_at=next_due_at,
                        confirmed_at=func.coalesce(subscriptions.c.confirmed_at, now),
                        hard_bounces=0,
                        paused_reason=None,
                        unsubscribed_at=None,
                        modified_at=now,
                    )
                )
        except IntegrityError:
            return False
        return result.rowcount == 1

    def update_preferences(
        self,
        subscription_id: int,
        preferences: Preferences,
        now: datetime,
        next_due_at: datetime | None,
    ) -> bool:
        """New preferences; `next_due_at` is stored only if the subscription is active."""
        with write_transaction(self.engine) as connection:
            query = subscriptions.update().where(subscriptions.c.id == subscription_id)
            result = connection.execute(
                query.values(**preference_values(preferences), modified_at=now)
            )
            connection.execute(
                query.where(subscriptions.c.status == _ACTIVE).values(next_due_at=next_due_at)
            )
        return result.rowcount == 1

    def pause(self, subscription_id: int, now: datetime, reason: str | None = None) -> bool:
        """Active → paused; nothing is planned until it is resumed."""
        return self._move(
            subscription_id,
            (_ACTIVE,),
            status=_PAUSED,
            next_due_at=None,
            paused_reason=reason,
            modified_at=now,
        )

    def resume(self, subscription_id: int, now: datetime, next_due_at: datetime) -> bool:
        """Paused → active, the bounce count started over."""
        return self._move(
            subscription_id,
            (_PAUSED,),
            status=_ACTIVE,
            next_due_at=next_due_at,
            hard_bounces=0,
            paused_reason=None,
            modified_at=now,
        )

    def unsubscribe(self, subscription_id: int, now: datetime) -> bool:
        """Any status → unsubscribed; False if it already was (the call is idempotent)."""
        return self._move(
            subscription_id,
            (_PENDING, _ACTIVE, _PAUSED),
            status=_UNSUBSCRIBED,
            next_due_at=None,
            unsubscribed_at=now,
            modified_at=now,
        )

    def counts_by_status(self) -> dict[SubscriptionStatus, int]:
        """How many subscriptions are in each status (every status present, zeros included)."""
        query = select(subscriptions.c.status, func.count()).group_by(subscriptions.c.status)
        with self._read() as connection:
            found = {str(status): int(count) for status, count in connection.execute(query)}
        return {status: found.get(status.value, 0) for status in SubscriptionStatus}

    def _move(self, subscription_id: int, sources: tuple[str, ...], **values: Any) -> bool:
        query = subscriptions.update().where(
            subscriptions.c.id == subscription_id, subscriptions.c.status.in_(sources)
        )
        with write_transaction(self.engine) as connection:
            return connection.execute(query.values(**values)).rowcount == 1

    def _one(self, condition: Any) -> Subscription | None:
        with self._read() as connection:
            row = connection.execute(select(subscriptions).where(condition)).first()
        return subscription_from_row(row) if row is not None else None

    def _found(self, subscription_id: int) -> Subscription:
        found = self.subscription(subscription_id)
        assert found is not None
        return found


def follow_member_address(connection: Connection, user_id: int, email: str, now: datetime) -> None:
    """In a member's address change: their digest goes to the new, confirmed address, and an
    address-only subscription of that address (theirs: they just proved it) gives way."""
    member = subscriptions.c.user_id == user_id
    if connection.execute(select(subscriptions.c.id).where(member)).first() is None:
        return
    address_only = (subscriptions.c.email == email) & subscriptions.c.user_id.is_(None)
    connection.execute(subscriptions.delete().where(address_only))
    connection.execute(subscriptions.update().where(member).values(email=email, modified_at=now))


def forget_member_subscription(connection: Connection, user_id: int) -> None:
    """In an account's erasure: its subscription, address and outbox rows go too."""
    connection.execute(subscriptions.delete().where(subscriptions.c.user_id == user_id))
