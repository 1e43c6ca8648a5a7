"""Member profiles (`/u/{username}`): submissions, comments, authored papers, and upvotes
when the member lets others see them."""

from __future__ import annotations

from typing import Protocol

from paperboy.domain.accounts import AccountStatus, User
from paperboy.domain.claims import ClaimStatus
from paperboy.domain.moderation import NotFound
from paperboy.domain.profiles import Profile, ProfilePaper
from paperboy.services.claims import ClaimStore
from paperboy.services.comments import CommentStore

PROFILE_LIMIT = 50


class ProfileStore(Protocol):
    """Profile reads (storage.profiles implements it)."""

    def member(self, username: str) -> User | None: ...

    def submitted_papers(self, user_id: int, limit: int = 50) -> list[ProfilePaper]: ...

    def upvoted_papers(self, user_id: int, limit: int = 50) -> list[ProfilePaper]: ...


def member_profile(
    profiles: ProfileStore,
    comments: CommentStore,
    claims: ClaimStore,
    username: str,
    viewer: User | None,
) -> Profile:
    """The profile of `username` as `viewer` sees it; NotFound for unknown or deleted members.

    Upvotes are listed when the member chose to show them, and always to the member.
    """
    user = profiles.member(username)
    if user is None or user.status is AccountStatus.DELETED:
        raise NotFound(f"no member {username!r} here")
    own = viewer is not None and viewer.id == user.id
    upvoted = None
    if user.show_upvotes or own:
        upvoted = profiles.upvoted_papers(user.id, PROFILE_LIMIT)
    return Profile(
        user=user,
        submitted=profiles.submitted_papers(user.id, PROFILE_LIMIT),
        comments=comments.comments_by_user(user.id, PROFILE_LIMIT),
        authored=claims.claims_by_user(user.id, ClaimStatus.APPROVED),
        upvoted=upvoted,
    )
