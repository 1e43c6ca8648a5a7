"""An email to send, as services compose it; the mail edge makes it MIME and delivers it."""

from __future__ import annotations

from dataclasses import dataclass


class UnsafeHeader(ValueError):
    """A header value would smuggle a line break (header injection); names the field."""


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """One message: a plain-text part always, an HTML alternative when `html` is set.

    `message_id` is fixed by the caller when a retry must carry the same id (digest deliveries);
    None lets the mailer make one. `headers` are extra headers (List-Id, List-Unsubscribe…).
    """

    to: str
    subject: str
    text: str
    html: str | None = None
    message_id: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class RenderedMail:
    """A template's output: the subject line and the two bodies."""

    subject: str
    text: str
    html: str


class InvalidAddress(ValueError):
    """An email address paperboy will not send to; the message says what is wrong with it."""


class MailError(Exception):
    """Delivery failed; `code` is the SMTP reply code when the server gave one."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TemporaryMailError(MailError):
    """Worth retrying later: a 4xx reply, a refused or dropped connection, a timeout, TLS/login."""


class PermanentMailError(MailError):
    """Will never be accepted: a 5xx reply to the recipient or the message."""


MAX_ADDRESS_LENGTH = 254  # RFC 5321's path limit less the angle brackets
_LOCAL_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~.-"
)


def checked_address(text: str) -> str:
    """`text` as one bare address `local@domain` (domain lower-cased), else `InvalidAddress`.

    Deliberately narrower than RFC 5322: no display names, comments, quoted local parts or
    lists, so a user-typed value can never name a second recipient or smuggle a header.
    """
    address = text.strip()
    if not address:
        raise InvalidAddress("the email address is empty")
    if len(address) > MAX_ADDRESS_LENGTH:
        raise InvalidAddress(f"the email address is longer than {MAX_ADDRESS_LENGTH} characters")
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise InvalidAddress(f"{address!r} is not an email address (expected name@example.org)")
    if len(local) > 64 or not set(local) <= _LOCAL_CHARS:
        raise InvalidAddress(
            f"{address!r}: the part before @ has characters paperboy cannot send to"
        )
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise InvalidAddress(f"{address!r}: the part before @ has a misplaced dot")
    return f"{local}@{_checked_domain(address, domain)}"


def _checked_domain(address: str, domain: str) -> str:
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidAddress(f"{address!r}: {domain!r} is not a valid domain") from None
    labels = ascii_domain.split(".")
    valid = all(
        0 < len(label) <= 63
        and label.replace("-", "").isalnum()
        and label.isascii()
        and not label.startswith("-")
        and not label.endswith("-")
        for label in labels
    )
    if not valid:
        raise InvalidAddress(f"{address!r}: {domain!r} is not a valid domain")
    return domain.lower() if domain.isascii() else ascii_domain
