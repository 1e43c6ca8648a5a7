"""Sessions, one-time email tokens and personal API tokens: the records and their secrets.

A secret is shown to its owner once (a cookie, a link in an email, a token on the settings
page) and only its SHA-256 is stored, so a copy of the database lets no one in. SHA-256 and
not a slow hash: these secrets are 256 random bits, nothing to guess.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

API_TOKEN_PREFIX = "pb_"
_PREFIX_SHOWN = 10  # characters of an API token kept in the clear to tell tokens apart


class TokenPurpose(StrEnum):
    """What a one-time email link does."""

    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"
    CHANGE_EMAIL = "change_email"


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in browser: `id` is the hash of its cookie, never the cookie itself."""

    id: str
    user_id: int
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str = ""
    ip: str = ""


@dataclass(frozen=True, slots=True)
class EmailToken:
    """A one-time link sent by email; `new_email` is the address a change-email link confirms."""

    id: int
    user_id: int
    purpose: TokenPurpose
    new_email: str | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A personal API token as its owner sees it later: a name and a prefix, no secret."""

    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


def new_secret() -> str:
    """256 random bits, URL-safe (cookies, links, CSRF tokens)."""
    return secrets.token_urlsafe(32)


def new_api_token() -> str:
    """A personal API token: recognisable by its `pb_` prefix (secret scanners, logs)."""
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def api_token_prefix(token: str) -> str:
    """The part of a token kept to tell tokens apart on the settings page."""
    return token[:_PREFIX_SHOWN]


def secret_hash(secret: str) -> str:
    """The stored form of a cookie, link or API token: hex SHA-256."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def signed(key: str, purpose: str, value: str) -> str:
    """An HMAC-SHA256 of `value` for `purpose` under the site's secret key (hex)."""
    message = f"{purpose}:{value}".encode()
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def same_secret(given: str, expected: str) -> bool:
    """Compare two secrets in constant time; an empty one never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
