"""The absolute links a digest subscription's mails and pages carry, each with a signed token.

Every link works without logging in: the token names the subscription and is signed for one
purpose (`paperboy.domain.digests.link_token`), so a manage link cannot unsubscribe and a feed
URL cannot be turned into another subscriber's. Unsubscribing is an https link only: a
`mailto:` would go to an address nothing reads, and the subscriber would stay subscribed.
"""

from __future__ import annotations

from dataclasses import dataclass

from paperboy.config import Settings
from paperboy.domain.digests import LinkPurpose, link_token


@dataclass(frozen=True, slots=True)
class DigestLinks:
    """The links of one subscription, absolute under the site's `base_url`."""

    confirm: str
    manage: str
    unsubscribe: str
    feed_rss: str
    feed_atom: str


def digest_links(settings: Settings, subscription_id: int) -> DigestLinks:
    """Confirm, manage, unsubscribe and private feed links of a subscription."""
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
        feed_rss=f"{base}/feeds/digest/{feed}.rss",
        feed_atom=f"{base}/feeds/digest/{feed}.atom",
    )
