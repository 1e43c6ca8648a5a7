"""The subscription service under concurrency and mail failures, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from paperboy.app import Deps, build_deps, subscribing
from paperboy.domain.accounts import User
from paperboy.domain.digests import Preferences, SubscriptionStatus
from paperboy.domain.mail import OutgoingMail, TemporaryMailError
from paperboy.services.subscriptions import SubscribeOutcome
from tests.conftest import make_settings
from tests.support.fake_time import FakeTime
from tests.support.members import add_member


@dataclass
class RecordingMailer:
    """A mailer that keeps what it is given (or fails, while `failing`)."""

    sent: list[OutgoingMail] = field(default_factory=list)
    failing: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message: OutgoingMail) -> str:
        if self.failing:
            raise TemporaryMailError("421 try again later", 421)
        with self.lock:
            self.sent.append(message)
        return f"<{len(self.sent)}@test>"


@pytest.fixture
def mailer() -> RecordingMailer:
    return RecordingMailer()


@pytest.fixture
def site(database_url: str, mailer: RecordingMailer) -> Deps:
    return build_deps(make_settings(database_url), mailer=mailer, clock=FakeTime().now)


def at_once(count: int, action: Callable[[], object]) -> list[object]:
    """Run `action` in `count` threads released together; their results (or exceptions)."""
    barrier = threading.Barrier(count)
    results: list[object] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(action())
        except Exception as error:  # reported to the test, which fails on it
            results.append(error)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_the_same_address_sent_at_once_makes_one_subscription_and_one_mail(
    site: Deps, mailer: RecordingMailer
) -> None:
    results = at_once(4, lambda: subscribing(site).subscribe("ada@example.org", Preferences()))
    assert sorted(str(r) for r in results) == ["mailed"] + ["recently_mailed"] * 3
    assert [m.to for m in mailer.sent] == ["ada@example.org"]
    assert site.subscriptions.counts_by_status()[SubscriptionStatus.PENDING] == 1


def test_a_failing_mail_server_leaves_the_subscription_pending(
    site: Deps, mailer: RecordingMailer
) -> None:
    mailer.failing = True
    outcome = subscribing(site).subscribe("ada@example.org", Preferences())
    assert outcome is SubscribeOutcome.MAIL_FAILED
    found = site.subscriptions.by_email("ada@example.org")
    assert found is not None and found.status is SubscriptionStatus.PENDING


def test_a_member_subscribing_twice_at_once_has_one_active_subscription(
    site: Deps, mailer: RecordingMailer
) -> None:
    ada: User = add_member(site, "ada")
    mailer.sent.clear()  # the sign-up mail
    results = at_once(3, lambda: subscribing(site).subscribe_member(ada, Preferences(hour=6)))
    assert all(not isinstance(r, Exception) for r in results), results
    found = site.subscriptions.by_user(ada.id)
    assert found is not None and found.status is SubscriptionStatus.ACTIVE
    assert site.subscriptions.counts_by_status()[SubscriptionStatus.ACTIVE] == 1
    assert mailer.sent == []


def test_confirm_is_the_only_way_from_pending_to_active(site: Deps) -> None:
    service = subscribing(site)
    service.subscribe("ada@example.org", Preferences())
    found = site.subscriptions.by_email("ada@example.org")
    assert found is not None
    assert service.resume(found).status is SubscriptionStatus.PENDING
    assert service.pause(found).status is SubscriptionStatus.PENDING
    changed = service.change(found, Preferences(hour=9))
    assert changed.status is SubscriptionStatus.PENDING and changed.next_due_at is None
