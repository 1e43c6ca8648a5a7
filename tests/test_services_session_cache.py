"""Kept sessions: each process keeps the sessions it resumed, yet a logout, ban, role change or
deletion made by another process (another `Deps` over the same database) takes effect at the
very next request, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from paperboy.app import Deps, build_deps
from paperboy.domain.accounts import AccountStatus, Role
from paperboy.services.sessions import SessionCache
from paperboy.storage.engine import make_engine
from paperboy.storage.schema import sessions
from tests.conftest import make_settings
from tests.support.members import add_member


@pytest.fixture
def processes(database_url: str) -> tuple[Deps, Deps]:
    """Two web processes' worth of services over one database."""
    settings = make_settings(database_url)
    return build_deps(settings), build_deps(settings)


def test_a_kept_session_answers_until_the_accounts_revision_moves(
    processes: tuple[Deps, Deps],
) -> None:
    one, other = processes
    ada, bob = add_member(one, "ada"), add_member(one, "bob")
    cookie, _ = one.accounts.sessions.start(ada)
    bob_cookie, _ = one.accounts.sessions.start(bob)
    assert one.accounts.sessions.resume(cookie) is not None
    engine = make_engine(one.settings.database_url)
    with engine.begin() as connection:  # behind the store's back: no revision moves
        connection.execute(sessions.delete().where(sessions.c.user_id == ada.id))
    engine.dispose()
    kept = one.accounts.sessions.resume(cookie)
    assert kept is not None and kept.user.id == ada.id  # answered from the process's cache
    other.accounts.log_out(bob_cookie)  # any end of a session moves the revision
    assert one.accounts.sessions.resume(cookie) is None


def test_a_logout_in_another_process_ends_the_session_here(processes: tuple[Deps, Deps]) -> None:
    one, other = processes
    cookie, _ = one.accounts.sessions.start(add_member(one, "ada"))
    assert one.accounts.sessions.resume(cookie) is not None
    assert other.accounts.sessions.resume(cookie) is not None
    other.accounts.log_out(cookie)
    assert one.accounts.sessions.resume(cookie) is None
    assert other.accounts.sessions.resume(cookie) is None


def test_a_ban_role_change_or_deletion_elsewhere_is_seen_at_once(
    processes: tuple[Deps, Deps],
) -> None:
    one, other = processes
    ada = add_member(one, "ada")
    cookie, _ = one.accounts.sessions.start(ada)
    assert one.accounts.sessions.resume(cookie) is not None
    other.accounts.set_role(ada, Role.CURATOR)
    resumed = one.accounts.sessions.resume(cookie)
    assert resumed is not None and resumed.user.role is Role.CURATOR
    other.accounts.set_status(resumed.user, AccountStatus.BANNED)
    resumed = one.accounts.sessions.resume(cookie)
    assert resumed is not None and resumed.user.status is AccountStatus.BANNED
    other.accounts.store.erase_user(ada.id, other.clock())
    assert one.accounts.sessions.resume(cookie) is None


def test_resume_carries_the_content_revision(processes: tuple[Deps, Deps]) -> None:
    one, _ = processes
    cookie, _ = one.accounts.sessions.start(add_member(one, "ada"))
    resumed = one.accounts.sessions.resume(cookie)
    assert resumed is not None
    assert resumed.content_revision == one.store.content_revision()


def test_session_cache_keeps_at_most_max_entries_and_checks_the_revision(deps: Deps) -> None:
    cache = SessionCache(max_entries=2)
    user = add_member(deps, "ada")
    started = [deps.accounts.sessions.start(user)[1] for _ in range(3)]
    for session in started:
        cache.put(session, user, 7)
    assert cache.get(started[0].id, 7) is None  # pushed out by the third
    assert cache.get(started[2].id, 7) == (started[2], user)
    assert cache.get(started[2].id, 8) is None  # another revision: not to be trusted
    assert cache.get(started[2].id, 7) is None  # and dropped
