"""A member's public page: who they are and what they did here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from paperboy.domain.accounts import User
from paperboy.domain.claims import AuthorClaim
from paperboy.domain.comments import Comment


@dataclass(frozen=True, slots=True)
class ProfilePaper:
    """A paper a profile lists, with when the member acted on it."""

    arxiv_id: str
    title: str
    acted_at: datetime | None = None
    listed_on: date | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    """`upvoted` is None when the member keeps their upvotes private."""

    user: User
    submitted: list[ProfilePaper] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    authored: list[AuthorClaim] = field(default_factory=list)
    upvoted: list[ProfilePaper] | None = None

    @property
    def shows_upvotes(self) -> bool:
        return self.upvoted is not None
