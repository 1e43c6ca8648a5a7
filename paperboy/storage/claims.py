"""The authorship-claim store: one live claim per author slot and per member on a paper.

The partial unique indexes (rejected claims excluded) make a second claim on a taken slot
fail in the database itself, so two members racing for one slot cannot both get it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from paperboy.domain.claims import AuthorClaim, ClaimStatus, SlotTaken
from paperboy.storage.comments import bump_content_revision
from paperboy.storage.engine import write_transaction
from paperboy.storage.schema import author_claims, papers, users

_CLAIMS = (
    select(
        author_claims,
        papers.c.arxiv_id,
        papers.c.title.label("paper_title"),
        users.c.username,
    )
    .select_from(author_claims)
    .join(papers, papers.c.id == author_claims.c.paper_id)
    .join(users, users.c.id == author_claims.c.user_id)
)


class SqlClaimStore:
    """Authorship claims on SQLite and PostgreSQL."""

    name = "authorship_claims"  # the member's data export section (services.accounts.MemberData)

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def member_data(self, user_id: int) -> list[dict[str, Any]]:
        """Every authorship claim the member made, in any status."""
        return [
            {
                "id": claim.id,
                "paper": claim.arxiv_id,
                "author_index": claim.author_index,
                "author_name": claim.author_name,
                "status": claim.status.value,
                "created_at": claim.created_at.isoformat(),
                "decided_at": claim.decided_at.isoformat() if claim.decided_at else None,
            }
            for claim in reversed(self.claims_by_user(user_id))
        ]

    def add_claim(
        self, arxiv_id: str, user_id: int, author_index: int, author_name: str, now: datetime
    ) -> AuthorClaim | None:
        """A pending claim; None when no paper has that id; SlotTaken when it is not free."""
        try:
            with write_transaction(self.engine) as connection:
                paper_id = connection.execute(
                    select(papers.c.id).where(papers.c.arxiv_id == arxiv_id)
                ).scalar()
                if paper_id is None:
                    return None
                values = {
                    "paper_id": paper_id,
                    "user_id": user_id,
                    "author_index": author_index,
                    "author_name": author_name,
                    "status": ClaimStatus.PENDING.value,
                    "created_at": now,
                }
                insert = author_claims.insert().values(**values).returning(author_claims.c.id)
                claim_id = connection.execute(insert).scalar_one()
        except IntegrityError as error:
            raise SlotTaken(
                f"author {author_index + 1} of {arxiv_id} is already claimed"
            ) from error
        return self.claim(claim_id)

    def claim(self, claim_id: int) -> AuthorClaim | None:
        return self._first(_CLAIMS.where(author_claims.c.id == claim_id))

    def decide_claim(
        self, claim_id: int, status: ClaimStatus, decided_by: int, now: datetime
    ) -> AuthorClaim | None:
        """Approve or reject a pending claim; a decided one is returned unchanged.

        Approval changes the paper page (the author is marked verified), so it moves the
        content revision in the same transaction.
        """
        with write_transaction(self.engine) as connection:
            update = (
                author_claims.update()
                .where(author_claims.c.id == claim_id)
                .where(author_claims.c.status == ClaimStatus.PENDING.value)
                .values(status=status.value, decided_by=decided_by, decided_at=now)
            )
            changed = connection.execute(update).rowcount
            if changed and status is ClaimStatus.APPROVED:
                bump_content_revision(connection)
        return self.claim(claim_id)

    def claims_for_paper(self, arxiv_id: str) -> list[AuthorClaim]:
        """Pending and approved claims on the paper, by author position."""
        query = (
            _CLAIMS.where(papers.c.arxiv_id == arxiv_id)
            .where(author_claims.c.status != ClaimStatus.REJECTED.value)
            .order_by(author_claims.c.author_index)
        )
        return self._all(query)

    def claims_by_user(self, user_id: int, status: ClaimStatus | None = None) -> list[AuthorClaim]:
        """The member's claims, newest first; only those in `status` when given."""
        query = _CLAIMS.where(author_claims.c.user_id == user_id)
        if status is not None:
            query = query.where(author_claims.c.status == status.value)
        order = (author_claims.c.created_at.desc(), author_claims.c.id.desc())
        return self._all(query.order_by(*order))

    def pending_claims(self, limit: int = 100) -> list[AuthorClaim]:
        """Claims waiting for a curator, oldest first."""
        query = (
            _CLAIMS.where(author_claims.c.status == ClaimStatus.PENDING.value)
            .order_by(author_claims.c.created_at, author_claims.c.id)
            .limit(limit)
        )
        return self._all(query)

    def _first(self, query: Any) -> AuthorClaim | None:
        found = self._all(query)
        return found[0] if found else None

    def _all(self, query: Any) -> list[AuthorClaim]:
        with self.engine.connect() as connection:
            return [_claim(row) for row in connection.execute(query)]


def _claim(row: Any) -> AuthorClaim:
    return AuthorClaim(
        id=row.id,
        arxiv_id=row.arxiv_id,
        paper_title=row.paper_title,
        user_id=row.user_id,
        username=row.username,
        author_index=row.author_index,
        author_name=row.author_name,
        status=ClaimStatus(row.status),
        created_at=row.created_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
    )
