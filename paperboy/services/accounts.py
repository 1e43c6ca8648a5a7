"""Accounts: sign up, confirm the address, log in and out, reset and change credentials, delete.

Logins and sign-ups are rate-limited per IP address and per account before any password is
hashed, so a flood of attempts costs one counter upsert each. A login that names no account
still checks a decoy hash: the answer takes as long as for a wrong password.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from paperboy.config import Settings
from paperboy.domain.account_rules import (
    EmailTaken,
    InvalidAccount,
    UsernameTaken,
    checked_display_name,
    checked_email,
    checked_password,
    checked_username,
)
from paperboy.domain.accounts import AccountStatus, Role, User
from paperboy.domain.credentials import Session, TokenPurpose, secret_hash
from paperboy.services.account_mail import AccountMail
from paperboy.services.account_store import AccountStore
from paperboy.services.passwords import Passwords
from paperboy.services.rate_limits import Limit, RateLimiter
from paperboy.services.sessions import Sessions

MAIL_WINDOW_SECONDS = 3600
HOUSEKEEPING_INTERVAL = timedelta(hours=1)


class LoginFailed(Exception):
    """Wrong username, email or password (deliberately not saying which)."""

    def __init__(self) -> None:
        super().__init__("Wrong username or password.")


class AccountClosed(Exception):
    """The account was deleted, or cannot do this while banned."""


class LinkInvalid(Exception):
    """A one-time link that is unknown, used or expired."""

    def __init__(self) -> None:
        super().__init__("This link is not valid: it was used already or has expired.")


class MemberData(Protocol):
    """Something the site keeps about a member, for their data export (votes, comments...)."""

    name: str

    def member_data(self, user_id: int) -> Any: ...


@dataclass(frozen=True, slots=True)
class Limits:
    """The rate limits, from the settings."""

    login_ip: Limit
    login_account: Limit
    signup_ip: Limit
    mail_account: Limit

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        window = settings.login_limit_window
        return cls(
            login_ip=Limit("login-ip", settings.login_limit_per_ip, window),
            login_account=Limit("login-account", settings.login_limit_per_account, window),
            signup_ip=Limit(
                "signup-ip", settings.signup_limit_per_ip, settings.signup_limit_window
            ),
            mail_account=Limit("mail", settings.account_mail_limit, MAIL_WINDOW_SECONDS),
        )


class Accounts:
    """The account use cases; built once by the composition root."""

    def __init__(
        self,
        store: AccountStore,
        *,
        passwords: Passwords,
        sessions: Sessions,
        limiter: RateLimiter,
        limits: Limits,
        mail: AccountMail,
        clock: Callable[[], datetime],
        member_data: Sequence[MemberData] = (),
    ) -> None:
        self.store = store
        self.passwords = passwords
        self.sessions = sessions
        self.limiter = limiter
        self.limits = limits
        self.mail = mail
        self.clock = clock
        self.member_data = list(member_data)
        self.swept_at: datetime | None = None

    # ---- joining

    def sign_up(
        self, *, username: str, email: str, password: str, display_name: str = "", ip: str = ""
    ) -> User:
        """A new member (unverified) and a verification email; rate-limited per IP."""
        name, address = checked_username(username), checked_email(email)
        checked_password(password, name)
        display = checked_display_name(display_name, name)
        if self.store.user_by_username(name) is not None:  # usernames are public: no attempt
            raise UsernameTaken(name)
        # a registered address costs an attempt: addresses cannot be probed faster than sign-ups
        self.limiter.count(self.limits.signup_ip, ip or "unknown", self.clock())
        if self.store.user_by_email(address) is not None:
            raise EmailTaken()
        user = self.store.add_user(
            username=name,
            email=address,
            display_name=display,
            password_hash=self.passwords.hash(password),
            role=Role.MEMBER,
            now=self.clock(),
        )
        self.mail.send_link(user, TokenPurpose.VERIFY_EMAIL)
        return user

    def add_member(
        self,
        *,
        username: str,
        email: str,
        password: str,
        role: Role = Role.MEMBER,
        verified: bool = True,
        display_name: str = "",
    ) -> User:
        """A member made by an operator (the CLI): no rate limit, no email, verified by default."""
        name, address = checked_username(username), checked_email(email)
        checked_password(password, name)
        now = self.clock()
        return self.store.add_user(
            username=name,
            email=address,
            display_name=checked_display_name(display_name, name),
            password_hash=self.passwords.hash(password),
            role=role,
            now=now,
            verified_at=now if verified else None,
        )

    def resend_verification(self, user: User) -> bool:
        """Another verification link, if the address is not confirmed yet (rate-limited)."""
        if user.email_verified_at is not None:
            return False
        self.limiter.count(self.limits.mail_account, str(user.id), self.clock())
        return self.mail.send_link(user, TokenPurpose.VERIFY_EMAIL)

    def verify_email(self, secret: str) -> User:
        """Confirm the address a verification link was sent to; `LinkInvalid` once used."""
        token = self.store.use_email_token(
            secret_hash(secret), TokenPurpose.VERIFY_EMAIL, self.clock()
        )
        if token is None:
            raise LinkInvalid()
        self.store.mark_email_verified(token.user_id, self.clock())
        return self._existing(token.user_id)

    # ---- logging in

    def log_in(
        self, login: str, password: str, *, ip: str = "", user_agent: str = ""
    ) -> tuple[str, Session, User]:
        """A new session (cookie value, session, member) for the right password.

        Raises `RateLimited` (per IP, and per account for failures), `LoginFailed`.
        """
        user = self.authenticate(login, password, ip=ip)
        cookie, session = self.sessions.start(user, user_agent=user_agent, ip=ip)
        self.sweep()
        return cookie, session, user

    def sweep(self) -> None:
        """Drop expired sessions, email links and old attempt counters, at most hourly.

        Run on login, the moment new rows arrive, so the tables stay small without a job.
        """
        now = self.clock()
        if self.swept_at is not None and now - self.swept_at < HOUSEKEEPING_INTERVAL:
            return
        self.swept_at = now
        self.store.remove_expired(now)
        self.limiter.forget_old(now)

    def authenticate(self, login: str, password: str, *, ip: str = "") -> User:
        """The member whose username or email and password these are (see `log_in`)."""
        now = self.clock()
        self.limiter.count(self.limits.login_ip, ip or "unknown", now)
        account_key = login.strip().lower()
        self.limiter.check(self.limits.login_account, account_key, now)
        user = self._find_login(account_key)
        stored = self.store.password_hash(user.id) if user else None
        if user is None or not self.passwords.verify(stored, password):
            self.limiter.count(self.limits.login_account, account_key, now)
            raise LoginFailed()
        if stored is not None and self.passwords.is_outdated(stored):
            self.store.set_password_hash(user.id, self.passwords.hash(password), now)
        return user

    def _find_login(self, login: str) -> User | None:
        if not login:
            return None
        if "@" in login:
            user = self.store.user_by_email(login)
        else:
            user = self.store.user_by_username(login)
        if user is None or user.status is AccountStatus.DELETED:
            return None
        return user

    def log_out(self, cookie: str) -> None:
        self.sessions.end(cookie)

    # ---- passwords

    def request_password_reset(self, email: str) -> None:
        """Mail a reset link if an account has this address; silent either way (no probing)."""
        try:
            address = checked_email(email)
        except InvalidAccount:
            return
        user = self.store.user_by_email(address)
        if user is None or user.status is AccountStatus.DELETED:
            return
        self.limiter.count(self.limits.mail_account, str(user.id), self.clock())
        self.mail.send_link(user, TokenPurpose.RESET_PASSWORD)

    def reset_link_is_valid(self, secret: str) -> bool:
        token = self.store.email_token(
            secret_hash(secret), TokenPurpose.RESET_PASSWORD, self.clock()
        )
        return token is not None

    def reset_password(self, secret: str, password: str) -> User:
        """Set a new password from a reset link; every session of the member ends."""
        hashed = secret_hash(secret)
        token = self.store.email_token(hashed, TokenPurpose.RESET_PASSWORD, self.clock())
        if token is None:
            raise LinkInvalid()
        user = self._existing(token.user_id)
        checked_password(password, user.username)
        if self.store.use_email_token(hashed, TokenPurpose.RESET_PASSWORD, self.clock()) is None:
            raise LinkInvalid()
        self._set_password(user, password, keep=None)
        if user.email_verified_at is None:  # the link proved the mailbox is theirs
            self.store.mark_email_verified(user.id, self.clock())
        return self._existing(user.id)

    def change_password(
        self, user: User, current: str, new: str, *, keep: Session | None = None
    ) -> None:
        """Replace the password after checking the current one; other sessions end."""
        self._check_password(user, current, "current_password")
        checked_password(new, user.username)
        self._set_password(user, new, keep=keep)

    def _set_password(self, user: User, password: str, *, keep: Session | None) -> None:
        self.store.set_password_hash(user.id, self.passwords.hash(password), self.clock())
        self.sessions.end_all(user, keep=keep)

    def _check_password(self, user: User, password: str, field: str) -> None:
        if not self.passwords.verify(self.store.password_hash(user.id), password):
            raise InvalidAccount(field, "The password is not right.")

    # ---- email address and profile

    def request_email_change(self, user: User, password: str, new_email: str) -> bool:
        """Mail a confirmation link to `new_email`; the address changes when it is opened."""
        self._check_password(user, password, "password")
        address = checked_email(new_email)
        if address == user.email:
            raise InvalidAccount("email", "This is already your email address.")
        if self.store.user_by_email(address) is not None:
            raise InvalidAccount("email", "An account with this email address already exists.")
        self.limiter.count(self.limits.mail_account, str(user.id), self.clock())
        return self.mail.send_link(user, TokenPurpose.CHANGE_EMAIL, to=address)

    def confirm_email_change(self, secret: str) -> User:
        """Switch to the address a change-email link was sent to."""
        token = self.store.use_email_token(
            secret_hash(secret), TokenPurpose.CHANGE_EMAIL, self.clock()
        )
        if token is None or token.new_email is None:
            raise LinkInvalid()
        self.store.set_email(token.user_id, token.new_email, self.clock())
        return self._existing(token.user_id)

    def update_profile(self, user: User, *, display_name: str, show_upvotes: bool) -> User:
        name = checked_display_name(display_name, user.username)
        self.store.set_profile(
            user.id, display_name=name, show_upvotes=show_upvotes, now=self.clock()
        )
        return self._existing(user.id)

    # ---- leaving, export, administration

    def delete_account(self, user: User, password: str) -> None:
        """Erase the member's personal data after checking their password; comments stay,
        shown as by a deleted member; sessions and tokens go."""
        self._check_password(user, password, "password")
        self.store.erase_user(user.id, self.clock())

    def export(self, user: User) -> dict[str, Any]:
        """Everything kept about `user`, as JSON-ready data (no password hash, no secrets)."""
        tokens = self.sessions.tokens(user)
        data: dict[str, Any] = {
            "account": _account_json(user),
            "sessions": {"active_count": self.sessions.count(user)},
            "api_tokens": [
                {
                    "id": t.id,
                    "name": t.name,
                    "prefix": t.prefix,
                    "created_at": t.created_at.isoformat(),
                    "last_used_at": _iso(t.last_used_at),
                    "revoked_at": _iso(t.revoked_at),
                }
                for t in tokens
            ],
        }
        for source in self.member_data:
            data[source.name] = source.member_data(user.id)
        return data

    def find(self, username: str) -> User | None:
        return self.store.user_by_username(username)

    def members(self, *, limit: int = 100, offset: int = 0) -> list[User]:
        """Members in sign-up order."""
        return self.store.users(limit=limit, offset=offset)

    def set_role(self, user: User, role: Role) -> User:
        self.store.set_role(user.id, role, self.clock())
        return self._existing(user.id)

    def set_status(self, user: User, status: AccountStatus) -> User:
        """Ban or reinstate a member (deleting goes through `delete_account`)."""
        if user.status is AccountStatus.DELETED:
            raise AccountClosed(f"{user.username} was deleted.")
        self.store.set_status(user.id, status, self.clock())
        return self._existing(user.id)

    def _existing(self, user_id: int) -> User:
        user = self.store.user_by_id(user_id)
        if user is None:
            raise AccountClosed("This account no longer exists.")
        return user


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _account_json(user: User) -> Mapping[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role.value,
        "status": user.status.value,
        "email_verified_at": _iso(user.email_verified_at),
        "created_at": user.created_at.isoformat(),
        "show_upvotes": user.show_upvotes,
    }
