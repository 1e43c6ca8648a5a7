"""Digest runs end to end: planning, workers, retries and bounces, against a real SMTP server."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from paperboy.app import Deps, build_deps
from paperboy.domain.digests import DeliveryStatus, Subscription, SubscriptionStatus
from paperboy.services.digest_outbox import DigestRunReport, run_digests
from tests.conftest import make_settings
from tests.support.community import listed
from tests.support.fake_time import FakeTime
from tests.support.smtp import SmtpSink, free_port
from tests.support.subscribers import add_subscriber

MONDAY = date(2026, 3, 2)
SUBSCRIBED = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York
NOW = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # Tuesday 09:00: the 08:00 slot has passed
PERIOD = "2026-03-03"


def site_for(
    database_url: str, sink: SmtpSink, clock: FakeTime, port: int | None = None, **settings: Any
) -> Deps:
    options: dict[str, Any] = {
        "mail_backend": "smtp",
        "smtp_host": sink.host,
        "smtp_port": port or sink.port,
        "smtp_security": "none",
        "smtp_timeout": 2.0,
        "digest_retry_seconds": 60.0,
        **settings,
    }
    return build_deps(make_settings(database_url, **options), clock=clock.now)


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime(seconds=0.0, start=NOW)


@pytest.fixture
def site(sqlite_url: str, smtp_sink: SmtpSink, clock: FakeTime) -> Deps:
    deps = site_for(sqlite_url, smtp_sink, clock)
    papers_listed(deps)
    return deps


def papers_listed(deps: Deps, count: int = 5, day: date = MONDAY) -> None:
    first = 1 + 100 * (day - MONDAY).days
    numbers = range(first, first + count)
    deps.store.upsert_entries([listed(f"2603.{n:05d}", day, upvotes=50 - n) for n in numbers])


def readers(deps: Deps, count: int, prefix: str = "reader") -> list[Subscription]:
    return [add_subscriber(deps, f"{prefix}{n}@example.org", now=SUBSCRIBED) for n in range(count)]


def run(deps: Deps, **options: Any) -> DigestRunReport:
    return run_digests(deps, now=deps.clock(), **options)


def statuses(deps: Deps, people: list[Subscription]) -> list[DeliveryStatus]:
    return [d.status for p in people for d in deps.deliveries.deliveries_of(p.id)]


def test_run_sends_each_due_subscriber_one_digest(
    database_url: str, smtp_sink: SmtpSink, clock: FakeTime
) -> None:
    deps = site_for(database_url, smtp_sink, clock)
    papers_listed(deps)
    people = readers(deps, 6)
    report = run(deps)
    assert (report.counts.planned, report.counts.sent, report.counts.failed) == (6, 6, 0)
    received = smtp_sink.wait_for(6)
    assert sorted(m.rcpt_tos[0] for m in received) == sorted(p.email for p in people)
    for person in people:
        [delivery] = deps.deliveries.deliveries_of(person.id)
        [message] = smtp_sink.to(person.email)
        assert (delivery.status, delivery.period) == (DeliveryStatus.SENT, PERIOD)
        assert message.message["Message-ID"] == delivery.message_id
        assert deps.deliveries.papers(delivery.id) == [f"2603.{n:05d}" for n in range(1, 6)]
    again = run(deps)
    assert (again.counts.planned, again.counts.sent) == (0, 0)
    assert len(smtp_sink.messages) == 6
    assert [r.counts.sent for r in deps.digest_runs.recent_runs()] == [0, 6]


def test_run_moves_each_subscription_to_its_next_slot(site: Deps) -> None:
    [person] = readers(site, 1)
    run(site)
    [after] = site.deliveries.due_subscriptions(NOW + timedelta(days=1), 0, 10)
    assert after.id == person.id
    assert after.next_due_at == datetime(2026, 3, 4, 13, 0, tzinfo=UTC)  # Wednesday 08:00 EST
    assert site.deliveries.due_subscriptions(NOW, 0, 10) == []


def test_a_period_with_nothing_new_sends_nothing(
    sqlite_url: str, smtp_sink: SmtpSink, clock: FakeTime
) -> None:
    deps = site_for(sqlite_url, smtp_sink, clock)  # no papers listed
    people = readers(deps, 2)
    report = run(deps)
    assert (report.counts.empty, report.counts.sent) == (2, 0)
    assert statuses(deps, people) == [DeliveryStatus.EMPTY] * 2
    assert smtp_sink.messages == []


def test_dry_run_lists_who_is_due_and_stores_nothing(site: Deps, smtp_sink: SmtpSink) -> None:
    people = readers(site, 2)
    report = run(site, dry_run=True)
    assert report.run_id is None
    assert [(d.email, d.period, len(d.titles)) for d in report.due] == [
        (p.email, PERIOD, 5) for p in people
    ]
    assert report.due[0].titles[0] == "Paper 2603.00001"
    assert statuses(site, people) == []
    assert site.digest_runs.recent_runs() == []
    assert len(site.deliveries.due_subscriptions(NOW, 0, 10)) == 2
    assert smtp_sink.messages == []


def test_a_4xx_is_retried_later_with_the_same_message_id(
    site: Deps, smtp_sink: SmtpSink, clock: FakeTime
) -> None:
    [person] = readers(site, 1)
    smtp_sink.refusals[person.email] = "451 4.7.1 greylisted, try again later"
    report = run(site)
    assert (report.counts.retried, report.counts.sent) == (1, 0)
    [delivery] = site.deliveries.deliveries_of(person.id)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert "451" in (delivery.last_error or "")
    del smtp_sink.refusals[person.email]
    assert run(site).counts.sent == 0  # the retry is not due yet
    clock.advance(61)
    assert run(site).counts.sent == 1
    [message] = smtp_sink.to(person.email)
    assert message.message["Message-ID"] == delivery.message_id


def test_temporary_failures_back_off_then_give_up(
    sqlite_url: str, smtp_sink: SmtpSink, clock: FakeTime
) -> None:
    deps = site_for(sqlite_url, smtp_sink, clock, digest_max_attempts=3)
    papers_listed(deps)
    [person] = readers(deps, 1)
    smtp_sink.refusals[person.email] = "452 4.2.2 mailbox full"
    waits = []
    for _ in range(3):
        run(deps)
        [delivery] = deps.deliveries.deliveries_of(person.id)
        waits.append((delivery.next_attempt_at - clock.now()).total_seconds())
        clock.advance(3600)
    assert waits[:2] == [60.0, 120.0]
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
    current = deps.subscriptions.subscription(person.id)
    assert current is not None and current.hard_bounces == 0  # a 4xx is no bounce
    assert current.status is SubscriptionStatus.ACTIVE


def test_hard_bounces_in_a_row_pause_the_subscription(
    sqlite_url: str, smtp_sink: SmtpSink, clock: FakeTime
) -> None:
    deps = site_for(sqlite_url, smtp_sink, clock, digest_max_bounces=2)
    for day in range(4):  # Monday to Thursday
        papers_listed(deps, 3, MONDAY + timedelta(days=day))
    bouncing, fine = readers(deps, 2)
    smtp_sink.refusals[bouncing.email] = "550 5.1.1 no such user"
    first = run(deps)
    assert (first.counts.failed, first.counts.sent, first.paused) == (1, 1, 0)
    clock.advance(24 * 3600)  # Wednesday's slot
    second = run(deps)
    assert (second.counts.failed, second.counts.sent, second.paused) == (1, 1, 1)
    paused = deps.subscriptions.subscription(bouncing.id)
    assert paused is not None and paused.status is SubscriptionStatus.PAUSED
    assert "550 5.1.1" in (paused.paused_reason or "")
    clock.advance(24 * 3600)
    third = run(deps)
    assert (third.counts.planned, third.counts.sent) == (1, 1)  # only the one still active
    assert len(smtp_sink.to(fine.email)) == 3 and smtp_sink.to(bouncing.email) == []


def test_a_digest_accepted_after_a_bounce_starts_the_count_over(
    sqlite_url: str, smtp_sink: SmtpSink, clock: FakeTime
) -> None:
    deps = site_for(sqlite_url, smtp_sink, clock, digest_max_bounces=2)
    for day in range(4):
        papers_listed(deps, 3, MONDAY + timedelta(days=day))
    [person] = readers(deps, 1)
    smtp_sink.refusals[person.email] = "550 5.2.1 mailbox disabled"
    assert run(deps).counts.failed == 1
    del smtp_sink.refusals[person.email]  # the mailbox works again
    clock.advance(24 * 3600)
    assert run(deps).counts.sent == 1
    after = deps.subscriptions.subscription(person.id)
    assert after is not None and (after.hard_bounces, after.status) == (
        0,
        SubscriptionStatus.ACTIVE,
    )


def test_a_server_that_is_down_loses_nothing(
    sqlite_url: str, smtp_sink: SmtpSink, clock: FakeTime
) -> None:
    down = site_for(sqlite_url, smtp_sink, clock, port=free_port())
    papers_listed(down)
    people = readers(down, 12)
    report = run(down)
    assert report.counts.sent == 0 and report.counts.retried >= 1
    assert "cannot reach" in (report.note or "")
    assert set(statuses(down, people)) == {DeliveryStatus.PENDING}  # tried or given back
    clock.advance(3600)
    up = site_for(sqlite_url, smtp_sink, clock)
    assert run(up).counts.sent == 12
    assert sorted(m.rcpt_tos[0] for m in smtp_sink.messages) == sorted(p.email for p in people)


def test_a_hang_up_mid_session_is_retried(site: Deps, smtp_sink: SmtpSink, clock: FakeTime) -> None:
    people = readers(site, 4)
    smtp_sink.hang_ups_on_data = 1
    first = run(site, connections=1)
    assert (first.counts.retried, first.counts.sent) == (1, 3)
    clock.advance(61)
    assert run(site).counts.sent == 1
    assert sorted(m.rcpt_tos[0] for m in smtp_sink.messages) == sorted(p.email for p in people)


def test_a_slow_server_is_retried_with_the_same_message_id(
    sqlite_url: str, smtp_sink: SmtpSink, clock: FakeTime
) -> None:
    deps = site_for(sqlite_url, smtp_sink, clock, smtp_timeout=0.3)
    papers_listed(deps)
    [person] = readers(deps, 1)
    smtp_sink.data_delay = 0.6  # answers after the client gave up (the message may still land)
    assert run(deps).counts.retried == 1
    smtp_sink.data_delay = 0.0
    clock.advance(61)
    assert run(deps).counts.sent == 1
    [delivery] = deps.deliveries.deliveries_of(person.id)
    smtp_sink.wait_for(1)
    assert {m.message["Message-ID"] for m in smtp_sink.to(person.email)} == {delivery.message_id}


def test_an_unsubscribe_after_planning_stops_the_send(
    site: Deps, smtp_sink: SmtpSink, clock: FakeTime
) -> None:
    leaving, staying = readers(site, 2)
    smtp_sink.refusals[leaving.email] = "451 4.7.1 later"
    run(site)
    site.subscriptions.unsubscribe(leaving.id, clock.now())
    del smtp_sink.refusals[leaving.email]
    clock.advance(61)
    run(site)
    assert smtp_sink.to(leaving.email) == [] and len(smtp_sink.to(staying.email)) == 1
    [delivery] = site.deliveries.deliveries_of(leaving.id)
    assert delivery.status is DeliveryStatus.FAILED
    assert "unsubscribed" in (delivery.last_error or "")


def test_two_runs_at_once_send_each_digest_once(site: Deps, smtp_sink: SmtpSink) -> None:
    people = readers(site, 40)
    reports: list[DigestRunReport] = []
    threads = [threading.Thread(target=lambda: reports.append(run(site))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.counts.sent for r in reports) == 40
    assert sum(r.counts.planned for r in reports) == 40
    assert sorted(m.rcpt_tos[0] for m in smtp_sink.messages) == sorted(p.email for p in people)


def test_each_worker_sends_over_its_own_connection(
    sqlite_url: str, smtp_sink: SmtpSink, clock: FakeTime
) -> None:
    deps = site_for(sqlite_url, smtp_sink, clock, digest_batch_size=2)
    papers_listed(deps)
    people = readers(deps, 30)
    assert run(deps, connections=3).counts.sent == 30
    workers = {d.claimed_by for p in people for d in deps.deliveries.deliveries_of(p.id)}
    assert 1 <= smtp_sink.connections == len(workers) <= 3


def test_the_rate_limit_spaces_the_sends(
    sqlite_url: str, smtp_sink: SmtpSink, clock: FakeTime
) -> None:
    deps = site_for(sqlite_url, smtp_sink, clock, digest_rate_per_second=20.0)
    papers_listed(deps)
    readers(deps, 8)
    started = time.monotonic()
    assert run(deps).counts.sent == 8
    assert time.monotonic() - started >= 7 / 20  # 8 sends at 20/s: at least 7 gaps of 50 ms
