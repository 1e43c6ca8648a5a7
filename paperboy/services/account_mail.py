"""The account emails: verify an address, reset a password, confirm a new address.

Each carries a one-time link; the link's secret is made here, its hash stored, the secret
itself only ever in the message. A mail server that fails is logged and reported as False,
never an error page: the member can ask again (sign-up still succeeds).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import quote

from paperboy.domain.accounts import User
from paperboy.domain.credentials import TokenPurpose, new_secret, secret_hash
from paperboy.domain.mail import OutgoingMail
from paperboy.services.account_store import AccountStore
from paperboy.services.ports import Mailer, MailTemplates

logger = logging.getLogger(__name__)

LIFETIMES = {
    TokenPurpose.VERIFY_EMAIL: timedelta(days=2),
    TokenPurpose.RESET_PASSWORD: timedelta(hours=1),
    TokenPurpose.CHANGE_EMAIL: timedelta(days=1),
}
TEMPLATES = {
    TokenPurpose.VERIFY_EMAIL: "account_verify",
    TokenPurpose.RESET_PASSWORD: "account_reset",
    TokenPurpose.CHANGE_EMAIL: "account_change_email",
}
PATHS = {
    TokenPurpose.VERIFY_EMAIL: "/verify-email/",
    TokenPurpose.RESET_PASSWORD: "/password-reset/",
    TokenPurpose.CHANGE_EMAIL: "/verify-email/change/",
}


class AccountMail:
    """Makes one-time links and mails them."""

    def __init__(
        self,
        store: AccountStore,
        mailer: Mailer,
        templates: MailTemplates,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.mailer = mailer
        self.templates = templates
        self.clock = clock

    def send_link(self, user: User, purpose: TokenPurpose, *, to: str | None = None) -> bool:
        """Store a new one-time token for `purpose` and mail its link to `to` (or the member)."""
        secret = new_secret()
        now = self.clock()
        lifetime = LIFETIMES[purpose]
        self.store.add_email_token(
            token_hash=secret_hash(secret),
            purpose=purpose,
            user_id=user.id,
            now=now,
            expires_at=now + lifetime,
            new_email=to,
        )
        context = {
            "username": user.username,
            "display_name": user.display_name,
            "link": PATHS[purpose] + quote(secret),
            "new_email": to or "",
            "hours": int(lifetime.total_seconds() // 3600),
        }
        return self.deliver(to or user.email, TEMPLATES[purpose], context)

    def deliver(self, to: str, template: str, context: dict[str, object]) -> bool:
        """Render `template` and send it to `to`; False (logged) if the mail server failed."""
        rendered = self.templates.render(template, context)
        message = OutgoingMail(
            to=to, subject=rendered.subject, text=rendered.text, html=rendered.html
        )
        try:
            self.mailer.send(message)
        except Exception:  # any delivery failure: the member can ask for the link again
            logger.warning("sending %s failed", template, exc_info=True)
            return False
        return True
