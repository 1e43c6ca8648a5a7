"""Members of the site: who they are and what their role lets them do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """What a member may do; each role can do everything the ones below it can."""

    MEMBER = "member"  # submit, upvote, comment, report, claim authorship
    CURATOR = "curator"  # the "AK" role: manage any day's list, hide comments, approve claims
    ADMIN = "admin"  # everything, plus roles and bans

    def can_curate(self) -> bool:
        return self in {Role.CURATOR, Role.ADMIN}


class AccountStatus(StrEnum):
    ACTIVE = "active"
    BANNED = "banned"  # may log in to read and export, may not act
    DELETED = "deleted"  # personal data erased; the row stays so comments keep an author slot


@dataclass(frozen=True, slots=True)
class User:
    """A member as the services see them (never the password hash)."""

    id: int
    username: str
    email: str
    display_name: str
    role: Role
    status: AccountStatus
    email_verified_at: datetime | None
    created_at: datetime
    show_upvotes: bool = False

    @property
    def is_active(self) -> bool:
        """May act (submit, vote, comment): active and with a verified email."""
        return self.status is AccountStatus.ACTIVE and self.email_verified_at is not None
