"""The absolute links a digest subscription's mails and pages carry, each with a signed token.

Every link works without logging in: the token names the subscription and is signed for one
purpose (`paperboy.domain.digests.link_token`), so a manage link cannot unsubscribe and a feed
URL cannot be turned into another subscriber's. The unsubscribe mailto goes to the site's From
address with the token in the subject, as RFC 2369 mail clients send it.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from functools import lru_cache
from urllib.parse import quote

from paperboy.config import Settings
from paperboy.domain.digests import LinkPurpose, link_token


@dataclass(frozen=True, slots=True)
class DigestLinks:
    """The links of one subscription, absolute under the site's `base_url`."""

    confirm: str
    manage: str
    unsubscribe: str
    unsubscribe_mailto: str
    feed_rss: str
    feed_atom: str


def digest_links(settings: Settings, subscription_id: int) -> DigestLinks:
    """Confirm, manage, unsubscribe (https and mailto) and private feed links of a subscription."""
    base = settings.base_url.rstrip("/")
    key = settings.secret_key
    # tokens are `<digits>.<hex>`: safe in a query string and a path as they are
    confirm = link_token(key, LinkPurpose.CONFIRM, subscription_id)
    manage = link_token(key, LinkPurpose.MANAGE, subscription_id)
    unsubscribe = link_token(key, LinkPurpose.UNSUBSCRIBE, subscription_id)
    feed = link_token(key, LinkPurpose.FEED, subscription_id)
    return DigestLinks(
        confirm=f"{base}/subscribe/confirm?token={confirm}",
        manage=f"{base}/subscription?token={manage}",
        unsubscribe=f"{base}/unsubscribe?token={unsubscribe}",
        unsubscribe_mailto=f"{_mailto(settings.mail_from)}?subject=unsubscribe%20{unsubscribe}",
        feed_rss=f"{base}/feeds/digest/{feed}.rss",
        feed_atom=f"{base}/feeds/digest/{feed}.atom",
    )


@lru_cache(maxsize=8)
def _mailto(mail_from: str) -> str:
    """`mailto:` the From setting's address (RFC 2369: the subject carries the token)."""
    address = parseaddr(mail_from)[1] or "postmaster@localhost"
    return f"mailto:{quote(address, safe='@')}"
