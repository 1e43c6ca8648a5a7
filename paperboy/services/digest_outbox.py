"""Digest runs: plan the deliveries that are due, then send them with a few workers.

Planning turns each due subscription into one delivery for its latest slot and moves the
subscription on to its next slot, in the same transaction per batch; running it twice (or two
planners at once) plans nothing twice. Sending is `digest_sender.Worker`s, one SMTP connection
each. Everything a run leaves undone (a retry not due yet, a server that was down, a process that
was killed) is picked up by the next run: nothing is lost and a run can always be repeated.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit

from paperboy.config import Settings
from paperboy.domain.digest_schedule import Slot, latest_slot, next_slot
from paperboy.domain.digests import Subscription
from paperboy.domain.outbox import PlannedDelivery, RunCounts, new_message_id
from paperboy.services.digest_sender import Composer, RateLimit, SendPolicy, Tally, Worker
from paperboy.services.ports import (
    DeliveryStore,
    DigestRunStore,
    Mailer,
    Progress,
    SilentProgress,
)

Clock = Callable[[], datetime]
PLAN_BATCH = 200


class OutboxDeps(Protocol):
    """The parts of the composition root (`paperboy.app.Deps`) a digest run uses."""

    @property
    def settings(self) -> Settings: ...

    @property
    def deliveries(self) -> DeliveryStore: ...

    @property
    def digest_runs(self) -> DigestRunStore: ...

    @property
    def open_mailer(self) -> Callable[[], Mailer]: ...

    @property
    def clock(self) -> Clock: ...


@dataclass(frozen=True, slots=True)
class DueDigest:
    """What a dry run found: a subscriber due now and the papers they would get."""

    email: str
    period: str
    titles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DigestRunReport:
    """What a run did (`run_id` is None for a dry run, which records nothing)."""

    run_id: int | None
    counts: RunCounts
    paused: int = 0
    seconds: float = 0.0
    note: str | None = None
    errors: tuple[str, ...] = ()
    due: tuple[DueDigest, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, object]:
        """The report as JSON for the job table and `--json`."""
        counts = self.counts
        return {
            "run_id": self.run_id,
            "planned": counts.planned,
            "sent": counts.sent,
            "empty": counts.empty,
            "retried": counts.retried,
            "failed": counts.failed,
            "paused": self.paused,
            "seconds": round(self.seconds, 3),
            "note": self.note,
            "errors": list(self.errors),
            "due": [
                {"email": d.email, "period": d.period, "titles": list(d.titles)} for d in self.due
            ],
        }


def send_policy(settings: Settings) -> SendPolicy:
    """The workers' policy from the `digest_*` settings."""
    return SendPolicy(
        max_attempts=settings.digest_max_attempts,
        max_bounces=settings.digest_max_bounces,
        retry_seconds=settings.digest_retry_seconds,
        lease_seconds=settings.digest_lease_seconds,
        smtp_timeout=settings.smtp_timeout,
        batch_size=settings.digest_batch_size,
    )


def run_digests(
    deps: OutboxDeps,
    *,
    composer: Composer | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
    connections: int | None = None,
    progress: Progress | None = None,
) -> DigestRunReport:
    """Plan what is due by `now` and send every delivery that is due, with `connections` workers.

    A dry run writes nothing and sends nothing: it lists who is due and what they would get.
    """
    composer = composer or composer_of(deps)
    progress = progress or SilentProgress()
    now = now or deps.clock()
    if dry_run:
        return DigestRunReport(None, RunCounts(), due=tuple(dry_run_digests(deps, composer, now)))
    started = time.monotonic()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    run_id = deps.digest_runs.start_run(worker, now)
    planned = plan_deliveries(deps, now, progress)
    tally = send_due(deps, composer, connections or deps.settings.digest_connections, progress)
    counts = RunCounts(planned=planned, **{k: v for k, v in tally.counts.items() if k != "paused"})
    note = _note(tally)
    deps.digest_runs.finish_run(run_id, counts, deps.clock(), note)
    return DigestRunReport(
        run_id,
        counts,
        paused=tally.counts["paused"],
        seconds=time.monotonic() - started,
        note=note,
        errors=tuple(tally.errors),
    )


def plan_deliveries(deps: OutboxDeps, now: datetime, progress: Progress) -> int:
    """Make the delivery of every subscription due by `now`; how many were new."""
    domain = urlsplit(deps.settings.base_url).hostname or "localhost"
    after, planned = 0, 0
    progress.start(None, "plan digests")
    while True:
        due = deps.deliveries.due_subscriptions(now, after, PLAN_BATCH)
        if not due:
            break
        batch = [item for s in due if (item := _planned(s, now, domain)) is not None]
        planned += deps.deliveries.plan(batch, now)
        after = due[-1].id
        progress.advance(len(due))
    progress.finish()
    return planned


def _planned(subscription: Subscription, now: datetime, domain: str) -> PlannedDelivery | None:
    slot = latest_slot(subscription.preferences, now)
    following = next_slot(subscription.preferences, now)
    if slot is None:
        return None
    return PlannedDelivery(
        subscription_id=subscription.id,
        period=slot.period,
        due_at=slot.due_at,
        message_id=new_message_id(subscription.id, slot.period, domain),
        next_due_at=following.due_at,
        previous_due_at=subscription.next_due_at,
    )


def send_due(deps: OutboxDeps, composer: Composer, connections: int, progress: Progress) -> Tally:
    """Send every delivery claimable now with `connections` workers; their counts."""
    tally = Tally(progress)
    policy = send_policy(deps.settings)
    rate = RateLimit(deps.settings.digest_rate_per_second)
    stop = threading.Event()
    waiting = deps.digest_runs.due_count(deps.clock())[1]
    progress.start(waiting, "send digests")
    base = f"{socket.gethostname()}:{os.getpid()}"
    workers = [
        Worker(
            f"{base}:{n}",
            deps.deliveries,
            composer,
            deps.open_mailer(),
            deps.clock,
            policy,
            rate,
            tally,
            stop,
        )
        for n in range(max(1, connections))
    ]
    threads = [threading.Thread(target=_work, args=(w,), name=w.name) for w in workers]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except KeyboardInterrupt:  # the claimed rest is released by each worker as it stops
        stop.set()
        for thread in threads:
            thread.join()
        raise
    finally:
        progress.finish()
    return tally


def _work(worker: Worker) -> None:
    try:
        worker.run()
    finally:
        close = getattr(worker.mailer, "close", None)
        if callable(close):
            close()


def dry_run_digests(deps: OutboxDeps, composer: Composer, now: datetime) -> list[DueDigest]:
    """Who is due by `now` and the papers each would get; nothing is written."""
    found: list[DueDigest] = []
    after = 0
    while due := deps.deliveries.due_subscriptions(now, after, PLAN_BATCH):
        for subscription in due:
            slot = latest_slot(subscription.preferences, now)
            if slot is not None:
                found.append(_would_send(deps, composer, subscription, slot))
        after = due[-1].id
    return found


def _would_send(
    deps: OutboxDeps, composer: Composer, subscription: Subscription, slot: Slot
) -> DueDigest:
    already = deps.deliveries.sent_papers(subscription.id, 0)
    papers = composer.choose(subscription, slot, already)
    return DueDigest(subscription.email, slot.period, tuple(p.title for p in papers))


def _note(tally: Tally) -> str | None:
    if not tally.errors:
        return None
    return f"{len(tally.errors)} error(s); the last: {tally.errors[-1]}"[:1000]


def composer_of(deps: object) -> Composer:
    """The digest composer built from the composition root's parts."""
    from paperboy.services.digest_compose import DigestComposer

    composer: Composer = DigestComposer.from_deps(deps)  # type: ignore[arg-type]
    return composer
