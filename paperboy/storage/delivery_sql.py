"""The digest outbox's statements, built once: each runs per batch or per message, and building a
SQLAlchemy statement cost more than running it (`paperboy.storage.deliveries` runs them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select

from paperboy.domain.digests import DeliveryStatus, SubscriptionStatus
from paperboy.storage.schema import deliveries, delivery_papers, subscriptions

PENDING, SENDING = DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value
SENT, FAILED = DeliveryStatus.SENT.value, DeliveryStatus.FAILED.value


ADVANCE = (
    subscriptions.update()
    .where(
        subscriptions.c.id == bindparam("sid"),
        subscriptions.c.status == SubscriptionStatus.ACTIVE.value,
        subscriptions.c.next_due_at == bindparam("was"),
    )
    .values(next_due_at=bindparam("next"))
)
"""Move a subscription to its next slot, only from the due time the planner read."""


SENT_NOW = (  # after every message
    deliveries.update()
    .where(deliveries.c.id == bindparam("delivery"), deliveries.c.status != SENT)
    .values(status=SENT, sent_at=bindparam("now"), lease_until=None, last_error=None)
    .returning(deliveries.c.subscription_id)
)
BOUNCES_RESET = (
    subscriptions.update()
    .where(subscriptions.c.id == bindparam("subscription"), subscriptions.c.hard_bounces > 0)
    .values(hard_bounces=0)
)


def _claim(*due: Any, skip_locked: bool) -> Any:
    """Hold the first `limit` rows matching `due`, oldest attempt first; the rows held."""
    ids = (
        select(deliveries.c.id)
        .where(*due)
        .order_by(deliveries.c.next_attempt_at, deliveries.c.id)
        .limit(bindparam("limit"))
    )
    if skip_locked:  # PostgreSQL: concurrent claimers skip each other's rows, never wait
        ids = ids.with_for_update(skip_locked=True)
    return (
        deliveries.update()
        .where(deliveries.c.id.in_(ids))
        .values(status=SENDING, claimed_by=bindparam("claimer"), lease_until=bindparam("until"))
        .returning(*deliveries.c)
    )


# Two claims, each a walk along the (status, next_attempt_at) index that stops after `limit`
# rows; one claim with OR sorted every due delivery for each batch (3 ms at 2,000 due).
_EXPIRED = (deliveries.c.status == SENDING, deliveries.c.lease_until < bindparam("now"))
_PENDING_DUE = (deliveries.c.status == PENDING, deliveries.c.next_attempt_at <= bindparam("now"))
CLAIMS = {  # by "skip locked" (PostgreSQL): the dead worker's first, then the pending ones
    skip_locked: (
        _claim(*_EXPIRED, skip_locked=skip_locked),
        _claim(*_PENDING_DUE, skip_locked=skip_locked),
    )
    for skip_locked in (False, True)
}
SUBSCRIPTIONS = select(subscriptions).where(
    subscriptions.c.id.in_(bindparam("ids", expanding=True))
)
COMPOSED = select(deliveries.c.id, deliveries.c.composed_at).where(
    deliveries.c.id.in_(bindparam("ids", expanding=True))
)
PAPERS = (
    select(delivery_papers.c.delivery_id, delivery_papers.c.arxiv_id)
    .where(delivery_papers.c.delivery_id.in_(bindparam("ids", expanding=True)))
    .order_by(delivery_papers.c.delivery_id, delivery_papers.c.position)
)
SENT_PAPERS = (
    select(deliveries.c.subscription_id, delivery_papers.c.arxiv_id)
    .join(deliveries, deliveries.c.id == delivery_papers.c.delivery_id)
    .where(
        deliveries.c.subscription_id.in_(bindparam("owners", expanding=True)),
        deliveries.c.status != FAILED,
        deliveries.c.id.not_in(bindparam("except", expanding=True)),
    )
)
MARK_COMPOSED = (
    deliveries.update()
    .where(
        deliveries.c.id.in_(bindparam("ids", expanding=True)), deliveries.c.composed_at.is_(None)
    )
    .values(composed_at=bindparam("now"))
    .returning(deliveries.c.id)
)
"""Mark the deliveries whose papers are not chosen yet as chosen now; the ids it marked."""
