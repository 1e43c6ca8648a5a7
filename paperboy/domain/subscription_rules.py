"""Rules of subscribing to digests that hold whichever face (page, API, CLI) is used."""

from __future__ import annotations

from datetime import timedelta

# A pending address gets its confirmation mail again at most this often, however often the
# form is sent: the form must not become a way to flood someone's inbox.
CONFIRMATION_RESEND_INTERVAL = timedelta(minutes=5)


class SubscriptionExists(Exception):
    """The address (or the member) already has a subscription."""
