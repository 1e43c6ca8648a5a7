"""The digest outbox: one delivery per (subscription, period), claimed under a lease, marked after.

Planning inserts with ON CONFLICT DO NOTHING on the (subscription_id, period) unique key, so two
planners racing over the same subscriptions make each delivery once. A claim is a write
transaction: on PostgreSQL `FOR UPDATE SKIP LOCKED` lets concurrent workers take different rows
without waiting; on SQLite BEGIN IMMEDIATE serialises the claimers. A claim whose worker died is
claimable again once its lease is over: the delivery is then sent again with the same Message-ID,
so a crash can duplicate the message in flight but never skip one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite

from paperboy.domain.digests import DeliveryStatus, Subscription, SubscriptionStatus
from paperboy.domain.outbox import ClaimedDelivery, Delivery, PlannedDelivery
from paperboy.storage.delivery_sql import (
    ADVANCE,
    BOUNCES_RESET,
    CLAIMS,
    COMPOSED,
    FAILED,
    MARK_COMPOSED,
    PAPERS,
    PENDING,
    SENDING,
    SENT_NOW,
    SENT_PAPERS,
    SUBSCRIPTIONS,
)
from paperboy.storage.engine import is_sqlite, write_transaction
from paperboy.storage.schema import deliveries, delivery_papers, subscriptions
from paperboy.storage.subscriptions import subscription_from_row


class SqlDeliveryStore:
    """`DeliveryStore` on the `deliveries` and `delivery_papers` tables (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite = is_sqlite(engine)
        self._insert: Any = sqlite.insert if self._sqlite else postgresql.insert
        self._lock = threading.Lock()

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A write transaction; on SQLite the threads of this process queue on a lock first.

        SQLite's busy handler polls with sleeps of up to 100 ms, so workers contending for the
        write lock would wait far longer than the write takes. Between a message accepted and
        its delivery marked sent, that wait is the window a crash turns into a duplicate.
        """
        if not self._sqlite:
            with write_transaction(self.engine) as connection:
                yield connection
            return
        with self._lock, write_transaction(self.engine) as connection:
            yield connection

    def due_subscriptions(self, now: datetime, after_id: int, limit: int) -> list[Subscription]:
        """Active subscriptions due by `now` with an id above `after_id`, by id."""
        query = (
            select(subscriptions)
            .where(
                subscriptions.c.status == SubscriptionStatus.ACTIVE.value,
                subscriptions.c.next_due_at <= now,
                subscriptions.c.id > after_id,
            )
            .order_by(subscriptions.c.id)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [subscription_from_row(row) for row in connection.execute(query)]

    def plan(self, planned: Sequence[PlannedDelivery], now: datetime) -> int:
        """Insert the deliveries not there yet and advance each subscription; how many were new.

        One transaction per batch: a subscription moves on to its next slot together with the
        delivery of its current one, and only from the due time it was read at. Two prebuilt
        statements run once each for the whole batch (per row they cost ~1.8 ms to build).
        """
        if not planned:
            return 0
        rows = [
            {
                "subscription_id": item.subscription_id,
                "period": item.period,
                "due_at": item.due_at,
                "status": PENDING,
                "message_id": item.message_id,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for item in planned
        ]
        moves = [
            {"sid": item.subscription_id, "was": item.previous_due_at, "next": item.next_due_at}
            for item in planned
        ]
        ids = [item.message_id for item in planned]
        with self._writing() as connection:
            connection.execute(self._insert(deliveries).on_conflict_do_nothing(), rows)
            connection.execute(ADVANCE, moves)
            # a message id is made at planning: the rows carrying ours are the ones made now
            made = select(func.count()).where(deliveries.c.message_id.in_(ids))
            return int(connection.execute(made).scalar() or 0)

    def claim(
        self, worker: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[ClaimedDelivery]:
        """Up to `limit` due deliveries, now held by `worker` until `lease_until`.

        Deliveries whose lease ran out (their worker died) come first, then the pending ones
        whose attempt is due, oldest first.
        """
        held = {"now": now, "limit": limit, "claimer": worker, "until": lease_until}
        with self._writing() as connection:
            rows: list[Any] = []
            for claim in CLAIMS[not self._sqlite]:  # a dead worker's deliveries first
                if len(rows) < limit:
                    found = connection.execute(claim, {**held, "limit": limit - len(rows)})
                    rows += sorted(found, key=lambda row: (row.next_attempt_at, row.id))
            if not rows:
                return []
            owners = {"ids": sorted({row.subscription_id for row in rows})}
            found = connection.execute(SUBSCRIPTIONS, owners)
            by_id = {row.id: subscription_from_row(row) for row in found}
        return [ClaimedDelivery(delivery_from_row(row), by_id[row.subscription_id]) for row in rows]

    def fix_papers(self, delivery_id: int, arxiv_ids: Sequence[str], now: datetime) -> list[str]:
        """Record the delivery's papers unless they already are; the papers it carries."""
        with self._writing() as connection:
            composed = connection.execute(
                select(deliveries.c.composed_at).where(deliveries.c.id == delivery_id)
            ).scalar()
            if composed is not None:
                return _papers_of(connection, delivery_id)
            if arxiv_ids:
                rows = [
                    {"delivery_id": delivery_id, "position": n, "arxiv_id": arxiv_id}
                    for n, arxiv_id in enumerate(arxiv_ids)
                ]
                connection.execute(delivery_papers.insert(), rows)
            connection.execute(
                deliveries.update().where(deliveries.c.id == delivery_id).values(composed_at=now)
            )
        return list(arxiv_ids)

    def papers(self, delivery_id: int) -> list[str] | None:
        """The papers fixed for the delivery, in order; None when they are not chosen yet."""
        with self.engine.connect() as connection:
            composed = connection.execute(
                select(deliveries.c.composed_at).where(deliveries.c.id == delivery_id)
            ).scalar()
            return None if composed is None else _papers_of(connection, delivery_id)

    def sent_papers(self, subscription_id: int, except_delivery: int) -> frozenset[str]:
        """Papers in the subscription's other deliveries that did not fail: never sent twice."""
        query = (
            select(delivery_papers.c.arxiv_id)
            .join(deliveries, deliveries.c.id == delivery_papers.c.delivery_id)
            .where(
                deliveries.c.subscription_id == subscription_id,
                deliveries.c.status != FAILED,
                deliveries.c.id != except_delivery,
            )
        )
        with self.engine.connect() as connection:
            return frozenset(connection.execute(query).scalars())

    def papers_of(self, delivery_ids: Sequence[int]) -> dict[int, list[str] | None]:
        """`papers` for several deliveries in two queries (a worker's claimed batch)."""
        if not delivery_ids:
            return {}
        ids = {"ids": list(delivery_ids)}
        with self.engine.connect() as connection:
            found: dict[int, list[str] | None] = {
                row.id: None if row.composed_at is None else []
                for row in connection.execute(COMPOSED, ids)
            }
            for delivery_id, arxiv_id in connection.execute(PAPERS, ids):
                papers = found.get(delivery_id)
                if papers is not None:
                    papers.append(arxiv_id)
        return found

    def sent_papers_of(
        self, subscription_ids: Sequence[int], except_deliveries: Sequence[int]
    ) -> dict[int, set[str]]:
        """`sent_papers` for several subscriptions, leaving out `except_deliveries`."""
        found: dict[int, set[str]] = {
            subscription_id: set() for subscription_id in subscription_ids
        }
        which = {"owners": list(subscription_ids), "except": list(except_deliveries)}
        with self.engine.connect() as connection:
            for subscription_id, arxiv_id in connection.execute(SENT_PAPERS, which):
                found[subscription_id].add(arxiv_id)
        return found

    def fix_papers_of(
        self, choices: Mapping[int, Sequence[str]], now: datetime
    ) -> dict[int, list[str]]:
        """`fix_papers` for several deliveries in one transaction."""
        if not choices:
            return {}
        with self._writing() as connection:
            marked = {"ids": list(choices), "now": now}
            new = set(connection.execute(MARK_COMPOSED, marked).scalars())
            # another worker fixed the rest first (it held them before our lease): theirs stand
            fixed = {i: _papers_of(connection, i) for i in choices if i not in new}
            rows = [
                {"delivery_id": delivery_id, "position": n, "arxiv_id": arxiv_id}
                for delivery_id in new
                for n, arxiv_id in enumerate(choices[delivery_id])
            ]
            if rows:
                connection.execute(delivery_papers.insert(), rows)
        return {**fixed, **{delivery_id: list(choices[delivery_id]) for delivery_id in new}}

    def mark_sent(self, delivery_id: int, now: datetime, *, reset_bounces: bool = True) -> None:
        """The server accepted the delivery; the subscription's bounce count starts over.

        A sender that saw no bounces on the subscription when it claimed the delivery passes
        `reset_bounces=False` and saves the second statement of every send.
        """
        with self._writing() as connection:
            changed = connection.execute(SENT_NOW, {"delivery": delivery_id, "now": now}).scalar()
            if changed is not None and reset_bounces:
                connection.execute(BOUNCES_RESET, {"subscription": changed})

    def mark_empty(self, delivery_id: int, now: datetime) -> None:
        """Nothing new to send for the period: done, with no mail."""
        self._finish(delivery_id, status=DeliveryStatus.EMPTY.value, sent_at=None, now=now)

    def retry_later(self, delivery_id: int, error: str, at: datetime) -> None:
        """A temporary failure: pending again from `at`, one more attempt counted."""
        with self._writing() as connection:
            connection.execute(
                deliveries.update()
                .where(deliveries.c.id == delivery_id, deliveries.c.status == SENDING)
                .values(
                    status=PENDING,
                    attempts=deliveries.c.attempts + 1,
                    next_attempt_at=at,
                    lease_until=None,
                    last_error=error[:2000],
                )
            )

    def release(self, delivery_ids: Sequence[int]) -> None:
        """Give back claimed deliveries not tried (the worker is stopping): claimable at once."""
        if not delivery_ids:
            return
        with self._writing() as connection:
            connection.execute(
                deliveries.update()
                .where(deliveries.c.id.in_(delivery_ids), deliveries.c.status == SENDING)
                .values(status=PENDING, lease_until=None)
            )

    def mark_failed(
        self, delivery_id: int, error: str, now: datetime, *, bounce_limit: int | None = None
    ) -> bool:
        """Failed for good; with `bounce_limit` a hard bounce: True when it paused the subscription.

        The subscription is paused when this bounce makes `bounce_limit` in a row (a sent
        delivery resets the count).
        """
        with self._writing() as connection:
            subscription_id = connection.execute(
                deliveries.update()
                .where(deliveries.c.id == delivery_id, deliveries.c.status == SENDING)
                .values(
                    status=FAILED,
                    attempts=deliveries.c.attempts + 1,
                    lease_until=None,
                    last_error=error[:2000],
                )
                .returning(deliveries.c.subscription_id)
            ).scalar()
            if subscription_id is None or bounce_limit is None:
                return False
            return _bounce(connection, subscription_id, bounce_limit, error, now)

    def _finish(
        self, delivery_id: int, *, status: str, sent_at: datetime | None, now: datetime
    ) -> None:
        with self._writing() as connection:
            connection.execute(
                deliveries.update()
                .where(deliveries.c.id == delivery_id, deliveries.c.status == SENDING)
                .values(
                    status=status,
                    sent_at=sent_at,
                    composed_at=func.coalesce(deliveries.c.composed_at, now),
                    lease_until=None,
                )
            )

    def delivery(self, delivery_id: int) -> Delivery | None:
        """One delivery by id."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(deliveries).where(deliveries.c.id == delivery_id)
            ).first()
        return None if row is None else delivery_from_row(row)

    def deliveries_of(self, subscription_id: int) -> list[Delivery]:
        """The subscription's deliveries, oldest period first."""
        query = (
            select(deliveries)
            .where(deliveries.c.subscription_id == subscription_id)
            .order_by(deliveries.c.period, deliveries.c.id)
        )
        with self.engine.connect() as connection:
            return [delivery_from_row(row) for row in connection.execute(query)]


def _bounce(
    connection: Connection, subscription_id: int, limit: int, error: str, now: datetime
) -> bool:
    count = connection.execute(
        subscriptions.update()
        .where(subscriptions.c.id == subscription_id)
        .values(hard_bounces=subscriptions.c.hard_bounces + 1)
        .returning(subscriptions.c.hard_bounces)
    ).scalar()
    if count is None or count < limit:
        return False
    paused = connection.execute(
        subscriptions.update()
        .where(
            subscriptions.c.id == subscription_id,
            subscriptions.c.status == SubscriptionStatus.ACTIVE.value,
        )
        .values(
            status=SubscriptionStatus.PAUSED.value,
            next_due_at=None,
            paused_reason=f"{count} hard bounces in a row; the last: {error}"[:1000],
            modified_at=now,
        )
    )
    return paused.rowcount == 1


def _papers_of(connection: Connection, delivery_id: int) -> list[str]:
    query = (
        select(delivery_papers.c.arxiv_id)
        .where(delivery_papers.c.delivery_id == delivery_id)
        .order_by(delivery_papers.c.position)
    )
    return list(connection.execute(query).scalars())


def delivery_from_row(row: Any) -> Delivery:
    """A `deliveries` row (or a row with its columns) as a `Delivery`."""
    return Delivery(
        id=row.id,
        subscription_id=row.subscription_id,
        period=row.period,
        due_at=row.due_at,
        status=DeliveryStatus(row.status),
        message_id=row.message_id,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        claimed_by=row.claimed_by,
        lease_until=row.lease_until,
        composed_at=row.composed_at,
        sent_at=row.sent_at,
        last_error=row.last_error,
        created_at=row.created_at,
    )
