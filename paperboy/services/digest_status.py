"""The digests at a glance, and one subscriber's next digest: for the CLI and the admin page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit

from paperboy.domain.digest_schedule import latest_slot, next_slot
from paperboy.domain.digests import Subscription, SubscriptionStatus
from paperboy.domain.mail import OutgoingMail
from paperboy.domain.outbox import Delivery, DigestRun, new_message_id
from paperboy.services.digest_sender import Composer
from paperboy.services.ports import DeliveryStore, DigestRunStore


class CountsByStatus(Protocol):
    """The part of the subscription store the status needs."""

    def counts_by_status(self) -> dict[SubscriptionStatus, int]: ...


@dataclass(frozen=True, slots=True)
class Failure:
    """A delivery that failed or waits for a retry, with its address."""

    delivery: Delivery
    email: str


@dataclass(frozen=True, slots=True)
class DigestStatus:
    """Subscribers by status, deliveries by status, what is due now, the last runs, failures."""

    subscribers: dict[str, int]
    deliveries: dict[str, int]
    due_subscriptions: int
    waiting_deliveries: int
    runs: list[DigestRun]
    failures: list[Failure]

    def as_dict(self) -> dict[str, object]:
        """JSON for `paperboy digest status --json`."""
        return {
            "subscribers": self.subscribers,
            "deliveries": self.deliveries,
            "due_now": {
                "subscriptions": self.due_subscriptions,
                "deliveries": self.waiting_deliveries,
            },
            "runs": [
                {
                    "id": run.id,
                    "worker": run.worker,
                    "started_at": run.started_at.isoformat(),
                    "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                    "planned": run.counts.planned,
                    "sent": run.counts.sent,
                    "empty": run.counts.empty,
                    "retried": run.counts.retried,
                    "failed": run.counts.failed,
                    "note": run.note,
                }
                for run in self.runs
            ],
            "failures": [
                {
                    "email": f.email,
                    "period": f.delivery.period,
                    "status": f.delivery.status.value,
                    "attempts": f.delivery.attempts,
                    "error": f.delivery.last_error,
                }
                for f in self.failures
            ],
        }


def digest_status(
    subscriptions: CountsByStatus, runs: DigestRunStore, now: datetime, *, limit: int = 10
) -> DigestStatus:
    """The state of the digests at `now`."""
    due, waiting = runs.due_count(now)
    return DigestStatus(
        subscribers={s.value: n for s, n in subscriptions.counts_by_status().items()},
        deliveries=runs.delivery_counts(),
        due_subscriptions=due,
        waiting_deliveries=waiting,
        runs=runs.recent_runs(limit),
        failures=[Failure(d, email) for d, email in runs.recent_failures(2 * limit)],
    )


def preview_digest(
    deliveries: DeliveryStore,
    composer: Composer,
    subscription: Subscription,
    now: datetime,
    base_url: str,
) -> tuple[str, OutgoingMail | None]:
    """The period and mail the subscriber would get for their latest (else next) slot.

    Nothing is stored: the papers are chosen as a run would, but not fixed; None when there
    is nothing new to send.
    """
    prefs = subscription.preferences
    slot = latest_slot(prefs, now) or next_slot(prefs, now)
    papers = composer.choose(subscription, slot, deliveries.sent_papers(subscription.id, 0))
    if not papers:
        return slot.period, None
    domain = urlsplit(base_url).hostname or "localhost"
    message_id = new_message_id(subscription.id, slot.period, domain)
    mail = composer.compose(subscription, papers, message_id=message_id, period=slot.period)
    return slot.period, mail
