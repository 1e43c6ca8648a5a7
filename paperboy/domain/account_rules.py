"""What a username, an email address, a password, a display name and a `next` link may be.

Each check returns the normalised value or raises `InvalidAccount` naming the field and what
is wrong, in words a person signing up can act on.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from paperboy.domain.mail import InvalidAddress, checked_address

USERNAME_MIN, USERNAME_MAX = 3, 30
PASSWORD_MIN, PASSWORD_MAX = 10, 1024
DISPLAY_NAME_MAX = 100
EMAIL_MAX = 254
_USERNAME = re.compile(r"[a-z0-9_-]+")
# A pragmatic address check: one @, no spaces or controls, a dotted domain of sane labels.
_EMAIL = re.compile(r"[^@\s]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
# Path segments of our own pages and words that would let someone pass for the site.
RESERVED_USERNAMES = frozenset(
    {
        "about",
        "account",
        "accounts",
        "admin",
        "administrator",
        "anonymous",
        "api",
        "auth",
        "date",
        "deleted",
        "docs",
        "feeds",
        "help",
        "login",
        "logout",
        "mail",
        "me",
        "member",
        "members",
        "moderator",
        "month",
        "new",
        "null",
        "paper",
        "paperboy",
        "papers",
        "password-reset",
        "postmaster",
        "root",
        "search",
        "security",
        "settings",
        "signup",
        "staff",
        "static",
        "submit",
        "support",
        "system",
        "trending",
        "u",
        "user",
        "users",
        "verify-email",
        "webmaster",
        "week",
        "www",
        "curator",
    }
)
DELETED_PREFIX = "deleted-"  # placeholder usernames of deleted accounts


class InvalidAccount(ValueError):
    """A sign-up or settings value is not acceptable; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class UsernameTaken(InvalidAccount):
    def __init__(self, username: str) -> None:
        super().__init__("username", f"The username {username!r} is taken.")


class EmailTaken(InvalidAccount):
    def __init__(self) -> None:
        super().__init__("email", "An account with this email address already exists.")


def normalise_username(text: str) -> str:
    """Usernames are compared and stored lower-cased."""
    return text.strip().lower()


def checked_username(text: str) -> str:
    """A valid username: 3–30 of a-z, 0-9, _ and -, not reserved (case-insensitive)."""
    name = normalise_username(text)
    if not USERNAME_MIN <= len(name) <= USERNAME_MAX:
        raise InvalidAccount(
            "username", f"A username has {USERNAME_MIN} to {USERNAME_MAX} characters."
        )
    if not _USERNAME.fullmatch(name):
        raise InvalidAccount(
            "username", "A username may use only letters a-z, digits, '_' and '-'."
        )
    if name in RESERVED_USERNAMES or name.startswith(DELETED_PREFIX):
        raise InvalidAccount("username", f"The username {name!r} is reserved.")
    return name


def checked_email(text: str) -> str:
    """A plausible email address the mailer accepts, lower-cased; no line breaks or controls."""
    address = text.strip().lower()
    if len(address) > EMAIL_MAX:
        raise InvalidAccount("email", f"An email address has at most {EMAIL_MAX} characters.")
    if any(unicodedata.category(c).startswith("C") for c in address):
        raise InvalidAccount("email", "An email address cannot contain control characters.")
    if not _EMAIL.fullmatch(address):
        raise InvalidAccount("email", "This does not look like an email address (name@domain).")
    try:  # and one the mailer will send to: the account's mail must never be refused later
        return checked_address(address)
    except InvalidAddress as error:
        raise InvalidAccount("email", f"{str(error)[:1].upper()}{str(error)[1:]}.") from None


def checked_password(password: str, username: str = "") -> str:
    """A password of 10 to 1024 characters that is not the username."""
    if len(password) < PASSWORD_MIN:
        raise InvalidAccount("password", f"A password has at least {PASSWORD_MIN} characters.")
    if len(password) > PASSWORD_MAX:
        raise InvalidAccount("password", f"A password has at most {PASSWORD_MAX} characters.")
    if username and password.strip().lower() == normalise_username(username):
        raise InvalidAccount("password", "The password cannot be the username.")
    return password


def checked_display_name(text: str, username: str) -> str:
    """A display name of at most 100 printable characters; the username when left empty."""
    name = " ".join(text.split())
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise InvalidAccount("display_name", "A display name cannot contain control characters.")
    if len(name) > DISPLAY_NAME_MAX:
        raise InvalidAccount(
            "display_name", f"A display name has at most {DISPLAY_NAME_MAX} characters."
        )
    return name or username


def local_path(target: str | None, default: str = "/") -> str:
    """`target` if it is a path on this site, else `default`: no open redirects.

    Accepted: `/x`, `/x?y#z`. Refused: `//host`, `/\\host` (browsers read a backslash as a
    slash), anything with a scheme or host, and any whitespace or control character (browsers
    drop tabs and newlines, turning `/\\t/host` into `//host`).
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if "\\" in target or any(c.isspace() or unicodedata.category(c)[0] == "C" for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
