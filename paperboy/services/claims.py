"""Claiming authorship: a member claims an author slot of a paper, a curator decides.

An approved claim marks that author as verified on the paper page (linking to the member's
profile) and lists the paper on the profile.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from paperboy.domain.accounts import User
from paperboy.domain.claims import AuthorClaim, ClaimStatus
from paperboy.domain.models import Paper
from paperboy.domain.moderation import (
    Conflict,
    InvalidInput,
    NotFound,
    require_active,
    require_curator,
)


class ClaimStore(Protocol):
    """Authorship claims (storage.claims implements it)."""

    def add_claim(
        self, arxiv_id: str, user_id: int, author_index: int, author_name: str, now: datetime
    ) -> AuthorClaim | None: ...

    def claim(self, claim_id: int) -> AuthorClaim | None: ...

    def decide_claim(
        self, claim_id: int, status: ClaimStatus, decided_by: int, now: datetime
    ) -> AuthorClaim | None: ...

    def claims_for_paper(self, arxiv_id: str) -> list[AuthorClaim]: ...

    def claims_by_user(
        self, user_id: int, status: ClaimStatus | None = None
    ) -> list[AuthorClaim]: ...

    def pending_claims(self, limit: int = 100) -> list[AuthorClaim]: ...


class PaperLookup(Protocol):
    def paper(self, arxiv_id: str) -> Paper | None: ...


def claim_authorship(
    claims: ClaimStore,
    papers: PaperLookup,
    member: User,
    arxiv_id: str,
    author_index: int,
    now: datetime,
) -> AuthorClaim:
    """A pending claim that `member` is author number `author_index` (from 0) of the paper.

    SlotTaken (a Conflict) when someone holds that slot or the member already claimed one.
    """
    require_active(member, "claim authorship")
    paper = papers.paper(arxiv_id)
    if paper is None:
        raise NotFound(f"no paper {arxiv_id} here")
    if not 0 <= author_index < len(paper.authors):
        count = len(paper.authors)
        raise InvalidInput("author_index", f"must be from 0 to {count - 1} ({count} authors)")
    claim = claims.add_claim(arxiv_id, member.id, author_index, paper.authors[author_index], now)
    if claim is None:
        raise NotFound(f"no paper {arxiv_id} here")
    return claim


def decide_claim(
    claims: ClaimStore, curator: User, claim_id: int, *, approve: bool, now: datetime
) -> AuthorClaim:
    """Approve or reject a pending claim (curators and admins)."""
    require_curator(curator, "decide authorship claims")
    status = ClaimStatus.APPROVED if approve else ClaimStatus.REJECTED
    current = claims.claim(claim_id)
    if current is None:
        raise NotFound(f"no claim {claim_id}")
    if current.status is not ClaimStatus.PENDING:
        raise Conflict(f"claim {claim_id} was already {current.status.value}")
    decided = claims.decide_claim(claim_id, status, curator.id, now)
    if decided is None or decided.status is not status:
        raise Conflict(f"claim {claim_id} was decided by someone else just now")
    return decided


def verified_authors(claims: ClaimStore, arxiv_id: str) -> dict[int, AuthorClaim]:
    """Approved claims on the paper by author position (the paper page marks these)."""
    return {c.author_index: c for c in claims.claims_for_paper(arxiv_id) if c.is_approved}


def claims_on_paper(claims: ClaimStore, arxiv_id: str) -> list[AuthorClaim]:
    """Pending and approved claims on the paper, by author position."""
    return claims.claims_for_paper(arxiv_id)


def pending_claims(claims: ClaimStore, curator: User, limit: int = 100) -> list[AuthorClaim]:
    """Claims waiting for a decision, oldest first (curators and admins)."""
    require_curator(curator, "review authorship claims")
    return claims.pending_claims(limit)
