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
