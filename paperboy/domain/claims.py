"""Authorship claims: a member says "I am author n of this paper", a curator decides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from paperboy.domain.moderation import Conflict


class ClaimStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"  # frees the author slot for another claim


@dataclass(frozen=True, slots=True)
class AuthorClaim:
    """A member's claim to one author slot (position in the paper's author list)."""

    id: int
    arxiv_id: str
    paper_title: str
    user_id: int
    username: str
    author_index: int
    author_name: str
    status: ClaimStatus
    created_at: datetime
    decided_by: int | None = None
    decided_at: datetime | None = None

    @property
    def is_approved(self) -> bool:
        return self.status is ClaimStatus.APPROVED


class SlotTaken(Conflict):
    """The author slot, or this member's claim on the paper, is already pending or approved."""
