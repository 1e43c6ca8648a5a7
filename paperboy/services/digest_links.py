"""The absolute links a digest subscription's mails and pages carry, each with a signed token.

Every link works without logging in: the token names the subscription and is signed for one
purpose (`paperboy.domain.digests.link_token`), so a manage link cannot unsubscribe and a feed
URL cannot be turned into another subscriber's. The unsubscribe mailto goes to the site's From
address with the token in the subject, as RFC 2369 mail clients send it.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import quote, urlencode

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

    def token(purpose: LinkPurpose) -> str:
        return link_token(key, purpose, subscription_id)

    feed = quote(token(LinkPurpose.FEED), safe="")
    unsubscribe = token(LinkPurpose.UNSUBSCRIBE)
    return DigestLinks(
        confirm=f"{base}/subscribe/confirm?{urlencode({'token': token(LinkPurpose.CONFIRM)})}",
        manage=f"{base}/subscription?{urlencode({'token': token(LinkPurpose.MANAGE)})}",
        unsubscribe=f"{base}/unsubscribe?{urlencode({'token': unsubscribe})}",
        unsubscribe_mailto=unsubscribe_mailto(settings.mail_from, unsubscribe),
        feed_rss=f"{base}/feeds/digest/{feed}.rss",
        feed_atom=f"{base}/feeds/digest/{feed}.atom",
    )


def unsubscribe_mailto(mail_from: str, token: str) -> str:
    """`mailto:` the From address, subject `unsubscribe <token>` (RFC 2369's second form)."""
    address = parseaddr(mail_from)[1] or "postmaster@localhost"
    return f"mailto:{quote(address, safe='@')}?subject={quote(f'unsubscribe {token}', safe='')}"
