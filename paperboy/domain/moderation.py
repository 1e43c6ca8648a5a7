"""Who may act in discussions and moderate them, and the errors those actions raise.

Each error's `code` is the API's error code; the faces map codes to statuses (404, 403, 422,
413, 409) in one place.
"""

from __future__ import annotations

from paperboy.domain.accounts import User


class DiscussionError(Exception):
    """A comment, report or claim action that cannot be done; the message says why."""

    code = "bad_request"


class NotFound(DiscussionError, LookupError):
    """No such paper, comment or claim (that this member may see)."""

    code = "not_found"


class NotAllowed(DiscussionError, PermissionError):
    """Not theirs, not a curator, or an account that may not act (unverified, banned)."""

    code = "forbidden"


class InvalidInput(DiscussionError, ValueError):
    """A field's value is unusable; `field` names it and the message starts with it."""

    code = "invalid_parameter"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class TooLong(InvalidInput):
    """A text is longer than the site allows."""

    code = "too_long"


class Conflict(DiscussionError):
    """The thing is already taken or decided."""

    code = "conflict"


def can_moderate(user: User | None) -> bool:
    """Curators and admins who may act: they see, hide and delete any comment."""
    return user is not None and user.is_active and user.role.can_curate()


def require_active(user: User, action: str) -> None:
    """Refuse unverified, banned and deleted accounts."""
    if not user.is_active:
        raise NotAllowed(f"only active members with a verified email can {action}")


def require_curator(user: User, action: str = "moderate") -> None:
    """Refuse anyone but active curators and admins."""
    require_active(user, action)
    if not can_moderate(user):
        raise NotAllowed(f"only curators and admins can {action}")
