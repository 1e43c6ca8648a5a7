"""Sessions and personal API tokens: who is asking, from a cookie or a bearer token.

A session is resumed by the hash of its cookie in one query that also returns the member.
Activity is recorded (and the expiry slid forward) at most every `TOUCH_INTERVAL`, so a busy
reader costs no write per page.

Each process also keeps the sessions it resumed (`SessionCache`), tagged with the store's
accounts revision read before the query. Every request reads that revision (with the content
revision, one small query) and uses a kept session only while the revision is unchanged.
Every end of a session and every change to a member (ban, role, deletion, password, address)
moves it in the same transaction, so a logout or ban in any process takes effect at the next
request everywhere, with no time-to-live to wait out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from paperboy.domain.accounts import AccountStatus, User
from paperboy.domain.credentials import (
    API_TOKEN_PREFIX,
    ApiToken,
    Session,
    api_token_prefix,
    new_api_token,
    new_secret,
    secret_hash,
)
from paperboy.services.account_store import AccountStore

TOUCH_INTERVAL = timedelta(minutes=5)
TOKEN_NAME_MAX = 100
CACHED_SESSIONS = 10_000


@dataclass(frozen=True, slots=True)
class Resumed:
    """A live session, its member, and the content revision read with them."""

    session: Session
    user: User
    content_revision: int


@dataclass(frozen=True, slots=True)
class _Kept:
    session: Session
    user: User
    accounts_revision: int


class SessionCache:
    """Resumed sessions by id, each valid only at the accounts revision it was read under."""

    def __init__(self, max_entries: int = CACHED_SESSIONS) -> None:
        self.max_entries = max_entries
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str, accounts_revision: int) -> tuple[Session, User] | None:
        """The kept session and member, if kept under this very revision."""
        with self._lock:
            kept = self._kept.get(session_id)
            if kept is None:
                return None
            if kept.accounts_revision != accounts_revision:
                del self._kept[session_id]
                return None
            self._kept.move_to_end(session_id)
            return kept.session, kept.user

    def put(self, session: Session, user: User, accounts_revision: int) -> None:
        """Keep `session` and `user`, as read after the store was at `accounts_revision`."""
        with self._lock:
            self._kept[session.id] = _Kept(session, user, accounts_revision)
            self._kept.move_to_end(session.id)
            while len(self._kept) > self.max_entries:
                self._kept.popitem(last=False)

    def drop(self, session_id: str) -> None:
        with self._lock:
            self._kept.pop(session_id, None)


class Sessions:
    """Starts, resumes and ends sessions; issues, lists and revokes API tokens."""

    def __init__(
        self, store: AccountStore, clock: Callable[[], datetime], lifetime: timedelta
    ) -> None:
        self.store = store
        self.clock = clock
        self.lifetime = lifetime
        self.cache = SessionCache()

    def start(self, user: User, *, user_agent: str = "", ip: str = "") -> tuple[str, Session]:
        """A new session for `user`: the cookie value (shown once) and the stored session."""
        cookie = new_secret()
        now = self.clock()
        session = Session(
            id=secret_hash(cookie),
            user_id=user.id,
            csrf_token=new_secret(),
            created_at=now,
            last_seen_at=now,
            expires_at=now + self.lifetime,
            user_agent=user_agent,
            ip=ip,
        )
        self.store.add_session(session)
        return cookie, session

    def resume(self, cookie: str) -> Resumed | None:
        """The live session behind a cookie and its member; None if expired, unknown or deleted.

        One query (the revisions) when this process has the session kept; two when not.
        """
        if not cookie:
            return None
        now = self.clock()
        session_id = secret_hash(cookie)
        content_revision, accounts_revision = self.store.revisions()  # before the session
        found = self.cache.get(session_id, accounts_revision)
        if found is None or found[0].expires_at <= now:  # another process may have slid it
            found = self.store.session_with_user(session_id, now)
            if found is None or found[1].status is AccountStatus.DELETED:
                self.cache.drop(session_id)
                return None
        session, user = found
        if now - session.last_seen_at >= TOUCH_INTERVAL:
            expires_at = now + self.lifetime
            self.store.touch_session(session.id, now, expires_at)
            session = replace(session, last_seen_at=now, expires_at=expires_at)
        self.cache.put(session, user, accounts_revision)
        return Resumed(session, user, content_revision)

    def end(self, cookie: str) -> None:
        """Log this browser out (every process: the store moves the accounts revision)."""
        if cookie:
            session_id = secret_hash(cookie)
            self.store.remove_session(session_id)
            self.cache.drop(session_id)

    def end_all(self, user: User, *, keep: Session | None = None) -> int:
        """Log `user` out everywhere but `keep`; how many sessions ended."""
        return self.store.remove_sessions_of(user.id, keep=keep.id if keep else None)

    def count(self, user: User) -> int:
        return self.store.session_count(user.id, self.clock())

    def user_for_token(self, token: str) -> User | None:
        """The member a bearer token belongs to; None if unknown, revoked or deleted."""
        if not token.startswith(API_TOKEN_PREFIX):
            return None
        user = self.store.user_by_api_token(secret_hash(token), self.clock())
        if user is None or user.status is AccountStatus.DELETED:
            return None
        return user

    def issue_token(self, user: User, name: str) -> tuple[str, ApiToken]:
        """A new API token for `user`: the secret (shown once) and its stored record."""
        label = " ".join(name.split())[:TOKEN_NAME_MAX] or "token"
        token = new_api_token()
        record = self.store.add_api_token(
            user_id=user.id,
            name=label,
            token_hash=secret_hash(token),
            prefix=api_token_prefix(token),
            now=self.clock(),
        )
        return token, record

    def tokens(self, user: User) -> list[ApiToken]:
        return self.store.api_tokens_of(user.id)

    def revoke_token(self, user: User, token_id: int) -> bool:
        """Revoke one of `user`'s tokens; False if it is not theirs or already revoked."""
        return self.store.revoke_api_token(user.id, token_id, self.clock())
