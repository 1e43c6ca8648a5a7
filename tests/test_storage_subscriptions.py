"""Contract tests for the subscription store: each runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from paperboy.domain.digests import (
    DigestContent,
    Frequency,
    Preferences,
    Subscription,
    SubscriptionStatus,
)
from paperboy.domain.subscription_rules import SubscriptionExists
from paperboy.storage.accounts import SqlAccountStore
from paperboy.storage.engine import make_engine
from paperboy.storage.subscriptions import SqlSubscriptionStore
from tests.support.discussion import T0, insert_user

DUE = T0 + timedelta(hours=3)
PREFS = Preferences(
    frequency=Frequency.WEEKLY,
    weekday=4,
    hour=17,
    timezone="Europe/Berlin",
    max_papers=25,
    categories=("cs.CL", "hep-th"),
    content=DigestContent.SEARCHES,
    searches=("diffusion models", "«RLHF» & <b>"),
)


@pytest.fixture
def subs(database_url: str) -> Iterator[SqlSubscriptionStore]:
    store = SqlSubscriptionStore(make_engine(database_url))
    yield store
    store.engine.dispose()


def pending(subs: SqlSubscriptionStore, email: str = "ada@example.org") -> Subscription:
    return subs.create(email, PREFS, T0)


def test_create_pending_round_trips_every_field(subs: SqlSubscriptionStore) -> None:
    created = pending(subs)
    assert created.email == "ada@example.org" and created.user_id is None
    assert created.status is SubscriptionStatus.PENDING
    assert created.preferences == PREFS
    assert (created.next_due_at, created.confirmed_at, created.hard_bounces) == (None, None, 0)
    assert (created.created_at, created.modified_at, created.paused_reason) == (T0, T0, None)
    assert subs.subscription(created.id) == created
    assert subs.by_email("ada@example.org") == created
    assert subs.by_email("grace@example.org") is None


def test_create_active_for_a_member(subs: SqlSubscriptionStore) -> None:
    ada = insert_user(subs.engine, "ada")
    created = subs.create("ada@example.org", Preferences(), T0, user_id=ada, next_due_at=DUE)
    assert created.status is SubscriptionStatus.ACTIVE
    assert (created.next_due_at, created.confirmed_at) == (DUE, T0)
    assert subs.by_user(ada) == created
    assert created.preferences == Preferences()


def test_create_refuses_a_second_for_the_address_or_member(subs: SqlSubscriptionStore) -> None:
    ada = insert_user(subs.engine, "ada")
    subs.create("ada@example.org", PREFS, T0, user_id=ada)
    with pytest.raises(SubscriptionExists):
        subs.create("ada@example.org", PREFS, T0)
    with pytest.raises(SubscriptionExists):
        subs.create("other@example.org", PREFS, T0, user_id=ada)


def test_concurrent_creates_make_one_row(subs: SqlSubscriptionStore) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def create() -> None:
        barrier.wait()
        try:
            subs.create("race@example.org", PREFS, T0)
            outcomes.append("created")
        except SubscriptionExists:
            outcomes.append("exists")

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "exists", "exists", "exists"]
    assert subs.counts_by_status()[SubscriptionStatus.PENDING] == 1


def test_confirm_activates_once(subs: SqlSubscriptionStore) -> None:
    created = pending(subs)
    later = T0 + timedelta(minutes=5)
    assert subs.confirm(created.id, later, DUE) is True
    assert subs.confirm(created.id, later + timedelta(minutes=1), DUE + timedelta(days=1)) is False
    found = subs.subscription(created.id)
    assert found is not None
    assert (found.status, found.confirmed_at, found.next_due_at) == (
        SubscriptionStatus.ACTIVE,
        later,
        DUE,
    )


def test_pause_and_resume(subs: SqlSubscriptionStore) -> None:
    created = subs.create("ada@example.org", PREFS, T0, next_due_at=DUE)
    assert subs.pause(created.id, T0, "bounced 3 times") is True
    assert subs.pause(created.id, T0) is False
    paused = subs.subscription(created.id)
    assert paused is not None
    assert (paused.status, paused.next_due_at, paused.paused_reason) == (
        SubscriptionStatus.PAUSED,
        None,
        "bounced 3 times",
    )
    assert subs.resume(created.id, T0, DUE) is True
    assert subs.resume(created.id, T0, DUE) is False
    resumed = subs.subscription(created.id)
    assert resumed is not None
    assert (resumed.status, resumed.next_due_at, resumed.paused_reason) == (
        SubscriptionStatus.ACTIVE,
        DUE,
        None,
    )


def test_pending_cannot_be_paused_or_resumed(subs: SqlSubscriptionStore) -> None:
    created = pending(subs)
    assert subs.pause(created.id, T0) is False
    assert subs.resume(created.id, T0, DUE) is False
    assert subs.subscription(created.id) == created


@pytest.mark.parametrize("start", ["pending", "active", "paused"])
def test_unsubscribe_from_any_status_is_idempotent(subs: SqlSubscriptionStore, start: str) -> None:
    created = subs.create(
        "ada@example.org", PREFS, T0, next_due_at=None if start == "pending" else DUE
    )
    if start == "paused":
        subs.pause(created.id, T0)
    later = T0 + timedelta(hours=1)
    assert subs.unsubscribe(created.id, later) is True
    assert subs.unsubscribe(created.id, later) is False
    gone = subs.subscription(created.id)
    assert gone is not None
    assert (gone.status, gone.next_due_at, gone.modified_at) == (
        SubscriptionStatus.UNSUBSCRIBED,
        None,
        later,
    )


def test_restart_an_unsubscribed_address_waits_for_confirmation(subs: SqlSubscriptionStore) -> None:
    created = subs.create("ada@example.org", Preferences(), T0, next_due_at=DUE)
    subs.unsubscribe(created.id, T0)
    assert subs.restart(created.id, PREFS, T0 + timedelta(days=1)) is True
    again = subs.subscription(created.id)
    assert again is not None
    assert (again.status, again.preferences, again.confirmed_at, again.next_due_at) == (
        SubscriptionStatus.PENDING,
        PREFS,
        None,
        None,
    )


def test_restart_leaves_an_active_subscription_alone(subs: SqlSubscriptionStore) -> None:
    created = subs.create("ada@example.org", Preferences(), T0, next_due_at=DUE)
    assert subs.restart(created.id, PREFS, T0) is False
    assert subs.subscription(created.id) == created


def test_update_preferences_moves_next_due_only_while_active(subs: SqlSubscriptionStore) -> None:
    waiting = pending(subs)
    assert subs.update_preferences(waiting.id, Preferences(), T0, DUE) is True
    found = subs.subscription(waiting.id)
    assert found is not None and found.preferences == Preferences() and found.next_due_at is None
    active = subs.create("grace@example.org", Preferences(), T0, next_due_at=DUE)
    later = DUE + timedelta(days=1)
    assert subs.update_preferences(active.id, PREFS, T0, later) is True
    found = subs.subscription(active.id)
    assert found is not None and found.preferences == PREFS and found.next_due_at == later
    assert subs.update_preferences(9999, PREFS, T0, later) is False


def test_activate_links_an_address_to_its_member(subs: SqlSubscriptionStore) -> None:
    ada = insert_user(subs.engine, "ada")
    created = pending(subs)
    subs.unsubscribe(created.id, T0)
    assert subs.activate(created.id, Preferences(), T0, DUE, user_id=ada) is True
    found = subs.by_user(ada)
    assert found is not None and found.id == created.id
    assert (found.status, found.next_due_at, found.confirmed_at) == (
        SubscriptionStatus.ACTIVE,
        DUE,
        T0,
    )


def test_activate_refuses_a_member_who_has_another(subs: SqlSubscriptionStore) -> None:
    ada = insert_user(subs.engine, "ada")
    subs.create("ada@example.org", PREFS, T0, user_id=ada, next_due_at=DUE)
    other = subs.create("ada.work@example.org", PREFS, T0)
    assert subs.activate(other.id, PREFS, T0, DUE, user_id=ada) is False
    assert subs.subscription(other.id) == other


def test_member_data_is_the_members_subscription(subs: SqlSubscriptionStore) -> None:
    ada = insert_user(subs.engine, "ada")
    assert subs.member_data(ada) is None
    subs.create("ada@example.org", PREFS, T0, user_id=ada, next_due_at=DUE)
    data = subs.member_data(ada)
    assert data is not None and data["email"] == "ada@example.org" and data["status"] == "active"
    assert data["preferences"]["searches"] == list(PREFS.searches)
    assert data["confirmed_at"] == T0.isoformat()


def test_counts_by_status_lists_every_status(subs: SqlSubscriptionStore) -> None:
    assert subs.counts_by_status() == {status: 0 for status in SubscriptionStatus}
    pending(subs, "a@example.org")
    subs.create("b@example.org", PREFS, T0, next_due_at=DUE)
    gone = subs.create("c@example.org", PREFS, T0, next_due_at=DUE)
    subs.unsubscribe(gone.id, T0)
    assert subs.counts_by_status() == {
        SubscriptionStatus.PENDING: 1,
        SubscriptionStatus.ACTIVE: 1,
        SubscriptionStatus.PAUSED: 0,
        SubscriptionStatus.UNSUBSCRIBED: 1,
    }


def test_a_members_digest_follows_their_confirmed_new_address(subs: SqlSubscriptionStore) -> None:
    accounts = SqlAccountStore(subs.engine)
    ada = insert_user(subs.engine, "ada")
    mine = subs.create("ada@example.org", PREFS, T0, user_id=ada, next_due_at=DUE)
    theirs = subs.create("ada@new.example.org", Preferences(), T0)  # address-only, same person
    other = subs.create("grace@example.org", Preferences(), T0)
    accounts.set_email(ada, "ada@new.example.org", T0 + timedelta(hours=1))
    moved = subs.by_user(ada)
    assert moved is not None and (moved.id, moved.email) == (mine.id, "ada@new.example.org")
    assert moved.preferences == PREFS and moved.status is SubscriptionStatus.ACTIVE
    assert subs.subscription(theirs.id) is None
    assert subs.subscription(other.id) == other


def test_erasing_an_account_erases_its_subscription(subs: SqlSubscriptionStore) -> None:
    accounts = SqlAccountStore(subs.engine)
    ada = insert_user(subs.engine, "ada")
    mine = subs.create("ada@example.org", PREFS, T0, user_id=ada, next_due_at=DUE)
    other = subs.create("grace@example.org", Preferences(), T0)
    accounts.erase_user(ada, T0 + timedelta(hours=1))
    assert subs.subscription(mine.id) is None and subs.by_email("ada@example.org") is None
    assert subs.subscription(other.id) == other
