"""What the account services need from storage: members, sessions, tokens, attempt counters."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from paperboy.domain.accounts import AccountStatus, Role, User
from paperboy.domain.credentials import ApiToken, EmailToken, Session, TokenPurpose


class AccountStore(Protocol):
    """Members and their credentials; secrets arrive hashed."""

    def revisions(self) -> tuple[int, int]:
        """The content revision and the accounts revision (moved by every change to a member
        and every end of a session), in one read."""
        ...

    def add_user(
        self,
        *,
        username: str,
        email: str,
        display_name: str,
        password_hash: str | None,
        role: Role,
        now: datetime,
        verified_at: datetime | None = None,
    ) -> User: ...

    def user_by_id(self, user_id: int) -> User | None: ...

    def user_by_username(self, username: str) -> User | None: ...

    def user_by_email(self, email: str) -> User | None: ...

    def users_by_ids(self, user_ids: list[int]) -> dict[int, User]: ...

    def users(self, *, limit: int = 100, offset: int = 0) -> list[User]: ...

    def password_hash(self, user_id: int) -> str | None: ...

    def set_password_hash(self, user_id: int, password_hash: str, now: datetime) -> None: ...

    def set_email(self, user_id: int, email: str, now: datetime) -> None: ...

    def mark_email_verified(self, user_id: int, now: datetime) -> None: ...

    def set_profile(
        self, user_id: int, *, display_name: str, show_upvotes: bool, now: datetime
    ) -> None: ...

    def set_role(self, user_id: int, role: Role, now: datetime) -> None: ...

    def set_status(self, user_id: int, status: AccountStatus, now: datetime) -> None: ...

    def erase_user(self, user_id: int, now: datetime) -> None: ...

    def add_session(self, session: Session) -> None: ...

    def session_with_user(self, session_id: str, now: datetime) -> tuple[Session, User] | None: ...

    def touch_session(self, session_id: str, now: datetime, expires_at: datetime) -> None: ...

    def remove_session(self, session_id: str) -> None: ...

    def remove_sessions_of(self, user_id: int, *, keep: str | None = None) -> int: ...

    def session_count(self, user_id: int, now: datetime) -> int: ...

    def remove_expired(self, now: datetime) -> int: ...

    def add_email_token(
        self,
        *,
        token_hash: str,
        purpose: TokenPurpose,
        user_id: int,
        now: datetime,
        expires_at: datetime,
        new_email: str | None = None,
    ) -> None: ...

    def email_token(
        self, token_hash: str, purpose: TokenPurpose, now: datetime
    ) -> EmailToken | None: ...

    def use_email_token(
        self, token_hash: str, purpose: TokenPurpose, now: datetime
    ) -> EmailToken | None: ...

    def add_api_token(
        self, *, user_id: int, name: str, token_hash: str, prefix: str, now: datetime
    ) -> ApiToken: ...

    def api_tokens_of(self, user_id: int) -> list[ApiToken]: ...

    def revoke_api_token(self, user_id: int, token_id: int, now: datetime) -> bool: ...

    def user_by_api_token(self, token_hash: str, now: datetime) -> User | None: ...


class AttemptCounter(Protocol):
    """Counts attempts per key in fixed time windows, atomically across processes."""

    def count_attempt(self, key: str, window_start: datetime) -> int: ...

    def attempts(self, key: str, window_start: datetime) -> int: ...

    def forget_before(self, before: datetime) -> int: ...
