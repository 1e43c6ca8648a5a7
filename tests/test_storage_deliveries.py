"""Contract tests for the digest outbox store: each runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from paperboy.app import Deps, build_deps
from paperboy.domain.digests import DeliveryStatus, Subscription, SubscriptionStatus
from paperboy.domain.outbox import PlannedDelivery, RunCounts, new_message_id
from paperboy.storage.deliveries import SqlDeliveryStore
from paperboy.storage.digest_runs import SqlDigestRuns
from paperboy.storage.engine import make_engine
from tests.conftest import make_settings
from tests.support.subscribers import add_subscriber

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday
LEASE = timedelta(minutes=10)


@pytest.fixture
def site(database_url: str) -> Deps:
    return build_deps(make_settings(database_url))


@pytest.fixture
def outbox(database_url: str) -> Iterator[SqlDeliveryStore]:
    store = SqlDeliveryStore(make_engine(database_url))
    yield store
    store.engine.dispose()


@pytest.fixture
def runs(outbox: SqlDeliveryStore) -> SqlDigestRuns:
    return SqlDigestRuns(outbox.engine)


def subscribers(site: Deps, count: int) -> list[Subscription]:
    start = NOW - timedelta(days=3)
    return [add_subscriber(site, f"reader{n}@example.org", now=start) for n in range(count)]


def planned(subscription: Subscription, period: str = "2026-03-02") -> PlannedDelivery:
    return PlannedDelivery(
        subscription_id=subscription.id,
        period=period,
        due_at=NOW - timedelta(hours=1),
        message_id=new_message_id(subscription.id, period, "example.org"),
        next_due_at=NOW + timedelta(days=1),
        previous_due_at=subscription.next_due_at,
    )


def planned_all(outbox: SqlDeliveryStore, people: list[Subscription]) -> None:
    assert outbox.plan([planned(s) for s in people], NOW) == len(people)


def claim_one(outbox: SqlDeliveryStore, now: datetime = NOW, worker: str = "w1") -> int:
    [item] = outbox.claim(worker, now, now + LEASE, 1)
    return item.delivery.id


def test_due_subscriptions_are_active_ones_due_by_now(outbox: SqlDeliveryStore, site: Deps) -> None:
    people = subscribers(site, 3)
    add_subscriber(site, "pending@example.org", active=False, now=NOW - timedelta(days=3))
    due = outbox.due_subscriptions(NOW, 0, 10)
    assert [s.id for s in due] == [s.id for s in people]
    assert outbox.due_subscriptions(NOW, people[1].id, 10) == due[2:]
    earliest = min(s.next_due_at for s in people if s.next_due_at is not None)
    assert outbox.due_subscriptions(earliest - timedelta(seconds=1), 0, 10) == []


def test_plan_makes_each_delivery_once_and_advances_the_subscription(
    outbox: SqlDeliveryStore, site: Deps
) -> None:
    [person] = subscribers(site, 1)
    first = planned(person)
    assert outbox.plan([first], NOW) == 1
    again = replace(planned(person), previous_due_at=NOW + timedelta(days=1))
    assert outbox.plan([again], NOW) == 0
    [delivery] = outbox.deliveries_of(person.id)
    assert (delivery.status, delivery.period, delivery.attempts) == (
        DeliveryStatus.PENDING,
        "2026-03-02",
        0,
    )
    assert delivery.message_id == first.message_id  # the second planner's id lost
    assert outbox.due_subscriptions(NOW, 0, 10) == []


def test_plan_from_two_planners_at_once_makes_each_delivery_once(
    outbox: SqlDeliveryStore, site: Deps
) -> None:
    people = subscribers(site, 30)
    made: list[int] = []
    start = threading.Barrier(2)

    def planner() -> None:
        start.wait()
        made.append(outbox.plan([planned(s) for s in people], NOW))

    threads = [threading.Thread(target=planner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(made) == 30
    assert all(len(outbox.deliveries_of(s.id)) == 1 for s in people)


def test_message_id_stays_what_planning_fixed(outbox: SqlDeliveryStore, site: Deps) -> None:
    [person] = subscribers(site, 1)
    plan = planned(person)
    outbox.plan([plan], NOW)
    [item] = outbox.claim("w1", NOW, NOW + LEASE, 5)
    outbox.retry_later(item.delivery.id, "451 try later", NOW)
    [again] = outbox.claim("w2", NOW, NOW + LEASE, 5)
    assert item.delivery.message_id == again.delivery.message_id == plan.message_id


def test_claim_marks_sending_and_gives_the_subscription(
    outbox: SqlDeliveryStore, site: Deps
) -> None:
    people = subscribers(site, 2)
    planned_all(outbox, people)
    claimed = outbox.claim("w1", NOW, NOW + LEASE, 5)
    assert [c.subscription.email for c in claimed] == [p.email for p in people]
    assert all(c.delivery.status is DeliveryStatus.SENDING for c in claimed)
    assert all(c.delivery.claimed_by == "w1" for c in claimed)
    assert outbox.claim("w2", NOW, NOW + LEASE, 5) == []


def test_claim_from_concurrent_workers_gives_each_delivery_once(
    outbox: SqlDeliveryStore, site: Deps
) -> None:
    people = subscribers(site, 40)
    planned_all(outbox, people)
    taken: dict[str, list[int]] = {}
    start = threading.Barrier(4)

    def worker(name: str) -> None:
        start.wait()
        mine = taken.setdefault(name, [])
        while batch := outbox.claim(name, NOW, NOW + LEASE, 3):
            mine.extend(item.delivery.id for item in batch)

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [delivery_id for ids in taken.values() for delivery_id in ids]
    assert len(every) == len(set(every)) == 40


def test_claim_takes_back_an_expired_lease(outbox: SqlDeliveryStore, site: Deps) -> None:
    [person] = subscribers(site, 1)
    planned_all(outbox, [person])
    first = claim_one(outbox)
    assert outbox.claim("w2", NOW + LEASE - timedelta(seconds=1), NOW + 2 * LEASE, 1) == []
    later = NOW + LEASE + timedelta(seconds=1)
    [again] = outbox.claim("w2", later, later + LEASE, 1)
    assert (again.delivery.id, again.delivery.claimed_by) == (first, "w2")


def test_claim_takes_a_dead_workers_deliveries_first_then_the_oldest_pending(
    outbox: SqlDeliveryStore, site: Deps
) -> None:
    people = subscribers(site, 5)
    planned_all(outbox, people)
    dead = [item.delivery.id for item in outbox.claim("dead", NOW, NOW + LEASE, 2)]
    later = NOW + LEASE + timedelta(seconds=1)
    first = outbox.claim("w2", later, later + LEASE, 3)
    rest = outbox.claim("w3", later, later + LEASE, 5)
    assert [item.delivery.id for item in first][:2] == dead
    every = [item.delivery.id for item in first + rest]
    planned_ids = [d.id for person in people for d in outbox.deliveries_of(person.id)]
    assert sorted(every) == sorted(planned_ids) and len(planned_ids) == 5
    pending = [item.delivery.id for item in first[2:] + rest]
    assert pending == sorted(pending)  # planned together: same attempt time, then by id
    assert outbox.claim("w4", later, later + LEASE, 5) == []


def test_claim_waits_for_a_retry_to_be_due(outbox: SqlDeliveryStore, site: Deps) -> None:
    [person] = subscribers(site, 1)
    planned_all(outbox, [person])
    delivery_id = claim_one(outbox)
    outbox.retry_later(delivery_id, "451 busy", NOW + timedelta(minutes=1))
    stored = outbox.delivery(delivery_id)
    assert stored is not None
    assert (stored.status, stored.attempts, stored.last_error) == (
        DeliveryStatus.PENDING,
        1,
        "451 busy",
    )
    assert outbox.claim("w1", NOW, NOW + LEASE, 1) == []
    assert claim_one(outbox, NOW + timedelta(minutes=1)) == delivery_id


def test_release_makes_a_claim_claimable_at_once(outbox: SqlDeliveryStore, site: Deps) -> None:
    [person] = subscribers(site, 1)
    planned_all(outbox, [person])
    delivery_id = claim_one(outbox)
    outbox.release([delivery_id])
    stored = outbox.delivery(delivery_id)
    assert stored is not None and (stored.status, stored.attempts) == (DeliveryStatus.PENDING, 0)
    assert claim_one(outbox, worker="w2") == delivery_id


def test_fix_papers_keeps_the_first_choice(outbox: SqlDeliveryStore, site: Deps) -> None:
    [person] = subscribers(site, 1)
    planned_all(outbox, [person])
    delivery_id = claim_one(outbox)
    assert outbox.papers(delivery_id) is None
    assert outbox.fix_papers(delivery_id, ["2603.00001", "2603.00002"], NOW) == [
        "2603.00001",
        "2603.00002",
    ]
    assert outbox.fix_papers(delivery_id, ["2603.00009"], NOW) == ["2603.00001", "2603.00002"]
    assert outbox.papers(delivery_id) == ["2603.00001", "2603.00002"]


def test_fix_papers_with_none_is_fixed_as_empty(outbox: SqlDeliveryStore, site: Deps) -> None:
    [person] = subscribers(site, 1)
    planned_all(outbox, [person])
    delivery_id = claim_one(outbox)
    assert outbox.fix_papers(delivery_id, [], NOW) == []
    assert outbox.papers(delivery_id) == []


def test_sent_papers_leave_out_failed_deliveries_and_this_one(
    outbox: SqlDeliveryStore, site: Deps
) -> None:
    [person] = subscribers(site, 1)
    outbox.plan([planned(person, "2026-02-26"), planned(person, "2026-02-27")], NOW)
    outbox.plan([planned(person, "2026-03-02")], NOW)
    first, second, third = (c.delivery.id for c in outbox.claim("w1", NOW, NOW + LEASE, 3))
    outbox.fix_papers(first, ["2602.00001"], NOW)
    outbox.mark_sent(first, NOW)
    outbox.fix_papers(second, ["2602.00002"], NOW)
    outbox.mark_failed(second, "550 no such user", NOW)
    outbox.fix_papers(third, ["2603.00003"], NOW)
    assert outbox.sent_papers(person.id, third) == frozenset({"2602.00001"})
    assert outbox.sent_papers(person.id, 0) == frozenset({"2602.00001", "2603.00003"})


def test_mark_sent_is_final(outbox: SqlDeliveryStore, site: Deps) -> None:
    [person] = subscribers(site, 1)
    planned_all(outbox, [person])
    delivery_id = claim_one(outbox)
    outbox.mark_sent(delivery_id, NOW)
    outbox.retry_later(delivery_id, "a late worker's failure", NOW)  # a stale claim's report
    stored = outbox.delivery(delivery_id)
    assert stored is not None and (stored.status, stored.sent_at) == (DeliveryStatus.SENT, NOW)
    assert outbox.claim("w2", NOW + 2 * LEASE, NOW + 3 * LEASE, 1) == []


def test_mark_empty_sends_nothing(outbox: SqlDeliveryStore, site: Deps) -> None:
    [person] = subscribers(site, 1)
    planned_all(outbox, [person])
    delivery_id = claim_one(outbox)
    outbox.mark_empty(delivery_id, NOW)
    stored = outbox.delivery(delivery_id)
    assert stored is not None and stored.status is DeliveryStatus.EMPTY
    assert stored.sent_at is None and stored.composed_at == NOW


def bounce(outbox: SqlDeliveryStore, person: Subscription, period: str, limit: int = 2) -> bool:
    outbox.plan([planned(person, period)], NOW)
    delivery_id = claim_one(outbox)
    return outbox.mark_failed(delivery_id, "550 5.1.1 no such user", NOW, bounce_limit=limit)


def test_hard_bounces_in_a_row_pause_the_subscription(outbox: SqlDeliveryStore, site: Deps) -> None:
    [person] = subscribers(site, 1)
    assert bounce(outbox, person, "2026-02-26") is False
    assert bounce(outbox, person, "2026-02-27") is True
    [paused] = [s for s in site_subscriptions(site) if s.id == person.id]
    assert paused.status is SubscriptionStatus.PAUSED and paused.next_due_at is None
    assert paused.hard_bounces == 2 and "550 5.1.1" in (paused.paused_reason or "")


def test_a_sent_digest_resets_the_bounce_count(outbox: SqlDeliveryStore, site: Deps) -> None:
    [person] = subscribers(site, 1)
    bounce(outbox, person, "2026-02-25")
    outbox.plan([planned(person, "2026-02-26")], NOW)
    outbox.mark_sent(claim_one(outbox), NOW)
    assert bounce(outbox, person, "2026-02-27") is False
    [after] = [s for s in site_subscriptions(site) if s.id == person.id]
    assert (after.status, after.hard_bounces) == (SubscriptionStatus.ACTIVE, 1)


def site_subscriptions(site: Deps) -> list[Subscription]:
    found = [site.subscriptions.subscription(n) for n in range(1, 50)]
    return [s for s in found if s is not None]


def test_runs_are_recorded_newest_first(runs: SqlDigestRuns) -> None:
    first = runs.start_run("host:1", NOW)
    second = runs.start_run("host:2", NOW + timedelta(minutes=5))
    runs.finish_run(first, RunCounts(planned=3, sent=2, empty=1), NOW + timedelta(seconds=9), None)
    newest, oldest = runs.recent_runs(5)
    assert (newest.id, newest.finished_at) == (second, None)
    assert (oldest.id, oldest.counts, oldest.finished_at) == (
        first,
        RunCounts(planned=3, sent=2, empty=1),
        NOW + timedelta(seconds=9),
    )


def test_counts_due_and_failures(outbox: SqlDeliveryStore, runs: SqlDigestRuns, site: Deps) -> None:
    people = subscribers(site, 3)
    assert runs.due_count(NOW) == (3, 0)
    planned_all(outbox, people)
    first, second, _ = (c.delivery.id for c in outbox.claim("w1", NOW, NOW + LEASE, 3))
    outbox.mark_failed(first, "550 no such user", NOW)
    outbox.retry_later(second, "451 greylisted", NOW + timedelta(minutes=1))
    assert runs.delivery_counts() == {
        "pending": 1,
        "sending": 1,
        "sent": 0,
        "empty": 0,
        "failed": 1,
    }
    assert runs.due_count(NOW) == (0, 0)
    assert runs.due_count(NOW + LEASE + timedelta(seconds=1)) == (0, 2)
    failures = runs.recent_failures(10)
    assert [(d.id, email) for d, email in failures] == [
        (second, people[1].email),
        (first, people[0].email),
    ]


def test_batch_forms_of_papers_match_the_single_ones(outbox: SqlDeliveryStore, site: Deps) -> None:
    alan, barbara = subscribers(site, 2)
    outbox.plan([planned(alan, "2026-02-27"), planned(alan), planned(barbara)], NOW)
    old, new, other = (c.delivery.id for c in outbox.claim("w1", NOW, NOW + LEASE, 3))
    outbox.fix_papers(old, ["2602.00001"], NOW)
    outbox.mark_sent(old, NOW)
    assert outbox.papers_of([old, new, other]) == {old: ["2602.00001"], new: None, other: None}
    assert outbox.sent_papers_of([alan.id, barbara.id], [new, other]) == {
        alan.id: {"2602.00001"},
        barbara.id: set(),
    }
    fixed = outbox.fix_papers_of({new: ["2603.00002", "2603.00003"], other: []}, NOW)
    assert fixed == {new: ["2603.00002", "2603.00003"], other: []}
    again = outbox.fix_papers_of({new: ["2603.00009"], old: ["2603.00009"]}, NOW)
    assert again == {new: ["2603.00002", "2603.00003"], old: ["2602.00001"]}
    assert outbox.papers_of([new, other]) == {new: ["2603.00002", "2603.00003"], other: []}
