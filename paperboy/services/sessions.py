"""Sessions and personal API tokens: who is asking, from a cookie or a bearer token.

A session is resumed by the hash of its cookie in one query that also returns the member.
Activity is recorded (and the expiry slid forward) at most every `TOUCH_INTERVAL`, so a busy
reader costs no write per page.
"""

from __future__ import annotations

from collections.abc import Callable
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


class Sessions:
    """Starts, resumes and ends sessions; issues, lists and revokes API tokens."""

    def __init__(
        self, store: AccountStore, clock: Callable[[], datetime], lifetime: timedelta
    ) -> None:
        self.store = store
        self.clock = clock
        self.lifetime = lifetime

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

    def resume(self, cookie: str) -> tuple[Session, User] | None:
        """The live session behind a cookie and its member; None if expired, unknown or deleted."""
        if not cookie:
            return None
        now = self.clock()
        found = self.store.session_with_user(secret_hash(cookie), now)
        if found is None or found[1].status is AccountStatus.DELETED:
            return None
        session, user = found
        if now - session.last_seen_at >= TOUCH_INTERVAL:
            self.store.touch_session(session.id, now, now + self.lifetime)
        return session, user

    def end(self, cookie: str) -> None:
        """Log this browser out."""
        if cookie:
            self.store.remove_session(secret_hash(cookie))

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
