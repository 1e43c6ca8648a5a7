"""Digest runs and the outbox at a glance: for `paperboy digest status` and /admin/digests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select

from paperboy.domain.digests import DeliveryStatus, SubscriptionStatus
from paperboy.domain.outbox import Delivery, DigestRun, RunCounts
from paperboy.storage.deliveries import delivery_from_row
from paperboy.storage.engine import write_transaction
from paperboy.storage.schema import deliveries, digest_runs, subscriptions


class SqlDigestRuns:
    """`DigestRunStore` on the `digest_runs` table, plus counts over the outbox."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def start_run(self, worker: str, now: datetime) -> int:
        """Record a run starting now; its id."""
        insert = (
            digest_runs.insert().values(worker=worker, started_at=now).returning(digest_runs.c.id)
        )
        with write_transaction(self.engine) as connection:
            return int(connection.execute(insert).scalar_one())

    def finish_run(self, run_id: int, counts: RunCounts, now: datetime, note: str | None) -> None:
        """Record the run's counts and end."""
        values = {
            "finished_at": now,
            "planned": counts.planned,
            "sent": counts.sent,
            "empty": counts.empty,
            "retried": counts.retried,
            "failed": counts.failed,
            "note": note,
        }
        with write_transaction(self.engine) as connection:
            connection.execute(
                digest_runs.update().where(digest_runs.c.id == run_id).values(**values)
            )

    def recent_runs(self, limit: int = 10) -> list[DigestRun]:
        """The latest runs, newest first (an unfinished one was stopped or is still going)."""
        query = select(digest_runs).order_by(
            digest_runs.c.started_at.desc(), digest_runs.c.id.desc()
        )
        with self.engine.connect() as connection:
            return [_run(row) for row in connection.execute(query.limit(limit))]

    def delivery_counts(self) -> dict[str, int]:
        """Deliveries by status (every status present, zero when none)."""
        query = select(deliveries.c.status, func.count()).group_by(deliveries.c.status)
        counts = {status.value: 0 for status in DeliveryStatus}
        with self.engine.connect() as connection:
            counts.update({status: int(n) for status, n in connection.execute(query)})
        return counts

    def due_count(self, now: datetime) -> tuple[int, int]:
        """(subscriptions due to be planned, deliveries waiting to be sent) at `now`."""
        due = select(func.count()).where(
            subscriptions.c.status == SubscriptionStatus.ACTIVE.value,
            subscriptions.c.next_due_at <= now,
        )
        waiting = select(func.count()).where(
            or_(
                and_(
                    deliveries.c.status == DeliveryStatus.PENDING.value,
                    deliveries.c.next_attempt_at <= now,
                ),
                and_(
                    deliveries.c.status == DeliveryStatus.SENDING.value,
                    deliveries.c.lease_until < now,
                ),
            )
        )
        with self.engine.connect() as connection:
            return int(connection.execute(due).scalar_one()), int(
                connection.execute(waiting).scalar_one()
            )

    def recent_failures(self, limit: int = 20) -> list[tuple[Delivery, str]]:
        """Failed deliveries and ones waiting for a retry, newest first, with the address."""
        failing = or_(
            deliveries.c.status == DeliveryStatus.FAILED.value,
            and_(
                deliveries.c.status == DeliveryStatus.PENDING.value,
                deliveries.c.last_error.is_not(None),
            ),
        )
        query = (
            select(deliveries, subscriptions.c.email)
            .join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
            .where(failing)
            .order_by(deliveries.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [(delivery_from_row(row), str(row.email)) for row in connection.execute(query)]


def _run(row: Any) -> DigestRun:
    counts = RunCounts(
        planned=row.planned, sent=row.sent, empty=row.empty, retried=row.retried, failed=row.failed
    )
    return DigestRun(
        id=row.id,
        worker=row.worker,
        started_at=row.started_at,
        finished_at=row.finished_at,
        counts=counts,
        note=row.note,
    )
