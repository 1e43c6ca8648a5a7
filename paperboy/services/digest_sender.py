"""The outbox's workers: each claims deliveries and sends them over its own SMTP connection.

A delivery's papers are chosen on its first claim and stored with it, so a resend (after a
temporary failure or a crash) carries the same papers and the same Message-ID. The outcome is
recorded only after the server answered: a kill between the two resends that one message, which
is the only duplicate a crash can cause.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from paperboy.domain.digest_schedule import Slot
from paperboy.domain.digests import Subscription, SubscriptionStatus
from paperboy.domain.mail import OutgoingMail, PermanentMailError, TemporaryMailError
from paperboy.domain.models import Paper
from paperboy.domain.outbox import ClaimedDelivery, retry_delay
from paperboy.services.ports import DeliveryStore, Mailer, Progress

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


class Composer(Protocol):
    """What the outbox needs from the digest composer (`services.digest_compose`)."""

    def choose(
        self, subscription: Subscription, slot: Slot, already_sent: frozenset[str]
    ) -> list[Paper]: ...

    def compose(
        self, subscription: Subscription, papers: list[Paper], *, message_id: str, period: str
    ) -> OutgoingMail: ...

    def load_papers(self, arxiv_ids: Sequence[str]) -> list[Paper]: ...


@dataclass(frozen=True, slots=True)
class SendPolicy:
    """How the workers send: from the `digest_*` settings."""

    max_attempts: int = 5
    max_bounces: int = 3
    retry_seconds: float = 60.0
    lease_seconds: float = 600.0
    smtp_timeout: float = 30.0
    batch_size: int = 10
    unreachable_after: int = 3  # connection failures in a row before a worker gives up this run


class RateLimit:
    """At most `per_second` sends a second across every worker (0: no limit)."""

    def __init__(self, per_second: float) -> None:
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until this send's turn."""
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            turn = max(now, self._next)
            self._next = turn + self._interval
        if turn > now:
            time.sleep(turn - now)


class Tally:
    """Counts shared by the workers, and the progress they report."""

    def __init__(self, progress: Progress) -> None:
        self.counts = {"sent": 0, "empty": 0, "retried": 0, "failed": 0, "paused": 0}
        self.errors: list[str] = []
        self._progress = progress
        self._lock = threading.Lock()

    def add(self, outcome: str, error: str | None = None) -> None:
        with self._lock:
            self.counts[outcome] += 1
            if error is not None and len(self.errors) < 20:
                self.errors.append(error)
            if outcome != "paused":
                self._progress.advance(1)


@dataclass
class Worker:
    """One sender: claims a batch, sends each delivery in it, until nothing is due."""

    name: str
    store: DeliveryStore
    composer: Composer
    mailer: Mailer
    clock: Clock
    policy: SendPolicy
    rate: RateLimit
    tally: Tally
    stop: threading.Event

    def run(self) -> None:
        """Send until no delivery is claimable, the run is stopped, or the server is unreachable."""
        failures = 0
        while not self.stop.is_set() and failures < self.policy.unreachable_after:
            now = self.clock()
            lease_until = now + timedelta(seconds=self.policy.lease_seconds)
            batch = self.store.claim(self.name, now, lease_until, self.policy.batch_size)
            if not batch:
                return
            papers = self._papers(batch)
            for n, item in enumerate(batch):
                if self._out_of_time(lease_until) or failures >= self.policy.unreachable_after:
                    self.store.release([rest.delivery.id for rest in batch[n:]])
                    break
                outcome = self._deliver(item, papers.get(item.delivery.id))
                failures = failures + 1 if outcome == "unreachable" else 0

    def _out_of_time(self, lease_until: datetime) -> bool:
        # never start a send that could outlive the lease: another worker may take it then
        left = (lease_until - self.clock()).total_seconds()
        return self.stop.is_set() or left < self.policy.smtp_timeout + 0.5

    def _papers(self, batch: list[ClaimedDelivery]) -> dict[int, list[Paper]]:
        """Each claimed delivery's papers: fixed before, or chosen now and fixed for the batch.

        Choosing skips the papers of the subscription's other deliveries that did not fail, and
        of its earlier deliveries in this batch (a subscriber catching up on two periods).
        """
        ids = [item.delivery.id for item in batch]
        # the claim read each delivery's composed_at: only a resend has papers to look up
        resent = [item.delivery.id for item in batch if item.delivery.composed_at is not None]
        fixed: dict[int, list[str] | None] = dict.fromkeys(ids)
        fixed.update(self.store.papers_of(resent))
        unfixed = [item for item in batch if fixed.get(item.delivery.id) is None]
        chosen: dict[int, list[Paper]] = {}
        if unfixed:
            owners = sorted({item.subscription.id for item in unfixed})
            already = self.store.sent_papers_of(owners, ids)
            for item in unfixed:
                papers = self._choose(item, already[item.subscription.id])
                if papers is not None:
                    chosen[item.delivery.id] = papers
                    already[item.subscription.id].update(p.arxiv_id for p in papers)
            wanted = {delivery_id: [p.arxiv_id for p in ps] for delivery_id, ps in chosen.items()}
            fixed.update(self.store.fix_papers_of(wanted, self.clock()))
        found: dict[int, list[Paper]] = {}
        for delivery_id, arxiv_ids in fixed.items():
            if arxiv_ids is None:
                continue  # choosing failed: the delivery is retried later
            mine = chosen.get(delivery_id)
            if mine is not None and [p.arxiv_id for p in mine] == arxiv_ids:
                found[delivery_id] = mine
            else:
                found[delivery_id] = self.composer.load_papers(arxiv_ids) if arxiv_ids else []
        return found

    def _choose(self, item: ClaimedDelivery, already: set[str]) -> list[Paper] | None:
        if item.subscription.status is not SubscriptionStatus.ACTIVE:
            return None
        slot = Slot(period=item.delivery.period, due_at=item.delivery.due_at)
        try:
            return self.composer.choose(item.subscription, slot, frozenset(already))
        except Exception:  # a choosing bug must not stop the run; the delivery is retried
            log.exception("choosing papers for delivery %s failed", item.delivery.id)
            return None

    def _deliver(self, item: ClaimedDelivery, papers: list[Paper] | None) -> str:
        delivery, subscription = item.delivery, item.subscription
        if subscription.status is not SubscriptionStatus.ACTIVE:
            reason = f"not sent: the subscription is {subscription.status.value}"
            self.store.mark_failed(delivery.id, reason, self.clock())
            self.tally.add("failed")
            return "skipped"
        if papers is None:
            return self._temporary(item, "choosing the papers failed (see the log)")
        if not papers:
            self.store.mark_empty(delivery.id, self.clock())
            self.tally.add("empty")
            return "empty"
        try:
            mail = self.composer.compose(
                subscription, papers, message_id=delivery.message_id, period=delivery.period
            )
        except Exception as error:  # a composing bug must not stop the run; retried later
            log.exception("composing delivery %s failed", delivery.id)
            return self._temporary(item, f"composing failed: {type(error).__name__}: {error}")
        self.rate.wait()
        try:
            self.mailer.send(mail)
        except PermanentMailError as error:
            return self._permanent(item, str(error))
        except TemporaryMailError as error:
            outcome = self._temporary(item, str(error))
            return "unreachable" if error.code is None else outcome
        # no bounces when claimed: none to reset (one fewer statement per message)
        bounced = subscription.hard_bounces > 0
        self.store.mark_sent(delivery.id, self.clock(), reset_bounces=bounced)
        self.tally.add("sent")
        return "sent"

    def _temporary(self, item: ClaimedDelivery, error: str) -> str:
        delivery, now = item.delivery, self.clock()
        attempts = delivery.attempts + 1
        if attempts >= self.policy.max_attempts:
            self.store.mark_failed(delivery.id, f"gave up after {attempts} attempts: {error}", now)
            self.tally.add("failed", error)
            return "failed"
        at = now + retry_delay(attempts, self.policy.retry_seconds)
        self.store.retry_later(delivery.id, error, at)
        self.tally.add("retried", error)
        return "retried"

    def _permanent(self, item: ClaimedDelivery, error: str) -> str:
        limit = self.policy.max_bounces
        paused = self.store.mark_failed(item.delivery.id, error, self.clock(), bounce_limit=limit)
        self.tally.add("failed", error)
        if paused:
            self.tally.add("paused")
        return "failed"
