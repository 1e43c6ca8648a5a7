"""The account service: password hashing and upgrades, sessions, limits; the rules it applies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from paperboy.app import Deps, account_service, build_deps
from paperboy.config import Settings
from paperboy.domain.account_rules import (
    InvalidAccount,
    checked_display_name,
    checked_email,
    checked_username,
    local_path,
)
from paperboy.domain.accounts import AccountStatus
from paperboy.services.accounts import LoginFailed
from paperboy.services.passwords import Passwords
from paperboy.services.rate_limits import Limit, RateLimited, RateLimiter
from paperboy.storage.engine import make_engine
from paperboy.storage.rate_limits import SqlRateLimits
from tests.support.members import PASSWORD, add_member


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_passwords_hash_is_argon2id_and_verifies() -> None:
    passwords = Passwords()
    stored = passwords.hash(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify(stored, PASSWORD)
    assert not passwords.verify(stored, PASSWORD + "!")
    assert not passwords.verify(None, PASSWORD)
    assert not passwords.verify("not a hash", PASSWORD)


def test_login_rehashes_a_password_made_with_old_parameters(deps: Deps) -> None:
    weak = Passwords(memory_kib=8 * 1024, time_cost=1)
    user = add_member(deps, "ada")
    deps.accounts.store.set_password_hash(user.id, weak.hash(PASSWORD), deps.clock())
    assert "m=8192" in (deps.accounts.store.password_hash(user.id) or "")
    deps.accounts.authenticate("ada", PASSWORD)
    upgraded = deps.accounts.store.password_hash(user.id) or ""
    assert upgraded.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert deps.accounts.authenticate("ada", PASSWORD).id == user.id


def test_sessions_expire_and_slide(settings: Settings) -> None:
    clock = Clock()
    deps = build_deps(settings, clock=clock)
    user = add_member(deps, "ada")
    cookie, session = deps.accounts.sessions.start(user)
    assert session.expires_at == clock.now + timedelta(days=30)
    clock.now += timedelta(days=20)
    resumed = deps.accounts.sessions.resume(cookie)
    assert resumed is not None and resumed.user == user
    clock.now += timedelta(days=20)  # 40 days in, but seen at day 20: slid to day 50
    assert deps.accounts.sessions.resume(cookie) is not None
    clock.now += timedelta(days=31)
    assert deps.accounts.sessions.resume(cookie) is None


def test_session_cookie_is_stored_only_hashed(deps: Deps) -> None:
    user = add_member(deps, "ada")
    cookie, session = deps.accounts.sessions.start(user)
    assert session.id != cookie and len(session.id) == 64
    assert deps.accounts.sessions.resume(session.id) is None  # the hash is no cookie


def test_unknown_login_fails_like_a_wrong_password(deps: Deps) -> None:
    add_member(deps, "ada")
    for login in ("nobody", "ada", "", "nobody@example.org"):
        with pytest.raises(LoginFailed):
            deps.accounts.authenticate(login, "wrong password")


def test_banned_member_may_log_in_to_read(deps: Deps) -> None:
    user = add_member(deps, "ada")
    deps.accounts.set_status(user, AccountStatus.BANNED)
    assert deps.accounts.authenticate("ada", PASSWORD).status is AccountStatus.BANNED


def test_rate_limiter_windows_and_retry_after(database_url: str) -> None:
    engine = make_engine(database_url)
    limiter = RateLimiter(SqlRateLimits(engine))
    limit = Limit("test", 2, 60)
    start = datetime(2026, 9, 1, 12, 0, 10, tzinfo=UTC)
    limiter.count(limit, "k", start)
    limiter.count(limit, "K", start)  # keys are case-insensitive
    with pytest.raises(RateLimited) as refused:
        limiter.count(limit, "k", start)
    assert refused.value.retry_after == 50
    with pytest.raises(RateLimited):
        limiter.check(limit, "k", start)
    limiter.count(limit, "k", start + timedelta(seconds=50))  # the next window
    engine.dispose()


def test_account_service_takes_member_data_sections(settings: Settings) -> None:
    class Votes:
        name = "upvotes"

        def member_data(self, user_id: int) -> list[str]:
            return [f"vote of {user_id}"]

    deps = build_deps(settings)
    engine = make_engine(settings.database_url)
    accounts = account_service(
        settings, engine, deps.mailer, deps.mail_templates, deps.clock, member_data=[Votes()]
    )
    user = add_member(deps, "ada")
    assert accounts.export(user)["upvotes"] == [f"vote of {user.id}"]
    engine.dispose()


# ---- the rules


@pytest.mark.parametrize("name", ["ada", "a_b-c", "x" * 30, "  Ada  ", "007"])
def test_usernames_accepted(name: str) -> None:
    assert checked_username(name) == name.strip().lower()


@pytest.mark.parametrize(
    "name", ["ab", "x" * 31, "a b", "a.b", "ädä", "root", "Settings", "deleted-1"]
)
def test_usernames_refused(name: str) -> None:
    with pytest.raises(InvalidAccount) as error:
        checked_username(name)
    assert error.value.field == "username"


@pytest.mark.parametrize(
    "address", ["a@b", "a b@example.org", "@example.org", "a@example", "a@-x.org", "a\n@b.org"]
)
def test_emails_refused(address: str) -> None:
    with pytest.raises(InvalidAccount):
        checked_email(address)


@pytest.mark.parametrize("address", ["a..b@example.org", '"x"@example.org', ".a@example.org"])
def test_emails_the_mailer_would_refuse_are_refused_at_sign_up(address: str) -> None:
    with pytest.raises(InvalidAccount) as error:
        checked_email(address)
    assert error.value.field == "email"
    assert "before @" in str(error.value)


def test_email_normalised() -> None:
    assert checked_email("  Ada@Example.ORG ") == "ada@example.org"


def test_display_name_defaults_and_collapses_spaces() -> None:
    assert checked_display_name("", "ada") == "ada"
    assert checked_display_name("  Ada \t L. ", "ada") == "Ada L."
    with pytest.raises(InvalidAccount):
        checked_display_name("x\u202e", "ada")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/papers/1?x=2#c", "/papers/1?x=2#c"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/a\\b", "/"),
        ("https://evil.example/", "/"),
        ("/\x00x", "/"),
        ("/ok path", "/"),
        (None, "/"),
    ],
)
def test_local_path(target: str | None, expected: str) -> None:
    assert local_path(target) == expected


def test_login_sweeps_expired_sessions_hourly(settings: Settings) -> None:
    clock = Clock()
    deps = build_deps(settings, clock=clock)
    user = add_member(deps, "ada")
    deps.accounts.sessions.start(user)
    clock.now += timedelta(days=31)
    deps.accounts.log_in("ada", PASSWORD)
    assert deps.accounts.store.remove_expired(clock.now) == 0  # the login swept it
    deps.accounts.sessions.start(user)
    clock.now += timedelta(days=31)
    deps.accounts.log_in("ada", PASSWORD)  # swept a month ago: sweeps again
    assert deps.accounts.store.remove_expired(clock.now) == 0
