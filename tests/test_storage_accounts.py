"""Contract tests for the account store and the attempt counters: each on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from paperboy.domain.account_rules import EmailTaken, UsernameTaken
from paperboy.domain.accounts import AccountStatus, Role, User
from paperboy.domain.credentials import Session, TokenPurpose
from paperboy.storage.accounts import SqlAccountStore
from paperboy.storage.engine import make_engine
from paperboy.storage.papers import SqlPaperStore
from paperboy.storage.rate_limits import SqlRateLimits

T0 = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def accounts(database_url: str) -> Iterator[SqlAccountStore]:
    engine = make_engine(database_url)
    yield SqlAccountStore(engine)
    engine.dispose()


@pytest.fixture
def counters(database_url: str) -> Iterator[SqlRateLimits]:
    engine = make_engine(database_url)
    yield SqlRateLimits(engine)
    engine.dispose()


def member(store: SqlAccountStore, username: str = "ada", **fields: object) -> User:
    values: dict[str, object] = {
        "username": username,
        "email": f"{username}@example.org",
        "display_name": username.title(),
        "password_hash": "$argon2id$stub",
        "role": Role.MEMBER,
        "now": T0,
    }
    values.update(fields)
    return store.add_user(**values)  # type: ignore[arg-type]


def session(
    user: User, session_id: str = "a" * 64, *, expires: datetime = T0 + timedelta(days=1)
) -> Session:
    return Session(
        id=session_id,
        user_id=user.id,
        csrf_token="csrf",
        created_at=T0,
        last_seen_at=T0,
        expires_at=expires,
        user_agent="test",
        ip="127.0.0.1",
    )


# ---- members


def test_add_user_round_trips(accounts: SqlAccountStore) -> None:
    user = member(accounts, verified_at=T0)
    assert accounts.user_by_id(user.id) == user
    assert user.username == "ada" and user.email == "ada@example.org"
    assert user.role is Role.MEMBER and user.status is AccountStatus.ACTIVE
    assert user.email_verified_at == T0 and user.created_at == T0
    assert accounts.password_hash(user.id) == "$argon2id$stub"


def test_add_user_refuses_a_taken_username(accounts: SqlAccountStore) -> None:
    member(accounts)
    with pytest.raises(UsernameTaken):
        member(accounts, email="other@example.org")


def test_add_user_refuses_a_taken_email(accounts: SqlAccountStore) -> None:
    member(accounts)
    with pytest.raises(EmailTaken):
        member(accounts, "bob", email="ada@example.org")


def test_add_user_concurrent_same_username_one_wins(accounts: SqlAccountStore) -> None:
    def attempt(i: int) -> str:
        try:
            member(accounts, "same", email=f"same{i}@example.org")
        except UsernameTaken:
            return "taken"
        return "added"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert outcomes.count("added") == 1
    assert outcomes.count("taken") == 7


def test_lookups_by_username_and_email_ignore_case(accounts: SqlAccountStore) -> None:
    user = member(accounts)
    assert accounts.user_by_username("ADA") == user
    assert accounts.user_by_email("Ada@Example.org") == user
    assert accounts.user_by_username("nobody") is None


def test_users_lists_in_signup_order_and_by_ids(accounts: SqlAccountStore) -> None:
    ada, bob = member(accounts), member(accounts, "bob")
    assert accounts.users() == [ada, bob]
    assert accounts.users(limit=1, offset=1) == [bob]
    assert accounts.users_by_ids([bob.id, 999]) == {bob.id: bob}


def test_set_password_email_profile_role_status(accounts: SqlAccountStore) -> None:
    user = member(accounts)
    later = T0 + timedelta(hours=1)
    accounts.set_password_hash(user.id, "$argon2id$new", later)
    accounts.set_email(user.id, "new@example.org", later)
    accounts.set_profile(user.id, display_name="Ada L.", show_upvotes=True, now=later)
    accounts.set_role(user.id, Role.CURATOR, later)
    accounts.set_status(user.id, AccountStatus.BANNED, later)
    changed = accounts.user_by_id(user.id)
    assert changed is not None
    assert accounts.password_hash(user.id) == "$argon2id$new"
    assert changed.email == "new@example.org" and changed.email_verified_at == later
    assert changed.display_name == "Ada L." and changed.show_upvotes
    assert changed.role is Role.CURATOR and changed.status is AccountStatus.BANNED


def test_set_email_refuses_an_address_in_use(accounts: SqlAccountStore) -> None:
    member(accounts)
    bob = member(accounts, "bob")
    with pytest.raises(EmailTaken):
        accounts.set_email(bob.id, "ada@example.org", T0)


def test_mark_email_verified_keeps_the_first_time(accounts: SqlAccountStore) -> None:
    user = member(accounts)
    accounts.mark_email_verified(user.id, T0)
    accounts.mark_email_verified(user.id, T0 + timedelta(days=1))
    verified = accounts.user_by_id(user.id)
    assert verified is not None and verified.email_verified_at == T0


def test_profile_changes_move_the_content_revision(database_url: str) -> None:
    engine = make_engine(database_url)
    accounts, papers = SqlAccountStore(engine), SqlPaperStore(engine)
    user = member(accounts)
    before = papers.content_revision()
    accounts.set_profile(user.id, display_name="New", show_upvotes=False, now=T0)
    assert papers.content_revision() > before
    engine.dispose()


def test_erase_user_keeps_the_row_and_nothing_personal(accounts: SqlAccountStore) -> None:
    user = member(accounts)
    accounts.add_session(session(user))
    accounts.add_api_token(user_id=user.id, name="x", token_hash="h" * 64, prefix="pb_x", now=T0)
    accounts.erase_user(user.id, T0)
    erased = accounts.user_by_id(user.id)
    assert erased is not None and erased.status is AccountStatus.DELETED
    assert erased.username == f"deleted-{user.id}" and "ada" not in erased.email
    assert erased.display_name == "" and accounts.password_hash(user.id) is None
    assert accounts.session_with_user("a" * 64, T0) is None
    assert accounts.api_tokens_of(user.id) == []
    assert accounts.user_by_email("ada@example.org") is None
    member(accounts)  # the username and address are free again


# ---- sessions


def test_session_with_user_returns_both(accounts: SqlAccountStore) -> None:
    user = member(accounts)
    accounts.add_session(session(user))
    found = accounts.session_with_user("a" * 64, T0)
    assert found == (session(user), user)


def test_session_with_user_ignores_expired(accounts: SqlAccountStore) -> None:
    user = member(accounts)
    accounts.add_session(session(user, expires=T0))
    assert accounts.session_with_user("a" * 64, T0) is None
    assert accounts.remove_expired(T0) == 1


def test_touch_session_slides_the_expiry(accounts: SqlAccountStore) -> None:
    user = member(accounts)
    accounts.add_session(session(user))
    accounts.touch_session("a" * 64, T0 + timedelta(hours=1), T0 + timedelta(days=9))
    found = accounts.session_with_user("a" * 64, T0 + timedelta(days=2))
    assert found is not None
    assert found[0].last_seen_at == T0 + timedelta(hours=1)
    assert found[0].expires_at == T0 + timedelta(days=9)


def test_remove_sessions_of_keeps_one(accounts: SqlAccountStore) -> None:
    user, other = member(accounts), member(accounts, "bob")
    for sid in ("a" * 64, "b" * 64, "c" * 64):
        accounts.add_session(session(user, sid))
    accounts.add_session(session(other, "d" * 64))
    assert accounts.session_count(user.id, T0) == 3
    assert accounts.remove_sessions_of(user.id, keep="b" * 64) == 2
    assert accounts.session_count(user.id, T0) == 1
    assert accounts.session_count(other.id, T0) == 1
    accounts.remove_session("b" * 64)
    assert accounts.session_count(user.id, T0) == 0


def test_revisions_read_content_and_accounts_together(database_url: str) -> None:
    engine = make_engine(database_url)
    accounts, papers = SqlAccountStore(engine), SqlPaperStore(engine)
    assert accounts.revisions() == (papers.content_revision(), 0)  # no accounts row yet
    user = member(accounts)
    accounts.set_profile(user.id, display_name="New", show_upvotes=False, now=T0)
    content, moved = accounts.revisions()
    assert content == papers.content_revision() and moved == 1
    engine.dispose()


def test_every_change_that_ends_or_alters_a_session_moves_the_accounts_revision(
    accounts: SqlAccountStore,
) -> None:
    user = member(accounts)
    changes = [
        lambda: accounts.set_status(user.id, AccountStatus.BANNED, T0),
        lambda: accounts.set_role(user.id, Role.CURATOR, T0),
        lambda: accounts.mark_email_verified(user.id, T0),
        lambda: accounts.set_password_hash(user.id, "$argon2id$other", T0),
        lambda: accounts.set_email(user.id, "new@example.org", T0),
        lambda: accounts.remove_session("a" * 64),
        lambda: accounts.remove_sessions_of(user.id),
        lambda: accounts.remove_expired(T0 + timedelta(days=2)),  # one session expired by then
        lambda: accounts.erase_user(user.id, T0),
    ]
    for change in changes:
        if accounts.session_with_user("a" * 64, T0) is None:
            accounts.add_session(session(user))
        before = accounts.revisions()[1]
        change()
        assert accounts.revisions()[1] == before + 1, change


def test_starting_or_touching_a_session_leaves_the_accounts_revision(
    accounts: SqlAccountStore,
) -> None:
    user = member(accounts)
    before = accounts.revisions()[1]
    accounts.add_session(session(user))
    accounts.touch_session("a" * 64, T0 + timedelta(hours=1), T0 + timedelta(days=9))
    assert accounts.remove_expired(T0) == 0  # nothing expired: nothing for a cache to drop
    assert accounts.revisions()[1] == before


# ---- one-time email tokens


def test_use_email_token_once(accounts: SqlAccountStore) -> None:
    user = member(accounts)
    accounts.add_email_token(
        token_hash="t" * 64,
        purpose=TokenPurpose.CHANGE_EMAIL,
        user_id=user.id,
        now=T0,
        expires_at=T0 + timedelta(hours=1),
        new_email="new@example.org",
    )
    assert accounts.email_token("t" * 64, TokenPurpose.CHANGE_EMAIL, T0) is not None
    used = accounts.use_email_token("t" * 64, TokenPurpose.CHANGE_EMAIL, T0)
    assert used is not None and used.user_id == user.id and used.new_email == "new@example.org"
    assert used.used_at == T0
    assert accounts.use_email_token("t" * 64, TokenPurpose.CHANGE_EMAIL, T0) is None
    assert accounts.email_token("t" * 64, TokenPurpose.CHANGE_EMAIL, T0) is None


@pytest.mark.parametrize(
    ("purpose", "now"),
    [
        (TokenPurpose.RESET_PASSWORD, T0),  # another purpose
        (TokenPurpose.VERIFY_EMAIL, T0 + timedelta(hours=1)),  # expired
    ],
)
def test_use_email_token_refuses_wrong_purpose_or_expired(
    accounts: SqlAccountStore, purpose: TokenPurpose, now: datetime
) -> None:
    user = member(accounts)
    accounts.add_email_token(
        token_hash="t" * 64,
        purpose=TokenPurpose.VERIFY_EMAIL,
        user_id=user.id,
        now=T0,
        expires_at=T0 + timedelta(hours=1),
    )
    assert accounts.use_email_token("t" * 64, purpose, now) is None


def test_use_email_token_concurrently_one_winner(accounts: SqlAccountStore) -> None:
    user = member(accounts)
    accounts.add_email_token(
        token_hash="t" * 64,
        purpose=TokenPurpose.RESET_PASSWORD,
        user_id=user.id,
        now=T0,
        expires_at=T0 + timedelta(hours=1),
    )
    with ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(
                lambda _: accounts.use_email_token("t" * 64, TokenPurpose.RESET_PASSWORD, T0),
                range(8),
            )
        )
    assert sum(result is not None for result in results) == 1


# ---- API tokens


def test_api_tokens_issue_list_use_revoke(accounts: SqlAccountStore) -> None:
    user, other = member(accounts), member(accounts, "bob")
    first = accounts.add_api_token(
        user_id=user.id, name="one", token_hash="1" * 64, prefix="pb_1", now=T0
    )
    second = accounts.add_api_token(
        user_id=user.id, name="two", token_hash="2" * 64, prefix="pb_2", now=T0 + timedelta(1)
    )
    assert [t.name for t in accounts.api_tokens_of(user.id)] == ["two", "one"]
    assert accounts.user_by_api_token("1" * 64, T0) == user
    assert accounts.api_tokens_of(user.id)[1].last_used_at == T0
    assert not accounts.revoke_api_token(other.id, first.id, T0)  # not theirs
    assert accounts.revoke_api_token(user.id, first.id, T0)
    assert not accounts.revoke_api_token(user.id, first.id, T0)  # already revoked
    assert accounts.user_by_api_token("1" * 64, T0) is None
    assert accounts.user_by_api_token("2" * 64, T0) == user
    assert accounts.api_tokens_of(user.id)[1].revoked_at == T0
    assert second.prefix == "pb_2" and second.revoked_at is None


def test_api_token_last_used_written_at_most_once_a_minute(accounts: SqlAccountStore) -> None:
    user = member(accounts)
    accounts.add_api_token(user_id=user.id, name="x", token_hash="1" * 64, prefix="pb", now=T0)
    accounts.user_by_api_token("1" * 64, T0)
    accounts.user_by_api_token("1" * 64, T0 + timedelta(seconds=30))
    assert accounts.api_tokens_of(user.id)[0].last_used_at == T0
    accounts.user_by_api_token("1" * 64, T0 + timedelta(minutes=2))
    assert accounts.api_tokens_of(user.id)[0].last_used_at == T0 + timedelta(minutes=2)


# ---- attempt counters


def test_count_attempt_counts_per_key_and_window(counters: SqlRateLimits) -> None:
    assert [counters.count_attempt("login:ada", T0) for _ in range(3)] == [1, 2, 3]
    assert counters.count_attempt("login:bob", T0) == 1
    assert counters.count_attempt("login:ada", T0 + timedelta(minutes=15)) == 1
    assert counters.attempts("login:ada", T0) == 3
    assert counters.attempts("login:eve", T0) == 0


def test_count_attempt_exact_under_concurrency(counters: SqlRateLimits) -> None:
    with ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(lambda _: counters.count_attempt("k", T0), range(40)))
    assert sorted(counts) == list(range(1, 41))
    assert counters.attempts("k", T0) == 40


def test_forget_before_drops_old_windows(counters: SqlRateLimits) -> None:
    counters.count_attempt("k", T0)
    counters.count_attempt("k", T0 + timedelta(hours=2))
    assert counters.forget_before(T0 + timedelta(hours=1)) == 1
    assert counters.attempts("k", T0) == 0
    assert counters.attempts("k", T0 + timedelta(hours=2)) == 1
